"""Drawings in: where each drawing is, the terms it is ordered with, and what reading it gave.

The rules of the intake, with no I/O beyond listing a folder and reading one local file within
bounds: which DXF files a folder or glob holds, where a run may read drawings from, every drawing
of a run once per file name, whether the order manifest and the drawings match, the manifest's
terms for a drawing (or why its line is refused), the judgement of a read drawing (units, holes)
and the engines' order lines from the checked drawings.

**Where drawings are read from.** Deny by default: every local path of a run (the folder, the
files, the manifest) must lie in the run's *working folder* (the current folder of the process:
where the command line was started, the deployment's project folder for a worker), once ``..``
and symbolic links are followed, and a manifest line in or below the manifest's own folder:
``/etc/passwd``, ``../../etc/shadow`` or a link out of the folder is refused
(:class:`PlaceRefused`, naming where it was written and the path as written) before anything is
read, so a form or an event naming a path cannot make a worker read its other files. A shop that
keeps drawings elsewhere lists its folders as *roots* (the Drawing Roots block); with roots, every
local path of a run (the folder, the files, the manifest and its lines) must lie in one of them
instead. URLs are checked by :mod:`nestflow.urls`.

**Names.** A path holding a NUL byte, a control character (a newline would forge a log line, an
escape sequence would rewrite a terminal), a component above :data:`MAX_NAME_BYTES` bytes or more
than :data:`MAX_PATH_BYTES` bytes in all is refused by :class:`NameRefused` before it is used,
named with its control characters escaped; a folder's file with such a name is rejected alone.

**Which files, how much.** Only regular files are read (:func:`read_regular_file`): a FIFO would
block the run, ``/dev/zero`` never ends, a folder or a socket is no drawing. The size is checked
before reading and the read stops one byte past the limit, so no file (not even one growing
while it is read) can hold more than the limit in memory. No error quotes a file's content.

**Manifest integrity.** When a manifest is given, every line must match a drawing of the run and
(when drawings are given besides the manifest) every drawing must have a line: a typo would
otherwise cut a drawing once instead of 25 times, silently. :func:`manifest_mismatches` names
each line that matches nothing (line number, file name, the drawings it could have meant) and
each drawing no line orders (and the lines it could have been). A production run fails on them
before anything is nested (:class:`ManifestMismatch`); a quote rejects them by name and prices
the rest. Two lines for one drawing are summed by
:func:`~nestflow.geometry.manifest.read_manifest` (or refused there when their terms differ).
:func:`check_order_manifest` finds every problem of a manifest (its format, its lines' places,
the drawings it matches) at once, before a run starts: a run stops at the first.

**Units.** A drawing's manifest line's ``units`` is a person's answer for that drawing: it
overrides the drawing's own ``$INSUNITS`` (headers can be wrong: R12 exports that say metres for
a drawing in mm), with a warning naming both. Without it, the drawing's ``$INSUNITS`` counts;
a drawing without one is read in the run's ``units`` (``mm`` or ``inch``; ``auto`` reads mm).
The run's units are a default for every drawing, never an answer for one: a unitless drawing
whose size says otherwise, read as mm but looking drawn in inches
(:func:`~nestflow.geometry.reader.inch_suspect`, under 60 mm) or read as inches but looking
drawn in mm (:func:`~nestflow.geometry.reader.mm_suspect`, 60 in and more), is refused in
production naming its size and saying to answer in its manifest line's ``units``, and kept with
the reader's warning in a quote. The check is symmetric because both mistakes are cut silently:
an inch drawing read as mm is a 25.4 times smaller part that nests anywhere, a mm drawing of 60
to 118 mm read as inches a 1.5 to 3 m plate that still fits a 3 m sheet (a larger one is refused
as too large for ``max_part_size`` or for the sheet).

**Holes.** A hole narrower than the sheet thickness times ``min_hole_ratio`` is flagged with a
warning naming the file, the part, the hole's width and the thickness, in every mode: a laser
cannot cut a hole much narrower than the sheet is thick, but the part may still be wanted with
the hole drilled or the ratio is the shop's to tune, so the run goes on.
"""

from __future__ import annotations

import difflib
import glob
import hashlib
import os
import stat
import unicodedata
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field

from nestflow.engines.base import PartOrder
from nestflow.geometry.errors import format_point
from nestflow.geometry.inspect import NarrowHole, narrow_holes
from nestflow.geometry.manifest import (
    MAX_NAME_BYTES,
    MAX_QUANTITY,
    ManifestError,
    ManifestLine,
    manifest_problems,
    parse_manifest,
)
from nestflow.geometry.models import Part
from nestflow.geometry.reader import (
    CONFIRM_UNITS,
    DrawingFailure,
    ReadOptions,
    dxf_with_units,
    header_units,
    inch_suspect,
    mm_suspect,
    read_one,
)

