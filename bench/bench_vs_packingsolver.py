"""Nesting quality of nestflow.nesting.solve against packingsolver, same budget, one run.

Instances (each solved by OUR ``solve()`` and then by packingsolver's irregular solver, one after
the other, with the same time budget):

* ``job150``: the 150-part mixed sheet-metal job of bench/bench_nesting.py (holes, four
  orientations, spacing 5, border 5) on 3000 x 1500 sheets.
* ``demo``: the demo's parts: examples/*.dxf read with nestflow's reader, quantities, rotations
  and flips from examples/orders.csv, the drawing the check rejects left out (71 parts), built
  into a request exactly as the local engine does (spacing 5; the default sheet format
  3000 x 1500 x 20, border 10).
* ``pip``: part-in-part, flanges with bores, washers and brackets (bench/sheet_jobs.py).
* ``gen1`` .. ``gen5``: generated sheet-metal mixes (rectangles, L shapes, discs, parts with
  holes; 50-400 parts, 1-8 sheets; fixed seeds, bench/sheet_jobs.py ``GENERATED``).
* ESICUP strip instances from ../shared/data/esicup/ (bench/bench_esicup.py's loader).

``--before DIR`` adds a third column: our solver as it is in the checkout ``DIR`` (e.g. a git
worktree of the commit before a change), run in a subprocess (bench/_ours_runner.py) on the same
request right before ours. ``--runs N`` solves every instance N times with each solver and
reports the median run (by utilisation with leftover, strip density); the load average before
each run is shown next to it.

Sheet instances are bin packing on the real sheets (packingsolver: ``BinPackingWithLeftovers``,
leftover kept on the right, like ours). Metrics: sheets used, utilisation = net part area /
area of the sheets used, utilisation with leftover = net part area / (full sheets + the least
used sheet's used length x height) (bench_nesting.py's figure), and that used length. Strip
instances (packingsolver: ``OpenDimensionX``): strip length and density = item area / (length x
height). Both solvers' layouts are checked by the same shapely code (inside the usable sheet,
spacing kept, no overlap, no extra copies) before they are counted; a failed check is shown.

packingsolver (PyPI; needs Python >= 3.12) runs in a subprocess from its own venv,
``.bench-venv-packingsolver/`` in the repository, created on first use with a pinned version; the
Python comes from ``$NESTFLOW_PY312``, else ``python3.12``/``python3.13`` on PATH, else pyenv's
versions folder. nestflow's venv never imports it.

    .venv/bin/python bench/bench_vs_packingsolver.py [--seconds 30] [--instances job150,demo]
        [--esicup albano,fu,jakobs1,shapes0] [--arcs native|flat] [--json out.json]
        [--before /tmp/worktree] [--runs 3] [--workers 1]
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Polygon, box

from nestflow.engines.base import EngineSettings, PartOrder
from nestflow.engines.local import nest_request
from nestflow.geometry.errors import DrawingError
from nestflow.geometry.models import Contour
from nestflow.geometry.reader import read_drawing
from nestflow.nesting import (
    ItemPlacement,
    NestRequest,
    NestResult,
    NestSheet,
    placed_polygon,
    solve,
    strip,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
VENV = ROOT / ".bench-venv-packingsolver"
RUNNER = Path(__file__).resolve().parent / "_packingsolver_runner.py"
OURS_RUNNER = Path(__file__).resolve().parent / "_ours_runner.py"
#: Every sheet instance of the issue-23 set.
SHEET_INSTANCES = ("job150", "demo", "pip", "gen1", "gen2", "gen3", "gen4", "gen5")
#: The packingsolver release measured (newest on PyPI when this benchmark was written).
PACKINGSOLVER_VERSION = "0.1.1233"
#: Default ESICUP strip instances: small to mid-size, straight-edged, with 1 to 4 rotations.
DEFAULT_ESICUP = ("albano", "fu", "jakobs1", "shapes0")
#: Slack of the layout check (mm): arcs are flattened within 0.05 mm by the reader.
DISTANCE_TOLERANCE = 0.1
#: Overlap area tolerated between touching parts when the spacing is 0, relative to the smaller.
OVERLAP_TOLERANCE = 1e-4
#: Largest gap (mm) between packingsolver's own bbox of a placement and ours.
POSE_TOLERANCE = 0.5


@dataclass
class Instance:
    """One benchmark instance.

    Attributes:
        name: Short name shown in the table.
        kind: ``sheets`` (bin packing on real sheet formats) or ``strip`` (open length).
        request: The request our solver gets (``time_limit`` set per run).
        contours: Exact outlines (with bulges) per item id, for packingsolver's native arcs;
            items without an entry go as their polygons.
        notes: What differs between what the two solvers are given.
    """

    name: str
    kind: str
    request: NestRequest
    contours: dict[int, tuple[Contour, list[Contour]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Layout:
    """A solver's result as flat sheets (pattern multiplicities expanded)."""

    solver: str
    sheets: list[tuple[NestSheet, list[ItemPlacement]]]
    wall: float
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- Python 3.12 venv


