"""Greedy insertion of single parts into the free space of a sheet pattern (shapely).

spyrrow has no fixed obstacles, so parts evicted from a pattern because they touch a sheet defect
are put back here, and remaining small parts can top up a sheet's gaps. The free region is the
usable sheet minus every placed outline grown by the required distance and minus the defects
grown by the part's own spacing (mitred growth: a superset of the exact offset). Candidate
positions align a corner of the part's bounding box with a vertex of the free region; the lowest
x (then y) position whose part lies inside the free region wins (bottom-left rule, keeps the
offcut long).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import shapely
from shapely.geometry import Polygon, box

from nestflow.nesting.inputs import PreparedItem, SheetFrame
from nestflow.nesting.patterns import Pattern, PlacedPart, defect_polygons
from nestflow.nesting.shapes import pose_polygon

#: Extra clearance (mm) added to every obstacle so float noise never yields a too-short distance.
MARGIN = 2e-4
#: Candidate positions tested per vectorised batch.
BATCH = 512
#: At most this many candidate positions are tested per orientation.
MAX_CANDIDATES = 8000


def insert_parts(
    pattern: Pattern,
    wanted: Mapping[int, int],
    items: list[PreparedItem],
    out_of_time: Callable[[], bool],
    max_x: float | None = None,
) -> Pattern:
    """Add up to ``wanted[i]`` copies of item ``i`` to ``pattern`` where they fit, largest first.

    Args:
        pattern: The layout to extend (unchanged parts).
        wanted: Copies to try per prepared item index.
        items: Prepared items.
        out_of_time: Polled between insertions; stops the filling when it returns True.
        max_x: Rightmost x a new part may reach (default: the sheet's usable length).

    Returns:
        The extended pattern.
    """
    frame = pattern.frame
    limit = frame.max_x if max_x is None else min(max_x, frame.max_x)
    if not math.isfinite(limit):
        limit = pattern.used_length
    area = box(frame.min_x, frame.min_y, limit, frame.max_y)
    parts = list(pattern.parts)
    for index in sorted(wanted, key=lambda i: -items[i].area):
        item = items[index]
        for _ in range(wanted[index]):
            if out_of_time():
                return Pattern(frame, tuple(parts))
            free = _free_region(area, parts, item, items, frame)
            placed = _first_fit(free, item, area.bounds)
            if placed is None:
                break
            parts.append(placed)
    return Pattern(frame, tuple(parts))


def _free_region(
    area: Polygon,
    parts: list[PlacedPart],
    item: PreparedItem,
    items: list[PreparedItem],
    frame: SheetFrame,
) -> shapely.Geometry:
    spacing = item.item.spacing
    grown = [
        Polygon(p.geometry.exterior).buffer(
            max(spacing, items[p.index].item.spacing) + MARGIN, join_style="mitre"
        )
        for p in parts
    ]
    grown += [d.buffer(spacing + MARGIN, join_style="mitre") for d in defect_polygons(frame)]
    free = area.difference(shapely.union_all(grown)) if grown else area
    # Tested parts may touch the free region's edge; a hair of slack absorbs float noise there
    # (MARGIN already keeps the true clearance above the requirement).
    free = free.buffer(MARGIN / 2, join_style="mitre")
    shapely.prepare(free)
    return free


def _first_fit(
    free: shapely.Geometry, item: PreparedItem, bounds: tuple[float, float, float, float]
) -> PlacedPart | None:
    if free.is_empty or free.area < item.area:
        return None
    vertices = shapely.get_coordinates(free.boundary)
    best: tuple[tuple[float, float], PlacedPart] | None = None
    for angle in item.angles:
        posed = pose_polygon(Polygon(item.polygon.exterior), angle, item.flipped, 0.0, 0.0)
        offset = _lowest_offset(free, posed, vertices, bounds)
        if offset is None:
            continue
        key = (round(offset[0] + posed.bounds[0], 6), round(offset[1] + posed.bounds[1], 6))
        if best is None or key < best[0]:
            x, y = offset
            geometry = pose_polygon(item.polygon, angle, item.flipped, x, y)
            best = (key, PlacedPart(item.index, angle, item.flipped, x, y, geometry))
    return None if best is None else best[1]


def _lowest_offset(
    free: shapely.Geometry,
    posed: Polygon,
    vertices: np.ndarray,
    bounds: tuple[float, float, float, float],
) -> tuple[float, float] | None:
    """Smallest (x, y) translation putting ``posed`` inside ``free`` at a vertex-aligned spot."""
    qminx, qminy, qmaxx, qmaxy = posed.bounds
    corners = np.array([[qminx, qminy], [qmaxx, qminy], [qminx, qmaxy], [qmaxx, qmaxy]])
    offsets = (vertices[:, None, :] - corners[None, :, :]).reshape(-1, 2)
    minx, miny, maxx, maxy = bounds
    inside = (
        (offsets[:, 0] + qminx >= minx - 1e-9)
        & (offsets[:, 0] + qmaxx <= maxx + 1e-9)
        & (offsets[:, 1] + qminy >= miny - 1e-9)
        & (offsets[:, 1] + qmaxy <= maxy + 1e-9)
    )
    offsets = np.unique(np.round(offsets[inside], 9), axis=0)
    if not len(offsets):
        return None
    order = np.lexsort((offsets[:, 1], offsets[:, 0]))[:MAX_CANDIDATES]
    offsets = offsets[order]
    ring = np.asarray(posed.exterior.coords)
    for start in range(0, len(offsets), BATCH):
        batch = offsets[start : start + BATCH]
        candidates = shapely.polygons(ring[None, :, :] + batch[:, None, :])
        hits = np.flatnonzero(shapely.contains(free, candidates))
        if len(hits):
            x, y = batch[hits[0]]
            return float(x), float(y)
    return None
