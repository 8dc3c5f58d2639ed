"""Input checks and the solver-side view of items and sheets.

spyrrow panics (a ``BaseException``) on bad geometry, so every request is checked here first and
problems are reported as one :class:`NestingInputError` naming the items and sheets concerned.

Spacing rule. An item's protection offset ``s`` means: the distance between two placed items p, q
is at least ``max(s_p, s_q)``. spyrrow's own separation is global and also pushes items away from
the strip edge, so it is not used; instead each item's outline handed to spyrrow is grown by a
mitred buffer ``b_i`` (a superset of the exact offset, so distances are never shorter) chosen so
that ``b_p + b_q >= max(s_p, s_q)`` for every pair, and the strip is widened by the smallest buffer
on each side so the true outlines may reach the usable sheet edge. Two-level choice: items with the
largest offset S get ``S - c``, all others ``c``, with ``c`` either ``S/2`` (uniform) or half the
second-largest offset, whichever grows the total perimeter less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon

from nestflow.nesting.errors import NestingInputError
from nestflow.nesting.models import NestItem, NestRequest, NestSheet, Point
from nestflow.nesting.shapes import normalize_angle, ring_points, rotate_points, same_angle

#: Added to the strip height: spyrrow rejects an item whose height equals the strip height exactly.
HEIGHT_SLACK = 1e-3
#: Outlines with more vertices than this are simplified (outward) before going to spyrrow. spyrrow
#: copes with ~1000-vertex outlines, and simplifying curved parts costs interlocking (gardeyn4:
#: about 2 points of density at 10 s), so only pathological outlines are simplified.
MAX_SOLVER_POINTS = 1200
#: Mitre limit of the spacing buffer: full mitre up to ~60 degree corners, bevelled beyond.
MITRE_LIMIT = 2.0


@dataclass(frozen=True)
class EmbeddedPart:
    """A copy nested inside a host's hole, posed in the host's own (caller) coordinates.

    Attributes:
        index: Prepared index of the embedded item.
        angle: Rotation in degrees CCW about (0, 0) of the item's coordinates.
        flip: Mirror about x after the rotation.
        x: Translation after rotation and mirror.
        y: Translation after rotation and mirror.
    """

    index: int
    angle: float
    flip: bool
    x: float
    y: float


@dataclass(frozen=True, eq=False)
class PreparedItem:
    """An item as the solver sees it.

    Attributes:
        index: Position in the request's item list.
        item: The caller's item.
        polygon: True outline with holes, in the item's own coordinates.
        area: Net area (holes removed).
        buffer: Growth of the solver outline that enforces the spacing rule.
        flipped: Whether copies are nested mirrored (see :func:`choose_side`).
        angles: Caller angles allowed on the chosen side, normalised to [0, 360).
        shape: Solver outline (mirrored if ``flipped``, grown by ``buffer``) moved so its bbox
            corner is (0, 0): spyrrow works in f32, small coordinates keep precision.
        corner: The bbox corner subtracted from ``shape`` (item coordinates, after mirroring).
        shape_area: Area of ``shape``.
        sizes: Bounding box (width, height) of ``shape`` per solver rotation.
        host: For a composite (a host copy with parts in its holes): the host's prepared index;
            ``item``, ``polygon`` and the solver outline are the host's. None for a plain item.
        embedded: The parts a composite carries in its holes (empty for a plain item).
    """

    index: int
    item: NestItem
    polygon: Polygon
    area: float
    buffer: float
    flipped: bool
    angles: tuple[float, ...]
    shape: np.ndarray
    corner: tuple[float, float]
    shape_area: float
    sizes: dict[float, tuple[float, float]]
    host: int | None = None
    embedded: tuple[EmbeddedPart, ...] = ()

    @property
    def item_id(self) -> int:
        """The caller's id."""
        return self.item.id

    def solver_rotation(self, angle: float) -> float:
        """Rotation spyrrow applies to the (pre-mirrored) shape producing caller ``angle``.

        mirror_x(rotate(S, a)) == rotate(mirror_x(S), -a), so a flipped copy at caller angle a is
        the pre-mirrored shape rotated by -a.
        """
        return solver_rotation(angle, self.flipped)

    @property
    def rotations(self) -> tuple[float, ...]:
        """All spyrrow rotations allowed for this item."""
        return tuple(self.solver_rotation(a) for a in self.angles)

    def caller_angle(self, rotation: float) -> float:
        """Map a spyrrow rotation back to the nearest allowed caller angle."""
        best = min(self.angles, key=lambda a: _angle_gap(self.solver_rotation(a), rotation))
        return best


