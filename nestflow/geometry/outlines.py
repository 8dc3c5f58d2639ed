"""Closed loops to outlines: which loop is an outer contour, which is a hole, by containment.

Loops are flattened once (arcs to chords within the chord tolerance) into shapely polygons built
in one vectorised call, checked for validity in one call, and related through one ``STRtree``
query, so the cost stays close to linear in the number of loops. Containment depth decides the
role: depth 0 is an outer contour, depth 1 a hole in it, depth 2 an island inside that hole (a
separate outer contour, hence a separate part), and so on. Loops that repeat another loop exactly
are dropped and counted; loops whose interiors overlap without one containing the other are an
error (the cut would be ambiguous): :class:`~nestflow.geometry.errors.HolesTouch` when both lie
in one outline (two holes), :class:`~nestflow.geometry.errors.SelfIntersection` otherwise.
Holes that touch without overlapping are found per outline by :func:`holes_contact`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Polygon

from nestflow.geometry.arcs import STRAIGHT
from nestflow.geometry.chaining import reverse_closed
from nestflow.geometry.entities import V
from nestflow.geometry.errors import HolesTouch, Point, SelfIntersection, ZeroArea, format_point

#: Loops enclosing less than this (mm²) have no area.
ZERO_AREA_MM2 = 1e-6

_REASON_POINT = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)\s*\]")


@dataclass
class Ring:
    """A closed loop with its exact signed area and its flattened polygon."""

    vertices: list[V]
    layer: str
    signed_area: float
    polygon: Polygon | None = None

    @property
    def area(self) -> float:
        """Exact unsigned area in mm²."""
        return abs(self.signed_area)

    def oriented(self, ccw: bool) -> list[V]:
        """The vertices travelling counter-clockwise (``ccw``) or clockwise."""
        return self.vertices if (self.signed_area >= 0) == ccw else reverse_closed(self.vertices)


@dataclass
class Outline:
    """An outer ring and the rings directly inside it (its holes)."""

    outer: Ring
    holes: list[Ring] = field(default_factory=list)


@dataclass
class Classified:
    """The outlines found, largest first, and how many repeated loops were dropped."""

    outlines: list[Outline]
    duplicates: int


def signed_area(vertices: list[V]) -> float:
    """Exact signed area of a closed vertex list (arcs included), positive when CCW."""
    return float(EdgeArrays([vertices]).signed_areas()[0])


class EdgeArrays:
    """Every edge of many closed vertex lists as numpy arrays, each arc's circle resolved.

    The formulas are those of :mod:`nestflow.geometry.arcs` (``arc_of_bulge``, ``arc_points``,
    ``segment_area``), vectorised: per-edge Python calls dominated reading large drawings.
    """

    def __init__(self, loops: list[list[V]]) -> None:
        self.count = len(loops)
        sizes = np.fromiter((len(vs) for vs in loops), dtype=np.int64, count=len(loops))
        xyb = np.array([v for vs in loops for v in vs], dtype=float).reshape(-1, 3)
        self.ring = np.repeat(np.arange(len(loops)), sizes)
        first = np.repeat(np.cumsum(sizes) - sizes, sizes)
        following = np.arange(len(xyb)) + 1
        following = np.where(following - first >= np.repeat(sizes, sizes), first, following)
        self.x0, self.y0, bulge = xyb[:, 0], xyb[:, 1], xyb[:, 2]
        self.x1, self.y1 = self.x0[following], self.y0[following]
        self.is_arc = np.abs(bulge) >= STRAIGHT
        b = np.where(self.is_arc, bulge, 1.0)  # straight edges get a dummy arc, masked later
        dx, dy = self.x1 - self.x0, self.y1 - self.y0
        chord = np.maximum(np.hypot(dx, dy), 1e-300)
        self.sweep = 4.0 * np.arctan(b)
        self.radius = chord / (2.0 * np.abs(np.sin(self.sweep / 2.0)))
        d = (chord / 2.0) * (1.0 - b * b) / (2.0 * b)
        self.cx = (self.x0 + self.x1) / 2.0 - d * dy / chord
        self.cy = (self.y0 + self.y1) / 2.0 + d * dx / chord
        self.start = np.arctan2(self.y0 - self.cy, self.x0 - self.cx)

    def signed_areas(self) -> np.ndarray:
        """Exact signed area of each loop: shoelace plus the circular segment of each arc."""
        theta = np.abs(self.sweep)
        segment = np.copysign(0.5 * self.radius**2 * (theta - np.sin(theta)), self.sweep)
        per_edge = 0.5 * (self.x0 * self.y1 - self.x1 * self.y0)
        per_edge += np.where(self.is_arc, segment, 0.0)
        return np.bincount(self.ring, weights=per_edge, minlength=self.count)

    def flattened(self, chord_tolerance: float) -> tuple[np.ndarray, np.ndarray]:
        """The loops' points with arcs replaced by chords, as ``Contour.points()`` gives them.

        Returns:
            ``(coords, ring_index)``: an ``(n, 2)`` array of points, no closing repeats, and the
            index of the loop each point belongs to.
        """
        radius, sweep = self.radius, self.sweep
        tol = np.minimum(chord_tolerance, radius)
        max_step = 2.0 * np.arccos(np.clip(1.0 - tol / radius, -1.0, 1.0))
        steps = np.ceil(np.abs(sweep) / np.maximum(max_step, 1e-6))
        steps = np.where(self.is_arc, np.maximum(2, steps), 1).astype(np.int64)
        # Point k of edge e: the start vertex for k == 0, else the arc point at k / steps.
        edge = np.repeat(np.arange(len(steps)), steps)
        k = np.arange(len(edge)) - np.repeat(np.cumsum(steps) - steps, steps)
        angle = self.start[edge] + sweep[edge] * k / steps[edge]
        on_arc = k > 0
        px = np.where(on_arc, self.cx[edge] + radius[edge] * np.cos(angle), self.x0[edge])
        py = np.where(on_arc, self.cy[edge] + radius[edge] * np.sin(angle), self.y0[edge])
        return np.column_stack((px, py)), self.ring[edge]


def classify(loops: list[tuple[list[V], str]], *, file: str, chord_tolerance: float) -> Classified:
    """Group closed loops into outlines with holes by containment.

    Args:
        loops: Closed vertex lists (mm) with the layer they came from.
        file: Drawing name, for error messages.
        chord_tolerance: Flattening tolerance (mm) for the containment and validity checks.

    Raises:
        ZeroArea: A loop encloses no area.
        SelfIntersection: A loop crosses itself, or two loops overlap without nesting.
    """
    rings = [Ring(vs, layer, 0.0) for vs, layer in loops]
    for ring in rings:
        if len(ring.vertices) < 3 and not any(v[2] for v in ring.vertices):
            _raise_zero_area(ring, file)
    if not rings:
        return Classified([], 0)
    edges = EdgeArrays([r.vertices for r in rings])
    for ring, area in zip(rings, edges.signed_areas().tolist(), strict=True):
        ring.signed_area = area
    polygons = _polygons(rings, edges, chord_tolerance)
    _check_valid(rings, polygons, file)
    for ring in rings:
        if ring.area < ZERO_AREA_MM2:
            _raise_zero_area(ring, file)
    inner, outer = _containment(rings, polygons, file)
    parents, duplicates = _parents(rings, inner, outer)
    return Classified(_group(rings, parents), duplicates)


def _polygons(rings: list[Ring], edges: EdgeArrays, chord_tolerance: float) -> np.ndarray:
    coords, index = edges.flattened(chord_tolerance)
    polygons = shapely.polygons(shapely.linearrings(coords, indices=index))
    for ring, polygon in zip(rings, polygons, strict=True):
        ring.polygon = polygon
    return polygons


def _check_valid(rings: list[Ring], polygons: np.ndarray, file: str) -> None:
    """Raise on the first invalid ring.

    Zero area if nothing is left of it once repaired (a collapsed loop), else a self-intersection
    at the point shapely names.
    """
    invalid = np.flatnonzero(~shapely.is_valid(polygons))
    if not invalid.size:
        return
    ring, polygon = rings[invalid[0]], polygons[invalid[0]]
    if shapely.area(shapely.make_valid(polygon)) < ZERO_AREA_MM2:
        _raise_zero_area(ring, file)
    reason = shapely.is_valid_reason(polygon)
    location = _reason_point(reason)
    where = format_point(location) if location else "an unknown point"
    raise SelfIntersection(
        file, f"contour on layer '{ring.layer}' intersects itself at {where} ({reason})", location
    )


def _raise_zero_area(ring: Ring, file: str) -> None:
    raise ZeroArea(
        file,
        f"closed contour on layer '{ring.layer}' at {format_point(ring.vertices[0][:2])} "
        "encloses no area",
    )


def _containment(
    rings: list[Ring], polygons: np.ndarray, file: str
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(inner, outer)`` of ring indices where ``inner`` lies within ``outer``.

    Full topological predicates are slow on thousands of polygons, so they run only where two
    boundaries meet (tangent holes, repeats, crossings). Elsewhere two rings are either nested
    or apart, and one point of the inner ring decides.

    Raises:
        SelfIntersection: Two rings whose interiors overlap without one containing the other.
    """
    a, b = shapely.STRtree(polygons).query(polygons)
    keep = a != b
    a, b = a[keep], b[keep]
    boundaries = shapely.get_exterior_ring(polygons)
    contact = shapely.intersects(boundaries[a], boundaries[b])
    inside = np.zeros(len(a), dtype=bool)
    free = np.flatnonzero(~contact)
    inside[free] = shapely.contains(polygons[b[free]], shapely.get_point(boundaries[a[free]], 0))
    touching = np.flatnonzero(contact)
    if touching.size:
        ta, tb = a[touching], b[touching]
        crossing = np.flatnonzero(shapely.overlaps(polygons[ta], polygons[tb]))
        if crossing.size:
            i, j = int(ta[crossing[0]]), int(tb[crossing[0]])
            _raise_crossing(rings, polygons, i, j, file, _common_container(polygons, i, j))
        inside[touching] = shapely.within(polygons[ta], polygons[tb])
    return a[inside], b[inside]


