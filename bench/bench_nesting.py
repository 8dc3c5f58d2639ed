"""Utilisation of nestflow.nesting.solve on a 150-part mixed sheet-metal job.

Job (the mix of nesting-and-dxf.md section 6, plus holes): rectangles 400x250 with two bolt holes
x40, 600x150 x20, L 500x400 (leg 120) with a hole x30, circles r150 x25 and r90 x15 (48-gons),
triangles 300x500 x20; 5 mm spacing, 5 mm border gap, orientations 0/90/180/270, sheets
3000 x 1500. Utilisation = net part area / (full sheets x L x H + last sheet's used length x H).

    .venv/bin/python bench/bench_nesting.py [--seconds 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import time

from nestflow.nesting import NestItem, NestRequest, NestSheet, Orientation, placed_polygon, solve

LENGTH, HEIGHT = 3000.0, 1500.0
FOUR_WAYS = [Orientation(angle=a) for a in (0, 90, 180, 270)]


def rect(w: float, h: float, x: float = 0.0, y: float = 0.0) -> list[tuple[float, float]]:
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def circle(r: float, n: int = 48, cx: float = 0.0, cy: float = 0.0) -> list[tuple[float, float]]:
    return [
        (cx + r * math.cos(2 * math.pi * k / n), cy + r * math.sin(2 * math.pi * k / n))
        for k in range(n)
    ]


def job() -> list[NestItem]:
    ell = [(0, 0), (500, 0), (500, 120), (120, 120), (120, 400), (0, 400)]
    shapes = [
        (rect(400, 250), [circle(20, 16, 60, 125), circle(20, 16, 340, 125)], 40),
        (rect(600, 150), [], 20),
        (ell, [circle(30, 24, 60, 60)], 30),
        (circle(150), [], 25),
        ([(0, 0), (300, 0), (0, 500)], [], 20),
        (circle(90), [], 15),
    ]
    return [
        NestItem(id=k + 1, outer=outer, holes=holes, quantity=q, orientations=FOUR_WAYS, spacing=5)
        for k, (outer, holes, q) in enumerate(shapes)
    ]


def utilisation(request: NestRequest, result) -> tuple[float, float, int]:
    items = {i.id: i for i in request.items}
    area = sum(
        placed_polygon(items[p.item_id], p).area * n.quantity
        for n in result.nestings
        for p in n.placements
    )
    sheets = sum(n.quantity for n in result.nestings)
    last = result.nestings[-1]
    used = (sheets - 1) * LENGTH * HEIGHT + last.length * HEIGHT
    return area / used, area, sheets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    items = job()
    sheets = [NestSheet(id=1, length=LENGTH, height=HEIGHT, quantity=20, border_gap=(5, 5, 5, 5))]
    request = NestRequest(items=items, sheets=sheets, time_limit=args.seconds, seed=args.seed)
    started = time.monotonic()
    result = solve(
        request, progress=lambda m: print(f"  [{time.monotonic() - started:5.1f} s] {m}")
    )
    wall = time.monotonic() - started
    ratio, area, count = utilisation(request, result)
    parts = sum(i.quantity for i in items)
    print(
        f"parts: {parts}, net part area {area / 1e6:.3f} m2 ({area / (LENGTH * HEIGHT):.2f} sheets)"
    )
    for n in result.nestings:
        print(
            f"  nesting sheet {n.sheet_id} x{n.quantity}: {len(n.placements)} parts, "
            f"length {n.length:.1f}"
        )
    print(f"unplaced: {sum(u.count for u in result.unplaced)}")
    print(f"sheets: {count} (last used {result.nestings[-1].length:.1f} of {LENGTH:g} mm)")
    print(f"utilisation: {100 * ratio:.2f} % (target >= 80 %)")
    print(f"wall time: {wall:.1f} s for a {args.seconds:g} s budget")


if __name__ == "__main__":
    main()
