"""Sheet patterns: placed parts in sheet coordinates, built from spyrrow strips.

A pattern is a valid layout of one sheet. It comes from a spyrrow strip solution mapped back into
the caller's item coordinates, possibly cut into sheet-long windows, with parts that conflict with
sheet defects evicted.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from shapely import affinity
from shapely.geometry import Point, Polygon

from nestflow.nesting.inputs import EmbeddedPart, PreparedItem, SheetFrame
from nestflow.nesting.models import ItemPlacement, SolverLayout
from nestflow.nesting.shapes import cos_sin, normalize_angle, pose_polygon, ring_points
from nestflow.nesting.strip import StripSolution

#: Tolerance (mm) when testing a part against the sheet's usable length.
FIT_TOLERANCE = 1e-4


@dataclass(frozen=True)
class PlacedPart:
    """One placed copy: caller pose and true outline (holes included) on the sheet."""

    index: int
    angle: float
    flip: bool
    x: float
    y: float
    geometry: Polygon

    @property
    def min_x(self) -> float:
        """Leftmost x of the outline."""
        return self.geometry.bounds[0]

    @property
    def max_x(self) -> float:
        """Rightmost x of the outline."""
        return self.geometry.bounds[2]

    def shifted(self, dx: float, dy: float = 0.0) -> PlacedPart:
        """The same part moved by ``(dx, dy)``."""
        return replace(
            self,
            x=self.x + dx,
            y=self.y + dy,
            geometry=affinity.translate(self.geometry, xoff=dx, yoff=dy),
        )


def place_solution(
    solution: StripSolution, items: Mapping[str, PreparedItem], frame: SheetFrame
) -> list[PlacedPart]:
    """Map a spyrrow solution on ``frame``'s strip to caller poses in sheet coordinates.

    spyrrow placed ``shape = grown(maybe_mirrored(item)) - corner`` rotated by r about (0, 0) and
    translated by t, so the item itself lies at ``R(r) item + t - R(r) corner`` (mirrored items:
    ``mirror(R(-r) item) + ...``). The rotation is snapped to the allowed angle it stands for.
    """
    ox, oy = frame.origin
    parts = []
    for placed in solution.placements:
        item = items[placed.key]
        angle = item.caller_angle(placed.rotation)
        c, s = cos_sin(item.solver_rotation(angle))
        cx, cy = item.corner
        x = placed.tx - (c * cx - s * cy) + ox
        y = placed.ty - (s * cx + c * cy) + oy
        geometry = pose_polygon(item.polygon, angle, item.flipped, x, y)
        parts.append(PlacedPart(item.index, angle, item.flipped, x, y, geometry))
    return parts


@dataclass(frozen=True)
class Pattern:
    """A layout of one sheet of ``frame``."""

    frame: SheetFrame
    parts: tuple[PlacedPart, ...]

    @property
    def counts(self) -> Counter[int]:
        """Copies per prepared item index."""
        return Counter(p.index for p in self.parts)

    @property
    def used_length(self) -> float:
        """Largest x of the placed outlines (straight vertical offcut)."""
        return max((p.max_x for p in self.parts), default=self.frame.min_x)

    def area(self, items: list[PreparedItem]) -> float:
        """Net part area on the sheet."""
        return sum(items[p.index].area for p in self.parts)

    def pieces(self, items: list[PreparedItem]) -> list[PlacedPart]:
        """Every real part on the sheet: composites replaced by their host and embedded parts."""
        return [piece for part in self.parts for piece in expand(part, items)]

    def offcut(self, items: list[PreparedItem]) -> float:
        """X of the straight vertical offcut, clear of every part.

        One spacing beyond the part reaching furthest right, capped at the sheet length.
        """
        reach = max(
            (p.max_x + items[p.index].item.spacing for p in self.pieces(items)),
            default=self.frame.min_x,
        )
        length = self.frame.sheet.length
        return reach if length is None else min(reach, length)

    def fits_length(self) -> bool:
        """Whether every part lies left of the sheet's right border gap."""
        return self.used_length <= self.frame.max_x + FIT_TOLERANCE

    def prefix(self) -> Pattern:
        """The parts lying entirely within the sheet's usable length."""
        limit = self.frame.max_x + FIT_TOLERANCE
        return Pattern(self.frame, tuple(p for p in self.parts if p.max_x <= limit))

    def settled(self) -> Pattern:
        """The layout slid as one block onto the bottom and left border gaps.

        A strip solver minimises the used length only and may leave the layout floating above
        the bottom edge; a shop expects it against the sheet's corner. Parts keep their relative
        places, so the layout stays as valid as it was (the shift also takes back the f32 drift
        of spyrrow's coordinates that can leave a part a micrometre outside the border). Sheets
        with defects are left as they are: sliding could move a part onto a defect.
        """
        if not self.parts or self.frame.sheet.defects:
            return self
        dx = self.frame.min_x - min(p.min_x for p in self.parts)
        dx = min(dx, self.frame.max_x - max(p.max_x for p in self.parts))
        dy = self.frame.min_y - min(p.geometry.bounds[1] for p in self.parts)
        dy = min(dy, self.frame.max_y - max(p.geometry.bounds[3] for p in self.parts))
        return Pattern(self.frame, tuple(p.shifted(dx, dy) for p in self.parts))

    def to_nesting(self, quantity: int, items: list[PreparedItem]) -> SolverLayout:
        """The public model of this pattern cut ``quantity`` times."""
        return SolverLayout(
            sheet_id=self.frame.sheet.id,
            quantity=quantity,
            length=self.offcut(items),
            height=self.frame.sheet.height,
            placements=[
                ItemPlacement(
                    item_id=items[p.index].item_id, angle=p.angle, flip=p.flip, x=p.x, y=p.y
                )
                for p in self.pieces(items)
            ],
        )