def _common_container(polygons: np.ndarray, i: int, j: int) -> int | None:
    """A ring holding both rings ``i`` and ``j`` (so they are two holes of it), if any."""
    both = shapely.union(polygons[i], polygons[j])
    for k in shapely.STRtree(polygons).query(both, predicate="within").tolist():
        if k not in (i, j):
            return int(k)
    return None


def _raise_crossing(
    rings: list[Ring], polygons: np.ndarray, i: int, j: int, file: str, container: int | None
) -> None:
    meet = shapely.intersection(polygons[i].boundary, polygons[j].boundary)
    location = None
    if not meet.is_empty:
        point = shapely.get_coordinates(meet)[0]
        location = (float(point[0]), float(point[1]))
    where = format_point(location) if location else "an unknown point"
    if container is not None and location is not None:
        raise HolesTouch(
            file,
            f"two holes on layers '{rings[i].layer}' and '{rings[j].layer}' overlap (their "
            f"contours cross at {where}); a laser cannot cut overlapping holes: merge them "
            "into one contour",
            None,
            location,
            (rings[i].layer, rings[j].layer),
        )
    raise SelfIntersection(
        file,
        f"contours on layers '{rings[i].layer}' and '{rings[j].layer}' cross each other at {where}",
        location,
    )


def _parents(
    rings: list[Ring], inner: np.ndarray, outer: np.ndarray
) -> tuple[list[int | None], int]:
    """The innermost container of every ring (None at top level), and the repeats dropped.

    Two rings within each other are the same loop drawn twice: the later one is dropped (its
    parent is set to itself, which :func:`_group` skips).
    """
    containers: dict[int, list[int]] = {}
    for i, j in zip(inner.tolist(), outer.tolist(), strict=True):
        containers.setdefault(i, []).append(j)
    dropped = {max(i, j) for i, js in containers.items() for j in js if i in containers.get(j, ())}
    parents: list[int | None] = []
    for i in range(len(rings)):
        if i in dropped:
            parents.append(i)
            continue
        candidates = [j for j in containers.get(i, ()) if j not in dropped]
        parents.append(min(candidates, key=lambda j: rings[j].area) if candidates else None)
    return parents, len(dropped)


