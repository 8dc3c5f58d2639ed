"""Inbox watching: which DXF files are new since the last look, and the memory of what was seen.

The watcher remembers files by relative path *and* content hash, so a file replaced by a new
version counts as new. Its memory is a small JSON file written through a filesystem block, so it
survives restarts and can live on shared storage.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.filesystems import WritableFileSystem
from pydantic import BaseModel, Field, ValidationError

from nestflow.intake import GLOB_CHARACTERS, find_dxf_files, printable
from nestflow.tasks.drawings import run_logger
from nestflow.tasks.events import ARRIVED, emit, inbox_resource
from nestflow.tasks.storage import read_file, write_file

STATE_FILE = ".nestflow-inbox.json"


class InboxFile(BaseModel):
    """A DXF file found in the inbox."""

    path: str = Field(description="Absolute path of the file.")
    name: str = Field(description="Path relative to the inbox.")
    sha256: str


class InboxState(BaseModel):
    """What the watcher has already announced: relative path -> sha256 of the content."""

    seen: dict[str, str] = Field(default_factory=dict)

    def is_new(self, item: InboxFile) -> bool:
        """True when the file was never announced with this content."""
        return self.seen.get(item.name) != item.sha256

    def with_files(self, files: list[InboxFile]) -> InboxState:
        """A copy that also remembers ``files``."""
        return InboxState(seen={**self.seen, **{f.name: f.sha256 for f in files}})


def file_sha256(path: Path) -> str:
    """The sha256 of a file's content, as hex (read in chunks: a huge drop costs no memory)."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


#: Most files announced in one arrival event (one job): a shop's nightly drop stays one job.
ARRIVAL_FILES = 500
#: Most bytes of file entries in one arrival event, far under Prefect's event limit (1.5 MB by
#: default; a larger event is refused at emit, which would stop the watcher at every look).
ARRIVAL_BYTES = 400_000


def arrival_batches(
    files: list[InboxFile], max_files: int = ARRIVAL_FILES, max_bytes: int = ARRIVAL_BYTES
) -> list[list[InboxFile]]:
    """The new files split into arrivals, each small enough for one event, in name order.

    The same files always give the same batches, so a look repeated after a crash proposes the
    same job names.
    """
    batches: list[list[InboxFile]] = []
    size = 0
    for item in sorted(files, key=lambda f: f.name):
        # What the file adds to arrival_payload: its path in the run's drawings, its entry in
        # the file list, two separators (ASCII-escaped, so never fewer bytes than sent).
        entry = len(json.dumps(item.path)) + len(json.dumps(item.model_dump())) + 2
        if not batches or len(batches[-1]) >= max_files or size + entry > max_bytes:
            batches.append([])
            size = 0
        batches[-1].append(item)
        size += entry
    return batches


def arrival_job_name(prefix: str, files: list[InboxFile]) -> str:
    """A job name derived from the files' names and contents.

    The same arrival announced twice (a watcher that crashed before saving its state) yields the
    same job name, so the pipeline's job cache keeps it to one CloudNest job.
    """
    digest = hashlib.sha256()
    for item in sorted(files, key=lambda f: f.name):
        digest.update(f"{item.name}\0{item.sha256}\n".encode())
    return f"{prefix}-{digest.hexdigest()[:12]}"


@task(name="Load inbox state", cache_policy=NO_CACHE)
def load_state(storage: WritableFileSystem) -> InboxState:
    """Read the watcher's memory; an absent or unreadable file means nothing was seen yet."""
    raw = read_file(storage, STATE_FILE)
    if raw is None:
        return InboxState()
    try:
        return InboxState.model_validate_json(raw)
    except ValidationError:
        get_run_logger().warning("inbox state %s is unreadable; starting afresh", STATE_FILE)
        return InboxState()


@task(name="Find new drawings in the inbox", cache_policy=NO_CACHE)
def find_new_drawings(inbox: str, state: InboxState, settle_s: float) -> list[InboxFile]:
    """List the inbox's DXF files that were not announced yet with their current content.

    Files modified less than ``settle_s`` seconds ago are left for the next look: they may
    still be being copied. A link leading out of the inbox is not announced (a warning names
    it).
    """
    root = Path(inbox).expanduser().resolve()
    now = time.time()
    found = []
    for path in find_dxf_files(str(root)):
        if not path.is_relative_to(root):
            # A link out of the inbox: announcing its target would hand a run a file the inbox
            # only points to (and the run would refuse it, or file it away from elsewhere).
            run_logger(__name__).warning(
                "%s leads out of the inbox %s: not announced", printable(str(path)), root
            )
            continue
        if now - path.stat().st_mtime < settle_s:
            continue
        name = path.relative_to(root).as_posix()
        item = InboxFile(path=str(path), name=name, sha256=file_sha256(path))
        if state.is_new(item):
            found.append(item)
    get_run_logger().info("%d new DXF file(s) in %s", len(found), root)
    return found


