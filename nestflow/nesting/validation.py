"""Independent check of a nesting result against its request.

Criteria (``tolerance`` in mm, default 1e-3 because spyrrow computes in f32):

* every placed outline lies inside its sheet minus the border gaps, within ``tolerance``;
* every placement uses one of the item's allowed orientations (angle and flip);
* two items with required distance ``d = max(spacing_p, spacing_q)``: if ``d > tolerance`` their
  outlines must be at least ``d - tolerance`` apart; otherwise they must not *penetrate* each other
  by more than ``tolerance``, tested by eroding both outlines by ``tolerance / 2`` and asking
  whether they still intersect (robust against f32 slivers along touching edges, unlike an area
  threshold, and scale-free). Outlines carry their holes, so a part inside another's hole is fine;
* every outline keeps its own spacing from each sheet defect (same two-case test);
* counts: placed copies (placements x nesting quantity) + unplaced == quantity for every item,
  and the nestings use no more sheets of a format than its quantity.
"""

from __future__ import annotations

from collections import Counter

from shapely import STRtree
from shapely.geometry import Polygon

from nestflow.nesting.models import NestItem, NestRequest, NestResult, NestSheet, SolverLayout
from nestflow.nesting.shapes import placed_polygon, ring_points, same_angle

#: At most this many problems are listed; the rest are counted.
MAX_PROBLEMS = 25


def check_result(request: NestRequest, result: NestResult, tolerance: float = 1e-3) -> list[str]:
    """List every way ``result`` violates ``request``.

    Args:
        request: The request the result answers.
        result: The result to check.
        tolerance: Allowed numeric slack in mm.

    Returns:
        Human-readable problems; empty when the result is valid.
    """
    items = {i.id: i for i in request.items}
    sheets = {s.id: s for s in request.sheets}
    problems: list[str] = []
    placed: Counter[int] = Counter()
    sheet_use: Counter[int] = Counter()
    for k, nesting in enumerate(result.nestings):
        sheet = sheets.get(nesting.sheet_id)
        if sheet is None:
            problems.append(f"nesting {k}: unknown sheet id {nesting.sheet_id}")
            continue
        if nesting.quantity < 1:
            problems.append(f"nesting {k}: quantity {nesting.quantity} < 1")
        sheet_use[sheet.id] += nesting.quantity
        problems += _nesting_problems(k, nesting, sheet, items, tolerance)
        for placement in nesting.placements:
            placed[placement.item_id] += nesting.quantity
    for sheet_id, used in sheet_use.items():
        if used > sheets[sheet_id].quantity:
            problems.append(
                f"sheet {sheet_id}: {used} sheets used, only {sheets[sheet_id].quantity} available"
            )
    problems += _count_problems(request, result, placed)
    if len(problems) > MAX_PROBLEMS:
        problems = problems[:MAX_PROBLEMS] + [f"... and {len(problems) - MAX_PROBLEMS} more"]
    return problems


def _count_problems(request: NestRequest, result: NestResult, placed: Counter[int]) -> list[str]:
    problems = []
    known = {i.id for i in request.items}
    unplaced: Counter[int] = Counter()
    for entry in result.unplaced:
        if entry.item_id not in known:
            problems.append(f"unplaced entry for unknown item id {entry.item_id}")
        if entry.count < 1:
            problems.append(f"unplaced entry for item {entry.item_id} has count {entry.count}")
        unplaced[entry.item_id] += entry.count
    for item_id in placed.keys() - known:
        problems.append(f"placements of unknown item id {item_id}")
    for item in request.items:
        total = placed[item.id] + unplaced[item.id]
        if total != item.quantity:
            problems.append(
                f"item {item.id}: {placed[item.id]} placed + {unplaced[item.id]} unplaced "
                f"!= quantity {item.quantity}"
            )
    return problems