def _group(rings: list[Ring], parents: list[int | None]) -> list[Outline]:
    """Outer rings (even depth) with their holes (odd depth), largest outline first."""
    depth: dict[int, int] = {}

    def depth_of(i: int) -> int:
        # Containment is a partial order once repeats are dropped, so this chain ends.
        chain = [i]
        while chain[-1] not in depth and parents[chain[-1]] is not None:
            chain.append(parents[chain[-1]])  # type: ignore[arg-type]
        base = depth.get(chain[-1], 0)
        for k, ring in enumerate(reversed(chain)):
            depth.setdefault(ring, base + k)
        return depth[i]

    for i in range(len(rings)):
        if parents[i] != i:
            depth_of(i)
    outlines = {i: Outline(rings[i]) for i, d in depth.items() if d % 2 == 0}
    for i, d in depth.items():
        if d % 2 == 1:
            outlines[parents[i]].holes.append(rings[i])  # type: ignore[index]
    return sorted(
        outlines.values(),
        key=lambda o: (-round(o.outer.area, 3), *o.outer.polygon.bounds[:2]),
    )


@dataclass
class HoleContact:
    """Where a hole meets its outline's outer contour.

    Attributes:
        hole: The hole touching the outer contour.
        location: A point both boundaries share, in mm.
        length: Length (mm) of the stretch they share; 0 when they only touch at points.
    """

    hole: Ring
    location: Point
    length: float


