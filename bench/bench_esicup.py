"""Strip density of nestflow.nesting.solve on ESICUP instances vs sparrow's published runs.

Each instance goes through OUR ``solve()`` with one strip sheet (``length=None``), not raw spyrrow.
Density = total item area / (used length x strip height). Reference: average density of sparrow's
published 1200 s benchmark runs (2 x 50 runs on a 16-core Ryzen 9 7950X; the mean of the two
batches in nesting-and-dxf.md section 1.5). gardeyn4/5/7 have no published averages: their
reference is the best-ever RECORD (section 2.1), so their ratio is against a harder bar.

    .venv/bin/python bench/bench_esicup.py [--seconds 10] [--instances albano,fu] [--seed 0]
        [--workers 1]

The load average (1 min) before each instance is printed next to it: on a shared 2-core box the
density a 10 s budget reaches depends on the CPU the moment leaves.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from shapely.geometry import Polygon

from nestflow.nesting import NestItem, NestRequest, NestSheet, Orientation, solve, strip

#: ESICUP data lives in ../shared next to the repository (``<repo>/../shared/data/esicup``).
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "esicup"

#: instance -> (reference density %, kind of reference)
REFERENCES: dict[str, tuple[float, str]] = {
    "albano": ((89.46 + 89.49) / 2, "avg 1200 s"),
    "dagli": ((89.23 + 89.28) / 2, "avg 1200 s"),
    "fu": ((92.25 + 92.21) / 2, "avg 1200 s"),
    "jakobs1": ((89.08 + 89.08) / 2, "avg 1200 s"),
    "jakobs2": ((84.89 + 84.64) / 2, "avg 1200 s"),
    "mao": ((86.10 + 86.18) / 2, "avg 1200 s"),
    "marques": ((90.91 + 90.94) / 2, "avg 1200 s"),
    "shapes0": ((68.58 + 68.61) / 2, "avg 1200 s"),
    "shapes1": ((75.74 + 75.62) / 2, "avg 1200 s"),
    "shirts": ((89.72 + 89.59) / 2, "avg 1200 s"),
    "swim": ((78.30 + 78.22) / 2, "avg 1200 s"),
    "trousers": ((91.79 + 91.68) / 2, "avg 1200 s"),
    "gardeyn4": (79.92, "RECORD"),
    "gardeyn5": (70.55, "RECORD"),
    "gardeyn7": (87.01, "RECORD"),
}


def load(name: str, seconds: float, seed: int) -> tuple[NestRequest, float]:
    data = json.loads((DATA / f"{name}.json").read_text())
    items = []
    for k, raw in enumerate(data["items"]):
        angles = raw.get("allowed_orientations") or [0.0]
        items.append(
            NestItem(
                id=k,
                outer=[tuple(p) for p in raw["shape"]["data"]],
                quantity=raw["demand"],
                orientations=[Orientation(angle=a) for a in angles],
            )
        )
    height = float(data["strip_height"])
    sheet = NestSheet(id=1, length=None, height=height)
    return NestRequest(items=items, sheets=[sheet], time_limit=seconds, seed=seed), height


def run(name: str, seconds: float, seed: int) -> tuple[float, float, int]:
    request, height = load(name, seconds, seed)
    started = time.monotonic()
    result = solve(request)
    wall = time.monotonic() - started
    area = sum(Polygon(i.outer).area * i.quantity for i in request.items)
    missing = sum(u.count for u in result.unplaced)
    [nesting] = result.nestings
    return 100 * area / (nesting.length * height), wall, missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--instances", default=",".join(REFERENCES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, help="spyrrow workers (default: all cores)")
    args = parser.parse_args()
    strip.WORKERS = args.workers
    names = [n.strip() for n in args.instances.split(",") if n.strip()]
    print(
        f"{'instance':<10} {'ours %':>7} {'ref %':>7} {'ratio %':>8} {'wall s':>7} {'load':>5}"
        "  reference"
    )
    ratios = []
    for name in names:
        load = os.getloadavg()[0]
        density, wall, missing = run(name, args.seconds, args.seed)
        reference, kind = REFERENCES[name]
        ratio = 100 * density / reference
        ratios.append(ratio)
        note = f" ({missing} UNPLACED)" if missing else ""
        print(
            f"{name:<10} {density:7.2f} {reference:7.2f} {ratio:8.1f} {wall:7.1f} {load:5.1f}"
            f"  {kind}{note}"
        )
    print(
        f"mean ratio: {statistics.mean(ratios):.1f} % over {len(ratios)} instances "
        f"at {args.seconds:g} s each (target >= 95 %)"
    )
    averaged = [r for n, r in zip(names, ratios, strict=True) if REFERENCES[n][1] != "RECORD"]
    if averaged and len(averaged) < len(ratios):
        print(
            f"mean ratio vs published averages only: {statistics.mean(averaged):.1f} % over "
            f"{len(averaged)} instances (the others are against best-ever records)"
        )


if __name__ == "__main__":
    main()
