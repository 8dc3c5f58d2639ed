"""PNG previews of nested layouts, drawn straight from the part geometry with matplotlib.

Drawing the polygons ourselves is about six times faster than rendering the layout DXF through
ezdxf's drawing add-on (docs/specs/nesting-and-dxf.md §3.5: 0.40 s against 2.66 s for 1500
parts). Only matplotlib's object API is used (``Figure`` + ``FigureCanvasAgg``), never
``pyplot``, so no global figure state is shared between server threads.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import threading
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path as MplPath

from nestflow.geometry.layout import Placement, SheetLayout
from nestflow.geometry.models import Contour, Part

BACKGROUND = "#ffffff"
SHEET_FILL = "#d9dee4"
SHEET_EDGE = "#3c4650"
PART_EDGE = "#1b2631"
MARK_COLOUR = "#1e8449"
OFFCUT_COLOUR = "#c0392b"

#: matplotlib's FreeType font objects are shared module state and not thread-safe; drawing is
#: serialised so a server may call :func:`render_layout_png` from any number of threads.
_DRAW_LOCK = threading.Lock()

#: Largest gap (in pixels) between a true arc and the chords drawn for it.
_CHORD_PX = 0.5
#: Empty border around the sheet, as a share of its larger side.
_MARGIN = 0.02
#: Hues (as a share of the colour circle) part fills may take: yellow through green and blue to
#: violet. Reds, oranges and magentas are left out, so no part can be taken for the red offcut line.
_HUE_RANGE = (0.14, 0.72)


class LegendEntry(NamedTuple):
    """One line of the PNG legend: a part name, its fill and how often it lies on this sheet."""

    name: str
    colour: str
    count: int


def part_colour(name: str) -> str:
    """The fill of a part, as ``#rrggbb``, from a hash of its name alone.

    The same name gets the same colour on every sheet of every run (``hash()`` is salted per
    process, so sha256 is used), which lets an operator follow a part across sheets.
    """
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    low, high = _HUE_RANGE
    hue = low + (high - low) * int.from_bytes(digest[:4], "big") / 2**32
    # Saturation and value vary a little too, so that names with close hues still differ.
    saturation = 0.40 + 0.25 * digest[4] / 255
    value = 0.72 + 0.20 * digest[5] / 255
    red, green, blue = colorsys.hsv_to_rgb(hue, saturation, value)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def legend_entries(layout: SheetLayout) -> list[LegendEntry]:
    """Every distinct part name on the sheet with its colour and count, sorted by name."""
    counts = Counter(p.part.name for p in layout.placements)
    return [LegendEntry(name, part_colour(name), counts[name]) for name in sorted(counts)]


def render_layout_png(
    layout: SheetLayout,
    path: Path | str | None = None,
    *,
    dpi: int = 100,
    max_px: int = 1600,
    labels: bool = False,
    legend: bool = True,
) -> bytes:
    """Render the layout as a PNG: sheet, parts with their holes, marking, border gap, offcut.

    Args:
        layout: The sheet and its placements.
        path: Also write the PNG there when given.
        dpi: Resolution recorded in the PNG; the pixel size comes from ``max_px``.
        max_px: Pixels along the longer side of the image.
        labels: Write each part's name at its centre (slower for thousands of parts).
        legend: Draw the legend (part name, colour, count on this sheet) in the upper right
            corner; nothing is drawn for an empty sheet.

    Returns:
        The PNG bytes.
    """
    extent = max(layout.sheet_length, layout.sheet_height) * (1.0 + 2.0 * _MARGIN)
    px_per_mm = max_px / extent
    fig = _figure(layout, px_per_mm, dpi)
    ax = fig.axes[0]
    _draw_sheet(ax, layout)
    _draw_parts(ax, layout.placements, chord_tolerance=_CHORD_PX / px_per_mm)
    if labels:
        _draw_labels(ax, layout.placements, font_px=max(6.0, min(14.0, 25.0 * px_per_mm)))
    if legend:
        _draw_legend(ax, legend_entries(layout), font_px=max(8.0, min(14.0, max_px / 110.0)))
    buffer = io.BytesIO()
    with _DRAW_LOCK:
        fig.canvas.print_png(buffer)
    data = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _figure(layout: SheetLayout, px_per_mm: float, dpi: int) -> Figure:
    """A figure whose one axes maps sheet plus margin onto the whole image, 1:1 in x and y."""
    margin = _MARGIN * max(layout.sheet_length, layout.sheet_height)
    width_mm = layout.sheet_length + 2.0 * margin
    height_mm = layout.sheet_height + 2.0 * margin
    width_px = max(16, round(width_mm * px_per_mm))
    height_px = max(16, round(height_mm * px_per_mm))
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(-margin, layout.sheet_length + margin)
    ax.set_ylim(-margin, layout.sheet_height + margin)
    ax.set_axis_off()
    return fig


def _draw_sheet(ax: Axes, layout: SheetLayout) -> None:
    length, height = layout.sheet_length, layout.sheet_height
    ax.add_patch(
        Rectangle((0.0, 0.0), length, height, facecolor=SHEET_FILL, edgecolor=SHEET_EDGE, lw=1.0)
    )
    left, right, bottom, top = layout.border_gap
    if any(layout.border_gap):
        ax.add_patch(
            Rectangle(
                (left, bottom),
                length - left - right,
                height - bottom - top,
                fill=False,
                edgecolor=SHEET_EDGE,
                lw=0.6,
                ls=(0, (4, 3)),
            )
        )
    if layout.used_length is not None:
        ax.plot(
            [layout.used_length, layout.used_length],
            [0.0, height],
            color=OFFCUT_COLOUR,
            lw=1.4,
            ls=(0, (6, 3)),
        )


def _draw_parts(ax: Axes, placements: tuple[Placement, ...], chord_tolerance: float) -> None:
    """All parts as one PathCollection; each part is one compound path, its holes wound opposite.

    Each distinct part is flattened once in its own coordinates; placements only move the points.
    """
    rings: dict[Part, list[np.ndarray]] = {}
    marks: dict[Part, list[np.ndarray]] = {}
    fills: dict[str, tuple[float, float, float, float]] = {}  # one hash per name, not per part
    paths, colours, mark_lines = [], [], []
    for placement in placements:
        part = placement.part
        if part not in rings:
            rings[part] = [_flat(c, chord_tolerance) for c in (part.outer, *part.holes)]
            marks[part] = [_flat(c, chord_tolerance) for c in part.marks]
        paths.append(_compound_path([_place(r, placement) for r in rings[part]]))
        if part.name not in fills:
            fills[part.name] = to_rgba(part_colour(part.name))
        colours.append(fills[part.name])
        mark_lines.extend(_place(m, placement) for m in marks[part])
    ax.add_collection(
        PathCollection(paths, facecolors=colours, edgecolors=PART_EDGE, linewidths=0.5)
    )
    if mark_lines:
        ax.add_collection(LineCollection(mark_lines, colors=MARK_COLOUR, linewidths=0.6))


def _flat(contour: Contour, chord_tolerance: float) -> np.ndarray:
    """The contour as an (n, 2) point array; a closed contour repeats its first point at the end."""
    points = contour.points(chord_tolerance)
    if contour.closed:
        points.append(points[0])
    return np.asarray(points, dtype=float)


def _place(points: np.ndarray, placement: Placement) -> np.ndarray:
    """Apply the placement rule (rotate about (0, 0), mirror about x, translate) to points."""
    angle = np.radians(placement.angle)
    c, s = np.cos(angle), np.sin(angle)
    x = points[:, 0] * c - points[:, 1] * s
    y = points[:, 0] * s + points[:, 1] * c
    if placement.flip:
        y = -y
    return np.column_stack((x + placement.x, y + placement.y))


def _compound_path(rings: list[np.ndarray]) -> MplPath:
    """One path of several closed rings (outer then holes) filled by the non-zero winding rule."""
    codes = []
    for ring in rings:
        ring_codes = np.full(len(ring), MplPath.LINETO, dtype=MplPath.code_type)
        ring_codes[0] = MplPath.MOVETO
        ring_codes[-1] = MplPath.CLOSEPOLY
        codes.append(ring_codes)
    return MplPath(np.concatenate(rings), np.concatenate(codes))


def _draw_labels(ax: Axes, placements: tuple[Placement, ...], font_px: float) -> None:
    """Each part's name at a point inside it (found once per distinct part, then placed)."""
    font_pt = font_px * 72.0 / ax.figure.dpi
    anchors: dict[Part, np.ndarray] = {}
    for placement in placements:
        part = placement.part
        if part not in anchors:
            inside = part.to_shapely(chord_tolerance=1.0).representative_point()
            anchors[part] = np.array([[inside.x, inside.y]])
        ((x, y),) = _place(anchors[part], placement)
        ax.text(
            x,
            y,
            part.name,
            fontsize=font_pt,
            ha="center",
            va="center",
            color=PART_EDGE,
            clip_on=True,
        )


def _draw_legend(ax: Axes, entries: list[LegendEntry], font_px: float) -> None:
    """A swatch, the part name and its count on this sheet per entry, over the upper right corner.

    Drawn inside the picture (half-transparent frame) so the image keeps the sheet's size and
    aspect; long lists wrap into more columns instead of running off the picture.
    """
    if not entries:
        return
    handles = [
        Patch(
            facecolor=e.colour,
            edgecolor=PART_EDGE,
            linewidth=0.5,
            label=f"{e.name} \u00d7{e.count}",
        )
        for e in entries
    ]
    ax.legend(
        handles=handles,
        loc="upper right",
        ncols=1 + (len(entries) - 1) // 20,
        fontsize=font_px * 72.0 / ax.figure.dpi,
        framealpha=0.85,
        borderaxespad=0.3,
    )
