"""How fast the command line answers: help, refused input, and a one-drawing local quote.

Run: ``.venv/bin/python bench/bench_cli.py [--repeat 3] [--before /tmp/before]``

Each case is a fresh ``nestflow`` process (wall time, best of ``--repeat``):

* ``python -c pass`` and ``import cli.app``: the interpreter, and the command line's imports;
* ``nestflow --help``, ``nestflow run --help``;
* a refused flag value (``run quote --job j --units furlongs``) and a refused path
  (``run quote --job j --drawings nowhere.dxf``);
* a one-drawing local quote (``run quote --job bench-cli --drawings examples/bracket.dxf
  --engines local --time 1``) against a Prefect of its own: first in a fresh ``PREFECT_HOME``
  (a new server and database, as on a first run), then ``--repeat`` times more in the same home
  (best of), broken down: the interpreter and the imports a quote needs (timed alone,
  :data:`RUN_IMPORTS`), the Prefect server's start and the block checks (the rest of the time
  to the log's "Beginning flow run"; where the flows are imported while the server starts, the
  two overlap and this split is an estimate), the flow (to its "Finished in state"), and the
  rest (the summary, the server's stop). The solver alone is timed in this process on
  the same drawing and settings (``LocalEngine``): what of the quote is not the solver.

``--before PATH`` runs the same cases against another checkout of nestflow (e.g.
``git worktree add /tmp/before <commit>``) with this venv, through ``PYTHONPATH``, and prints the
ratio before/after. The machine is shared: run it quiet, and read best-of figures.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = "import sys; from nestflow.cli.app import main; sys.exit(main())"
QUOTE = [
    "run", "quote", "--job", "bench-cli", "--drawings", "examples/bracket.dxf",
    "--engines", "local", "--time", "1",
]  # fmt: skip
#: What a quote imports besides (in both checkouts): Prefect configured, the flows, the runner.
RUN_IMPORTS = (
    "import nestflow.cli.app, nestflow.cli.runner, nestflow.cli.terminal, prefect.main, "
    "nestflow.flows.quote, nestflow.flows.nest_to_cnc"
)
#: Case name -> the python arguments (a command line case starts the CLI with its arguments).
CASES: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "import nestflow.cli.app": ["-c", "import nestflow.cli.app"],
    "imports a quote needs": ["-c", RUN_IMPORTS],
    "nestflow --help": ["-c", CLI, "--help"],
    "nestflow run --help": ["-c", CLI, "run", "--help"],
    "refused flag": ["-c", CLI, "run", "quote", "--job", "j", "--units", "furlongs"],
    "refused path": ["-c", CLI, "run", "quote", "--job", "j", "--drawings", "nowhere.dxf"],
}
_STAMP = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) \|")
_MARKS = {
    "flow": re.compile(r"Flow run .* - Beginning flow run"),
    "done": re.compile(r"Flow run .* - Finished in state"),
}


def _environment(tree: Path, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env["PREFECT_HOME"] = str(home / "prefect")
    env["NESTFLOW_LOG_DIR"] = str(home / "logs")
    # A first start migrates a new database; on a loaded machine 20 s is not enough, and a
    # start that times out measures nothing.
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
    return env


def _run(
    tree: Path, args: list[str], home: Path, cwd: Path | None = None
) -> tuple[float, float, str, int]:
    """Start time (epoch), wall seconds, the process's stderr, and its exit code."""
    started, start = time.time(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args],
        cwd=cwd or tree,
        env=_environment(tree, home),
        capture_output=True,
        text=True,
        check=False,
    )
    return started, time.perf_counter() - start, done.stderr, done.returncode


def _stamp(line: str, day: datetime) -> float | None:
    match = _STAMP.match(line)
    if match is None:
        return None
    hours, minutes, seconds, millis = (int(g) for g in match.groups())
    moment = day.replace(hour=hours, minute=minutes, second=seconds, microsecond=millis * 1000)
    return moment.timestamp()


