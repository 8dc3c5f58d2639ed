"""Tilings placed whole by nestflow.nesting.solve: a square cut into pieces, its sheet a bit larger.

Default (issue 23, item 3): a 1000 x 1000 square cut into 9 convex pieces by random straight lines
(tests/nesting/tilings.py, seeds 0-49), each on one square sheet of side 1000 x 1.10 (21 % area
to spare, 10 % on each side), no border gap, no spacing, orientations 0/90/180/270, solver seed 0,
a generous budget (60 s) the solver's stop rule ends early once every piece is placed. Reports
how many tilings were placed whole, the median and max wall time, and the load average.

``--curve`` runs the older difficulty curve instead: a 3 x 3 grid, cuts into 9 pieces (seeds
0-3) and into 6, 12 and 16 pieces (seed 0) at sheet sides x1.10, x1.05 and x1.02 (pieces placed /
pieces; only the exact tiling solves the tightest cases).

    .venv/bin/python bench/bench_tiling.py [--seeds 50] [--pieces 9] [--factor 1.10]
        [--seconds 60] [--workers 1] [--curve [--factors 1.10 1.05 1.02]]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from shapely.geometry import Polygon

# The tiling generator lives with the tests (they assert on the same tilings). Appended, so a
# PYTHONPATH copy of nestflow (e.g. an older version to compare with) still wins.
sys.path.append(str(Path(__file__).resolve().parents[1]))

from nestflow.nesting import (  # noqa: E402
    NestItem,
    NestRequest,
    NestSheet,
    Orientation,
    solve,
    strip,
)
from tests.nesting.tilings import cut_rectangle, grid  # noqa: E402

SIDE = 1000.0
FOUR_WAYS = [Orientation(angle=a) for a in (0, 90, 180, 270)]


def curve_set() -> list[tuple[str, list[Polygon]]]:
    """The named tilings of the difficulty curve."""
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


def run_seeds(seeds: range, pieces: int, factor: float, seconds: float) -> None:
    """Cut tilings of ``seeds``: how many are placed whole, and how long each took."""
    whole, walls = 0, []
    for seed in seeds:
        load = os.getloadavg()[0]
        started = time.monotonic()
        count = placed_count(cut_rectangle(SIDE, SIDE, pieces, seed), factor, seconds)
        walls.append(time.monotonic() - started)
        whole += count == pieces
        print(f"  seed {seed:>2}: {count}/{pieces} placed, {walls[-1]:.1f} s, load {load:.1f}")
    print(
        f"cut {pieces} x{factor:.2f}, budget {seconds:g} s: {whole}/{len(seeds)} placed whole; "
        f"wall median {statistics.median(walls):.1f} s, max {max(walls):.1f} s; "
        f"load average now {os.getloadavg()[0]:.1f}"
    )


def run_curve(factors: list[float], seconds: float) -> None:
    """The difficulty curve: pieces placed per case and sheet factor."""
    grand = grand_total = 0
    for factor in factors:
        placed = total = 0
        for name, pieces in curve_set():
            started = time.monotonic()
            count = placed_count(pieces, factor, seconds)
            wall = time.monotonic() - started
            placed += count
            total += len(pieces)
            print(f"  sheet x{factor:.2f} {name:>14}: {count}/{len(pieces)} placed ({wall:.1f} s)")
        print(f"sheet x{factor:.2f}: {placed}/{total} pieces placed at {seconds:g} s")
        grand += placed
        grand_total += total
    print(f"all: {grand}/{grand_total} pieces placed at {seconds:g} s per case")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--pieces", type=int, default=9)
    parser.add_argument("--factor", type=float, default=1.10)
    parser.add_argument("--curve", action="store_true", help="run the difficulty curve instead")
    parser.add_argument("--factors", type=float, nargs="+", default=[1.10, 1.05, 1.02])
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--workers", type=int, help="spyrrow workers (default: all cores)")
    args = parser.parse_args()
    strip.WORKERS = args.workers
    if args.curve:
        run_curve(args.factors, args.seconds)
    else:
        run_seeds(
            range(args.first_seed, args.first_seed + args.seeds),
            args.pieces,
            args.factor,
            args.seconds,
        )


if __name__ == "__main__":
    main()
