"""From a validated order to the solver's request, and from the solver's result to the vendor's.

Readings of the order (the vendor leaves them open; these are the sandbox's):

* Every instance becomes one solver item (its id is the instance id, unique per order); its
  outline is the part's geometry in the order's own coordinates, so the solver's placements are
  the vendor's transforms (rotate about the input (0, 0), then flip, then translate) unchanged.
* A part made of several disjoint outlines moves as one rigid piece: the solver nests the convex
  hull of the pieces (outlines that touch are merged exactly).
* No ``orientations`` means the drawn orientation only (the vendor's hello-world result shows
  angle 0, no flip). A range becomes the discrete angles of
  :func:`~nestflow.nesting.angles_in_range`; ``flip: true`` means the copy *is* mirrored.
* ``protection_offset`` is the item's spacing: two parts keep ``max`` of their offsets apart.
* ``length: -1`` is an endless strip. A shaped sheet (``contour``) becomes its bounding box with
  the area outside the contour added to the defects; positions are shifted back to the contour's
  coordinates in the result.
* ``pre_nestings`` are honoured: each one becomes a sheet of its format offered to the solver
  first, ``quantity`` times, with its parts (grown by their protection offset) as defects; the
  parts it places are taken off the instances' quantities and its sheets off the format's stock.
  Each nesting of such a sheet lists the pre-nested parts first; pre-nesting sheets the solver
  leaves empty are reported with the pre-nested parts alone.
* Copies the solver could not place are listed in an extra result field, ``unplaced_parts``
  (``[{"id", "quantity", "reason"}]``), and named in ``message``; the vendor documents no such
  field, and dropping parts silently would mislead a client.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box

from nestflow.almacam.models import FullResult, NestedPart, Nesting, StatsNesting, StatsResult
from nestflow.nesting import angles_in_range
from nestflow.nesting.models import NestItem, NestRequest, NestResult, NestSheet, Orientation, Point
from nestflow.nesting.shapes import pose_polygon
from nestflow.sandbox.almacam.simulation.contours import (
    STRIP_LENGTH,
    border_gaps,
    part_shape,
    read_contour,
)

#: ``message`` of a result where every copy was placed (the vendor's sample).
COMPLETED = "successfully completed"

#: Areas below this (in the order's unit squared) are numerical dust, not defects.
DUST_AREA = 1e-9


@dataclass(frozen=True)
class OrderPart:
    """One instance's geometry as the solver and the result need it.

    Attributes:
        shape: The part's region (holes cut out) in the order's coordinates, outer ring CCW.
        spacing: The part's protection offset.
    """

    shape: Polygon
    spacing: float


@dataclass(frozen=True)
class PreNested:
    """A pre-nesting, laid out as given.

    Attributes:
        sheet: The order's sheet id.
        quantity: How many sheets carry it.
        parts: Its parts.
        length: Largest x of its parts (its used length on its own).
    """

    sheet: int
    quantity: int
    parts: list[NestedPart]
    length: float


@dataclass(frozen=True)
class SolverSheet:
    """What a solver sheet id stands for in the order.

    Attributes:
        sheet: The order's sheet id.
        offset: Shift from solver sheet coordinates to the order's coordinates (non-zero for a
            shaped sheet whose contour does not start at (0, 0)).
        pre_nested: The pre-nesting this solver sheet was made for, if any.
    """

    sheet: int
    offset: Point = (0.0, 0.0)
    pre_nested: PreNested | None = None


@dataclass
class Conversion:
    """A solver request and what is needed to read its result back in the order's terms.

    Attributes:
        request: What the solver gets.
        parts: Per instance id, its geometry.
        sheets: Per solver sheet id, what it stands for.
    """

    request: NestRequest
    parts: dict[int, OrderPart] = field(default_factory=dict)
    sheets: dict[int, SolverSheet] = field(default_factory=dict)


def order_to_request(order: dict[str, Any], time_limit: float) -> Conversion:
    """Build the solver request for a validated order.

    Args:
        order: The order, valid per :func:`~sandbox.almacam.endpoints.validation.validate_order`.
        time_limit: Solving budget in seconds.
    """
    parts = order_parts(order)
    pre = [pre_nested(raw, parts) for raw in order.get("pre_nestings", [])]
    copies_taken: Counter[int] = Counter()
    sheets_taken: Counter[int] = Counter()
    for nesting in pre:
        sheets_taken[nesting.sheet] += nesting.quantity
        for p in nesting.parts:
            copies_taken[p.id] += nesting.quantity
    items = [
        item
        for part in order["parts"]
        for item in part_items(part, parts, copies_taken)
        if item.quantity > 0
    ]
    raw_sheets = {raw["id"]: raw for raw in order["sheets"]}
    solver_sheets: list[NestSheet] = []
    meaning: dict[int, SolverSheet] = {}
    next_id = max(raw_sheets) + 1
    for nesting in pre:  # first: the solver fills sheet formats in request order
        sheet, offset = nest_sheet(raw_sheets[nesting.sheet])
        solver_sheets.append(pre_nesting_sheet(sheet, offset, nesting, parts, next_id))
        meaning[next_id] = SolverSheet(sheet=nesting.sheet, offset=offset, pre_nested=nesting)
        next_id += 1
    for raw in order["sheets"]:
        sheet, offset = nest_sheet(raw)
        left = sheet.quantity - sheets_taken[sheet.id]
        if left > 0:
            solver_sheets.append(sheet.model_copy(update={"quantity": left}))
            meaning[sheet.id] = SolverSheet(sheet=sheet.id, offset=offset)
    request = NestRequest(items=items, sheets=solver_sheets, time_limit=time_limit)
    return Conversion(request=request, parts=parts, sheets=meaning)


# --- parts ----------------------------------------------------------------------------------------


def order_parts(order: dict[str, Any]) -> dict[int, OrderPart]:
    """Per instance id, the geometry of its part."""
    parts: dict[int, OrderPart] = {}
    for part in order["parts"]:
        geometry = OrderPart(
            shape=part_shape(part), spacing=float(part.get("protection_offset", 0.0))
        )
        parts.update({inst["id"]: geometry for inst in part["instances"]})
    return parts


def _ring(coords: Iterable[tuple[float, ...]]) -> list[Point]:
    points = [(float(c[0]), float(c[1])) for c in coords]
    return points[:-1] if len(points) > 1 and points[0] == points[-1] else points


def instance_orientations(instance: dict[str, Any]) -> list[Orientation]:
    """The discrete poses an instance may take (drawn orientation when none is given)."""
    poses: list[Orientation] = []
    for raw in instance.get("orientations") or [{"angle": 0.0}]:
        flip = bool(raw.get("flip", False))
        if "angle" in raw:
            angles = [float(raw["angle"])]
        else:
            angles = angles_in_range(float(raw["min_angle"]), float(raw["max_angle"]))
        poses += [Orientation(angle=a, flip=flip) for a in angles]
    return list(dict.fromkeys(poses))


def part_items(
    part: dict[str, Any], parts: dict[int, OrderPart], taken: Counter[int]
) -> list[NestItem]:
    """One solver item per instance of the part, less the copies pre-nestings place."""
    items = []
    for inst in part["instances"]:
        geometry = parts[inst["id"]]
        items.append(
            NestItem(
                id=inst["id"],
                outer=_ring(geometry.shape.exterior.coords),
                holes=[_ring(ring.coords) for ring in geometry.shape.interiors],
                quantity=inst.get("quantity", 1) - taken[inst["id"]],
                orientations=instance_orientations(inst),
                spacing=geometry.spacing,
            )
        )
    return items


# --- sheets ---------------------------------------------------------------------------------------


def _polygons(geometry: Any) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry] if geometry.area > DUST_AREA else []
    if isinstance(geometry, MultiPolygon):
        return [g for g in geometry.geoms if g.area > DUST_AREA]
    return [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon)]


def nest_sheet(sheet: dict[str, Any]) -> tuple[NestSheet, Point]:
    """The solver sheet of an order sheet, and its offset back to the order's coordinates."""
    defects = [read_contour(raw).polygon for raw in sheet.get("defects", [])]
    if "contour" in sheet:
        outline = read_contour(sheet["contour"]).polygon
        x0, y0, x1, y1 = outline.bounds
        outside = _polygons(box(x0, y0, x1, y1).difference(outline))
        defects = [affinity.translate(d, -x0, -y0) for d in [*defects, *outside]]
        length: float | None = x1 - x0
        height = y1 - y0
        offset = (x0, y0)
    else:
        length = None if sheet["length"] == STRIP_LENGTH else float(sheet["length"])
        height = float(sheet["height"])
        offset = (0.0, 0.0)
    nest = NestSheet(
        id=sheet["id"],
        length=length,
        height=height,
        quantity=sheet.get("quantity", 1),
        border_gap=border_gaps(sheet),
        # A defect's holes are not usable sheet: its outer ring is the forbidden zone.
        defects=[_ring(d.exterior.coords) for d in defects],
    )
    return nest, offset


