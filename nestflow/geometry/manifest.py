"""The order manifest: which drawings to cut, how many, in what material, turned which ways.

A manifest is a CSV file with a header row. Required columns: ``file`` (drawing path, relative to
the manifest's folder or absolute), ``quantity`` (whole number from 1 to :data:`MAX_QUANTITY`),
``material``, ``thickness`` (mm, > 0), ``rotations`` (allowed angles in degrees separated by ``;``
or spaces, e.g. ``0;90;180;270``). Optional columns: ``flip`` (``yes``/``no``, default ``no``: may
the part be turned over) and ``units`` (``mm`` or ``inch``: the drawing's units, an answer for
that drawing that overrides its own ``$INSUNITS``; empty, the default, means not given: the
drawing's header, else the run's units). Other columns are ignored, blank rows are skipped,
header names are case-insensitive. Example::

    file,quantity,material,thickness,rotations,flip,units
    bracket.dxf,12,S235JR,3,0;90;180;270,yes,
    clip.dxf,40,S235JR,3,0;180,no,inch

Spreadsheet exports are read as they come:

* **Separators**: ``,``, ``;`` or a tab, whichever splits the header into the known columns.
  In a ``;``-separated file the angles of ``rotations`` must be quoted (``"0;90"``, as Excel
  writes them) or separated by spaces; a row with more cells than the header is refused with
  that hint rather than read with its angles spilled into the next columns.
* **Decimal commas**: a thickness of ``2,5`` is 2.5 mm. Angles are never read with a decimal
  comma (``0,90`` could be two angles or one): a comma in ``rotations`` is refused with a hint.
* **Two lines for one drawing** (same file, material and thickness) are **summed** when they
  agree on everything else (rotations, flip, units): ``x2`` plus ``x5`` orders 7, and the line
  keeps both line numbers (:attr:`ManifestLine.summed_lines`) so the run can say so. Lines that
  disagree are refused, naming both: which terms would apply is not ours to guess. Lines for one
  drawing in two materials are two orders (a run cuts the one for its material).

Error messages name the file, the line and the column; a bad value is quoted at most
:data:`QUOTED_VALUE` characters long, so a file that is no manifest is never echoed back. Where a
line's drawing may lie is the intake's rule (:func:`nestflow.intake.read_order_manifest`).
:func:`parse_manifest` refuses a manifest at its first problem (a run stops there);
:func:`manifest_problems` lists every one (a bad line is named and the next read), for a check
before a run (:func:`nestflow.intake.check_order_manifest`).

**Bounds.** A manifest is read in time linear in its size. It has at most :data:`MAX_LINES` lines
after its header (blank ones included), a cell at most :data:`MAX_CELL` characters; it is UTF-8
text without NUL or other control characters (a tab separates cells); a quoted cell stays on its
line, and a known column is named once in the header. Anything else is a :class:`ManifestError`
naming the line.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

REQUIRED_COLUMNS = ("file", "quantity", "material", "thickness", "rotations")
OPTIONAL_COLUMNS = ("flip", "units")
_KNOWN_COLUMNS = frozenset((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
#: Cell separators a manifest may use, tried in this order.
DELIMITERS = (",", ";", "\t")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}
_MM = {"mm", "millimetre", "millimetres", "millimeter", "millimeters"}
_INCH = {"inch", "inches", "in", '"'}
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_ANGLE_SEPARATORS = re.compile(r"[;\s]+")
#: Terms two lines for one drawing must share to be summed, with their names in messages.
_SUMMED_ALIKE = (("rotations", "rotations"), ("flip", "flip"), ("units", "units"))
#: Most copies of one drawing an order may ask for. A shop's largest series are thousands of
#: copies; 1e9 is a typo or a units mix-up, and it reaches the solvers as that many part
#: instances (the local solver panicked on it). An order larger than this is split over runs.
MAX_QUANTITY = 100_000
#: Longest bad value quoted in an error: enough to spot a typo, too short to echo a file.
QUOTED_VALUE = 24
#: Summed lines named in a message; more are counted (``lines 2, 3, 4, 5 and 96 more``).
_WHERE_LINES = 5
#: Most lines a manifest may have after its header, blank ones included. An order is tens to a
#: few thousand lines (AlmaCAM takes 1,500 different parts per order); more is an export gone
#: wrong, and each line costs the run a check of its drawing's place and name.
MAX_LINES = 10_000
#: Most characters in one cell: a path as long as Linux allows (PATH_MAX). Below the csv module's
#: own field limit (131,072), so every over-long cell gets this error, whatever its size.
MAX_CELL = 4096
#: Longest name of one folder or file of a drawing's path, in UTF-8 bytes (NAME_MAX): a longer one
#: cannot exist, and the system's error for it would surface as a raw OSError.
MAX_NAME_BYTES = 255
#: Control characters no manifest cell holds (tab, CR and LF separate cells and lines). A NUL
#: is told apart: it means a binary or UTF-16 file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Line ends as the csv reader sees them (CRLF, LF, or CR alone from old Mac exports), to name
#: the line of a problem found before the file is split into rows.
_LINE_ENDS = re.compile(r"\r\n?|\n")
_LINE_ENDS_BYTES = re.compile(rb"\r\n?|\n")


class ManifestError(ValueError):
    """A manifest that cannot be read; the message names the file, line and column to fix."""

    def __init__(self, message: str, *, path: Path, line: int | None = None, column: str = ""):
        where = f"{path.name}"
        if line is not None:
            where += f" line {line}"
        if column:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.column = column


class ManifestLine(BaseModel):
    """One order of the manifest: a drawing and how to cut it (identical rows summed)."""

    model_config = ConfigDict(frozen=True)

    file: Path
    quantity: int = Field(ge=1)
    material: str = Field(min_length=1)
    thickness: float = Field(gt=0, allow_inf_nan=False)
    rotations: tuple[float, ...] = Field(min_length=1, description="Allowed angles, degrees CCW.")
    flip: bool = False
    units: Literal["mm", "inch"] | None = Field(
        default=None,
        description="Units of the drawing, overriding its $INSUNITS; None: not given.",
    )
    line: int | None = Field(default=None, description="Line of the manifest it was read from.")
    summed_lines: tuple[int, ...] = Field(
        default=(), description="Every line summed into this order, when there were several."
    )

    @property
    def where(self) -> str:
        """``line 3``, or ``lines 3 and 7`` for summed lines (``line ?`` when not from a file)."""
        if len(self.summed_lines) > _WHERE_LINES:
            # Thousands of summed lines would make every message about them that long.
            shown = ", ".join(map(str, self.summed_lines[: _WHERE_LINES - 1]))
            return f"lines {shown} and {len(self.summed_lines) - _WHERE_LINES + 1:,} more"
        if len(self.summed_lines) > 1:
            *first, last = self.summed_lines
            return f"lines {', '.join(map(str, first))} and {last}"
        return f"line {self.line if self.line is not None else '?'}"

    @field_validator("file", mode="before")
    @classmethod
    def _file_named(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("a drawing file name is required")
        if isinstance(value, str):
            longest = max(len(name.encode()) for name in re.split(r"[/\\]", value))
            if longest > MAX_NAME_BYTES:
                raise ValueError(
                    f"a folder or file name of {longest:,} bytes; names are at most "
                    f"{MAX_NAME_BYTES} bytes long"
                )
        return value

    @field_validator("quantity")
    @classmethod
    def _not_absurd(cls, value: int) -> int:
        if value > MAX_QUANTITY:
            # A number of thousands of digits is not spelled out: the message stays short.
            copies = f"{value:,} copies" if value < 10**QUOTED_VALUE else "the quantity"
            raise ValueError(_above_max(copies))
        return value

    @field_validator("material", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("thickness", mode="before")
    @classmethod
    def _decimal_comma(cls, value: Any) -> Any:
        if isinstance(value, str) and _DECIMAL_COMMA.fullmatch(value.strip()):
            return value.strip().replace(",", ".")
        return value

    @field_validator("rotations", mode="before")
    @classmethod
    def _split_rotations(cls, value: Any) -> Any:
        if isinstance(value, str):
            if "," in value:
                raise ValueError(
                    "separate the angles with ';' or spaces (a comma could be a decimal "
                    "comma or a separator); write decimals with a point"
                )
            return tuple(a for a in _ANGLE_SEPARATORS.split(value.strip()) if a)
        return value

    @field_validator("rotations")
    @classmethod
    def _rotations_in_range(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        bad = [a for a in value if not (math.isfinite(a) and 0.0 <= a < 360.0)]
        if bad:
            raise ValueError(f"angles must lie in [0, 360): {', '.join(map(str, bad))} is not")
        return tuple(sorted(set(value)))

    @field_validator("flip", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        if isinstance(value, str):
            word = value.strip().lower()
            if word in _YES:
                return True
            if word in _NO:
                return False
            raise ValueError("write yes or no")
        return value

    @field_validator("units", mode="before")
    @classmethod
    def _mm_or_inch(cls, value: Any) -> Any:
        if isinstance(value, str):
            word = value.strip().lower()
            if not word:
                return None
            if word in _MM:
                return "mm"
            if word in _INCH:
                return "inch"
            raise ValueError("write mm or inch, or leave it empty when the drawing says")
        return value


def read_manifest(path: Path | str) -> list[ManifestLine]:
    """Read a manifest CSV; relative drawing paths are resolved against the manifest's folder.

    Rows ordering the same drawing in the same material and thickness with the same terms are
    summed into one line (the first row's place, every line number in ``summed_lines``).

    Raises:
        ManifestError: The file is missing, has no header, lacks a required column or names
            one twice, has no rows, a row has a bad value or more cells than the header (the
            message names the line and the column), or two rows order one drawing with
            different terms (both named); or it breaks a bound (see the module: encoding,
            control characters, :data:`MAX_CELL`, :data:`MAX_LINES`), naming the line.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest ({exc.strerror})", path=path) from exc
    return parse_manifest(data, path)


def parse_manifest(data: bytes, path: Path) -> list[ManifestLine]:
    """Parse a manifest's bytes as :func:`read_manifest` does, for bytes read another way.

    Reading takes time linear in the size of ``data``: each line is read once, and lines for one
    drawing are summed in a dict.

    Args:
        data: The manifest file's content (UTF-8, with or without a byte-order mark).
        path: The manifest's path: relative drawing paths are resolved against its folder, and
            errors name it.

    Raises:
        ManifestError: As :func:`read_manifest`, except for a file that cannot be read; and
            for a file that is not UTF-8 text, holds NUL or control characters, a cell longer
            than :data:`MAX_CELL` or more than :data:`MAX_LINES` lines after its header (each
            naming the line).
    """
    lines, problems = manifest_problems(data, path)
    if problems:
        raise problems[0]
    return lines


def manifest_problems(data: bytes, path: Path) -> tuple[list[ManifestLine], list[ManifestError]]:
    """Every problem of a manifest, and its lines that have none (summed as by ``parse``).

    A problem of the whole file (encoding, control characters, header, no rows) or one after
    which its rows cannot be told apart (a cell over :data:`MAX_CELL`, a quote not closed,
    more than :data:`MAX_LINES` lines) ends the reading; a bad line is named and the next one
    read, and a line disagreeing with an earlier one for the same drawing is named and left
    out. Problems come in the order :func:`parse_manifest` would meet them, so its refusal is
    the first; linear time, as :func:`parse_manifest`.

    Args:
        data: The manifest file's content.
        path: The manifest's path (relative drawing paths are resolved against its folder).

    Returns:
        The lines read without a problem, and every problem (file, line and column named).
    """
    try:
        text = _text(data, path)
        delimiter = _delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = _next_row(reader, path)
        if header is None or not text.strip():
            raise ManifestError(
                "empty file; the first line must name the columns", path=path, line=1
            )
        columns = _header(header, path)
    except ManifestError as exc:
        return [], [exc]
    width = len(header)
    lines: list[ManifestLine] = []
    problems: list[ManifestError] = []
    while True:
        try:
            row = _next_row(reader, path)
        except ManifestError as exc:  # the rows after it cannot be told apart
            problems.append(exc)
            break
        if row is None:
            break
        if any(cell.strip() for cell in row):
            try:
                _check_width(row, width, delimiter, reader.line_num, path)
                lines.append(_line(row, columns, reader.line_num, path))
            except ManifestError as exc:
                problems.append(exc)
    if not lines and not problems:
        problems.append(ManifestError("no drawings listed", path=path))
    summed, disagreements = _summed(lines, path)
    return summed, problems + disagreements


def _text(data: bytes, path: Path) -> str:
    """The manifest as text: UTF-8 (byte-order mark or not) without NUL or control characters.

    Raises:
        ManifestError: Another encoding (UTF-16 told apart: Excel's "Unicode text"), a NUL (a
            binary or UTF-16 file) or a control character, naming the first line holding one.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ManifestError(
            'UTF-16 text (Excel\'s "Unicode text"); save the manifest as CSV UTF-8',
            path=path,
            line=1,
        )
    try:
        text = data.decode("utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError as exc:
        raise ManifestError(
            "not UTF-8 text; save the manifest as CSV UTF-8",
            path=path,
            line=len(_LINE_ENDS_BYTES.findall(data, 0, exc.start)) + 1,
        ) from exc
    control = _CONTROL.search(text)
    if control is not None:
        line = len(_LINE_ENDS.findall(text, 0, control.start())) + 1
        if control.group() == "\x00":
            raise ManifestError(
                "a NUL character: this is a binary or UTF-16 file, not CSV text; save the "
                "manifest as CSV UTF-8",
                path=path,
                line=line,
            )
        raise ManifestError(
            f"a control character (U+{ord(control.group()):04X}) in a cell; cells hold text only",
            path=path,
            line=line,
        )
    return text


def _next_row(reader: Any, path: Path) -> list[str] | None:
    """The reader's next row (None at the end), its line, size and cells checked.

    Raises:
        ManifestError: The row lies beyond :data:`MAX_LINES` lines after the header, a cell is
            longer than :data:`MAX_CELL`, or a quoted cell runs over several lines.
    """
    first = reader.line_num + 1
    try:
        row: list[str] | None = next(reader, None)
    except csv.Error as exc:
        # The csv module's own field limit (131,072 characters) is above MAX_CELL, so "field
        # larger than field limit" is an over-long cell too; its text names its own limit.
        if "field limit" not in str(exc):  # not seen with newline="" and the default dialect
            raise ManifestError(f"not readable as CSV ({exc})", path=path, line=first) from None
        row = None
        longest = csv.field_size_limit()
    else:
        longest = max(map(len, row), default=0) if row is not None else 0
    if first > MAX_LINES + 1 and row is not None:
        raise ManifestError(
            f"more than {MAX_LINES:,} lines after the header (MAX_LINES); split the order over "
            "several manifests",
            path=path,
            line=first,
        )
    if longest > MAX_CELL:
        raise ManifestError(
            f"a cell longer than {MAX_CELL:,} characters (MAX_CELL); is a quote not closed?",
            path=path,
            line=first,
        )
    if row is not None and reader.line_num != first:
        raise ManifestError(
            f"a quoted cell runs over several lines (to line {reader.line_num}): a quote is not "
            "closed, or a cell holds a line break",
            path=path,
            line=first,
        )
    return row


def _delimiter(text: str) -> str:
    """The separator that splits the header into the most known columns (``,`` on a tie)."""
    first = next(iter(text.splitlines()), "")

    def score(delimiter: str) -> int:
        try:
            row = next(csv.reader([first], delimiter=delimiter), [])
        except csv.Error:  # an over-long header cell: refused when the header is read
            return 0
        return sum(cell.strip().lower() in _KNOWN_COLUMNS for cell in row)

    return max(DELIMITERS, key=score)


def _header(row: list[str], path: Path) -> dict[str, int]:
    """Map each known column name to its index, checking every required column is there once."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        name = cell.strip().lower()
        if name in columns and name in _KNOWN_COLUMNS:
            raise ManifestError(
                f"column {name} appears twice (columns {columns[name] + 1} and {index + 1}): "
                "which one holds the order is not ours to guess; keep one",
                path=path,
                line=1,
            )
        columns.setdefault(name, index)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ManifestError(
            f"missing column(s) {', '.join(missing)}; the header needs "
            f"{', '.join(REQUIRED_COLUMNS)} (optional: {', '.join(OPTIONAL_COLUMNS)}), "
            "separated by ',' or ';'",
            path=path,
            line=1,
        )
    return {c: columns[c] for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in columns}


def _check_width(row: list[str], width: int, delimiter: str, number: int, path: Path) -> None:
    """Refuse a row with more (non-empty) cells than the header: its values would shift."""
    cells = len(row)
    while cells > width and not row[cells - 1].strip():
        cells -= 1
    if cells <= width:
        return
    hint = (
        'quote the rotations ("0;90;180") or separate the angles with spaces'
        if delimiter == ";"
        else "quote any cell holding a ',' (a decimal comma: \"2,5\")"
    )
    raise ManifestError(
        f"{cells} cells but the header has {width} columns: {hint}", path=path, line=number
    )


def _line(row: list[str], columns: dict[str, int], number: int, path: Path) -> ManifestLine:
    values: dict[str, Any] = {
        name: row[index].strip() for name, index in columns.items() if index < len(row)
    }
    try:
        line = ManifestLine.model_validate({**values, "line": number})
    except ValidationError as exc:
        error = exc.errors()[0]
        column = str(error["loc"][0]) if error["loc"] else ""
        if error["type"] == "missing":
            message = "no value (the row has fewer cells than the header)"
        else:
            reason = error["msg"].removeprefix("Value error, ")
            message = f"{reason} (got {_quoted(values.get(column, ''))})"
        raise ManifestError(message, path=path, line=number, column=column) from None
    if not line.file.is_absolute():
        line = line.model_copy(update={"file": path.parent / line.file})
    return line


def _summed(
    lines: list[ManifestLine], path: Path
) -> tuple[list[ManifestLine], list[ManifestError]]:
    """Lines ordering one drawing in one material summed; each line that disagrees refused.

    Linear: each line is compared with its order's first line and added to a running total and
    a list of line numbers; the summed lines are built once at the end (copying a growing tuple
    per line made 200,000 identical lines quadratic). A line that disagrees with the first, or
    takes the sum above :data:`MAX_QUANTITY`, is a problem and left out of the sum.
    """
    firsts: dict[tuple[str, str, float], ManifestLine] = {}
    totals: dict[tuple[str, str, float], int] = {}
    numbers: dict[tuple[str, str, float], list[int]] = {}
    problems: list[ManifestError] = []
    for line in lines:
        key = (line.file.name, line.material.lower(), line.thickness)
        first = firsts.setdefault(key, line)
        if first is line:
            totals[key] = line.quantity
            numbers[key] = [line.line or 0]
            continue
        try:
            _check_alike(first, line, path)
        except ManifestError as exc:
            problems.append(exc)
            continue
        if totals[key] + line.quantity > MAX_QUANTITY:
            summed = first.model_copy(update={"summed_lines": (*numbers[key], line.line or 0)})
            problems.append(
                ManifestError(
                    f"{summed.where} order {line.file.name} "
                    f"{totals[key] + line.quantity:,} times in all: " + _above_max("the sum"),
                    path=path,
                    line=line.line,
                )
            )
            continue
        totals[key] += line.quantity
        numbers[key].append(line.line or 0)
    summed_lines = [
        first
        if len(numbers[key]) == 1
        else first.model_copy(update={"quantity": totals[key], "summed_lines": tuple(numbers[key])})
        for key, first in firsts.items()
    ]
    return summed_lines, problems


def _above_max(what: str) -> str:
    return (
        f"{what} is above the limit of {MAX_QUANTITY:,} copies of one drawing (MAX_QUANTITY); "
        "check the quantity, or split the order over several runs"
    )


def _quoted(value: str) -> str:
    """A cell's value for a message, cut to :data:`QUOTED_VALUE` characters."""
    if len(value) <= QUOTED_VALUE:
        return repr(value)
    return f"{value[:QUOTED_VALUE]!r}... ({len(value):,} characters)"


def _check_alike(first: ManifestLine, line: ManifestLine, path: Path) -> None:
    both = f"lines {first.line} and {line.line} both order {line.file.name}"
    if first.file != line.file:
        raise ManifestError(
            f"{both}, but they are two different files named {line.file.name} "
            f"({first.file} and {line.file}): drawings are matched by file name, rename one",
            path=path,
            line=line.line,
        )
    differ = [
        f"{label} {_cell(getattr(first, name))} vs {_cell(getattr(line, name))}"
        for name, label in _SUMMED_ALIKE
        if getattr(first, name) != getattr(line, name)
    ]
    if differ:
        raise ManifestError(
            f"{both} in {line.material} {line.thickness:g} mm with different terms "
            f"({'; '.join(differ)}): merge them into one line (lines that agree on rotations, "
            "flip and units are summed)",
            path=path,
            line=line.line,
        )


def _cell(value: Any) -> str:
    if isinstance(value, tuple):
        return ";".join(f"{a:g}" for a in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "(empty)" if value is None else str(value)
