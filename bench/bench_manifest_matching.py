"""Matching a manifest's lines to a run's drawings: time for large manifests that match nothing.

Two cases of issue 18's hostile manifests, timed in one run (figures go into bench/RESULTS.md):
10,000 lines (the manifest line limit) against 500 drawings none of them names, and 2,000 lines
whose files are missing from a folder of 500 drawings (the manifest alone names the drawings).

Run: ``.venv/bin/python bench/bench_manifest_matching.py``
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from nestflow.geometry.manifest import MAX_LINES, read_manifest
from nestflow.intake import DrawingLocation, manifest_mismatches

HEADER = "file,quantity,material,thickness,rotations,units\n"
DRAWINGS = 500


def _manifest(folder: Path, lines: int) -> list:
    path = folder / "orders.csv"
    path.write_text(HEADER + "".join(f"line-{i}.dxf,1,S235,3,0,\n" for i in range(lines)))
    return read_manifest(path)


def _timed(label: str, run) -> None:  # noqa: ANN001 - a bench's closure
    start = time.perf_counter()
    problems = run()
    print(f"{label}: {len(problems):,} problems in {time.perf_counter() - start:.2f} s")


def main() -> None:
    """Print the time of each case."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = [f"drawing-{i}.dxf" for i in range(DRAWINGS)]
        for name in names:
            (folder / name).write_text("0\nEOF\n")
        refs = [DrawingLocation(file=n, path=str(folder / n)) for n in names]
        lines = _manifest(folder, MAX_LINES)
        _timed(
            f"{MAX_LINES:,} lines vs {DRAWINGS} drawings, none matching",
            lambda: manifest_mismatches(refs, lines, drawings_given=True),
        )
        missing = _manifest(folder, 2_000)
        alone = [DrawingLocation(file=m.file.name, path=str(m.file)) for m in missing]
        _timed(
            f"2,000 missing files, {DRAWINGS} drawings in the folder",
            lambda: manifest_mismatches(alone, missing, drawings_given=False),
        )


if __name__ == "__main__":
    main()
