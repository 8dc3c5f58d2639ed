"""Sheets used by nestflow.nesting.solve on a job with large holes, with and without part-in-part.

Job: frames 2000 x 1000 with two 800 x 600 cut-outs x2, ring plates 800 x 600 with a 600 x 400
cut-out x6, flanges r300 with a r200 bore x8 (48-gons); small parts: rectangles 150 x 100 x60,
discs r60 x40, triangles 200 x 150 x30, L 180 x 120 (leg 50) x20. 5 mm spacing, 5 mm border
gap, orientations 0/90/180/270, sheets 3000 x 1500. Both runs get the same budget and seed.
Utilisation = net part area / (full sheets x L x H + last sheet's used length x H).

    .venv/bin/python bench/bench_part_in_part.py [--seconds 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

from shapely.geometry import Polygon
from sheet_jobs import Ring, circle, rect  # bench/ is this script's folder

from nestflow.nesting import (
    NestItem,
    NestRequest,
    NestResult,
    NestSheet,
    Orientation,
    placed_polygon,
    solve,
)

LENGTH, HEIGHT = 3000.0, 1500.0
FOUR_WAYS = [Orientation(angle=a) for a in (0, 90, 180, 270)]


def job() -> list[NestItem]:
    """The parts: three kinds of hosts with large holes and four kinds of small parts."""
    ell = [(0, 0), (180, 0), (180, 50), (50, 50), (50, 120), (0, 120)]
    shapes: list[tuple[Ring, list[Ring], int]] = [
        (rect(2000, 1000), [rect(800, 600, 100, 200), rect(800, 600, 1100, 200)], 2),
        (rect(800, 600), [rect(600, 400, 100, 100)], 6),
        (circle(300), [circle(200)], 8),
        (rect(150, 100), [], 60),
        (circle(60), [], 40),
        ([(0, 0), (200, 0), (0, 150)], [], 30),
        (ell, [], 20),
    ]
    return [
        NestItem(id=k + 1, outer=outer, holes=holes, quantity=q, orientations=FOUR_WAYS, spacing=5)
        for k, (outer, holes, q) in enumerate(shapes)
    ]


def inside_holes(request: NestRequest, result: NestResult) -> int:
    """Placed copies lying inside a hole of another placed part (counting sheet quantities)."""
    items = {i.id: i for i in request.items}
    count = 0
    for nesting in result.nestings:
        shapes = [placed_polygon(items[p.item_id], p) for p in nesting.placements]
        holes = [Polygon(ring) for shape in shapes for ring in shape.interiors]
        inside = sum(1 for shape in shapes if any(h.contains(shape) for h in holes))
        count += inside * nesting.quantity
    return count


def summary(request: NestRequest, result: NestResult) -> str:
    """Sheets, last used length, utilisation and placed parts of one result."""
    items = {i.id: i for i in request.items}
    area = sum(
        placed_polygon(items[p.item_id], p).area * n.quantity
        for n in result.nestings
        for p in n.placements
    )
    sheets = sum(n.quantity for n in result.nestings)
    last = result.nestings[-1].length if result.nestings else 0.0
    used = (sheets - 1) * LENGTH * HEIGHT + last * HEIGHT
    placed = sum(len(n.placements) * n.quantity for n in result.nestings)
    missing = sum(u.count for u in result.unplaced)
    return (
        f"{sheets} sheets, last used length {last:.1f} mm, utilisation {100 * area / used:.2f} %, "
        f"{placed} parts placed ({inside_holes(request, result)} inside holes), {missing} unplaced"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sheets = [NestSheet(id=1, length=LENGTH, height=HEIGHT, quantity=20, border_gap=(5, 5, 5, 5))]
    for part_in_part in (True, False):
        request = NestRequest(
            items=job(),
            sheets=sheets,
            time_limit=args.seconds,
            seed=args.seed,
            part_in_part=part_in_part,
        )
        started = time.monotonic()
        result = solve(request)
        wall = time.monotonic() - started
        label = "with part-in-part   " if part_in_part else "without part-in-part"
        print(f"{label}: {summary(request, result)} ({wall:.1f} s, budget {args.seconds:g} s)")


if __name__ == "__main__":
    main()
