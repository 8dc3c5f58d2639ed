"""Drawings in: find the DXF files, read the order manifest, read and check each drawing.

A bad drawing never stops the run: it becomes a per-file failure naming the file and the reason,
and the other drawings go on. URLs are downloaded once here to check their geometry (CloudNest
later fetches them itself by active download).
"""

from __future__ import annotations

import glob
import hashlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import task_run
from pydantic import BaseModel, Field

from nestflow.geometry.manifest import ManifestLine, read_manifest
from nestflow.geometry.models import Part
from nestflow.geometry.reader import DrawingFailure, ReadOptions, read_one
from tasks.events import drawing_resource, emit

GLOB_CHARACTERS = frozenset("*?[")
DOWNLOAD_TIMEOUT_S = 60.0


class DrawingLocation(BaseModel):
    """A drawing to read: a local file or a URL, and the file name it is known by."""

    file: str = Field(description="File name, unique within the run.")
    path: str | None = None
    url: str | None = None


class OrderTerms(BaseModel):
    """How many of a drawing's parts to cut and how they may be turned."""

    quantity: int = Field(default=1, ge=1)
    rotations: list[float] = Field(default_factory=lambda: [0.0, 90.0, 180.0, 270.0])
    flip: bool = False
    manifest_line: int | None = None


class CheckedDrawing(BaseModel):
    """A drawing after reading: its parts, or why it cannot be cut."""

    ref: DrawingLocation
    sha256: str = ""
    content: bytes = Field(
        default=b"",
        exclude=True,
        repr=False,
        description="The bytes that were checked (and hashed): what the engines are sent.",
    )
    parts: list[Part] = Field(default_factory=list)
    failure: DrawingFailure | None = None
    terms: OrderTerms = Field(default_factory=OrderTerms)

    @property
    def ok(self) -> bool:
        """True when the drawing gave parts and no failure."""
        return self.failure is None and bool(self.parts)


def find_dxf_files(folder_or_glob: str) -> list[Path]:
    """The DXF files of a folder (top level, any case of ``.dxf``) or matching a glob pattern.

    Args:
        folder_or_glob: A folder, or a pattern such as ``inbox/**/*.dxf`` (``**`` recurses).

    Returns:
        Absolute paths, sorted.

    Raises:
        FileNotFoundError: A folder that does not exist.
    """
    if GLOB_CHARACTERS & set(folder_or_glob):
        matches = glob.glob(str(Path(folder_or_glob).expanduser()), recursive=True)
        return sorted(Path(m).resolve() for m in matches if Path(m).is_file())
    folder = Path(folder_or_glob).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"drawing folder {folder.resolve()} does not exist")
    return sorted(
        p.resolve() for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".dxf"
    )


def url_file_name(url: str) -> str:
    """The file name at the end of a URL's path (``drawing.dxf`` when there is none)."""
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    return name or "drawing.dxf"


def collect_refs(
    folder: str | None, files: list[str], urls: list[str], manifest: list[ManifestLine]
) -> tuple[list[DrawingLocation], list[DrawingFailure]]:
    """Every drawing of the run, once per file name; a repeated name is a failure.

    With no folder, files or URLs, the manifest's files are the drawings.
    """
    paths = [str(p) for p in find_dxf_files(folder)] if folder else []
    paths += [str(Path(f).expanduser().resolve()) for f in files]
    if not (folder or files or urls):
        paths = [str(line.file.resolve()) for line in manifest]
    refs = [DrawingLocation(file=Path(p).name, path=p) for p in paths]
    refs += [DrawingLocation(file=url_file_name(u), url=u) for u in urls]
    unique: dict[str, DrawingLocation] = {}
    failures = []
    for ref in refs:
        first = unique.setdefault(ref.file, ref)
        if first is not ref and (first.path, first.url) != (ref.path, ref.url):
            where = ref.path or ref.url
            failures.append(
                DrawingFailure(
                    file=ref.file,
                    kind="duplicate_name",
                    message=f"another drawing is already named {ref.file}; rename {where}",
                )
            )
    return list(unique.values()), failures


def terms_for(
    ref: DrawingLocation,
    manifest: list[ManifestLine],
    default: OrderTerms,
    material: str,
    thickness: float,
) -> OrderTerms | DrawingFailure:
    """The manifest's terms for a drawing (matched by file name), else the run's defaults.

    A manifest line for another material or thickness is a failure: a job is cut from one sheet.
    """
    line = next((m for m in manifest if m.file.name == ref.file), None)
    if line is None:
        return default
    if line.material.lower() != material.lower() or abs(line.thickness - thickness) > 1e-6:
        return DrawingFailure(
            file=ref.file,
            kind="other_material",
            message=(
                f"manifest line {line.line} asks for {line.material} {line.thickness:g} mm, "
                f"this run cuts {material} {thickness:g} mm: nest it in a run for that material"
            ),
        )
    return OrderTerms(
        quantity=line.quantity,
        rotations=list(line.rotations),
        flip=line.flip,
        manifest_line=line.line,
    )


