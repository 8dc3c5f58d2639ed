"""Reading an order's geometry the way the engine does: contours, parts, sheets, placements.

Validation (to answer ``POST /new``) and conversion (to build the solver's request) both read
geometry through this module, so an order that passed validation always converts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import MultiPoint, Polygon, box
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

from nestflow.geometry.encoding import ContourEncodingError, contour_from_almacam
from nestflow.geometry.models import Contour
from nestflow.sandbox.almacam.endpoints.schema import CONTOUR_VALIDATOR
from nestflow.sandbox.almacam.gateway.answers import ErrorCode

#: Largest distance between an arc and the chords replacing it, in the order's unit.
CHORD_TOLERANCE = 0.05

#: The vendor's message for a contour crossing itself (its documented example).
SELF_INTERSECTING_MESSAGE = "Outline description is self intersecting"

#: ``length`` of an infinitely long (strip) sheet.
STRIP_LENGTH = -1

#: Relative area under which a contour counts as flat (area / squared bounding-box diagonal).
FLAT_AREA = 1e-9


class ContourProblem(ValueError):
    """A contour the engine cannot use; ``code`` is -971 (malformed) or -979 (self-intersecting)."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ReadContour:
    """A decoded contour: exact (with arcs) and flattened as a valid shapely polygon."""

    contour: Contour
    polygon: Polygon

    @property
    def points(self) -> list[tuple[float, float]]:
        """The flattened outline, without a closing repeat."""
        return list(self.polygon.exterior.coords)[:-1]


def read_contour(raw: Any) -> ReadContour:
    """Decode one contour of an order and check that it is a simple closed outline with area.

    Args:
        raw: The contour as it stands in the order (a list of vertices).

    Returns:
        The exact contour and its flattened polygon.

    Raises:
        ContourProblem: Malformed vertices, fewer than 3 distinct points, no area (-971), or an
            outline crossing itself (-979).
    """
    schema_error = next(iter(CONTOUR_VALIDATOR.iter_errors(raw)), None)
    if schema_error is not None:
        where = "".join(f"[{step}]" for step in schema_error.absolute_path)
        raise ContourProblem(
            ErrorCode.INVALID_CONTOUR, f"Invalid contour{where}: {schema_error.message}"
        )
    try:
        contour = contour_from_almacam(raw)
    except ContourEncodingError as exc:
        raise ContourProblem(ErrorCode.INVALID_CONTOUR, f"Invalid contour: {exc}") from exc
    points = contour.points(CHORD_TOLERANCE)
    if len(set(points)) < 3:
        raise ContourProblem(
            ErrorCode.INVALID_CONTOUR, "Invalid contour: fewer than 3 distinct points"
        )
    # Flat first: all points on one line is a degenerate contour, not a crossing one.
    box = contour.bounds()
    if MultiPoint(points).convex_hull.area <= FLAT_AREA * (box.width**2 + box.height**2):
        raise ContourProblem(ErrorCode.INVALID_CONTOUR, "Invalid contour: it encloses no area")
    polygon = Polygon(points)
    if not polygon.is_valid:
        raise ContourProblem(ErrorCode.SELF_INTERSECTING, SELF_INTERSECTING_MESSAGE)
    return ReadContour(contour=contour, polygon=polygon)


def with_holes(outer: ReadContour, holes: Sequence[ReadContour]) -> Polygon:
    """The polygon of an outline minus its holes (may be invalid if holes overlap)."""
    return Polygon(outer.points, [h.points for h in holes])


def hole_owners(outlines: Sequence[ReadContour], holes: Sequence[ReadContour]) -> list[int | None]:
    """For each hole, the index of the outline containing it (``None`` when none does)."""
    return [
        next((i for i, o in enumerate(outlines) if o.polygon.contains(h.polygon)), None)
        for h in holes
    ]


def part_shape(part: dict[str, Any]) -> Polygon:
    """The region a part occupies (holes cut out) in the order's coordinates, outer ring CCW.

    A part made of several outlines moves as one rigid piece: touching outlines are merged
    exactly, disjoint ones are represented by the convex hull that holds them all.
    """
    outlines = [read_contour(raw) for raw in part["geometry"]]
    holes = [read_contour(raw) for raw in part.get("holes", [])]
    owners = hole_owners(outlines, holes)
    pieces = [
        with_holes(o, [h for h, owner in zip(holes, owners, strict=True) if owner == i])
        for i, o in enumerate(outlines)
    ]
    shape = pieces[0] if len(pieces) == 1 else unary_union(pieces)
    if not isinstance(shape, Polygon):
        shape = Polygon(shape.convex_hull.exterior)
    return orient(shape, sign=1.0)


def border_gaps(sheet: dict[str, Any]) -> tuple[float, float, float, float]:
    """A sheet's margins as ``(left, right, bottom, top)``; absent or ``null``, none at all."""
    gap = sheet.get("border_gap")
    if gap is None:
        return (0.0,) * 4
    if isinstance(gap, list):
        left, right, bottom, top = (float(g) for g in gap)
        return left, right, bottom, top
    return (float(gap),) * 4


def usable_region(sheet: dict[str, Any], margins: bool = True, strip_reach: float = 1e9) -> Any:
    """Where parts may lie on a sheet: inside its outline (and margins), outside its defects.

    Margins of a shaped sheet are measured from its bounding box, as for a rectangle (the solver
    sees a shaped sheet as its bounding box with the outside as defects).

    Args:
        sheet: The order's sheet.
        margins: Whether to keep the border gaps free.
        strip_reach: Length used for an endless strip.
    """
    left, right, bottom, top = border_gaps(sheet) if margins else (0.0, 0.0, 0.0, 0.0)
    if "contour" in sheet:
        outline = read_contour(sheet["contour"]).polygon
        x0, y0, x1, y1 = outline.bounds
        region = outline.intersection(box(x0 + left, y0 + bottom, x1 - right, y1 - top))
    else:
        length = strip_reach if sheet["length"] == STRIP_LENGTH else float(sheet["length"])
        region = box(left, bottom, length - right, float(sheet["height"]) - top)
    defects = [read_contour(raw).polygon for raw in sheet.get("defects", [])]
    return region.difference(unary_union(defects)) if defects else region
