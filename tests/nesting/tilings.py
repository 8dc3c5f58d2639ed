"""Seeded tilings: a rectangle cut into convex pieces (shared by the tests and bench_tiling)."""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Polygon, box
from shapely.ops import split


def cut_rectangle(width: float, height: float, pieces: int, seed: int) -> list[Polygon]:
    """A rectangle cut by random straight lines across it into exactly ``pieces`` convex pieces.

    Lines that would leave a piece under 2 % of the rectangle, or overshoot the count, make the
    generator start over with the next random numbers, so a seed always gives the same tiling.
    """
    rng = np.random.default_rng(seed)
    while True:
        parts = [box(0, 0, width, height)]
        while len(parts) < pieces:
            x, y = rng.uniform(0.15, 0.85, 2) * (width, height)
            angle = rng.uniform(0, np.pi)
            reach = 4 * (width + height)
            dx, dy = reach * np.cos(angle), reach * np.sin(angle)
            line = LineString([(x - dx, y - dy), (x + dx, y + dy)])
            parts = [g for p in parts for g in _split(p, line)]
        if len(parts) == pieces and min(p.area for p in parts) > 0.02 * width * height:
            return parts


def grid(width: float, height: float, columns: int, rows: int) -> list[Polygon]:
    """A rectangle cut into ``columns`` x ``rows`` equal rectangles."""
    w, h = width / columns, height / rows
    return [
        box(i * w, j * h, (i + 1) * w, (j + 1) * h) for i in range(columns) for j in range(rows)
    ]


def _split(polygon: Polygon, line: LineString) -> list[Polygon]:
    return list(split(polygon, line).geoms)