def _marks(text: str, started: float) -> dict[str, float]:
    """Seconds from the process's start to each marked log line (first occurrence)."""
    day = datetime.fromtimestamp(started)
    found: dict[str, float] = {}
    for line in text.splitlines():
        for name, pattern in _MARKS.items():
            if name not in found and pattern.search(line):
                stamp = _stamp(line, day)
                if stamp is not None:
                    found[name] = stamp - started
    return found


def _quote(tree: Path, home: Path) -> dict[str, float]:
    """One quote's wall time and the seconds to its marked log lines (see the module)."""
    for old_log in home.glob("logs/*.log"):
        old_log.unlink()
    # Run in the home, which holds the drawing: the quote's outputs (./out) stay out of the tree.
    work = home / "work"
    (work / "examples").mkdir(parents=True, exist_ok=True)
    shutil.copy(tree / "examples" / "bracket.dxf", work / "examples" / "bracket.dxf")
    started, wall, stderr, code = _run(tree, ["-c", CLI, *QUOTE], home, cwd=work)
    if code != 0:
        raise SystemExit(f"the quote failed in {tree} (exit {code}):\n{stderr[-3000:]}")
    logs = "".join(p.read_text(encoding="utf-8") for p in home.glob("logs/*.log"))
    return {"wall": wall, **_marks(stderr + "\n" + logs, started)}


def quotes(tree: Path, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """The first quote in a new Prefect home, and the best of ``repeat`` more in the same home."""
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as folder:
        first = _quote(tree, Path(folder))
        again = min((_quote(tree, Path(folder)) for _ in range(repeat)), key=lambda q: q["wall"])
    return first, again


def solver_seconds(repeat: int) -> float:
    """The local solver alone on examples/bracket.dxf, as the quote runs it (best of runs)."""
    from nestflow.blocks.settings import SheetFormat
    from nestflow.engines import EngineSettings, PartOrder
    from nestflow.engines.local import start_solve
    from nestflow.geometry.reader import read_drawing

    parts = read_drawing(ROOT / "examples" / "bracket.dxf")
    lines = [PartOrder(part=part, quantity=1) for part in parts]
    sheets = [SheetFormat()]  # the quote's default sheet
    settings = EngineSettings(time_s=1.0, spacing=5.0)
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        run = start_solve(lines, sheets, settings)
        run.wait_for_completion(120.0)
        run.fetch_result()
        best = min(best, time.perf_counter() - start)
    return best


def measure(tree: Path, repeat: int) -> dict[str, float]:
    """Best wall seconds of every case in ``tree``, and the quote's phases."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as folder:
        for name, args in CASES.items():
            figures[name] = min(_run(tree, args, Path(folder))[1] for _ in range(repeat))
    first, again = quotes(tree, repeat)
    figures["first quote (new Prefect database)"] = first["wall"]
    figures["one-drawing local quote"] = again["wall"]
    if "flow" in again and "done" in again:
        imports = figures["imports a quote needs"]
        figures["  quote: interpreter + imports"] = imports
        figures["  quote: Prefect server start + checks"] = again["flow"] - imports
        figures["  quote: flow"] = again["done"] - again["flow"]
        figures["  quote: summary + server stop"] = again["wall"] - again["done"]
    return figures


def main() -> None:
    """Measure this checkout (and ``--before``'s) and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout to compare with")
    options = parser.parse_args()
    after = measure(ROOT, options.repeat)
    before = measure(options.before.resolve(), options.repeat) if options.before else {}
    solver = solver_seconds(options.repeat)
    after["  quote: solver alone (in process)"] = solver
    if before:
        before["  quote: solver alone (in process)"] = solver
    print(f"load average {os.getloadavg()[0]:.2f}; best of {options.repeat}; wall seconds")
    header = f"{'case':<40} {'before':>8} {'after':>8} {'before/after':>13}"
    print(header if before else f"{'case':<40} {'after':>8}")
    names = list(after) + [name for name in before if name not in after]
    for name in names:
        seconds = after.get(name, math.nan)
        if before:
            was = before.get(name, math.nan)
            ratio = was / seconds if seconds > 0 else math.nan
            print(f"{name:<40} {was:>8.2f} {seconds:>8.2f} {ratio:>13.2f}")
        else:
            print(f"{name:<40} {seconds:>8.2f}")


if __name__ == "__main__":
    main()