def pre_nested(raw: dict[str, Any], parts: dict[int, OrderPart]) -> PreNested:
    """A pre-nesting of the order, its parts placed as given."""
    nested = [
        NestedPart(id=p["id"], angle=p["angle"], flip=p["flip"], position=list(p["position"]))
        for p in raw["nested_parts"]
    ]
    right = max((_placed(parts, p).bounds[2] for p in nested), default=0.0)
    return PreNested(
        sheet=raw["sheet"], quantity=raw.get("quantity", 1), parts=nested, length=right
    )


def pre_nesting_sheet(
    sheet: NestSheet,
    offset: Point,
    nesting: PreNested,
    parts: dict[int, OrderPart],
    solver_id: int,
) -> NestSheet:
    """The solver sheet that fills a pre-nesting: its parts, grown by their offset, as defects."""
    blocked = [
        affinity.translate(
            _placed(parts, p).buffer(parts[p.id].spacing, join_style="mitre"),
            -offset[0],
            -offset[1],
        )
        for p in nesting.parts
    ]
    return sheet.model_copy(
        update={
            "id": solver_id,
            "quantity": nesting.quantity,
            "defects": [*sheet.defects, *(_ring(b.exterior.coords) for b in blocked)],
        }
    )


# --- results --------------------------------------------------------------------------------------