def solver_rotation(angle: float, flipped: bool) -> float:
    """Rotation of the solver shape giving caller ``angle`` (negated for pre-mirrored shapes)."""
    return normalize_angle(-angle if flipped else angle)


def _angle_gap(a: float, b: float) -> float:
    diff = abs(normalize_angle(a) - normalize_angle(b))
    return min(diff, 360.0 - diff)


@dataclass(frozen=True)
class SheetFrame:
    """A sheet format and the strip spyrrow solves for it.

    The solver strip is the usable area (sheet minus border gaps) widened by ``expansion`` on each
    side (the smallest spacing buffer) plus :data:`HEIGHT_SLACK` in height; its origin lies at
    ``origin`` in sheet coordinates.
    """

    index: int
    sheet: NestSheet
    expansion: float

    @property
    def min_x(self) -> float:
        """Smallest x a part may reach (left border gap)."""
        return self.sheet.border_gap[0]

    @property
    def max_x(self) -> float:
        """Largest x a part may reach (infinite for a strip)."""
        if self.sheet.length is None:
            return math.inf
        return self.sheet.length - self.sheet.border_gap[1]

    @property
    def min_y(self) -> float:
        """Smallest y a part may reach."""
        return self.sheet.border_gap[2]

    @property
    def max_y(self) -> float:
        """Largest y a part may reach."""
        return self.sheet.height - self.sheet.border_gap[3]

    @property
    def usable_length(self) -> float | None:
        """Length between the left and right border gaps (None for a strip)."""
        return None if self.sheet.length is None else self.max_x - self.min_x

    @property
    def usable_height(self) -> float:
        """Height between the bottom and top border gaps."""
        return self.max_y - self.min_y

    @property
    def strip_height(self) -> float:
        """Height of the spyrrow strip."""
        return self.usable_height + 2 * self.expansion + HEIGHT_SLACK

    @property
    def origin(self) -> tuple[float, float]:
        """Sheet coordinates of the spyrrow strip's (0, 0)."""
        return (self.min_x - self.expansion, self.min_y - self.expansion - HEIGHT_SLACK / 2)

    @property
    def usable_area(self) -> float:
        """Usable area of one sheet (infinite for a strip)."""
        length = self.usable_length
        return math.inf if length is None else length * self.usable_height

    def fitting_rotations(self, item: PreparedItem) -> tuple[float, ...]:
        """Rotations (spyrrow) of ``item`` whose grown outline fits this sheet's strip."""
        height_cap = self.usable_height + 2 * self.expansion + HEIGHT_SLACK / 2
        length = self.usable_length
        length_cap = math.inf if length is None else length + 2 * self.expansion + HEIGHT_SLACK / 2
        return tuple(r for r, (w, h) in item.sizes.items() if h <= height_cap and w <= length_cap)

    def describe(self) -> str:
        """Sheet size in words, e.g. ``sheet 3 (3000 x 1500, usable 2980 x 1480)``."""
        length = "strip" if self.sheet.length is None else f"{self.sheet.length:g}"
        usable = "strip" if self.usable_length is None else f"{self.usable_length:g}"
        return (
            f"sheet {self.sheet.id} ({length} x {self.sheet.height:g}, "
            f"usable {usable} x {self.usable_height:g})"
        )


def validate_request(request: NestRequest) -> None:
    """Check a request before any spyrrow call.

    Raises:
        NestingInputError: Listing every problem found, with the offending item and sheet ids.
    """
    problems: list[tuple[str, list[int], list[int]]] = []
    if not request.items:
        problems.append(("the request has no items", [], []))
    if not request.sheets:
        problems.append(("the request has no sheets", [], []))
    if not (math.isfinite(request.time_limit) and request.time_limit > 0):
        problems.append((f"time_limit must be > 0 seconds, got {request.time_limit}", [], []))
    for dup in _duplicates([i.id for i in request.items]):
        problems.append((f"item id {dup} appears more than once", [dup], []))
    for dup in _duplicates([s.id for s in request.sheets]):
        problems.append((f"sheet id {dup} appears more than once", [], [dup]))
    for item in request.items:
        problems += [(f"item {item.id}: {msg}", [item.id], []) for msg in _item_problems(item)]
    for sheet in request.sheets:
        problems += [(f"sheet {sheet.id}: {msg}", [], [sheet.id]) for msg in _sheet_problems(sheet)]
    if problems:
        raise NestingInputError(
            "; ".join(p[0] for p in problems),
            item_ids=sorted({i for p in problems for i in p[1]}),
            sheet_ids=sorted({s for p in problems for s in p[2]}),
        )