def hole_contact(outline: Outline) -> HoleContact | None:
    """The first hole of an outline whose boundary meets the outer contour, if any.

    Shared stretches make the polygon invalid (``shapely.is_valid_reason`` reports a
    self-intersection); a single shared point leaves it valid in OGC terms. Both are returned:
    the laser cannot cut either (see :class:`~nestflow.geometry.errors.HoleOnOutline`). Contact
    is judged on the flattened polygons, so arcs count within the chord tolerance.
    """
    if not outline.holes:
        return None
    outer = shapely.get_exterior_ring(outline.outer.polygon)
    holes = shapely.get_exterior_ring([hole.polygon for hole in outline.holes])
    touching = np.flatnonzero(shapely.intersects(outer, holes))
    if not touching.size:
        return None
    k = int(touching[0])
    meet = shapely.intersection(outer, holes[k])
    x, y = shapely.get_coordinates(meet)[0].tolist()
    return HoleContact(outline.holes[k], (x, y), float(shapely.length(meet)))


@dataclass
class HolesContact:
    """Where two holes of one outline meet.

    Attributes:
        holes: The two holes.
        location: A point both boundaries share, in mm.
        length: Length (mm) of the stretch they share; 0 when they only touch at points.
    """

    holes: tuple[Ring, Ring]
    location: Point
    length: float


def holes_contact(outline: Outline) -> HolesContact | None:
    """The first pair of an outline's holes whose boundaries meet, if any.

    Two holes sharing an edge make the polygon invalid; touching at a point leaves it valid in
    OGC terms. The laser cannot cut either (see :class:`~nestflow.geometry.errors.HolesTouch`).
    Judged on the flattened polygons, like :func:`hole_contact`; one ``STRtree`` query keeps it
    close to linear in the number of holes.
    """
    if len(outline.holes) < 2:
        return None
    boundaries = shapely.get_exterior_ring([hole.polygon for hole in outline.holes])
    a, b = shapely.STRtree(boundaries).query(boundaries, predicate="intersects")
    pairs = np.flatnonzero(a < b)
    if not pairs.size:
        return None
    i, j = int(a[pairs[0]]), int(b[pairs[0]])
    meet = shapely.intersection(boundaries[i], boundaries[j])
    x, y = shapely.get_coordinates(meet)[0].tolist()
    holes = (outline.holes[i], outline.holes[j])
    return HolesContact(holes, (x, y), float(shapely.length(meet)))


def _reason_point(reason: str) -> Point | None:
    match = _REASON_POINT.search(reason)
    return (float(match.group(1)), float(match.group(2))) if match else None