@task(name="Find drawings", cache_policy=NO_CACHE)
def find_drawings(
    folder: str | None, files: list[str], urls: list[str], manifest: list[ManifestLine]
) -> tuple[list[DrawingLocation], list[DrawingFailure]]:
    """Every drawing of the run (see :func:`collect_refs`); a missing folder raises."""
    refs, failures = collect_refs(folder, files, urls, manifest)
    get_run_logger().info("%d drawing(s) to read", len(refs))
    return refs, failures


@task(name="Read order manifest", cache_policy=NO_CACHE)
def load_manifest(path: str | None) -> list[ManifestLine]:
    """Read the order manifest CSV, or nothing when no manifest is given.

    Raises:
        ManifestError: The manifest cannot be read (file, line and column named).
    """
    if not path:
        return []
    lines = read_manifest(path)
    get_run_logger().info("manifest %s: %d line(s)", path, len(lines))
    return lines


def _content(ref: DrawingLocation, timeout: float) -> bytes:
    if ref.path is not None:
        return Path(ref.path).read_bytes()
    response = httpx.get(ref.url or "", timeout=timeout, follow_redirects=True)
    response.raise_for_status()
    return response.content


def _read(
    file: str, content: bytes, options: ReadOptions
) -> tuple[list[Part], DrawingFailure | None]:
    """Read one drawing's bytes (its problem becomes a failure, never an exception)."""
    one = read_one(content, name=file, options=options)
    return one.parts, (one.failures[0] if one.failures else None)


#: Drawings read per task: a task per drawing would cost more in orchestration than reading.
CHECK_BATCH = 20


class DrawingToCheck(BaseModel):
    """A drawing and the terms it is ordered with (or why its order line is refused)."""

    ref: DrawingLocation
    terms: OrderTerms | DrawingFailure


def check_batches(items: list[DrawingToCheck]) -> list[list[DrawingToCheck]]:
    """Consecutive batches of at most ``CHECK_BATCH`` drawings."""
    return [items[i : i + CHECK_BATCH] for i in range(0, len(items), CHECK_BATCH)]


def _batch_name() -> str:
    items = task_run.parameters["items"]
    first, last = items[0].ref.file, items[-1].ref.file
    return f"check {first}" if len(items) == 1 else f"check {first} .. {last}"


@task(name="Read and check drawings", task_run_name=_batch_name, cache_policy=NO_CACHE)
def check_drawings(items: list[DrawingToCheck], options: ReadOptions) -> list[CheckedDrawing]:
    """Read and check a batch of drawings; each one's problem becomes its own failure."""
    return [check_drawing(item.ref, item.terms, options) for item in items]


def check_drawing(
    ref: DrawingLocation, terms: OrderTerms | DrawingFailure, options: ReadOptions
) -> CheckedDrawing:
    """Read one drawing into parts and check them; any problem becomes the drawing's failure.

    Emits ``nestflow.drawing.checked`` or ``nestflow.drawing.rejected``.
    """
    if isinstance(terms, DrawingFailure):
        return _rejected(CheckedDrawing(ref=ref, failure=terms))
    try:
        content = _content(ref, DOWNLOAD_TIMEOUT_S)
    except (OSError, httpx.HTTPError) as exc:
        failure = DrawingFailure(
            file=ref.file, kind="unreachable", message=f"cannot fetch {ref.path or ref.url}: {exc}"
        )
        return _rejected(CheckedDrawing(ref=ref, failure=failure, terms=terms))
    sha256 = hashlib.sha256(content).hexdigest()
    parts, failure = _read(ref.file, content, options)
    checked = CheckedDrawing(
        ref=ref, sha256=sha256, content=content, parts=parts, failure=failure, terms=terms
    )
    if not checked.ok:
        return _rejected(checked)
    emit(
        "nestflow.drawing.checked",
        drawing_resource(sha256, ref.file),
        payload={
            "file": ref.file,
            "parts": [p.name for p in parts],
            "area_mm2": round(sum(p.area for p in parts), 1),
            "quantity": terms.quantity,
            "warnings": sorted({w for p in parts for w in p.warnings}),
        },
    )
    return checked


def _rejected(checked: CheckedDrawing) -> CheckedDrawing:
    failure = checked.failure or DrawingFailure(
        file=checked.ref.file, kind="no_parts", message="the drawing holds no part"
    )
    checked = checked.model_copy(update={"failure": failure})
    get_run_logger().warning("%s rejected (%s): %s", failure.file, failure.kind, failure.message)
    emit(
        "nestflow.drawing.rejected",
        drawing_resource(checked.sha256 or checked.ref.file, checked.ref.file),
        payload={"file": failure.file, "kind": failure.kind, "message": failure.message},
    )
    return checked
