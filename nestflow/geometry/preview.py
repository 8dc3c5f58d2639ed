"""PNG previews of nested layouts, drawn straight from the part geometry with matplotlib.

Drawing the polygons ourselves is about six times faster than rendering the layout DXF through
ezdxf's drawing add-on (docs/specs/nesting-and-dxf.md §3.5: 0.40 s against 2.66 s for 1500
parts). Only matplotlib's object API is used (``Figure`` + ``FigureCanvasAgg``), never
``pyplot``, so no global figure state is shared between server threads.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.path import Path as MplPath

from nestflow.geometry.layout import Placement, SheetLayout
from nestflow.geometry.models import Contour, Part

BACKGROUND = "#ffffff"
SHEET_FILL = "#d9dee4"
SHEET_EDGE = "#3c4650"
PART_EDGE = "#1b2631"
MARK_COLOUR = "#1e8449"
OFFCUT_COLOUR = "#c0392b"
#: Part fills, one per distinct part, repeating after ten parts.
PART_FILLS = (
    "#5b8fd1",
    "#e59c4f",
    "#6bbf75",
    "#d66b6b",
    "#9a7fcf",
    "#b58b6b",
    "#e08cc4",
    "#9aa0a6",
    "#c9c45a",
    "#57c0c9",
)

#: matplotlib's FreeType font objects are shared module state and not thread-safe; drawing is
#: serialised so a server may call :func:`render_layout_png` from any number of threads.
_DRAW_LOCK = threading.Lock()

#: Largest gap (in pixels) between a true arc and the chords drawn for it.
_CHORD_PX = 0.5
#: Empty border around the sheet, as a share of its larger side.
_MARGIN = 0.02


def render_layout_png(
    layout: SheetLayout,
    path: Path | str | None = None,
    *,
    dpi: int = 100,
    max_px: int = 1600,
    labels: bool = False,
) -> bytes:
    """Render the layout as a PNG: sheet, parts with their holes, marking, border gap, offcut.

    Args:
        layout: The sheet and its placements.
        path: Also write the PNG there when given.
        dpi: Resolution recorded in the PNG; the pixel size comes from ``max_px``.
        max_px: Pixels along the longer side of the image.
        labels: Write each part's name at its centre (slower for thousands of parts).

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
    fills: dict[str, tuple[float, float, float, float]] = {}
    paths, colours, mark_lines = [], [], []
    for placement in placements:
        part = placement.part
        if part not in rings:
            rings[part] = [_flat(c, chord_tolerance) for c in (part.outer, *part.holes)]
            marks[part] = [_flat(c, chord_tolerance) for c in part.marks]
        paths.append(_compound_path([_place(r, placement) for r in rings[part]]))
        colours.append(
            fills.setdefault(part.name, to_rgba(PART_FILLS[len(fills) % len(PART_FILLS)]))
        )
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
