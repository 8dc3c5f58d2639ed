"""Pieces placed by nestflow.nesting.solve on tilings: a square cut into pieces, sheet a bit larger.

Tiling set (tests/nesting/tilings.py): a 1000 x 1000 square cut into a 3 x 3 grid, into 9
irregular convex pieces by random straight lines (the case of issue 11: seeds 0-3), and into 6,
12 and 16 pieces (seed 0); each on one square sheet of side 1000 x factor (no border gap, no
spacing, orientations 0/90/180/270, seed 0). Reports pieces placed / pieces per case and per
factor. Only the exact tiling solves the tightest cases, so read them as a difficulty curve.

    .venv/bin/python bench/bench_tiling.py [--seconds 6] [--factors 1.10 1.05 1.02] [--only "cut 9"]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from shapely.geometry import Polygon

# The tiling generator lives with the tests (they assert on the same tilings). Appended, so a
# PYTHONPATH copy of nestflow (e.g. an older version to compare with) still wins.
sys.path.append(str(Path(__file__).resolve().parents[1]))

from nestflow.nesting import NestItem, NestRequest, NestSheet, Orientation, solve  # noqa: E402
from tests.nesting.tilings import cut_rectangle, grid  # noqa: E402

SIDE = 1000.0
FOUR_WAYS = [Orientation(angle=a) for a in (0, 90, 180, 270)]


def tiling_set() -> list[tuple[str, list[Polygon]]]:
    """The named tilings of the benchmark."""
    cases = [("grid 3x3", grid(SIDE, SIDE, 3, 3))]
    cases += [(f"cut 9 seed {s}", cut_rectangle(SIDE, SIDE, 9, s)) for s in range(4)]
    cases += [(f"cut {n} seed 0", cut_rectangle(SIDE, SIDE, n, 0)) for n in (6, 12, 16)]
    return cases


def placed_count(pieces: list[Polygon], factor: float, seconds: float) -> int:
    """Pieces of one tiling placed on its single sheet."""
    items = [
        NestItem(id=k + 1, outer=list(p.exterior.coords)[:-1], orientations=FOUR_WAYS)
        for k, p in enumerate(pieces)
    ]
    sheet = NestSheet(id=1, length=SIDE * factor, height=SIDE * factor, quantity=1)
    request = NestRequest(items=items, sheets=[sheet], time_limit=seconds, seed=0)
    result = solve(request)
    return sum(len(n.placements) * n.quantity for n in result.nestings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--factors", type=float, nargs="+", default=[1.10, 1.05, 1.02])
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    args = parser.parse_args()
    cases = [(name, pieces) for name, pieces in tiling_set() if args.only in name]
    grand = grand_total = 0
    for factor in args.factors:
        placed = total = 0
        for name, pieces in cases:
            started = time.monotonic()
            count = placed_count(pieces, factor, args.seconds)
            wall = time.monotonic() - started
            placed += count
            total += len(pieces)
            print(f"  sheet x{factor:.2f} {name:>14}: {count}/{len(pieces)} placed ({wall:.1f} s)")
        print(f"sheet x{factor:.2f}: {placed}/{total} pieces placed at {args.seconds:g} s")
        grand += placed
        grand_total += total
    print(f"all: {grand}/{grand_total} pieces placed at {args.seconds:g} s per case")


if __name__ == "__main__":
    main()
