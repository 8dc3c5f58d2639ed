"""The order manifest: which drawings to cut, how many, in what material, turned which ways.

A manifest is a CSV file with a header row. Required columns: ``file`` (drawing path, relative to
the manifest's folder or absolute), ``quantity`` (whole number >= 1), ``material``, ``thickness``
(mm, > 0), ``rotations`` (allowed angles in degrees separated by ``;``, e.g. ``0;90;180;270``).
Optional column: ``flip`` (``yes``/``no``, default ``no``: may the part be turned over). Other
columns are ignored, blank rows are skipped, header names are case-insensitive. Example::

    file,quantity,material,thickness,rotations,flip
    bracket.dxf,12,S235JR,3,0;90;180;270,yes
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

REQUIRED_COLUMNS = ("file", "quantity", "material", "thickness", "rotations")
OPTIONAL_COLUMNS = ("flip",)
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


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
    """One row of the manifest: a drawing and how to cut it."""

    model_config = ConfigDict(frozen=True)

    file: Path
    quantity: int = Field(ge=1)
    material: str = Field(min_length=1)
    thickness: float = Field(gt=0)
    rotations: tuple[float, ...] = Field(min_length=1, description="Allowed angles, degrees CCW.")
    flip: bool = False
    line: int | None = Field(default=None, description="Line of the manifest it was read from.")

    @field_validator("file", mode="before")
    @classmethod
    def _file_named(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("a drawing file name is required")
        return value

    @field_validator("material", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("rotations", mode="before")
    @classmethod
    def _split_rotations(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(a.strip() for a in value.split(";") if a.strip())
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


def read_manifest(path: Path | str) -> list[ManifestLine]:
    """Read a manifest CSV; relative drawing paths are resolved against the manifest's folder.

    Raises:
        ManifestError: The file is missing, has no header, lacks a required column, has no rows,
            or a row has a bad value (the message names the line and the column).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # Excel writes a byte-order mark
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest ({exc.strerror})", path=path) from exc
    except UnicodeDecodeError as exc:
        raise ManifestError("not UTF-8 text; save the manifest as CSV UTF-8", path=path) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    columns = _header(next(reader, None), path)
    lines = []
    for row in reader:
        if any(cell.strip() for cell in row):
            lines.append(_line(row, columns, reader.line_num, path))
    if not lines:
        raise ManifestError("no drawings listed", path=path)
    return lines


def _header(row: list[str] | None, path: Path) -> dict[str, int]:
    """Map each known column name to its index, checking every required column is there."""
    if row is None:
        raise ManifestError("empty file; the first line must name the columns", path=path, line=1)
    columns = {name.strip().lower(): i for i, name in enumerate(row)}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ManifestError(
            f"missing column(s) {', '.join(missing)}; the header needs "
            f"{', '.join(REQUIRED_COLUMNS)} (optional: {', '.join(OPTIONAL_COLUMNS)})",
            path=path,
            line=1,
        )
    return {c: columns[c] for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in columns}


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
            message = f"{reason} (got {values.get(column, '')!r})"
        raise ManifestError(message, path=path, line=number, column=column) from None
    if not line.file.is_absolute():
        line = line.model_copy(update={"file": path.parent / line.file})
    return line