GLOB_CHARACTERS = frozenset("*?[")
#: Names suggested for a line or drawing that matches nothing.
CLOSE_MATCHES = 3
#: Problems of a manifest for which the names meant are looked for (each costs a fuzzy match
#: against every drawing: a manifest of 10,000 wrong lines took over a minute with all of them).
SUGGESTED_PROBLEMS = 20
#: Narrow holes listed by place in one warning.
LISTED_HOLES = 5
#: Parts named in one reader warning: a warning shared by 100k parts must not name them all.
LISTED_PARTS = 10
#: Largest order manifest read. A line is about 50 bytes, so this is some 200,000 lines, far
#: above any order (each line is a drawing to read), and a bound on what a manifest costs.
MAX_MANIFEST_BYTES = 10 * 1024 * 1024
#: Longest path, in bytes (PATH_MAX of Linux).
MAX_PATH_BYTES = 4096
#: Characters of a refused name shown in a message (the rest is counted).
SHOWN_NAME_CHARS = 120
#: Bytes read at a time from a local file.
_CHUNK = 1024 * 1024
#: What a path that is not a regular file is, for messages (checked in this order).
_NOT_FILES: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class DrawingLocation(BaseModel):
    """A drawing to read: a local file or a URL, and the file name it is known by."""

    file: str = Field(description="File name, unique within the run.")
    path: str | None = None
    url: str | None = None


class OrderTerms(BaseModel):
    """How many of a drawing's parts to cut and how they may be turned."""

    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)
    rotations: list[float] = Field(default_factory=lambda: [0.0, 90.0, 180.0, 270.0])
    flip: bool = False
    units: Literal["mm", "inch"] | None = Field(
        default=None,
        description="Units the manifest gives the drawing: they override its $INSUNITS.",
    )
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
    warnings: list[str] = Field(
        default_factory=list, description="Reader and intake warnings, naming file and part."
    )

    @property
    def ok(self) -> bool:
        """True when the drawing gave parts and no failure."""
        return self.failure is None and bool(self.parts)


class Intake(BaseModel):
    """The drawings of a run after reading: those that will be nested and those rejected."""

    drawings: list[CheckedDrawing] = Field(default_factory=list)
    rejected: list[DrawingFailure] = Field(default_factory=list)
    rejected_orders: dict[str, int] = Field(
        default_factory=dict,
        description="File -> copies ordered, of each rejected drawing whose order was read: "
        "those copies are missing from what is cut.",
    )
    warnings: list[str] = Field(
        default_factory=list, description="Reader and intake warnings, each naming its file."
    )

    @property
    def files(self) -> list[str]:
        """File names of the drawings that will be nested."""
        return [d.ref.file for d in self.drawings]

    def parts_by_name(self) -> dict[str, Part]:
        """Part name -> its geometry, for pricing layouts that name parts."""
        return {p.name: p for d in self.drawings for p in d.parts}

    def part_areas(self) -> dict[str, float]:
        """Part name -> net area, for measuring layouts that name parts."""
        return {p.name: p.area for d in self.drawings for p in d.parts}


class DrawingToCheck(BaseModel):
    """A drawing and the terms it is ordered with (or why its order line is refused)."""

    ref: DrawingLocation
    terms: OrderTerms | DrawingFailure


class IntakeRules(BaseModel):
    """How a run judges its drawings once read: whose units count, which holes are too narrow.

    Attributes:
        units: Units of drawings that declare none and whose manifest line gives none:
            ``auto`` (the reader's default, mm), ``mm`` or ``inch``. A default, never an
            answer for one drawing: a drawing whose size says otherwise stays in doubt.
        refuse_doubtful_units: Refuse a drawing whose size looks drawn in other units than it
            was read in, when no manifest line answers for it (a production run); otherwise it
            is kept with a warning (a quote).
        thickness: Sheet thickness of the run, mm (0: no hole is checked).
        min_hole_ratio: A hole narrower than ``thickness * min_hole_ratio`` is flagged
            (0: no hole is checked).
    """

    model_config = ConfigDict(frozen=True)

    units: Literal["auto", "mm", "inch"] = "auto"
    refuse_doubtful_units: bool = False
    thickness: float = Field(default=0.0, ge=0)
    min_hole_ratio: float = Field(default=1.0, ge=0)

    @property
    def min_hole_width(self) -> float:
        """The narrowest hole not flagged, mm."""
        return self.thickness * self.min_hole_ratio

    def confirmed_units(self, terms: OrderTerms) -> Literal["mm", "inch"] | None:
        """Units a person answered for this drawing: its manifest line's (the run's are none)."""
        return terms.units

    def read_options(self, base: ReadOptions, terms: OrderTerms) -> ReadOptions:
        """The options to read one drawing with: ``base`` with its units.

        A manifest line's units override the drawing's header and confirm its units; else a
        drawing without units is read in the run's (``auto``: ``base``'s), unconfirmed.
        """
        if terms.units is not None:
            return base.model_copy(update={"units_override": terms.units, "units_confirmed": True})
        if self.units == "auto":
            return base
        return base.model_copy(update={"default_units": self.units, "units_confirmed": False})


class ManifestMismatch(ValueError):
    """The order manifest and the drawings of a production run do not match: nothing is nested.

    Attributes:
        problems: One failure per line that matches no drawing and per drawing with no line.
    """

    def __init__(self, problems: Sequence[DrawingFailure]) -> None:
        self.problems = list(problems)
        super().__init__(
            "the order manifest does not match the drawings, nothing was nested: "
            + "; ".join(p.message for p in self.problems)
            + ". Fix the manifest or the file names and run again: a production run does not "
            "guess which drawing a line meant"
        )


