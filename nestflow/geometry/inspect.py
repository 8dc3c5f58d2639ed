"""Per-part and per-failure report records for ``nestflow inspect`` (and any other front end).

The records are what a person checks before nesting: detected units, bounding box, area and
holes of every part, and the reason each unreadable drawing failed. Records come in file order;
within a file, parts come largest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nestflow.geometry.models import Part
from nestflow.geometry.reader import DrawingFailure, ReadOptions, drawing_files, read_batch


class PartRecord(BaseModel):
    """One part read from a drawing (lengths in mm, area in mm², rounded to 0.001)."""

    model_config = ConfigDict(frozen=True)

    record: Literal["part"] = "part"
    file: str
    name: str
    width: float
    height: float
    area: float
    holes: int
    marks: int
    units: str
    warnings: list[str] = Field(default_factory=list)


class FailureRecord(BaseModel):
    """One drawing that could not be read, with the stable ``kind`` of the reason."""

    model_config = ConfigDict(frozen=True)

    record: Literal["failure"] = "failure"
    file: str
    kind: str
    message: str


InspectRecord = Annotated[PartRecord | FailureRecord, Field(discriminator="record")]


class InspectReport(BaseModel):
    """Records of an inspection, in file order."""

    model_config = ConfigDict(frozen=True)

    records: list[InspectRecord] = Field(default_factory=list)

    @property
    def parts(self) -> list[PartRecord]:
        """The part records."""
        return [r for r in self.records if isinstance(r, PartRecord)]

    @property
    def failures(self) -> list[FailureRecord]:
        """The failure records."""
        return [r for r in self.records if isinstance(r, FailureRecord)]

    @property
    def ok(self) -> bool:
        """Whether every drawing was read."""
        return not self.failures


def part_record(part: Part) -> PartRecord:
    """The report record of one part."""
    box = part.bbox
    return PartRecord(
        file=part.source,
        name=part.name,
        width=round(box.width, 3),
        height=round(box.height, 3),
        area=round(part.area, 3),
        holes=len(part.holes),
        marks=len(part.marks),
        units=part.units,
        warnings=list(part.warnings),
    )


def failure_record(failure: DrawingFailure) -> FailureRecord:
    """The report record of one failed drawing."""
    return FailureRecord(file=failure.file, kind=failure.kind, message=failure.message)


def inspect_drawings(
    sources: Iterable[Path | str], options: ReadOptions | None = None, **overrides: Any
) -> InspectReport:
    """Read drawings and report every part and every failure, in file order.

    Args:
        sources: Files and directories (a directory contributes its ``*.dxf`` files, sorted).
        options: Reading options.
        **overrides: Individual option fields overriding ``options``.
    """
    records: list[PartRecord | FailureRecord] = []
    for path in drawing_files(sources):
        result = read_batch([path], options, **overrides)
        records.extend(part_record(part) for part in result.parts)
        records.extend(failure_record(failure) for failure in result.failures)
    return InspectReport(records=records)