def _nesting_problems(
    k: int, nesting: SolverLayout, sheet: NestSheet, items: dict[int, NestItem], tolerance: float
) -> list[str]:
    problems = []
    geoms: list[Polygon] = []
    owners: list[NestItem] = []
    for n, placement in enumerate(nesting.placements):
        item = items.get(placement.item_id)
        where = f"nesting {k} (sheet {sheet.id}) placement {n} (item {placement.item_id})"
        if item is None:
            continue
        if not any(
            o.flip == placement.flip and same_angle(o.angle, placement.angle)
            for o in item.orientations
        ):
            problems.append(
                f"{where}: orientation angle={placement.angle:g} flip={placement.flip} not allowed"
            )
        geom = placed_polygon(item, placement)
        problems += [f"{where}: {msg}" for msg in _border_problems(geom, sheet, tolerance)]
        if geom.bounds[2] > nesting.length + tolerance:
            problems.append(f"{where}: reaches x={geom.bounds[2]:.4f} beyond length")
        geoms.append(geom)
        owners.append(item)
    if sheet.length is not None and nesting.length > sheet.length + tolerance:
        problems.append(f"nesting {k}: length {nesting.length:g} exceeds sheet {sheet.length:g}")
    problems += _pair_problems(k, geoms, owners, tolerance)
    problems += _defect_problems(k, sheet, geoms, owners, tolerance)
    return problems


def _border_problems(geom: Polygon, sheet: NestSheet, tolerance: float) -> list[str]:
    left, right, bottom, top = sheet.border_gap
    minx, miny, maxx, maxy = geom.bounds
    problems = []
    if minx < left - tolerance:
        problems.append(f"x={minx:.4f} crosses the left border gap {left:g}")
    if sheet.length is not None and maxx > sheet.length - right + tolerance:
        problems.append(f"x={maxx:.4f} crosses the right border gap at {sheet.length - right:g}")
    if miny < bottom - tolerance:
        problems.append(f"y={miny:.4f} crosses the bottom border gap {bottom:g}")
    if maxy > sheet.height - top + tolerance:
        problems.append(f"y={maxy:.4f} crosses the top border gap at {sheet.height - top:g}")
    return problems


def _too_close(
    a: Polygon, b: Polygon, required: float, tolerance: float, eroded: tuple[Polygon, Polygon]
) -> float | None:
    """Distance between ``a`` and ``b`` when it breaks the rule, else None (0.0 = penetration).

    ``eroded`` holds ``a`` and ``b`` shrunk by ``tolerance / 2``.
    """
    if required > tolerance:
        distance = a.distance(b)
        return distance if distance < required - tolerance else None
    return 0.0 if eroded[0].intersects(eroded[1]) else None


def _eroded(geoms: list[Polygon], tolerance: float) -> list[Polygon]:
    return [g.buffer(-tolerance / 2, join_style="mitre") for g in geoms]


def _pair_problems(
    k: int, geoms: list[Polygon], owners: list[NestItem], tolerance: float
) -> list[str]:
    if len(geoms) < 2:
        return []
    reach = max(max(o.spacing for o in owners), tolerance)
    tree = STRtree(geoms)
    eroded = _eroded(geoms, tolerance)
    left, right = tree.query(geoms, predicate="dwithin", distance=reach)
    problems = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        required = max(owners[i].spacing, owners[j].spacing)
        gap = _too_close(geoms[i], geoms[j], required, tolerance, (eroded[i], eroded[j]))
        if gap is not None:
            what = "overlap" if gap == 0.0 else f"are {gap:.4f} apart"
            problems.append(
                f"nesting {k}: placements {i} (item {owners[i].id}) and {j} (item {owners[j].id}) "
                f"{what}; required distance {required:g}"
            )
    return problems


def _defect_problems(
    k: int, sheet: NestSheet, geoms: list[Polygon], owners: list[NestItem], tolerance: float
) -> list[str]:
    problems: list[str] = []
    if not sheet.defects:
        return problems
    eroded = _eroded(geoms, tolerance)
    for d, defect in enumerate(Polygon(ring_points(r)) for r in sheet.defects):
        shrunk = defect.buffer(-tolerance / 2, join_style="mitre")
        for n, (geom, owner) in enumerate(zip(geoms, owners, strict=True)):
            gap = _too_close(geom, defect, owner.spacing, tolerance, (eroded[n], shrunk))
            if gap is not None:
                problems.append(
                    f"nesting {k}: placement {n} (item {owner.id}) is within "
                    f"{owner.spacing:g} of defect {d} of sheet {sheet.id}"
                )
    return problems
