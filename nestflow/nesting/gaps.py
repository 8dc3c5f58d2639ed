"""Greedy insertion of single parts into the free space of a sheet pattern (shapely).

spyrrow has no fixed obstacles, so parts evicted from a pattern because they touch a sheet defect
are put back here, remaining small parts top up a sheet's gaps, copies a strip solve left beyond
the sheet are tried in the room left on it, and parts are nested into the holes of a host
(part-in-part). The free region is the area minus every placed part (holes included, so a hole
shrunk by the spacing is free room) grown by the required distance and minus the defects grown by
the part's own spacing (mitred growth: a superset of the exact offset). Candidate
positions align a corner of the part's bounding box with a vertex of the free region; the lowest
x (then y) position whose part lies inside the free region wins (bottom-left rule, keeps the
offcut long).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import shapely
from shapely.geometry import Polygon, box

from nestflow.nesting.inputs import PreparedItem
from nestflow.nesting.patterns import Pattern, PlacedPart, defect_polygons, expand
from nestflow.nesting.shapes import pose_polygon

#: Extra clearance (mm) added to every obstacle so float noise never yields a too-short distance.
MARGIN = 2e-4
#: Candidate positions tested per vectorised batch.
BATCH = 512
#: At most this many candidate positions are tested per orientation.
MAX_CANDIDATES = 8000

#: A pose as (caller angle in degrees, flip).
Pose = tuple[float, bool]


def insert_parts(
    pattern: Pattern,
    wanted: Mapping[int, int],
    items: list[PreparedItem],
    out_of_time: Callable[[], bool],
    max_x: float | None = None,
    into_holes: bool = True,
) -> Pattern:
    """Add up to ``wanted[i]`` copies of item ``i`` to ``pattern`` where they fit, largest first.

    Args:
        pattern: The layout to extend (unchanged parts).
        wanted: Copies to try per prepared item index.
        items: Prepared items.
        out_of_time: Polled between insertions; stops the filling when it returns True.
        max_x: Rightmost x a new part may reach (default: the sheet's usable length).
        into_holes: Whether the holes of placed parts are free room (part-in-part).

    Returns:
        The extended pattern.
    """
    frame = pattern.frame
    limit = frame.max_x if max_x is None else min(max_x, frame.max_x)
    if not math.isfinite(limit):
        limit = pattern.used_length
    area = box(frame.min_x, frame.min_y, limit, frame.max_y)
    added = fill_region(
        area,
        [_solid(p, into_holes) for p in pattern.pieces(items)],
        wanted,
        items,
        {i: _own_poses(items[i]) for i in wanted},
        defects=defect_polygons(frame),
        out_of_time=out_of_time,
        into_holes=into_holes,
    )
    return Pattern(frame, pattern.parts + tuple(added))


def fill_region(
    area: shapely.Geometry,
    obstacles: list[PlacedPart],
    wanted: Mapping[int, int],
    items: list[PreparedItem],
    poses: Mapping[int, Sequence[Pose]],
    defects: Sequence[Polygon] = (),
    out_of_time: Callable[[], bool] = lambda: False,
    into_holes: bool = True,
) -> list[PlacedPart]:
    """Place up to ``wanted[i]`` copies of item ``i`` inside ``area`` clear of ``obstacles``.

    Largest items first, bottom-left rule, each copy in one of ``poses[i]``; every copy keeps
    the required distance from the obstacles, from the copies placed before it and (its own
    spacing) from the defects.

    Args:
        area: Where the parts may lie (the usable sheet, or the holes of a host part).
        obstacles: Real parts already there; their spacing applies.
        wanted: Copies to try per prepared item index.
        items: Prepared items.
        poses: Allowed (angle, flip) per item index.
        defects: Sheet defects.
        out_of_time: Polled between insertions; stops the filling when it returns True.
        into_holes: Whether the holes of the parts placed here are free room for the next ones.

    Returns:
        The parts placed, in placing order.
    """
    obstacles = list(obstacles)
    placed: list[PlacedPart] = []
    for index in sorted(wanted, key=lambda i: -items[i].area):
        item = items[index]
        for _ in range(wanted[index]):
            if out_of_time():
                return placed
            free = _free_region(area, obstacles, item, items, defects)
            part = _first_fit(free, item, area.bounds, poses[index])
            if part is None:
                break
            placed.append(part)
            obstacles += [_solid(p, into_holes) for p in expand(part, items)]
    return placed


def _solid(piece: PlacedPart, keep_holes: bool) -> PlacedPart:
    """``piece`` as an obstacle: with its holes (free room) or filled in."""
    if keep_holes or not piece.geometry.interiors:
        return piece
    return replace(piece, geometry=Polygon(piece.geometry.exterior))


def _own_poses(item: PreparedItem) -> list[Pose]:
    """The poses the solver nests ``item`` in (its chosen side)."""
    return [(angle, item.flipped) for angle in item.angles]


def _free_region(
    area: shapely.Geometry,
    pieces: list[PlacedPart],
    item: PreparedItem,
    items: list[PreparedItem],
    defects: Sequence[Polygon],
) -> shapely.Geometry:
    spacing = item.item.spacing
    grown = [
        p.geometry.buffer(max(spacing, items[p.index].item.spacing) + MARGIN, join_style="mitre")
        for p in pieces
    ]
    grown += [d.buffer(spacing + MARGIN, join_style="mitre") for d in defects]
    free = area.difference(shapely.union_all(grown)) if grown else area
    # Tested parts may touch the free region's edge; a hair of slack absorbs float noise there
    # (MARGIN already keeps the true clearance above the requirement).
    free = free.buffer(MARGIN / 2, join_style="mitre")
    shapely.prepare(free)
    return free


def _first_fit(
    free: shapely.Geometry,
    item: PreparedItem,
    bounds: tuple[float, float, float, float],
    poses: Sequence[Pose],
) -> PlacedPart | None:
    if free.is_empty or free.area < item.area:
        return None
    vertices = shapely.get_coordinates(free.boundary)
    best: tuple[tuple[float, float], PlacedPart] | None = None
    for angle, flip in poses:
        posed = pose_polygon(Polygon(item.polygon.exterior), angle, flip, 0.0, 0.0)
        offset = _lowest_offset(free, posed, vertices, bounds)
        if offset is None:
            continue
        key = (round(offset[0] + posed.bounds[0], 6), round(offset[1] + posed.bounds[1], 6))
        if best is None or key < best[0]:
            x, y = offset
            geometry = pose_polygon(item.polygon, angle, flip, x, y)
            best = (key, PlacedPart(item.index, angle, flip, x, y, geometry))
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