class PlaceRefused(ValueError):
    """A path outside the places a run may read drawings from; nothing of it was read.

    Attributes:
        source: Where the path was written (``orders.csv line 3``, ``drawings.files``...).
        written: The path as written there.
        allowed: The folders it had to lie in (resolved).
        configured: ``allowed`` are the configured roots (else the manifest's folder).
        working: ``allowed`` is the run's working folder (no roots configured).
    """

    def __init__(
        self,
        source: str,
        written: str,
        allowed: Sequence[Path],
        *,
        configured: bool,
        working: bool = False,
    ) -> None:
        folders = ", ".join(str(folder) for folder in allowed)
        if configured:
            where = f"the Drawing Roots folders ({folders})"
            fix = "move it into one of them, or add its folder to the Drawing Roots block"
        elif working:
            where = f"the run's working folder {folders}"
            fix = (
                "with no Drawing Roots block a run reads drawings only in or below the folder it "
                "runs in: move the drawing there, run from its folder, or list its folder in a "
                "Drawing Roots block (blocks.drawing_roots)"
            )
        else:
            where = f"the manifest's folder {folders}"
            fix = (
                "a manifest line names a drawing in or below the manifest's own folder: move "
                "the drawing there, or list its folder in a Drawing Roots block "
                "(blocks.drawing_roots)"
            )
        super().__init__(
            f"{source}: {printable(written)} lies outside {where} once '..' and links are "
            f"followed, so it was not read; {fix}"
        )
        self.source = source
        self.written = written
        self.allowed = list(allowed)
        self.configured = configured
        self.working = working


class FileRefused(ValueError):
    """A local file that is not read: not a regular file, or larger than the limit.

    Attributes:
        path: The file.
        kind: ``not_a_file``, or ``file_too_large`` (the reader's kind for a file too large).
        what: What the file is, for messages (``a FIFO (named pipe), not a regular file...``).
    """

    def __init__(self, path: Path, kind: str, what: str) -> None:
        super().__init__(f"{printable(str(path))} is {what}")
        self.path = path
        self.kind = kind
        self.what = what


class NameRefused(FileRefused):
    """A path no file is read by: a NUL byte, a control character, a name or path too long.

    Attributes:
        source: Where the path was written (``drawings.files``, ``orders.csv line 3``...).
        shown: The path as written, control characters escaped, cut to
            :data:`SHOWN_NAME_CHARS` characters.
    """

    def __init__(self, source: str, written: str, problem: str) -> None:
        self.source = source
        self.shown = printable(written)
        super().__init__(Path(source), "bad_name", problem)
        self.args = (
            f"{source}: the path {self.shown} {problem}, so it was not used; rename the file",
        )


def printable(text: str, limit: int = SHOWN_NAME_CHARS) -> str:
    """``text`` quoted for a message: control characters escaped, cut to ``limit`` characters.

    A name or URL quoted in a log line, an event or a terminal must not carry a newline (a
    forged log line) or an escape sequence (a rewritten terminal), nor fill the screen.
    """
    shown = repr(text[:limit])
    return shown + (f" (and {len(text) - limit:,} characters more)" if len(text) > limit else "")


