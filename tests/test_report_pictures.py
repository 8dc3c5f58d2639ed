"""Layout pictures for people: a title line, and on every part its name or its legend number.

What the picture says is read from matplotlib's own records of the figure it prints (the label
collections' texts and offsets, the title text, the legend's texts), and the PNG is checked to
show them (its pixels differ where labels and title are drawn).
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread
from shapely.geometry import Point

from nestflow.geometry.layout import LayoutInfo, Placement, SheetLayout
from nestflow.geometry.models import Contour, Part, Vertex
from nestflow.geometry.preview import (
    LABEL_GID,
    TITLE_GID,
    layout_figure,
    legend_entries,
    render_layout_png,
)
from nestflow.report import LayoutRow, picture_title


def rectangle(width: float, height: float) -> Contour:
    return Contour(
        vertices=(
            Vertex(x=0, y=0),
            Vertex(x=width, y=0),
            Vertex(x=width, y=height),
            Vertex(x=0, y=height),
        )
    )


def ring(outer: float, inner: float) -> Part:
    """A square plate with a square hole as large as most of it: its centre is not the part."""
    gap = (outer - inner) / 2
    hole = Contour(
        vertices=(
            Vertex(x=gap, y=gap),
            Vertex(x=gap, y=gap + inner),
            Vertex(x=gap + inner, y=gap + inner),
            Vertex(x=gap + inner, y=gap),
        )
    )
    return Part(name="frame", source="frame.dxf", outer=rectangle(outer, outer), holes=(hole,))


BIG = Part(name="side_panel", source="side_panel.dxf", outer=rectangle(900, 500))
TINY = Part(name="spacer_washer", source="spacer_washer.dxf", outer=rectangle(15, 15))
TITLE = "A17 \u00b7 S235JR 3 mm \u00b7 sheet 2 of 4, 3000 x 1500 mm"


@pytest.fixture
def layout() -> SheetLayout:
    return SheetLayout(
        name="sheet",
        sheet_length=3000,
        sheet_height=1500,
        used_length=2300,
        placements=(
            Placement(part=BIG, x=50, y=50),
            Placement(part=BIG, angle=90, x=1600, y=50),
            Placement(part=TINY, x=1000, y=60),
            Placement(part=TINY, angle=90, flip=True, x=1050, y=300),
            Placement(part=ring(400, 340), x=1700, y=1000),
        ),
    )


def _labels(fig: Figure) -> list[tuple[str, float, float]]:
    """Every part label the figure draws: its text and where (sheet mm)."""
    found = []
    for collection in fig.axes[0].collections:
        if collection.get_gid() == LABEL_GID:
            found += [(collection.get_label(), x, y) for x, y in collection.get_offsets()]
    return found


def _placed(placement: Placement):
    return placement.placed_part().to_shapely(chord_tolerance=0.5)


def test_every_part_carries_one_label_inside_it(layout: SheetLayout) -> None:
    labels = _labels(layout_figure(layout, labels=True))
    assert len(labels) == len(layout.placements)
    for placement in layout.placements:
        inside = [text for text, x, y in labels if _placed(placement).contains(Point(x, y))]
        assert len(inside) == 1, placement.part.name


def test_a_part_large_enough_carries_its_name(layout: SheetLayout) -> None:
    labels = _labels(layout_figure(layout, labels=True))
    for placement in layout.placements[:2]:  # the panel, lying and standing
        (text,) = [t for t, x, y in labels if _placed(placement).contains(Point(x, y))]
        assert text == "side_panel"


def test_a_tiny_part_carries_its_number_from_the_legend(layout: SheetLayout) -> None:
    fig = layout_figure(layout, labels=True)
    number = {e.name: e.number for e in legend_entries(layout)}["spacer_washer"]
    labels = _labels(fig)
    for placement in layout.placements[2:4]:
        (text,) = [t for t, x, y in labels if _placed(placement).contains(Point(x, y))]
        assert text == str(number)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"{number}  spacer_washer \u00d72" in legend


def test_a_frame_is_labelled_on_its_material_not_in_its_hole(layout: SheetLayout) -> None:
    frame = layout.placements[4]
    (text,) = [t for t, x, y in _labels(layout_figure(layout, labels=True))
               if _placed(frame).contains(Point(x, y))]  # fmt: skip
    assert text == "frame"  # its centre is the hole: the name sits on the 30 mm wide rim


def test_the_picture_has_the_title_line(layout: SheetLayout) -> None:
    fig = layout_figure(layout, labels=True, title=TITLE)
    assert [t.get_text() for t in fig.texts if t.get_gid() == TITLE_GID] == [TITLE]


def _pixels(png: bytes) -> np.ndarray:
    return imread(io.BytesIO(png), format="png")[:, :, :3]


def test_the_png_shows_the_title_above_the_sheet(layout: SheetLayout) -> None:
    plain = _pixels(render_layout_png(layout, max_px=1000))
    titled = _pixels(render_layout_png(layout, max_px=1000, title=TITLE))
    band = titled.shape[0] - plain.shape[0]
    assert band > 10 and titled.shape[1] == plain.shape[1]
    assert (titled[:band].sum(axis=2) < 1.0).sum() > 50  # dark title glyphs on white
    assert np.array_equal(titled[band:], plain)  # the sheet below is the same picture


def test_the_png_shows_the_labels_on_the_parts(layout: SheetLayout) -> None:
    plain = _pixels(render_layout_png(layout, max_px=1000))
    labelled = _pixels(render_layout_png(layout, max_px=1000, labels=True))
    rows, cols = np.nonzero(np.any(plain != labelled, axis=2))
    assert rows.size > 0
    # The big panel lying at (50, 50) spans x 50..950 of a 3000 + 2 x 60 mm wide picture.
    scale = plain.shape[1] / 3120
    inside_panel = (cols > (60 + 50) * scale) & (cols < (60 + 950) * scale)
    assert inside_panel.any()


def _row(quantity: int, info: LayoutInfo | None = None) -> LayoutRow:
    return LayoutRow(
        engine="local",
        layout_id=f"local-{quantity}",
        name="layout",
        sheet="3000 x 1500",
        sheet_length=3000,
        sheet_height=1500,
        quantity=quantity,
        used_length=3000,
        parts=1,
        parts_area=1.0,
        info=info,
    )


INFO = LayoutInfo(job="A17", material="S235JR", thickness=3, gas="O2", sheet="3000 x 1500")


def test_the_title_names_job_material_thickness_which_sheet_and_its_format() -> None:
    rows = [_row(1, INFO), _row(1, INFO), _row(2, INFO)]
    assert picture_title(rows, 1) == "A17 \u00b7 S235JR 3 mm \u00b7 sheet 2 of 4, 3000 x 1500 mm"
    assert picture_title(rows, 2).endswith("sheets 3-4 of 4, 3000 x 1500 mm")


def test_a_layout_without_info_is_titled_from_the_run() -> None:
    rows = [_row(3)]
    title = picture_title(rows, 0, job="A17", material="S235JR 3 mm")
    assert title == "A17 \u00b7 S235JR 3 mm \u00b7 sheets 1-3 of 3, 3000 x 1500 mm"