def python_version(python: str) -> tuple[int, int] | None:
    """``(major, minor)`` of an interpreter, or None when it does not run."""
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    return int(out[0]), int(out[1])


def find_python312() -> str:
    """A Python >= 3.12 to run packingsolver with.

    Looks at ``$NESTFLOW_PY312``, then ``python3.12``/``python3.13``/``python3.14`` on PATH, then
    pyenv's versions folder (``$PYENV_ROOT`` or ``~/.pyenv``), newest first.

    Raises:
        SystemExit: None found (the message says how to point at one).
    """
    candidates: list[str] = []
    if os.environ.get("NESTFLOW_PY312"):
        candidates.append(os.environ["NESTFLOW_PY312"])
    for name in ("python3.12", "python3.13", "python3.14"):
        if found := shutil.which(name):
            candidates.append(found)
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        versions = [v for v in pyenv.iterdir() if re.fullmatch(r"3\.\d+\.\d+", v.name)]
        versions.sort(key=lambda v: tuple(int(x) for x in v.name.split(".")), reverse=True)
        candidates += [str(v / "bin" / "python3") for v in versions]
    for python in candidates:
        version = python_version(python)
        if version is not None and version >= (3, 12):
            return python
    raise SystemExit(
        "packingsolver needs Python >= 3.12: set NESTFLOW_PY312 to one, or put python3.12 on PATH"
    )