def _duplicates(ids: list[int]) -> list[int]:
    seen: set[int] = set()
    dups: list[int] = []
    for value in ids:
        if value in seen and value not in dups:
            dups.append(value)
        seen.add(value)
    return dups


def _finite_ring(points: list[Point]) -> bool:
    return all(math.isfinite(x) and math.isfinite(y) for x, y in points)


def _polygon_problem(outer: list[Point], holes: list[list[Point]]) -> str:
    rings = [ring_points(outer)] + [ring_points(h) for h in holes]
    if not all(_finite_ring(r) for r in rings):
        return "coordinates must be finite numbers"
    if len(rings[0]) < 3:
        return "the outline needs at least 3 distinct vertices"
    if any(len(r) < 3 for r in rings[1:]):
        return "every hole needs at least 3 distinct vertices"
    shell = Polygon(rings[0])
    if not shell.is_valid:
        return f"invalid outline ({shapely.is_valid_reason(shell)})"
    if shell.area <= 0:
        return "the outline has no area"
    full = Polygon(rings[0], rings[1:])
    if not full.is_valid:
        return f"invalid holes ({shapely.is_valid_reason(full)})"
    if full.area <= 0:
        return "the holes leave no material"
    return ""


def _item_problems(item: NestItem) -> list[str]:
    problems = []
    polygon_problem = _polygon_problem(item.outer, item.holes)
    if polygon_problem:
        problems.append(polygon_problem)
    if item.quantity < 1:
        problems.append(f"quantity must be >= 1, got {item.quantity}")
    if not item.orientations:
        problems.append("at least one orientation is needed")
    elif not all(math.isfinite(o.angle) for o in item.orientations):
        problems.append("orientation angles must be finite numbers")
    if not (math.isfinite(item.spacing) and item.spacing >= 0):
        problems.append(f"spacing must be >= 0, got {item.spacing}")
    return problems


def _sheet_problems(sheet: NestSheet) -> list[str]:
    problems = []
    if not (math.isfinite(sheet.height) and sheet.height > 0):
        problems.append(f"height must be > 0, got {sheet.height}")
    if sheet.length is not None and not (math.isfinite(sheet.length) and sheet.length > 0):
        problems.append(f"length must be > 0 or None (strip), got {sheet.length}")
    if sheet.quantity < 1:
        problems.append(f"quantity must be >= 1, got {sheet.quantity}")
    gaps = sheet.border_gap
    if not all(math.isfinite(g) and g >= 0 for g in gaps):
        problems.append(f"border gaps must be >= 0, got {list(gaps)}")
    elif not problems:
        if sheet.height - gaps[2] - gaps[3] <= 0:
            problems.append("bottom + top border gaps leave no usable height")
        if sheet.length is not None and sheet.length - gaps[0] - gaps[1] <= 0:
            problems.append("left + right border gaps leave no usable length")
    for k, defect in enumerate(sheet.defects):
        defect_problem = _polygon_problem(defect, [])
        if defect_problem:
            problems.append(f"defect {k}: {defect_problem}")
    return problems


def choose_side(item: NestItem) -> tuple[bool, tuple[float, ...]]:
    """Pick mirrored or unmirrored copies for an item and its angles on that side.

    spyrrow 0.9.0 cannot mirror, so each item is nested on one side only: flip-only items are
    nested pre-mirrored; items allowing both sides use the side with more distinct angles, the
    unmirrored one on a tie (no flip means no extra handling at the machine).

    Returns:
        ``(flipped, angles)`` with distinct normalised caller angles.
    """
    sides: dict[bool, list[float]] = {False: [], True: []}
    for orientation in item.orientations:
        angle = normalize_angle(orientation.angle)
        bucket = sides[orientation.flip]
        if not any(same_angle(angle, a) for a in bucket):
            bucket.append(angle)
    flipped = len(sides[True]) > len(sides[False])
    return flipped, tuple(sides[flipped])


