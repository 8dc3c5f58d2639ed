"""Geometry helpers shared by the solver and the validator: poses, placed outlines, angle sets."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np
from shapely import affinity
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from nestflow.nesting.models import ItemPlacement, NestItem, Point

#: Two angles closer than this (degrees) are the same orientation.
ANGLE_EPS = 1e-6

G = TypeVar("G", bound=BaseGeometry)


def normalize_angle(angle: float) -> float:
    """Return ``angle`` in degrees mapped to [0, 360), with values a hair below 360 sent to 0."""
    value = math.fmod(angle, 360.0)
    if value < 0:
        value += 360.0
    return 0.0 if value >= 360.0 - ANGLE_EPS else value


def same_angle(a: float, b: float, eps: float = ANGLE_EPS) -> bool:
    """Tell whether two angles in degrees denote the same rotation."""
    diff = abs(normalize_angle(a) - normalize_angle(b))
    return min(diff, 360.0 - diff) <= eps


def cos_sin(angle: float) -> tuple[float, float]:
    """Cosine and sine of ``angle`` degrees, exact for multiples of 90 (no 6e-17 residue)."""
    quarter = normalize_angle(angle) / 90.0
    if abs(quarter - round(quarter)) < 1e-12:
        return ((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0))[round(quarter) % 4]
    rad = math.radians(angle)
    return math.cos(rad), math.sin(rad)


def pose_polygon(polygon: G, angle: float, flip: bool, dx: float, dy: float) -> G:
    """Rotate a geometry CCW by ``angle`` about (0, 0), mirror about x if ``flip``, translate."""
    c, s = cos_sin(angle)
    sign = -1.0 if flip else 1.0
    return affinity.affine_transform(polygon, [c, -s, sign * s, sign * c, dx, dy])


def rotate_points(points: np.ndarray, angle: float) -> np.ndarray:
    """Rotate an (n, 2) array of points CCW by ``angle`` degrees about (0, 0)."""
    c, s = cos_sin(angle)
    return points @ np.array([[c, s], [-s, c]])


def item_polygon(item: NestItem) -> Polygon:
    """The item's outline with its holes, in the item's own coordinates."""
    return Polygon(item.outer, item.holes)


def placed_polygon(item: NestItem, placement: ItemPlacement) -> Polygon:
    """The outline (holes included) of ``item`` as placed by ``placement`` on its sheet."""
    return pose_polygon(
        item_polygon(item), placement.angle, placement.flip, placement.x, placement.y
    )


def angles_in_range(min_angle: float, max_angle: float, step: float = 90.0) -> list[float]:
    """Turn an allowed angle range into discrete orientations for the solver.

    The result holds the multiples of ``step`` lying in [min_angle, max_angle] (so a full range
    with the default step gives the axis-aligned 0/90/180/270 that sheet metal prefers) plus both
    ends of the range, leaving out any angle within 1 degree of one already listed (e.g. 359.9 next
    to 0). All angles are normalised to [0, 360) and sorted.

    Args:
        min_angle: Lower end of the range in degrees.
        max_angle: Upper end of the range in degrees, ``>= min_angle``.
        step: Spacing of the sampled angles in degrees, ``> 0``.

    Returns:
        The sorted list of distinct angles.

    Raises:
        ValueError: If ``step <= 0``, ``max_angle < min_angle`` or a value is not finite.
    """
    if not all(math.isfinite(v) for v in (min_angle, max_angle, step)):
        raise ValueError("angle range values must be finite numbers")
    if step <= 0:
        raise ValueError(f"step must be > 0, got {step}")
    if max_angle < min_angle:
        raise ValueError(f"min_angle {min_angle} is greater than max_angle {max_angle}")
    first = math.ceil(min_angle / step - 1e-9)
    last = math.floor(max_angle / step + 1e-9)
    chosen = [k * step for k in range(first, last + 1)]
    for end in (min_angle, max_angle):
        if not any(same_angle(end, kept, eps=1.0) for kept in chosen):
            chosen.append(end)
    return sorted({normalize_angle(a) for a in chosen})


def ring_points(points: Sequence[Point]) -> list[Point]:
    """Drop a repeated closing vertex so a ring lists each corner once."""
    pts = [(float(x), float(y)) for x, y in points]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    return pts