def check_name(written: str, source: str) -> None:
    """Refuse a path that no file can have, or that would garble a message quoting it.

    Args:
        written: The path as written.
        source: Where it was written, for the message.

    Raises:
        NameRefused: A NUL byte, a control character (C0, DEL, C1), a component above
            :data:`MAX_NAME_BYTES` bytes or a path above :data:`MAX_PATH_BYTES` bytes.
    """
    if "\x00" in written:
        raise NameRefused(source, written, "holds a NUL byte, which no file name can hold")
    control = next((c for c in written if unicodedata.category(c) == "Cc"), None)
    if control is not None:
        raise NameRefused(
            source,
            written,
            f"holds the control character {control!r}, which would garble the logs and "
            "messages that name it",
        )
    try:
        encoded = os.fsencode(written)
    except UnicodeError:
        raise NameRefused(source, written, "cannot be encoded as a file name") from None
    if len(encoded) > MAX_PATH_BYTES:
        raise NameRefused(
            source, written, f"is {len(encoded):,} bytes long, above {MAX_PATH_BYTES:,}"
        )
    longest = max(encoded.split(b"/"), key=len)
    if len(longest) > MAX_NAME_BYTES:
        raise NameRefused(
            source,
            written,
            f"has a name of {len(longest):,} bytes, above the {MAX_NAME_BYTES} a file name "
            "may have",
        )


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; any other file is refused unread.

    The file's type and size are checked before it is opened (opening a device may act on it)
    and again on the open file (it may have been replaced in between), which is opened
    non-blocking and without following a link: a FIFO can never block the read. At most
    ``limit + 1`` bytes are read, so a file growing while it is read cannot exhaust memory.

    Args:
        path: The file, links resolved (a link is not followed when it is opened).
        limit: The most bytes the file may hold.

    Returns:
        The file's bytes.

    Raises:
        FileRefused: A folder, FIFO, device or socket (``not_a_file``), or a file above
            ``limit`` bytes (``file_too_large``).
        OSError: The file cannot be opened or read (missing, no permission, a link).
    """
    _check_file(path, os.stat(path), limit)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        _check_file(path, os.fstat(fd), limit)
        data = _read_at_most(fd, limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise FileRefused(
            path,
            "file_too_large",
            f"more than {limit:,} bytes once read, above the limit (it grew while it was read, "
            "or its size says less than it holds): it was read no further; run again once it "
            "is complete",
        )
    return data


def _check_file(path: Path, status: os.stat_result, limit: int) -> None:
    """Refuse anything but a regular file of at most ``limit`` bytes."""
    for test, what in _NOT_FILES:
        if test(status.st_mode):
            raise FileRefused(
                path,
                "not_a_file",
                f"{what}, not a regular file: only regular files are read (a FIFO or a device "
                "could block the run or never end); name the file itself",
            )
    if not stat.S_ISREG(status.st_mode):
        raise FileRefused(path, "not_a_file", "not a regular file: name the file itself")
    if status.st_size > limit:
        raise FileRefused(
            path,
            "file_too_large",
            f"{status.st_size:,} bytes, above the limit of {limit:,} bytes: it was not read",
        )


def _read_at_most(fd: int, size: int) -> bytes:
    chunks = []
    left = size
    while left > 0:
        chunk = os.read(fd, min(left, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_order_manifest(
    path: str | Path, roots: Sequence[Path] | None = None
) -> list[ManifestLine]:
    """Read the order manifest, refusing it or a line that names a file outside its places.

    The manifest is read as any local file (:func:`read_regular_file`, at most
    :data:`MAX_MANIFEST_BYTES`) and parsed by :func:`~nestflow.geometry.manifest.parse_manifest`.

    Args:
        path: The manifest CSV.
        roots: The folders drawings may be read from, or None when none are configured: then
            the manifest must lie in the run's working folder and a line's file in or below the
            manifest's folder; else both in one of the roots.

    Returns:
        The manifest's lines.

    Raises:
        NameRefused: The manifest's path or a line's file holds a NUL or control character,
            or is too long.
        PlaceRefused: The manifest, or a line's file, lies outside its places (the line and
            the path as written are named; nothing of the file is read).
        ManifestError: The manifest cannot be read (not a regular file, too large, missing) or
            parsed, naming the file, line and column.
    """
    roots = _resolved(roots)
    manifest = Path(path).expanduser()
    resolved = _confined(manifest, roots, "the order manifest", str(path))
    try:
        data = read_regular_file(resolved, MAX_MANIFEST_BYTES)
    except FileRefused as exc:
        raise ManifestError(f"the manifest is {exc.what}", path=manifest) from None
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest ({exc.strerror})", path=manifest) from exc
    lines = parse_manifest(data, manifest)
    allowed = roots if roots is not None else [manifest.parent.resolve()]
    for line in lines:
        written = _as_written(line.file, manifest.parent)
        source = f"{manifest.name} {line.where}"
        _confined(line.file, allowed, source, written, configured=roots is not None)
    return lines


#: What a manifest problem is about (see :class:`ManifestProblem`).
ManifestProblemKind = Literal[
    "manifest", "place_refused", "bad_name", "not_a_drawing", "not_in_manifest"
]


class ManifestProblem(BaseModel):
    """One problem of an order manifest, found before a run starts.

    Attributes:
        manifest: The manifest's path as given.
        line: The line at fault (None: the whole file, or a drawing no line orders).
        kind: ``manifest`` (it cannot be read, or a line's value or terms are wrong),
            ``place_refused`` or ``bad_name`` (the manifest, or a line's file, may not be read),
            ``not_a_drawing`` (a line matching no drawing), ``not_in_manifest`` (a drawing of
            the run no line orders).
        message: One line naming the manifest's file, the line and what to do.
    """

    model_config = ConfigDict(frozen=True)

    manifest: str
    line: int | None = None
    kind: ManifestProblemKind
    message: str


def check_order_manifest(
    path: str | Path,
    roots: Sequence[Path] | None = None,
    *,
    folder: str | None = None,
    files: Sequence[str] = (),
    urls: Sequence[str] = (),
) -> list[ManifestProblem]:
    """Every problem a run would find in an order manifest, at once, before it starts.

    What the run checks, in its order: the manifest's own place and file, its format and
    values (every bad line, see :func:`~nestflow.geometry.manifest.manifest_problems`), each
    line's place (:func:`read_order_manifest`), then the lines against the drawings
    (:func:`manifest_mismatches`): with ``folder``, ``files`` or ``urls``, every line must name
    one of them and each of them have a line; without, each line's file must exist. The first
    problem is what the run would refuse, with the same message. A manifest that cannot be read
    at all is one problem. Nothing but the manifest and the folder's listing is read.

    Args:
        path: The manifest CSV.
        roots: The Drawing Roots folders; None: the run's working folder (see the module).
        folder: The run's drawings folder or glob, if any.
        files: The run's single drawings.
        urls: The run's drawing URLs.

    Returns:
        The problems, in the order above; empty when the run would accept the manifest.

    Raises:
        FileNotFoundError: ``folder`` is a folder that does not exist.
        NameRefused: The folder or a file holds a NUL or control character, or is too long.
        PlaceRefused: The folder or a file lies outside the places the run may read.
    """
    given = str(path)
    manifest = Path(path).expanduser()

    def problem(
        kind: ManifestProblemKind, message: str, line: int | None = None
    ) -> ManifestProblem:
        return ManifestProblem(manifest=given, line=line, kind=kind, message=message)

    resolved_roots = _resolved(roots)
    try:
        resolved = _confined(manifest, resolved_roots, "the order manifest", given)
        data = read_regular_file(resolved, MAX_MANIFEST_BYTES)
    except NameRefused as exc:
        return [problem("bad_name", str(exc))]
    except PlaceRefused as exc:
        return [problem("place_refused", str(exc))]
    except FileRefused as exc:
        return [
            problem("manifest", str(ManifestError(f"the manifest is {exc.what}", path=manifest)))
        ]
    except OSError as exc:
        error = ManifestError(f"cannot read the manifest ({exc.strerror})", path=manifest)
        return [problem("manifest", str(error))]
    lines, errors = manifest_problems(data, manifest)
    problems = [problem("manifest", str(error), error.line) for error in errors]
    allowed = resolved_roots if resolved_roots is not None else [manifest.parent.resolve()]
    placed = []
    for line in lines:
        source = f"{manifest.name} {line.where}"
        try:
            _confined(
                line.file,
                allowed,
                source,
                _as_written(line.file, manifest.parent),
                configured=resolved_roots is not None,
            )
        except NameRefused as exc:
            problems.append(problem("bad_name", str(exc), line.line))
        except PlaceRefused as exc:
            problems.append(problem("place_refused", str(exc), line.line))
        else:
            placed.append(line)
    drawings_given = bool(folder or files or urls)
    refs: list[DrawingLocation] = []
    if drawings_given:
        refs, _ = collect_refs(folder, list(files), list(urls), placed, roots)
    numbers = {line.file.name: line.line for line in placed}
    for mismatch in manifest_mismatches(refs, placed, drawings_given=drawings_given):
        line = numbers.get(mismatch.file) if mismatch.kind == "not_a_drawing" else None
        kind: ManifestProblemKind = (
            "not_a_drawing" if mismatch.kind == "not_a_drawing" else "not_in_manifest"
        )
        problems.append(problem(kind, f"{manifest.name}: {mismatch.message}", line))
    return problems


def _confined(
    path: Path,
    allowed: Sequence[Path] | None,
    source: str,
    written: str | None = None,
    *,
    configured: bool = True,
) -> Path:
    """``path`` resolved, when it lies in one of the ``allowed`` folders.

    Args:
        path: The path (``~`` expanded).
        allowed: The folders, resolved; None: the run's working folder (no roots configured).
        source: Where the path was written, for messages.
        written: The path as written (default: ``path``).
        configured: ``allowed`` are the Drawing Roots (else the manifest's folder).

    Raises:
        NameRefused: The path holds a NUL or control character, or is too long.
        PlaceRefused: It lies in none of them.
    """
    written = str(path) if written is None else written
    check_name(written, source)
    if str(path) != written:  # expanded or joined to its folder: its length is checked too
        check_name(str(path), source)
    working = allowed is None
    folders = [working_folder()] if allowed is None else list(allowed)
    resolved = path.resolve()
    if any(resolved.is_relative_to(folder) for folder in folders):
        return resolved
    raise PlaceRefused(
        source, written, folders, configured=configured and not working, working=working
    )


def check_place(written: str, roots: Sequence[Path] | None, source: str) -> Path:
    """A path a run is given, resolved, when the run may read it (see the module).

    Args:
        written: The path as given (``~`` is expanded).
        roots: The Drawing Roots folders; None: the run's working folder.
        source: Where it was given, for the message (``drawings.files``...).

    Raises:
        NameRefused: The path holds a NUL or control character, or is too long.
        PlaceRefused: It lies outside the roots (or the working folder).
    """
    return _confined(Path(written).expanduser(), _resolved(roots), source, written)


def working_folder() -> Path:
    """The run's working folder, resolved: where it may read drawings when no roots are set.

    The current folder of the process: where ``nestflow`` was started, or for a deployment the
    folder its worker runs the flow in (the project folder ``prefect deploy`` recorded).
    """
    return Path.cwd().resolve()


def _resolved(roots: Sequence[Path] | None) -> list[Path] | None:
    """The roots as paths are compared with them: ``~``, ``..`` and links resolved."""
    return None if roots is None else [Path(root).expanduser().resolve() for root in roots]


def _as_written(file: Path, folder: Path) -> str:
    """A manifest line's path as written: relative to the manifest's folder, or absolute."""
    try:
        return str(file.relative_to(folder))
    except ValueError:
        return str(file)


def find_dxf_files(folder_or_glob: str) -> list[Path]:
    """The DXF files of a folder (top level, any case of ``.dxf``) or matching a glob pattern.

    Args:
        folder_or_glob: A folder, or a pattern such as ``inbox/**/*.dxf`` (``**`` recurses).

    Returns:
        Absolute paths, sorted.

    Raises:
        FileNotFoundError: A folder that does not exist.
    """
    return sorted(p.resolve() for p in _dxf_entries(folder_or_glob))


def _dxf_entries(folder_or_glob: str) -> list[Path]:
    """The DXF files of a folder or glob as found there (links not resolved)."""
    if GLOB_CHARACTERS & set(folder_or_glob):
        matches = glob.glob(str(Path(folder_or_glob).expanduser()), recursive=True)
        return [Path(m) for m in matches if Path(m).is_file()]
    folder = Path(folder_or_glob).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"drawing folder {folder.resolve()} does not exist")
    return [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".dxf"]


def url_file_name(url: str) -> str:
    """The file name at the end of a URL's path (``drawing.dxf`` when there is none).

    Args:
        url: The drawing's URL.

    Returns:
        The last segment of the URL's path, percent-decoded; never a path (a slash or
        backslash decoded in it cuts what comes before), control characters replaced by ``_``.
    """
    segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    # A decoded %2F or backslash must not make the name a path: the run files a rejected
    # drawing away under its name, in its folder.
    name = segment.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c if unicodedata.category(c) != "Cc" else "_" for c in name)[:MAX_NAME_BYTES]
    return name if name not in ("", ".", "..") else "drawing.dxf"


def collect_refs(
    folder: str | None,
    files: list[str],
    urls: list[str],
    manifest: list[ManifestLine],
    roots: Sequence[Path] | None = None,
) -> tuple[list[DrawingLocation], list[DrawingFailure]]:
    """Every drawing of the run, once per file name; a repeated name is a failure.

    With no folder, files or URLs, the manifest's files are the drawings (their places checked
    by :func:`read_order_manifest`).

    Args:
        folder: A folder or glob pattern of DXF files (see :func:`find_dxf_files`), or None.
        files: Single DXF files.
        urls: URLs of DXF files.
        manifest: The order manifest's lines.
        roots: The folders drawings may be read from; None: the run's working folder
            (see :func:`working_folder`).

    Returns:
        The drawings, once per file name, and a failure per other drawing of a name already used
        and per file of the folder whose name is refused (``bad_name``).

    Raises:
        FileNotFoundError: ``folder`` is a folder that does not exist.
        NameRefused: The folder or a file holds a NUL or control character, or is too long.
        PlaceRefused: The folder or a drawing lies outside the roots, or without roots outside
            the working folder (links followed).
    """
    roots = _resolved(roots)
    failures: list[DrawingFailure] = []
    paths: list[str] = []
    if folder:
        found, failures = _folder_paths(folder, roots)
        paths = [str(p) for p in found]
    paths += [str(_confined(Path(f).expanduser(), roots, "drawings.files", f)) for f in files]
    if not (folder or files or urls):
        paths = [
            str(_confined(line.file, roots, f"manifest {line.where}", str(line.file)))
            for line in manifest
        ]
    refs = [DrawingLocation(file=Path(p).name, path=p) for p in paths]
    refs += [DrawingLocation(file=url_file_name(u), url=u) for u in urls]
    unique: dict[str, DrawingLocation] = {}
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


def _folder_paths(
    folder: str, roots: Sequence[Path] | None
) -> tuple[list[Path], list[DrawingFailure]]:
    """The folder's DXF files, resolved, each lying in a root (None: the working folder).

    A file whose name is refused (:func:`check_name`) is rejected alone: one odd name in an
    inbox must not stop the others.
    """
    if GLOB_CHARACTERS & set(folder):
        check_name(folder, "drawings.folder")
    else:
        _confined(Path(folder).expanduser(), roots, "drawings.folder", folder)
    paths, failures = [], []
    for entry in _dxf_entries(folder):
        try:
            paths.append(_confined(entry, roots, "drawings.folder", str(entry)))
        except NameRefused as exc:
            failures.append(DrawingFailure(file=exc.shown, kind=exc.kind, message=str(exc)))
    return sorted(paths), failures


def terms_for(
    ref: DrawingLocation,
    manifest: list[ManifestLine],
    default: OrderTerms,
    material: str,
    thickness: float,
) -> OrderTerms | DrawingFailure:
    """The manifest's terms for a drawing (matched by file name), else the run's defaults.

    A manifest line for another material or thickness is a failure: a job is cut from one sheet.

    Args:
        ref: The drawing.
        manifest: The order manifest's lines.
        default: The run's terms, for a drawing the manifest does not list.
        material: The material this run cuts.
        thickness: The sheet thickness this run cuts, mm.

    Returns:
        The drawing's terms, or the failure refusing its manifest line.
    """
    lines = [m for m in manifest if m.file.name == ref.file]
    if not lines:
        return default
    line = next(
        (
            m
            for m in lines
            if m.material.lower() == material.lower() and abs(m.thickness - thickness) <= 1e-6
        ),
        None,
    )
    if line is None:
        where = ", ".join(str(m.line) for m in lines)
        asks = ", ".join(f"{m.material} {m.thickness:g} mm" for m in lines)
        return DrawingFailure(
            file=ref.file,
            kind="other_material",
            message=(
                f"manifest line{'s' if len(lines) > 1 else ''} {where} "
                f"ask{'' if len(lines) > 1 else 's'} for {asks}, "
                f"this run cuts {material} {thickness:g} mm: nest it in a run for that material"
            ),
        )
    return OrderTerms(
        quantity=line.quantity,
        rotations=list(line.rotations),
        flip=line.flip,
        units=line.units,
        manifest_line=line.line,
    )


def manifest_mismatches(
    refs: Sequence[DrawingLocation], manifest: Sequence[ManifestLine], *, drawings_given: bool
) -> list[DrawingFailure]:
    """Manifest lines that match no drawing, and drawings that no line orders.

    Time is linear in the lines and drawings: names are looked up in sets, each folder is listed
    once, and the names a problem could have meant (a fuzzy match against every candidate) are
    looked for only for the first :data:`SUGGESTED_PROBLEMS` problems; the list of problems
    stays complete.

    Args:
        refs: The drawings of the run (see :func:`collect_refs`).
        manifest: The order manifest's lines (none: nothing to match).
        drawings_given: Drawings were given besides the manifest (folder, files, URLs); else
            the manifest's files are the drawings, and a line's file must exist.

    Returns:
        One failure per line matching nothing (``not_a_drawing``, ``file`` the line's file
        name) and per drawing without a line (``not_in_manifest``); each message names the line
        number and file name, and the names it could have meant.
    """
    if not manifest:
        return []
    names = _Candidates([ref.file for ref in refs])
    known = set(names.names)
    listings: dict[Path, _Candidates] = {}
    problems: list[DrawingFailure] = []
    for line in manifest:
        name = line.file.name
        order = f"manifest {line.where} orders {line.quantity} x {name}"
        suggest = len(problems) < SUGGESTED_PROBLEMS
        if drawings_given and name not in known:
            message = f"{order}, but no drawing of the run is named {name}"
            problems.append(_mismatch(name, "not_a_drawing", message, names, suggest=suggest))
        elif not drawings_given and not line.file.exists():  # not a file: refused when read
            present = _listing(line.file.parent, listings)
            message = f"{order}, but {line.file} does not exist"
            problems.append(_mismatch(name, "not_a_drawing", message, present, suggest=suggest))
    if drawings_given:
        ordered = {line.file.name: line for line in manifest}
        for ref in refs:
            if ref.file in ordered:
                continue
            message = f"{ref.file} is in the run but no manifest line orders it"
            meant = _close(ref.file, list(ordered), suggest=len(problems) < SUGGESTED_PROBLEMS)
            if meant:
                lines = ", ".join(f"{ordered[m].where} ({m})" for m in meant)
                message += f": did you mean {lines}?"
            else:
                message += ": add a line for it, or take it out of the run"
            problems.append(DrawingFailure(file=ref.file, kind="not_in_manifest", message=message))
    return problems


class _Candidates:
    """The names a mismatched line could have meant, and the first of them as shown in a message."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        shown = ", ".join(sorted(names)[:10])
        self.shown = f"{shown}{', ...' if len(names) > 10 else ''}"


def _listing(folder: Path, listings: dict[Path, _Candidates]) -> _Candidates:
    """The DXF file names in ``folder``, listed once per call of :func:`manifest_mismatches`."""
    if folder not in listings:
        found = find_dxf_files(str(folder)) if folder.is_dir() else []
        listings[folder] = _Candidates([p.name for p in found])
    return listings[folder]


def _close(name: str, candidates: list[str], *, suggest: bool) -> list[str]:
    """The candidates ``name`` may have meant, when suggestions are still made."""
    return difflib.get_close_matches(name, candidates, n=CLOSE_MATCHES) if suggest else []


def _mismatch(
    name: str, kind: str, message: str, candidates: _Candidates, *, suggest: bool
) -> DrawingFailure:
    meant = _close(name, candidates.names, suggest=suggest)
    if meant:
        message += f": did you mean {' or '.join(meant)}?"
    elif candidates.names:
        message += f" (the drawings are {candidates.shown})"
    return DrawingFailure(file=name, kind=kind, message=message)


def judge_drawing(
    file: str, parts: Sequence[Part], terms: OrderTerms, rules: IntakeRules
) -> tuple[list[str], DrawingFailure | None]:
    """The warnings about a read drawing, and the failure refusing it, if any.

    Warnings: every reader warning (with the parts it concerns), a header the manifest's units
    overrode (naming both), holes narrower than :attr:`IntakeRules.min_hole_width`. The one
    refusal: units in doubt (see the module).

    Args:
        file: The drawing's file name.
        parts: Its parts, read with ``rules.read_options(..., terms)``.
        terms: Its order terms (the manifest's units and line).
        rules: The run's rules.

    Returns:
        The warnings, each starting with the file name, and the failure or None.
    """
    warnings = _reader_warnings(file, parts)
    overridden = header_units(parts)
    if overridden is not None:
        name, code, read_as = overridden
        line = f"manifest line {terms.manifest_line}" if terms.manifest_line else "the manifest"
        warnings.append(
            f"{file}: the header says {name} ($INSUNITS {code}), {line} says {read_as}: "
            f"using {read_as}"
        )
    failure = _units_in_doubt(file, parts, rules) if terms.units is None else None
    if failure is not None and rules.refuse_doubtful_units:
        return warnings, failure  # its holes are measured at a scale in doubt: not judged
    for part in parts:
        narrow = narrow_holes(part, rules.min_hole_width)
        if narrow:
            warnings.append(_narrow_holes_warning(file, part, narrow, rules))
    return warnings, None


def _units_in_doubt(file: str, parts: Sequence[Part], rules: IntakeRules) -> DrawingFailure | None:
    """The refusal of a unitless drawing whose size looks drawn in other units than read in."""
    default = (
        "nor given for it"
        if rules.units == "auto"
        else f"nor given for it (the run's units ({rules.units}) answer for no single drawing)"
    )
    small = inch_suspect(parts)
    if small is not None:
        width, height = small
        size = (
            f"read as mm its largest part is only {width:.3f} x {height:.3f} mm: it looks "
            f"drawn in inches ({width * 25.4:.1f} x {height * 25.4:.1f} mm if so)"
        )
    elif (large := mm_suspect(parts)) is not None:
        width, height = large
        size = (
            f"read as inches its largest part is {width:.1f} x {height:.1f} mm: it looks "
            f"drawn in mm ({width / 25.4:.3f} x {height / 25.4:.3f} mm if so)"
        )
    else:
        return None
    return DrawingFailure(
        file=file,
        kind="units_unconfirmed",
        message=(
            f"no units in the drawing ($INSUNITS = 0) {default}, and {size}. A production run "
            f"does not guess: {CONFIRM_UNITS}"
        ),
    )


def _reader_warnings(file: str, parts: Sequence[Part]) -> list[str]:
    """Each reader warning once, with the parts carrying it (a drawing's warnings are shared)."""
    carriers: dict[str, list[str]] = {}
    for part in parts:
        for warning in part.warnings:
            carriers.setdefault(warning, []).append(part.name)
    return [
        f"{file}, part{'s' if len(names) > 1 else ''} {_part_names(names)}: {warning}"
        for warning, names in carriers.items()
    ]


def _part_names(names: list[str]) -> str:
    """The parts' names, the first :data:`LISTED_PARTS` of them and how many more."""
    listed = ", ".join(repr(n) for n in names[:LISTED_PARTS])
    more = len(names) - LISTED_PARTS
    return f"{listed} and {more:,} more" if more > 0 else listed


def _narrow_holes_warning(
    file: str, part: Part, narrow: list[NarrowHole], rules: IntakeRules
) -> str:
    places = ", ".join(
        f"{hole.width:.2f} mm wide at {format_point(hole.center)}" for hole in narrow[:LISTED_HOLES]
    )
    more = f", and {len(narrow) - LISTED_HOLES} more" if len(narrow) > LISTED_HOLES else ""
    return (
        f"{file}, part {part.name!r}: {len(narrow)} hole(s) narrower than "
        f"{rules.min_hole_width:g} mm (sheet thickness {rules.thickness:g} mm x min_hole_ratio "
        f"{rules.min_hole_ratio:g}): {places}{more}; a laser cannot cut a hole narrower than "
        "about the sheet thickness: check the drawing's units and size, or drill the hole"
    )


def with_answered_units(
    drawing: CheckedDrawing, options: ReadOptions
) -> tuple[CheckedDrawing, list[str]]:
    """The drawing with bytes that say the units it was read in, for engines that read bytes.

    A drawing read in units its bytes do not say (a manifest line's units overriding its
    header, or inches for a drawing without units) reaches an engine that reads the file
    (CloudNest) as its header says: a 200 mm plate whose header says metres was refused there
    as a 200 m part. Its header is rewritten to the units it was read in
    (:func:`~nestflow.geometry.reader.dxf_with_units`), and the new bytes are read again with
    ``options`` and kept only when they give the very same parts: what is sent stays what was
    checked. ``sha256`` (and each part's) becomes the new bytes': a drawing read in other units
    is another drawing.

    Args:
        drawing: A checked drawing (with its parts).
        options: The options it was read with, before its units were set.

    Returns:
        The drawing, with new bytes when needed, and a warning when its units could not be
        written (a binary DXF, or bytes that do not read back the same): engines that read its
        file then read it as its header says, and the layouts they return are checked against
        its parts.
    """
    read_as = _units_read_in(drawing.parts)
    if read_as is None or not drawing.content:
        return drawing, []
    written = dxf_with_units(drawing.content, read_as)
    sent = None if written is None else _read_back(drawing, written, options)
    if sent is None:
        return drawing, [
            f"{drawing.ref.file}: read in {read_as} as given, but its units could not be "
            "written into the file engines read (a binary DXF, or a header that does not read "
            "back the same): CloudNest reads it as its header says, and its layouts are "
            "checked against the parts read here"
        ]
    return sent, []


def _units_read_in(parts: Sequence[Part]) -> Literal["mm", "inch"] | None:
    """The units a drawing was read in when its bytes say others (None: as they say)."""
    labels = {part.units for part in parts}
    if len(labels) != 1:
        return None
    header, arrow, read_as = labels.pop().partition("->")
    if not arrow or (header == "unitless" and read_as == "mm"):  # unitless is read as mm
        return None
    return "inch" if read_as == "inch" else "mm"


def _read_back(
    drawing: CheckedDrawing, written: bytes, options: ReadOptions
) -> CheckedDrawing | None:
    """The drawing with ``written`` as its bytes, when they read back as the same parts."""
    result = read_one(written, name=drawing.ref.file, options=options)
    same = len(result.parts) == len(drawing.parts) and all(
        (new.name, new.outer, new.holes, new.marks, new.mark_texts)
        == (old.name, old.outer, old.holes, old.marks, old.mark_texts)
        for new, old in zip(result.parts, drawing.parts, strict=True)
    )
    if result.failures or not same:
        return None
    sha256 = hashlib.sha256(written).hexdigest()
    parts = [part.model_copy(update={"sha256": sha256}) for part in drawing.parts]
    return drawing.model_copy(update={"content": written, "sha256": sha256, "parts": parts})


def order_lines(drawings: list[CheckedDrawing]) -> list[PartOrder]:
    """One line per part of each checked drawing, with the drawing's order terms.

    Args:
        drawings: The checked drawings to nest.

    Returns:
        The engines' order lines, drawing by drawing, part by part.
    """
    return [
        PartOrder(
            part=part,
            quantity=drawing.terms.quantity,
            rotations=tuple(drawing.terms.rotations),
            flip=drawing.terms.flip,
        )
        for drawing in drawings
        for part in drawing.parts
    ]


def without_parts(
    drawings: list[CheckedDrawing], left_out: Collection[tuple[str, str]]
) -> list[CheckedDrawing]:
    """The drawings without some of their parts; a drawing left with no part is dropped.

    Args:
        drawings: The checked drawings.
        left_out: ``(source file, part name)`` of each part to leave out.
    """
    kept = []
    for drawing in drawings:
        parts = [p for p in drawing.parts if (p.source, p.name) not in left_out]
        if parts:
            kept.append(drawing.model_copy(update={"parts": parts}))
    return kept
