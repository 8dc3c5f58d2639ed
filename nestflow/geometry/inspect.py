"""Per-part and per-failure report records for ``nestflow inspect`` (and any other front end).

The records are what a person checks before nesting: detected units, bounding box, area,
holes (and the narrowest one's width), marking paths and lines of engraving text of every part,
and the reason each unreadable drawing failed. Records come in file order; within a file, parts
come largest first.

A hole's width is the diameter of the largest circle that fits in it (shapely's maximum
inscribed circle): a round hole's diameter, a slot's width, the leg width of an L-shaped cut-out.
A laser cannot cut a hole much narrower than the sheet is thick (the pierce and the kerf do not
fit), so :func:`narrow_holes` finds the holes under a width, with a negative buffer: a hole
holds no point farther than ``width / 2`` from its edge exactly when it is narrower.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import shapely
from pydantic import BaseModel, ConfigDict, Field
from shapely.geometry import Polygon

from nestflow.geometry.models import Contour, Part
from nestflow.geometry.reader import DrawingFailure, ReadOptions, drawing_files, read_batch

#: Largest chord tolerance (mm) when measuring holes (a chord cuts into a round hole); a small
#: hole is flattened within a ten-thousandth of its size.
HOLE_CHORD_TOLERANCE = 0.001


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
    narrowest_hole: float | None = Field(
        default=None, description="Width of the part's narrowest hole, mm, to 0.01 (None: none)."
    )
    marks: int
    mark_texts: int = Field(default=0, description="Lines of engraving text kept (not cut).")
    units: str = Field(
        description=(
            "Units as read: the header's (mm, inch, cm, m...), unitless->mm or unitless->inch, "
            "or header->given (m->mm) when units given for the drawing overrode its header."
        )
    )
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


class NarrowHole(BaseModel):
    """A hole narrower than asked: its width and the centre of its bounding box (mm)."""

    model_config = ConfigDict(frozen=True)

    width: float
    center: tuple[float, float]


def _hole_polygon(hole: Contour, chord_tolerance: float) -> Polygon:
    box = hole.bounds()
    tolerance = min(chord_tolerance, max(1e-6, 1e-4 * max(box.width, box.height)))
    polygon = Polygon(hole.points(tolerance))
    return polygon if polygon.is_valid else shapely.make_valid(polygon)


def hole_width(hole: Contour, chord_tolerance: float = HOLE_CHORD_TOLERANCE) -> float:
    """The width of a hole: the diameter of the largest circle inside it, mm.

    Args:
        hole: A closed contour (arcs are flattened within ``chord_tolerance``).
        chord_tolerance: Largest deviation of the chords from the arcs, mm.

    Returns:
        The width, within a thousandth of the hole's size (0 for a degenerate contour).
    """
    polygon = _hole_polygon(hole, chord_tolerance)
    if polygon.is_empty or polygon.area <= 0.0:
        return 0.0
    rectangle = polygon.minimum_rotated_rectangle  # its short side bounds the width from above
    x0, y0, x1, y1 = rectangle.bounds
    tolerance = max(1e-6, 1e-3 * min(max(x1 - x0, y1 - y0), polygon.length / 4))
    return 2.0 * shapely.maximum_inscribed_circle(polygon, tolerance).length


def narrow_holes(
    part: Part, min_width: float, chord_tolerance: float = HOLE_CHORD_TOLERANCE
) -> list[NarrowHole]:
    """The holes of a part narrower than ``min_width``, narrowest first.

    Args:
        part: The part.
        min_width: The narrowest hole allowed, mm; 0 or less finds none.
        chord_tolerance: Largest deviation of the chords from the arcs, mm.

    Returns:
        One record per hole narrower than ``min_width``.
    """
    if min_width <= 0.0:
        return []
    found = []
    for hole in part.holes:
        if not _hole_polygon(hole, chord_tolerance).buffer(-min_width / 2.0).is_empty:
            continue
        box = hole.bounds()
        center = ((box.min_x + box.max_x) / 2.0, (box.min_y + box.max_y) / 2.0)
        found.append(NarrowHole(width=hole_width(hole, chord_tolerance), center=center))
    return sorted(found, key=lambda h: h.width)


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
        narrowest_hole=round(min(hole_width(h) for h in part.holes), 2) if part.holes else None,
        marks=len(part.marks),
        mark_texts=len(part.mark_texts),
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
