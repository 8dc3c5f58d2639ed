"""Arc arithmetic on bulged edges: the one place the bulge convention is defined.

An edge runs from a start vertex to the next vertex. Its ``bulge`` is the DXF one:
``bulge = tan(theta / 4)`` where ``theta`` is the included angle of the arc; ``bulge > 0`` means the
arc turns counter-clockwise from start to end, ``bulge < 0`` clockwise, ``0`` a straight segment,
``|bulge| == 1`` a half circle. The sagitta (distance from chord midpoint to arc midpoint) is
``bulge * chord / 2`` with the same sign. AlmaCAM's ``bul`` and ``sag`` use this convention too
(see :mod:`nestflow.geometry.encoding`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

Point = tuple[float, float]

#: Bulges smaller than this are straight edges (arc height below 1e-9 of the chord).
STRAIGHT = 1e-9


class Arc(NamedTuple):
    """A circular arc given by centre, radius and start/end angles in radians (CCW from start)."""

    center: Point
    radius: float
    start_angle: float
    sweep: float  # signed: > 0 counter-clockwise


def arc_of_bulge(start: Point, end: Point, bulge: float) -> Arc:
    """Return the circular arc an edge with this bulge describes.

    Args:
        start: Start vertex of the edge.
        end: End vertex of the edge.
        bulge: DXF bulge, non-zero.

    Returns:
        The arc, with a signed sweep (positive when counter-clockwise).
    """
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    chord = math.hypot(dx, dy)
    sweep = 4.0 * math.atan(bulge)
    radius = chord / (2.0 * abs(math.sin(sweep / 2.0)))
    # Distance from chord midpoint to centre, signed towards the left of travel for a CCW arc.
    d = (chord / 2.0) * (1.0 - bulge * bulge) / (2.0 * bulge)
    mx, my = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    cx, cy = mx - d * dy / chord, my + d * dx / chord
    return Arc((cx, cy), radius, math.atan2(y0 - cy, x0 - cx), sweep)


def bulge_of_arc(center: Point, start: Point, end: Point, ccw: bool) -> float:
    """Return the bulge of the arc about ``center`` from ``start`` to ``end``, turning as told.

    A full circle (start == end) cannot be one edge; callers split it in two half circles.
    """
    a0 = math.atan2(start[1] - center[1], start[0] - center[0])
    a1 = math.atan2(end[1] - center[1], end[0] - center[0])
    sweep = (a1 - a0) % (2.0 * math.pi)
    if not ccw:
        sweep = sweep - 2.0 * math.pi if sweep > 0 else 0.0
    return math.tan(sweep / 4.0)


def segment_area(start: Point, end: Point, bulge: float) -> float:
    """Signed area between the chord and the arc (positive for a CCW bulge)."""
    if abs(bulge) < STRAIGHT:
        return 0.0
    arc = arc_of_bulge(start, end, bulge)
    theta = arc.sweep
    return math.copysign(0.5 * arc.radius**2 * (abs(theta) - math.sin(abs(theta))), theta)


def arc_points(start: Point, end: Point, bulge: float, chord_tolerance: float) -> list[Point]:
    """Flatten an edge into points from ``start`` (included) to ``end`` (excluded).

    Args:
        start: Start vertex.
        end: End vertex.
        bulge: DXF bulge; 0 gives just ``[start]``.
        chord_tolerance: Largest distance allowed between the arc and the chords that replace it.
    """
    if abs(bulge) < STRAIGHT:
        return [start]
    arc = arc_of_bulge(start, end, bulge)
    r = arc.radius
    tol = min(chord_tolerance, r)
    max_step = 2.0 * math.acos(max(-1.0, 1.0 - tol / r)) if r > 0 else math.pi
    n = max(2, math.ceil(abs(arc.sweep) / max(max_step, 1e-6)))
    cx, cy = arc.center
    pts = [start]
    for i in range(1, n):
        a = arc.start_angle + arc.sweep * i / n
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def edge_bounds(start: Point, end: Point, bulge: float) -> tuple[float, float, float, float]:
    """Exact bounding box ``(min_x, min_y, max_x, max_y)`` of one edge, arc extremes included."""
    xs, ys = [start[0], end[0]], [start[1], end[1]]
    if abs(bulge) >= STRAIGHT:
        arc = arc_of_bulge(start, end, bulge)
        lo, hi = sorted((arc.start_angle, arc.start_angle + arc.sweep))
        k = math.ceil(lo / (math.pi / 2))
        while k * math.pi / 2 <= hi:
            a = k * math.pi / 2
            xs.append(arc.center[0] + arc.radius * math.cos(a))
            ys.append(arc.center[1] + arc.radius * math.sin(a))
            k += 1
    return min(xs), min(ys), max(xs), max(ys)