def arrival_payload(job_name: str, files: list[InboxFile]) -> dict[str, Any]:
    """The payload of ``nestflow.drawings.arrived``: the job name, the run's drawings, the files."""
    return {
        "job_name": job_name,
        "drawings": {"files": [f.path for f in files]},
        "files": [f.model_dump() for f in files],
        "count": len(files),
    }


@task(name="Announce arrived drawings", cache_policy=NO_CACHE)
def announce_arrival(inbox: str, files: list[InboxFile], job_name: str) -> None:
    """Emit ``nestflow.drawings.arrived`` with the file list (the on-arrival trigger)."""
    resource = inbox_resource(str(Path(inbox).expanduser().resolve()))
    emit(ARRIVED, resource, payload=arrival_payload(job_name, files))


@task(name="Save inbox state", cache_policy=NO_CACHE)
def save_state(storage: WritableFileSystem, state: InboxState) -> None:
    """Write the watcher's memory."""
    write_file(storage, STATE_FILE, state.model_dump_json(indent=2).encode())


class Filed(BaseModel):
    """Where a run's drawings went after it: processed, rejected (with a reason), or left."""

    processed: list[str] = Field(default_factory=list)
    rejected: list[str] = Field(default_factory=list)
    left: list[str] = Field(
        default_factory=list,
        description="Drawings left in place, each with why (a link, outside the inbox).",
    )


def _why_left(path: Path, inbox: Path, sub: str) -> str | None:
    """Why ``path`` may not be filed into ``<its folder>/<sub>`` (None: it may).

    Filing moves files, so it never goes through a link: a drawing that is a link, that lies
    outside the inbox once links are followed, or whose ``processed/`` or ``rejected/`` folder
    is a link or leads out of the inbox, is left where it is and named.
    """
    shown = printable(str(path))
    if path.is_symlink():
        return f"{shown} is a link (to {printable(os.readlink(path))}): links are not filed"
    if not path.resolve().is_relative_to(inbox):
        return f"{shown} lies outside the inbox {inbox} once links are followed: not filed"
    folder = path.parent / sub
    if folder.is_symlink() or (folder.exists() and not folder.resolve().is_relative_to(inbox)):
        return f"{printable(str(folder))} is a link or leads out of the inbox: {shown} not filed"
    return None


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():  # a file of the same name filed earlier: keep both
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = folder / f"{path.stem}-{stamp}{path.suffix}"
    return Path(shutil.move(str(path), str(target)))


def _inbox_folder(inbox: str) -> Path:
    """The inbox's folder, resolved: a glob pattern's part before its first wildcard."""
    parts = Path(inbox).expanduser().parts
    # No fixed part ("*.dxf"): Path() is the working folder.
    return Path(*itertools.takewhile(lambda p: not GLOB_CHARACTERS & set(p), parts)).resolve()


@task(name="File the drawings away", cache_policy=NO_CACHE)
def file_away(done: list[str], rejected: dict[str, str], inbox: str) -> Filed:
    """File a run's drawings next to where they were found, never out of the inbox.

    Each drawing cut whole goes to ``processed/``; each rejected one to ``rejected/`` with a
    ``<name>.txt`` giving the reason. Files already gone are skipped. A drawing that is a link,
    lies outside ``inbox`` once links are followed, or whose ``processed/`` or ``rejected/``
    folder is a link or leads out of it, is left in place and named in ``Filed.left`` (and the
    log): filing must not move a file the inbox only points to.

    Args:
        done: Paths of the drawings whose every ordered copy is cut.
        rejected: Path -> why the drawing was rejected.
        inbox: The folder the drawings were found in.
    """
    root = _inbox_folder(inbox)
    filed = Filed()
    logger = run_logger(__name__)
    for names, sub in ((done, "processed"), (list(rejected), "rejected")):
        for name in names:
            path = Path(name)
            if not (path.exists() or path.is_symlink()):
                continue
            why = _why_left(path, root, sub)
            if why is not None:
                logger.warning("%s", why)
                filed.left.append(why)
                continue
            moved = _move(path, path.parent / sub)
            if sub == "processed":
                filed.processed.append(str(moved))
            else:
                text = rejected[name] + "\n"
                moved.with_suffix(moved.suffix + ".txt").write_text(text, encoding="utf-8")
                filed.rejected.append(str(moved))
    logger.info(
        "%d drawing(s) filed in processed/, %d in rejected/, %d left in place",
        len(filed.processed),
        len(filed.rejected),
        len(filed.left),
    )
    return filed