def expand(part: PlacedPart, items: list[PreparedItem]) -> list[PlacedPart]:
    """The real parts a placed copy stands for: itself, or a composite's host and embedded parts.

    The host lies where the composite lies; each embedded part's pose is its pose in host
    coordinates followed by the host's pose (rotation, mirror, translation).
    """
    unit = items[part.index]
    if unit.host is None:
        return [part]
    host = replace(part, index=unit.host)
    return [host] + [_carried(e, part, items) for e in unit.embedded]


def _carried(embedded: EmbeddedPart, host: PlacedPart, items: list[PreparedItem]) -> PlacedPart:
    """Pose of ``embedded`` on the sheet when its host is placed as ``host``.

    M_fh R_ah M_fe R_ae = M_(fh xor fe) R_(ae +- ah): a mirrored embedded part turns against
    the host's rotation (R_a M = M R_-a).
    """
    angle = embedded.angle - host.angle if embedded.flip else embedded.angle + host.angle
    angle = normalize_angle(angle)
    flip = embedded.flip != host.flip
    origin = pose_polygon(Point(embedded.x, embedded.y), host.angle, host.flip, host.x, host.y)
    geometry = pose_polygon(items[embedded.index].polygon, angle, flip, origin.x, origin.y)
    return PlacedPart(embedded.index, angle, flip, origin.x, origin.y, geometry)


def take_window(parts: Iterable[PlacedPart], frame: SheetFrame) -> tuple[Pattern, list[PlacedPart]]:
    """Cut the leftmost sheet-long window off a strip layout.

    The window starts at the leftmost part and takes every part lying entirely within one usable
    sheet length from there; it is shifted onto the sheet. Parts keep their relative positions,
    so the window is as valid as the strip layout.

    Returns:
        The window as a pattern, and the parts left over (in strip coordinates).
    """
    remaining = sorted(parts, key=lambda p: p.min_x)
    length = frame.usable_length
    if not remaining:
        return Pattern(frame, ()), []
    start = remaining[0].min_x
    limit = math.inf if length is None else start + length + FIT_TOLERANCE
    taken = [remaining[0]] + [p for p in remaining[1:] if p.max_x <= limit]
    taken_ids = {id(p) for p in taken}
    rest = [p for p in remaining if id(p) not in taken_ids]
    dx = frame.min_x - start
    return Pattern(frame, tuple(p.shifted(dx) for p in taken)), rest


def defect_polygons(frame: SheetFrame) -> list[Polygon]:
    """The sheet's defects as polygons in sheet coordinates."""
    return [Polygon(ring_points(d)) for d in frame.sheet.defects]


def split_defect_conflicts(
    pattern: Pattern, items: list[PreparedItem]
) -> tuple[Pattern, list[PlacedPart]]:
    """Evict the parts that touch a defect or come closer to it than their own spacing.

    Returns:
        The pattern without those parts, and the evicted parts.
    """
    defects = defect_polygons(pattern.frame)
    if not defects:
        return pattern, []
    kept, evicted = [], []
    for part in pattern.parts:
        if any(
            _hits(piece.geometry, d, items[piece.index].item.spacing)
            for piece in expand(part, items)
            for d in defects
        ):
            evicted.append(part)
        else:
            kept.append(part)
    return Pattern(pattern.frame, tuple(kept)), evicted


def _hits(geometry: Polygon, defect: Polygon, clearance: float) -> bool:
    """Whether ``geometry`` comes closer than ``clearance`` to ``defect`` (or overlaps it)."""
    if clearance > 0:
        return geometry.distance(defect) < clearance
    return geometry.intersects(defect) and geometry.intersection(defect).area > 0


def multiplicity(pattern: Pattern, pool: Mapping[int, int], sheets_left: int) -> int:
    """How many times ``pattern`` can be cut from the remaining demand and sheets."""
    counts = pattern.counts
    if not counts:
        return 0
    return max(0, min([sheets_left] + [pool[i] // n for i, n in counts.items()]))