def spacing_buffers(items: list[NestItem]) -> list[float]:
    """Per-item outline growth enforcing ``distance >= max(spacing_p, spacing_q)``.

    See the module docstring for the two-level rule.
    """
    spacings = [i.spacing for i in items]
    top = max(spacings, default=0.0)
    if top <= 0:
        return [0.0] * len(items)
    lower = [s for s in spacings if s < top]
    if not lower:
        return [top / 2] * len(items)
    perimeters = [Polygon(ring_points(i.outer)).length * i.quantity for i in items]

    def plan(c: float) -> list[float]:
        return [top - c if s == top else c for s in spacings]

    def cost(buffers: list[float]) -> float:
        return sum(p * b for p, b in zip(perimeters, buffers, strict=True))

    return min((plan(top / 2), plan(max(lower) / 2)), key=cost)


def prepare_item(index: int, item: NestItem, buffer: float) -> PreparedItem:
    """Build the solver view of one (already validated) item."""
    flipped, angles = choose_side(item)
    outer = ring_points(item.outer)
    polygon = Polygon(outer, [ring_points(h) for h in item.holes])
    base = Polygon([(x, -y) for x, y in outer] if flipped else outer)
    shape = _solver_outline(base, buffer)
    coords = np.asarray(shape.exterior.coords[:-1], dtype=float)
    corner = coords.min(axis=0)
    coords = coords - corner
    sizes = {}
    for angle in angles:
        rotation = solver_rotation(angle, flipped)
        pts = rotate_points(coords, rotation)
        width, height = pts.max(axis=0) - pts.min(axis=0)
        sizes[rotation] = (float(width), float(height))
    return PreparedItem(
        index=index,
        item=item,
        polygon=polygon,
        area=polygon.area,
        buffer=buffer,
        flipped=flipped,
        angles=angles,
        shape=coords,
        corner=(float(corner[0]), float(corner[1])),
        shape_area=shape.area,
        sizes=sizes,
    )


def _solver_outline(base: Polygon, buffer: float) -> Polygon:
    """Grow ``base`` by ``buffer`` (mitred) and simplify outward if it has many vertices."""
    shape = base
    if buffer > 0:
        shape = Polygon(base.buffer(buffer, join_style="mitre", mitre_limit=MITRE_LIMIT).exterior)
    shape = shapely.orient_polygons(shape)
    if len(shape.exterior.coords) - 1 <= MAX_SOLVER_POINTS:
        return shape
    minx, miny, maxx, maxy = shape.bounds
    tolerance = 2e-4 * math.hypot(maxx - minx, maxy - miny)
    grown = base.buffer(buffer + tolerance, join_style="mitre", mitre_limit=MITRE_LIMIT)
    simpler = Polygon(grown.exterior).simplify(tolerance, preserve_topology=True)
    covers = isinstance(simpler, Polygon) and simpler.is_valid
    if covers and shape.difference(simpler).area <= 1e-9 * shape.area:
        return shapely.orient_polygons(simpler)
    return shape


def f32_guard(request: NestRequest) -> float:
    """Extra outline growth absorbing spyrrow's f32 rounding (mm).

    spyrrow keeps items apart in f32; mapped back to f64, two outlines may overlap by a few ulps
    of the largest coordinate (about 1e-3 mm at 10 m). Growing every outline by 2.5e-7 of the
    farthest reach (plus 1e-4 mm) keeps true outlines apart; the cost is invisible (1 um per 4 m).
    """
    area = sum(Polygon(ring_points(i.outer)).area * i.quantity for i in request.items)
    height = min(s.height - s.border_gap[2] - s.border_gap[3] for s in request.sheets)
    lengths = [s.length for s in request.sheets if s.length is not None]
    reach = max(lengths + [2 * area / height, max(s.height for s in request.sheets)])
    return 1e-4 + 2.5e-7 * reach


def prepare_items(request: NestRequest) -> list[PreparedItem]:
    """Solver views of all items of a validated request, in request order."""
    guard = f32_guard(request)
    buffers = spacing_buffers(request.items)
    return [
        prepare_item(k, item, buffer + guard)
        for k, (item, buffer) in enumerate(zip(request.items, buffers, strict=True))
    ]


def prepare_frames(request: NestRequest, items: list[PreparedItem]) -> list[SheetFrame]:
    """Solver frames of all sheet formats, in request order."""
    expansion = min((i.buffer for i in items), default=0.0)
    return [SheetFrame(k, sheet, expansion) for k, sheet in enumerate(request.sheets)]
