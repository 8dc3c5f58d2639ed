"""Render and DXF-write time of a 1500-part layout (brackets with R10 corners, a hole, a slot).

Run: ``.venv/bin/python bench/bench_render.py``. Prints the median of three runs per output.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

from nestflow.geometry.layout import Placement, SheetLayout, write_layout_dxf
from nestflow.geometry.models import Contour, Part, Vertex
from nestflow.geometry.preview import render_layout_png

QUARTER = math.tan(math.pi / 8)
TITLE = "A17 \u00b7 S235JR 3 mm \u00b7 sheet 1 of 1, 9510 x 3910 mm"
PARTS = 1500
COLUMNS = 50


def contour(*pts: tuple[float, float, float], closed: bool = True) -> Contour:
    return Contour(vertices=tuple(Vertex(x=x, y=y, bulge=b) for x, y, b in pts), closed=closed)


def bracket() -> Part:
    outer = contour(
        (10, 0, 0), (170, 0, QUARTER), (180, 10, 0), (180, 110, QUARTER),
        (170, 120, 0), (10, 120, QUARTER), (0, 110, 0), (0, 10, QUARTER),
    )  # fmt: skip
    hole = contour((18.5, 25, -1), (31.5, 25, -1))
    slot = contour((75, 80, 0), (105, 80, 1), (105, 90, 0), (75, 90, 1)).oriented(ccw=False)
    mark = contour((60, 40, 0), (120, 40, 0), closed=False)
    return Part(name="bracket", source="b.dxf", outer=outer, holes=(hole, slot), marks=(mark,))


def layout() -> SheetLayout:
    part = bracket()
    placements = tuple(
        Placement(
            part=part,
            angle=180 * (i % 2),
            flip=i % 3 == 0,
            x=190 * (i % COLUMNS) + (180 if i % 2 else 0),
            y=130 * (i // COLUMNS) + (120 if i % 2 else 0),
        )
        for i in range(PARTS)
    )
    return SheetLayout(
        name="bench",
        sheet_length=190 * COLUMNS + 10,
        sheet_height=130 * (PARTS // COLUMNS) + 10,
        used_length=190 * COLUMNS,
        placements=placements,
    )


def main() -> None:
    lay = layout()
    cases: list[tuple[str, Callable[[], bytes]]] = [
        ("png 1600px", lambda: render_layout_png(lay)),
        ("png 1600px labels", lambda: render_layout_png(lay, labels=True)),
        # What a run writes since issue 19: every part labelled, a title line.
        ("png 1600px run", lambda: render_layout_png(lay, labels=True, title=TITLE)),
        ("png 3000px", lambda: render_layout_png(lay, max_px=3000)),
        ("dxf exploded", lambda: write_layout_dxf(lay)),
        ("dxf blocks", lambda: write_layout_dxf(lay, mode="blocks")),
    ]
    for label, fn in cases:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"{label:20s} {PARTS} parts: median {median:.3f} s, {len(out) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
