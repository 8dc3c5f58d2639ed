"""DXF reader throughput, peak memory, and cost relative to a bare ``ezdxf.readfile``.

Run: ``.venv/bin/python bench/bench_read.py [--parts 5000] [--repeat 3]``

Two workloads:

* ``examples/``: the shipped example drawings read as a batch (generated into a temporary
  folder by ``examples/generate.py`` when the folder holds none);
* one generated drawing with ``--parts`` brackets in a single modelspace (``split_outlines`` on):
  4 of 5 brackets are a bulged LWPOLYLINE with two CIRCLE holes and an obround slot, every 5th is
  drawn as loose LINE and ARC edges (so edge chaining is measured too).

Timings are the best of ``--repeat`` runs (the machine is shared). "extract" is
``read_document`` on an already parsed document: the reader's own work. "read" is the whole
``read_drawing`` (``ezdxf.recover`` parse included). Peak Python memory comes from a separate
``tracemalloc`` run (tracing slows the run, so it is not timed); max RSS is the process's peak.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import math
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import ezdxf
from ezdxf import recover

from nestflow.geometry.reader import read_batch, read_document, read_drawing

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
QUARTER = math.tan(math.pi / 8)


class Timing(NamedTuple):
    """Best wall-clock and best CPU seconds of several runs."""

    wall: float
    cpu: float


def best_of(repeat: int, run: Callable[[], object]) -> tuple[Timing, object]:
    """Smallest wall and CPU times of ``repeat`` runs, and the last result.

    CPU time (this process only) is what the ratios use: on a shared machine the wall clock also
    counts other processes' work.
    """
    wall, cpu, result = math.inf, math.inf, None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = run()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return Timing(wall, cpu), result


def peak_python_mib(run: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def max_rss_mib() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def example_folder(tmp: Path) -> Path:
    if any(EXAMPLES.glob("*.dxf")):
        return EXAMPLES
    spec = importlib.util.spec_from_file_location("examples_generate", EXAMPLES / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generator.generate(tmp)
    return tmp


def bracket_polyline(msp, x: float, y: float) -> None:
    """110 x 60 bracket, R10 corners, two D12 holes, a 30 x 10 obround slot."""
    r = 10
    msp.add_lwpolyline(
        [
            (x + r, y, 0),
            (x + 110 - r, y, QUARTER),
            (x + 110, y + r, 0),
            (x + 110, y + 60 - r, QUARTER),
            (x + 110 - r, y + 60, 0),
            (x + r, y + 60, QUARTER),
            (x, y + 60 - r, 0),
            (x, y + r, QUARTER),
        ],
        format="xyb",
        close=True,
    )
    msp.add_circle((x + 20, y + 30), 6)
    msp.add_circle((x + 90, y + 30), 6)
    msp.add_lwpolyline(
        [(x + 45, y + 25, 0), (x + 65, y + 25, 1), (x + 65, y + 35, 0), (x + 45, y + 35, 1)],
        format="xyb",
        close=True,
    )


def bracket_edges(msp, x: float, y: float) -> None:
    """The same bracket outline as loose LINE and ARC entities (some lines drawn backwards)."""
    r = 10
    msp.add_line((x + r, y), (x + 110 - r, y))
    msp.add_arc((x + 110 - r, y + r), r, 270, 360)
    msp.add_line((x + 110, y + 60 - r), (x + 110, y + r))  # backwards
    msp.add_arc((x + 110 - r, y + 60 - r), r, 0, 90)
    msp.add_line((x + 110 - r, y + 60), (x + r, y + 60))
    msp.add_arc((x + r, y + 60 - r), r, 90, 180)
    msp.add_line((x, y + r), (x, y + 60 - r))  # backwards
    msp.add_arc((x + r, y + r), r, 180, 270)
    msp.add_circle((x + 20, y + 30), 6)
    msp.add_circle((x + 90, y + 30), 6)


def big_drawing(path: Path, parts: int) -> None:
    doc = ezdxf.new("R2010", units=ezdxf.units.MM)
    msp = doc.modelspace()
    columns = math.ceil(math.sqrt(parts))
    for k in range(parts):
        x, y = (k % columns) * 130.0, (k // columns) * 80.0
        (bracket_edges if k % 5 == 4 else bracket_polyline)(msp, x, y)
    doc.saveas(path)


def row(workload: str, parts: int, failures: int, t: Timing, peak: float) -> dict[str, str]:
    return {
        "workload": workload,
        "parts": str(parts),
        "failures": str(failures),
        "wall s": f"{t.wall:.3f}",
        "cpu s": f"{t.cpu:.3f}",
        "parts/s (wall)": f"{parts / t.wall:,.0f}",
        "parts/s (cpu)": f"{parts / t.cpu:,.0f}",
        "peak py MiB": f"{peak:.1f}",
    }


def bench_examples(folder: Path, repeat: int) -> dict[str, str]:
    timing, result = best_of(repeat, lambda: read_batch([folder]))
    files = len(list(folder.glob("*.dxf")))
    peak = peak_python_mib(lambda: read_batch([folder]))
    workload = f"examples/ ({files} files)"
    return row(workload, len(result.parts), len(result.failures), timing, peak)


def bench_big(path: Path, repeat: int) -> tuple[dict[str, str], dict[str, Timing]]:
    data = path.read_bytes()
    t_readfile, _ = best_of(repeat, lambda: ezdxf.readfile(path))
    t_recover, (doc, _) = best_of(repeat, lambda: recover.read(io.BytesIO(data)))
    t_extract, parts = best_of(repeat, lambda: read_document(doc, name=path.name))
    t_read, parts = best_of(repeat, lambda: read_drawing(path))
    peak = peak_python_mib(lambda: read_drawing(path))
    workload = f"{path.name} ({len(data) / 2**20:.1f} MiB)"
    times = {
        "ezdxf.readfile": t_readfile,
        "ezdxf.recover.read": t_recover,
        "extract (read_document)": t_extract,
        "read_drawing (parse + extract)": t_read,
    }
    return row(workload, len(parts), 0, t_read, peak), times


def print_table(rows: list[dict[str, str]]) -> None:
    headers = list(rows[0])
    widths = [max(len(h), *(len(r[h]) for r in rows)) for h in headers]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(row[h].ljust(w) for h, w in zip(headers, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=5000, help="brackets in the big drawing")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best is kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        big = tmp_path / f"brackets_{args.parts}.dxf"
        big_drawing(big, args.parts)
        rows = [bench_examples(example_folder(tmp_path / "examples"), args.repeat)]
        big_row, times = bench_big(big, args.repeat)
        rows.append(big_row)
    print_table(rows)
    print()
    base = times["ezdxf.readfile"]
    print(f"{'same file, best of ' + str(args.repeat):<34} {'wall s':>8} {'cpu s':>8}  cpu ratio")
    for label, t in times.items():
        print(f"{label:<34} {t.wall:8.3f} {t.cpu:8.3f}  {t.cpu / base.cpu:5.2f} x ezdxf.readfile")
    print(f"{'max RSS of this process':<34} {max_rss_mib():8.1f} MiB")


if __name__ == "__main__":
    main()