def venv_python() -> Path:
    """The benchmark venv's interpreter."""
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def installed_packingsolver() -> str | None:
    """packingsolver's version in the benchmark venv, or None when missing."""
    python = venv_python()
    if not python.exists():
        return None
    done = subprocess.run(
        [str(python), "-c", "import packingsolver; print(packingsolver.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def ensure_venv(version: str) -> Path:
    """Create or reuse ``.bench-venv-packingsolver`` with packingsolver ``version`` installed.

    Returns:
        The venv's Python.
    """
    if installed_packingsolver() == version:
        return venv_python()
    if not venv_python().exists():
        python = find_python312()
        log(f"creating {VENV.name} with {python}")
        subprocess.run([python, "-m", "venv", str(VENV)], check=True)
    log(f"installing packingsolver=={version} into {VENV.name}")
    subprocess.run(
        [str(venv_python()), "-m", "pip", "install", "-q", f"packingsolver=={version}"],
        check=True,
    )
    return venv_python()


# --------------------------------------------------------------------------- instances


def job150() -> Instance:
    """bench/bench_nesting.py's 150-part job on its sheets (border 5, spacing 5)."""
    from bench_nesting import HEIGHT, LENGTH, job

    sheet = NestSheet(id=1, length=LENGTH, height=HEIGHT, quantity=20, border_gap=(5, 5, 5, 5))
    request = NestRequest(items=job(), sheets=[sheet], time_limit=1.0, seed=0)
    return Instance("job150", "sheets", request, notes=["circles are 48-gons for both"])


def demo() -> Instance:
    """The demo's parts and sheet, built into a request as the local engine does.

    Reads examples/orders.csv and each drawing with nestflow's reader (defaults, as the demo's
    check does); a drawing the reader rejects is left out, as the demo leaves it out.
    """
    from nestflow.stock import SheetFormat

    lines: list[PartOrder] = []
    left_out = []
    with (EXAMPLES / "orders.csv").open(newline="") as source:
        for row in csv.DictReader(source):
            try:
                parts = read_drawing(EXAMPLES / row["file"])
            except DrawingError:
                left_out.append(row["file"])
                continue
            rotations = tuple(float(a) for a in row["rotations"].split(";"))
            for part in parts:
                lines.append(
                    PartOrder(
                        part=part,
                        quantity=int(row["quantity"]),
                        rotations=rotations,
                        flip=row["flip"].strip().lower() in {"yes", "true", "1"},
                    )
                )
    sheet = SheetFormat()
    settings = EngineSettings(time_s=1.0, spacing=5.0)
    request = nest_request(lines, [sheet], settings)
    contours = {k: (line.part.outer, list(line.part.holes)) for k, line in enumerate(lines)}
    notes = [f"left out (rejected by the reader): {', '.join(left_out)}"] if left_out else []
    return Instance("demo", "sheets", request, contours, notes)


def part_in_part() -> Instance:
    """Flanges with bores, washers and brackets (bench/sheet_jobs.py)."""
    from sheet_jobs import part_in_part_job

    return Instance("pip", "sheets", part_in_part_job(), notes=["circles are polygons for both"])


def generated(number: int) -> Instance:
    """Generated job ``number`` (1-5) of bench/sheet_jobs.py's ``GENERATED``."""
    from sheet_jobs import GENERATED, generated_job

    seed, parts, sheets = GENERATED[number - 1]
    name = f"gen{number}"
    note = f"generated: seed {seed}, {parts} parts, sized for {sheets} sheets"
    return Instance(name, "sheets", generated_job(seed, parts, sheets), notes=[note])


def esicup(name: str) -> Instance:
    """An ESICUP strip instance, loaded by bench/bench_esicup.py."""
    from bench_esicup import load

    request, _ = load(name, 1.0, 0)
    return Instance(name, "strip", request)


# --------------------------------------------------------------------------- packingsolver


def to_packingsolver_rotation(angle: float, flip: bool) -> tuple[float, float, bool]:
    """packingsolver's pose equal to nestflow's ``(angle, flip)``.

    nestflow: rotate by ``angle``, then mirror y -> -y. packingsolver: mirror x -> -x, then rotate.
    Mirror_y(R(a)) = R(-a) Mirror_y = R(180 - a) Mirror_x, so a flipped pose is packingsolver's
    mirrored pose at 180 - angle; an unflipped one is the same angle.
    """
    if not flip:
        a = angle % 360.0
        return (a, a, False)
    a = (180.0 - angle) % 360.0
    return (a, a, True)


def from_packingsolver_rotation(angle: float, mirror: bool) -> tuple[float, bool]:
    """nestflow's ``(angle, flip)`` equal to packingsolver's pose (inverse of the above)."""
    return ((180.0 - angle) % 360.0, True) if mirror else (angle % 360.0, False)


def vertices(contour: Contour | list[tuple[float, float]]) -> list[list[float]]:
    """``[x, y, bulge]`` rows of a contour, or of a polygon's points (bulge 0)."""
    if isinstance(contour, Contour):
        return [[v.x, v.y, v.bulge] for v in contour.vertices]
    return [[x, y, 0.0] for x, y in contour]


def packingsolver_spec(instance: Instance, seconds: float, arcs: bool) -> dict[str, Any]:
    """The runner's input for ``instance`` (see bench/_packingsolver_runner.py).

    Raises:
        ValueError: Items with different spacings (packingsolver has one item-item spacing).
    """
    request = instance.request
    spacings = {item.spacing for item in request.items}
    if len(spacings) > 1:
        raise ValueError(f"{instance.name}: several item spacings {sorted(spacings)}")
    items = []
    for item in request.items:
        if arcs and item.id in instance.contours:
            outer, holes = instance.contours[item.id]
            outer_rows, hole_rows = vertices(outer), [vertices(h) for h in holes]
        else:
            outer_rows, hole_rows = vertices(item.outer), [vertices(h) for h in item.holes]
        rotations = sorted({to_packingsolver_rotation(o.angle, o.flip) for o in item.orientations})
        items.append(
            {
                "outer": outer_rows,
                "holes": hole_rows,
                "rotations": rotations,
                "copies": item.quantity,
            }
        )
    if instance.kind == "strip":
        [sheet] = request.sheets
        # Long enough for every copy side by side in any orientation: never binding.
        length = sum(Polygon(i.outer).length / 2 * i.quantity for i in request.items)
        bins = [{"x_min": 0.0, "x_max": length, "y_min": 0.0, "y_max": sheet.height, "copies": 1}]
        objective, leftover = "OpenDimensionX", None
    else:
        bins = []
        for sheet in request.sheets:
            assert sheet.length is not None and not sheet.defects
            left, right, bottom, top = sheet.border_gap
            bins.append(
                {
                    "x_min": left,
                    "x_max": sheet.length - right,
                    "y_min": bottom,
                    "y_max": sheet.height - top,
                    "copies": sheet.quantity,
                }
            )
        objective, leftover = "BinPackingWithLeftovers", "Left"
    return {
        "objective": objective,
        "leftover_mode": leftover,
        "time_limit": seconds,
        "item_item_spacing": spacings.pop() if spacings else 0.0,
        "bins": bins,
        "items": items,
    }


def run_packingsolver(python: Path, instance: Instance, seconds: float, arcs: bool) -> Layout:
    """Solve ``instance`` with packingsolver in a subprocess; its layout in nestflow's terms."""
    spec = packingsolver_spec(instance, seconds, arcs)
    started = time.monotonic()
    done = subprocess.run(
        [str(python), str(RUNNER)],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"packingsolver failed on {instance.name}: {done.stderr.strip()[-800:]}")
    out = json.loads(done.stdout)
    request = instance.request
    sheets = []
    pose_gap = 0.0
    for solution_bin in out["bins"]:
        sheet = request.sheets[solution_bin["bin_type"]]
        placements = []
        for placed in solution_bin["items"]:
            item = request.items[placed["item"]]
            angle, flip = from_packingsolver_rotation(placed["angle"], placed["mirror"])
            placement = ItemPlacement(
                item_id=item.id, angle=angle, flip=flip, x=placed["x"], y=placed["y"]
            )
            placements.append(placement)
            ours = placed_polygon(item, placement).bounds
            gaps = (abs(a - b) for a, b in zip(ours, placed["bbox"], strict=True))
            pose_gap = max(pose_gap, *gaps)
        sheets += [(sheet, placements)] * solution_bin["copies"]
    extra = {
        "packingsolver": out["packingsolver"],
        "python": out["python"],
        "label": out["label"],
        "feasible": out["feasible"],
        "solve_time": out["time"],
        "pose_gap_mm": pose_gap,
    }
    return Layout("packingsolver", sheets, wall, extra)


def run_ours(instance: Instance, seconds: float, seed: int, before: str | None = None) -> Layout:
    """Solve ``instance`` with nestflow's public ``solve`` (from checkout ``before`` if given)."""
    request = instance.request.model_copy(update={"time_limit": seconds, "seed": seed})
    started = time.monotonic()
    if before is None:
        result = solve(request)
    else:
        env = {**os.environ, "PYTHONPATH": before}
        answer = subprocess.run(
            [sys.executable, str(OURS_RUNNER)],
            input=request.model_dump_json(),
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        result = NestResult.model_validate_json(answer.stdout)
    wall = time.monotonic() - started
    by_id = {sheet.id: sheet for sheet in request.sheets}
    sheets = []
    for nesting in result.nestings:
        sheets += [(by_id[nesting.sheet_id], nesting.placements)] * nesting.quantity
    return Layout("nestflow" if before is None else "nestflow before", sheets, wall)


# --------------------------------------------------------------------------- check and metrics


def check_layout(instance: Instance, layout: Layout) -> tuple[list[str], dict[int, int]]:
    """Problems of a layout (same rules for both solvers) and the copies placed per item.

    Rules: every part inside the usable sheet (border gaps), two parts at least their larger
    spacing apart (with spacing 0: no overlap beyond a sliver), no item placed more often than
    ordered, every placement's angle/flip among the item's allowed orientations.
    """
    items = {item.id: item for item in instance.request.items}
    problems: list[str] = []
    placed: dict[int, int] = {}
    for index, (sheet, placements) in enumerate(layout.sheets):
        polygons = [placed_polygon(items[p.item_id], p) for p in placements]
        left, right, bottom, top = sheet.border_gap
        x_max = math.inf if sheet.length is None else sheet.length - right
        usable = box(left, bottom, min(x_max, 1e12), sheet.height - top)
        allowed = usable.buffer(DISTANCE_TOLERANCE, join_style="mitre")
        for p, poly in zip(placements, polygons, strict=True):
            placed[p.item_id] = placed.get(p.item_id, 0) + 1
            if not allowed.covers(poly):
                problems.append(f"sheet {index + 1}: item {p.item_id} outside the usable sheet")
            poses = {(o.angle % 360.0, o.flip) for o in items[p.item_id].orientations}
            if not any(
                abs((p.angle - a + 180.0) % 360.0 - 180.0) < 1e-3 and p.flip == f for a, f in poses
            ):
                problems.append(f"sheet {index + 1}: item {p.item_id} at {p.angle:g}/{p.flip}")
        tree = shapely.STRtree(polygons)
        for i, poly in enumerate(polygons):
            gap = items[placements[i].item_id].spacing
            for j in tree.query(poly, predicate="dwithin", distance=gap + DISTANCE_TOLERANCE):
                if j <= i:
                    continue
                other = polygons[j]
                need = max(gap, items[placements[j].item_id].spacing)
                if need > 0:
                    bad = poly.distance(other) < need - DISTANCE_TOLERANCE
                else:
                    overlap = poly.intersection(other).area
                    bad = overlap > OVERLAP_TOLERANCE * min(poly.area, other.area)
                if bad:
                    problems.append(
                        f"sheet {index + 1}: items {placements[i].item_id} and "
                        f"{placements[j].item_id} closer than {need:g}"
                    )
    for item_id, count in placed.items():
        if count > items[item_id].quantity:
            problems.append(f"item {item_id}: {count} placed, {items[item_id].quantity} ordered")
    return problems, placed


def metrics(instance: Instance, layout: Layout) -> dict[str, Any]:
    """The figures of one layout (computed from the placed geometry, same code for both)."""
    items = {item.id: item for item in instance.request.items}
    problems, placed = check_layout(instance, layout)
    ordered = sum(item.quantity for item in instance.request.items)
    area = 0.0
    used: list[float] = []
    for _sheet, placements in layout.sheets:
        polygons = [placed_polygon(items[p.item_id], p) for p in placements]
        area += sum(poly.area for poly in polygons)
        used.append(max((poly.bounds[2] for poly in polygons), default=0.0))
    row: dict[str, Any] = {
        "solver": layout.solver,
        "wall_s": round(layout.wall, 1),
        "placed": sum(placed.values()),
        "unplaced": ordered - sum(placed.values()),
        "valid": not problems,
        "problems": problems[:10],
        "problem_count": len(problems),
        "part_area_mm2": round(area, 1),
    }
    if instance.kind == "strip":
        [sheet] = instance.request.sheets
        length = max(used, default=0.0)
        row["strip_length"] = round(length, 2)
        row["density_pct"] = round(100 * area / (length * sheet.height), 2) if length else None
    else:
        sheet = instance.request.sheets[0]
        assert sheet.length is not None
        count = len(layout.sheets)
        last = min(used, default=0.0)
        full = count * sheet.length * sheet.height
        leftover = (count - 1) * sheet.length * sheet.height + last * sheet.height
        row["sheets"] = count
        row["utilisation_pct"] = round(100 * area / full, 2) if count else None
        row["utilisation_leftover_pct"] = round(100 * area / leftover, 2) if count else None
        row["last_sheet_used_mm"] = round(last, 1)
    row.update(layout.extra)
    return row


# --------------------------------------------------------------------------- main


def median_run(instance: Instance, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of several runs of one solver (invalid runs rank last), with every run's
    figure and load listed in ``runs``."""
    key = "density_pct" if instance.kind == "strip" else "utilisation_leftover_pct"

    def score(row: dict[str, Any]) -> float:
        return (row[key] or 0.0) if row["valid"] and row["unplaced"] == 0 else -1.0

    ranked = sorted(rows, key=score)
    median = dict(ranked[len(ranked) // 2])
    if len(rows) > 1:
        median["runs"] = [(row[key], row["load"]) for row in rows]
    return median


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def table(results: list[dict[str, Any]], seconds: float) -> str:
    """The results as a Markdown table."""
    lines = [
        f"budget per solver and instance: {seconds:g} s (wall time shown)",
        "",
        "| instance | solver | sheets / strip length | util. % | util. w/ leftover % "
        "| last sheet used mm | unplaced | valid | wall s | load |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for res in results:
        for row in res["rows"]:
            if res["kind"] == "strip":
                size, util, left, last = row["strip_length"], row["density_pct"], "", ""
            else:
                size = row["sheets"]
                util, left = row["utilisation_pct"], row["utilisation_leftover_pct"]
                last = f"{row['last_sheet_used_mm']:,.0f}"
            valid = "yes" if row["valid"] else f"NO ({row['problem_count']})"
            lines.append(
                f"| {res['instance']} | {row['solver']} | {size} | {util} | {left} | {last} "
                f"| {row['unplaced']} | {valid} | {row['wall_s']} | {row.get('load', '')} |"
            )
    return "\n".join(lines)


def main() -> None:
    """Run every instance with both solvers and print the table (and the JSON if asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="budget per solver/instance")
    parser.add_argument(
        "--instances", default=",".join(SHEET_INSTANCES), help="sheet instances to run"
    )
    parser.add_argument("--esicup", default=",".join(DEFAULT_ESICUP), help="'' for none")
    parser.add_argument("--arcs", choices=("native", "flat"), default="native")
    parser.add_argument("--seed", type=int, default=0, help="our solver's seed")
    parser.add_argument("--packingsolver", default=PACKINGSOLVER_VERSION, help="version pin")
    parser.add_argument("--json", help="also write the results as JSON here ('-': stdout)")
    parser.add_argument("--before", help="also run our solver from this older checkout")
    parser.add_argument("--runs", type=int, default=1, help="runs per solver; the median shown")
    parser.add_argument("--workers", type=int, help="spyrrow workers for our solver (all cores)")
    args = parser.parse_args()
    strip.WORKERS = args.workers

    python = ensure_venv(args.packingsolver)
    builders = {"job150": job150, "demo": demo, "pip": part_in_part}
    builders |= {f"gen{k}": (lambda k=k: generated(k)) for k in range(1, 6)}
    instances = [builders[name]() for name in args.instances.split(",") if name]
    instances += [esicup(name) for name in args.esicup.split(",") if name]
    results = []
    for instance in instances:
        arcs = args.arcs == "native"
        solvers = ["nestflow before"] if args.before else []
        solvers += ["nestflow", "packingsolver"]
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in solvers}
        for run in range(args.runs):
            for name in solvers:
                log(f"{instance.name}: {name}, {args.seconds:g} s, run {run + 1} ...")
                load = os.getloadavg()[0]
                try:
                    if name == "packingsolver":
                        layout = run_packingsolver(python, instance, args.seconds, arcs)
                    else:
                        before = args.before if name == "nestflow before" else None
                        layout = run_ours(instance, args.seconds, args.seed, before)
                except (RuntimeError, subprocess.CalledProcessError) as exc:
                    # One solver failing must not lose the other runs of a long benchmark.
                    log(f"{instance.name}: {name} failed: {str(exc)[-300:]}")
                    layout = Layout(name, [], 0.0, {"error": str(exc)[-300:]})
                row = metrics(instance, layout)
                row["load"] = round(load, 1)
                runs[name].append(row)
        rows = [median_run(instance, runs[name]) for name in solvers]
        notes = list(instance.notes)
        if arcs and instance.contours:
            notes.append(
                "packingsolver gets exact arcs; nestflow gets arcs flattened within 0.05 mm; "
                "both checked on the flattened outlines"
            )
        results.append(
            {"instance": instance.name, "kind": instance.kind, "notes": notes, "rows": rows}
        )
        log(table(results[-1:], args.seconds))
    report = {
        "seconds": args.seconds,
        "arcs": args.arcs,
        "machine": {
            "cpus": os.cpu_count(),
            "load_avg": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "python": platform.python_version(),
        },
        "versions": {
            "spyrrow": importlib.metadata.version("spyrrow"),
            "packingsolver": installed_packingsolver(),
        },
        "results": results,
    }
    print(table(results, args.seconds))
    for res in results:
        for note in res["notes"]:
            print(f"- {res['instance']}: {note}")
        for row in res["rows"]:
            for problem in row["problems"]:
                print(f"- {res['instance']} {row['solver']}: {problem}")
    versions = report["versions"]
    ps_python = next((r["python"] for res in results for r in res["rows"] if "python" in r), "")
    print(
        f"spyrrow {versions['spyrrow']}, packingsolver {versions['packingsolver']} "
        f"(Python {ps_python}); {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.2f}' for x in report['machine']['load_avg'] or ())}"
    )
    if args.json:
        text = json.dumps(report, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