def _placed(parts: dict[int, OrderPart], p: NestedPart) -> Polygon:
    return pose_polygon(parts[p.id].shape, p.angle, p.flip, p.position[0], p.position[1])


def _angle(angle: float) -> float:
    """An angle in [0, 360), as the vendor reports orientations."""
    a = angle % 360.0
    return 0.0 if math.isclose(a, 360.0, abs_tol=1e-9) else a


def _nesting(
    conversion: Conversion,
    sheet: SolverSheet,
    parts: list[NestedPart],
    quantity: int,
    length: float,
) -> Nesting:
    top = max((_placed(conversion.parts, p).bounds[3] for p in parts), default=0.0)
    return Nesting(
        sheet=sheet.sheet, nested_parts=parts, quantity=quantity, length=length, height=top
    )


def full_result(result: NestResult, conversion: Conversion) -> FullResult:
    """The vendor's full view of a solver result (positions in the order's coordinates)."""
    nestings = []
    filled: Counter[int] = Counter()
    for nesting in result.nestings:
        sheet = conversion.sheets[nesting.sheet_id]
        dx, dy = sheet.offset
        parts = [
            NestedPart(
                id=p.item_id, angle=_angle(p.angle), flip=p.flip, position=[p.x + dx, p.y + dy]
            )
            for p in nesting.placements
        ]
        length = nesting.length + dx
        if sheet.pre_nested is not None:
            parts = [*sheet.pre_nested.parts, *parts]
            length = max(length, sheet.pre_nested.length)
            filled[nesting.sheet_id] += nesting.quantity
        nestings.append(_nesting(conversion, sheet, parts, nesting.quantity, length))
    for solver_id, sheet in conversion.sheets.items():
        pre = sheet.pre_nested
        if pre is not None and pre.quantity > filled[solver_id]:
            left = pre.quantity - filled[solver_id]
            nestings.append(_nesting(conversion, sheet, list(pre.parts), left, pre.length))
    unplaced = [
        {"id": u.item_id, "quantity": u.count, "reason": u.reason}
        for u in result.unplaced
        if u.count > 0
    ]
    if not unplaced:
        return FullResult(message=COMPLETED, nestings=nestings)
    missing = sum(u["quantity"] for u in unplaced)
    message = f"completed, but {missing} part copies could not be placed (see unplaced_parts)"
    return FullResult(message=message, nestings=nestings, unplaced_parts=unplaced)


def stats_view(full: dict[str, Any]) -> dict[str, Any]:
    """The stats view of a stored full result: same shape, nested parts carry only ``id``."""
    model = FullResult.model_validate(full)
    stats = StatsResult(
        message=model.message,
        nestings=[
            StatsNesting(
                sheet=n.sheet,
                quantity=n.quantity,
                length=n.length,
                height=n.height,
                nested_parts=[{"id": p.id} for p in n.nested_parts],
            )
            for n in model.nestings
        ],
        **(model.model_extra or {}),
    )
    return stats.model_dump(mode="json", exclude_none=True)
