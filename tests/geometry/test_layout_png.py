"""The layout preview: a real PNG of the sheet, with parts drawn as filled shapes and holes open."""

import io
import struct
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.image import imread

from nestflow.geometry.layout import Placement, SheetLayout
from nestflow.geometry.models import Part
from nestflow.geometry.preview import OFFCUT_COLOUR, SHEET_FILL, part_colour, render_layout_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk."""
    return struct.unpack(">II", png[16:24])


def _pixels(png: bytes) -> np.ndarray:
    return imread(io.BytesIO(png), format="png")


def _is(colour: np.ndarray, name: str) -> bool:
    return bool(np.allclose(colour[:3], to_rgba(name)[:3], atol=1.5 / 255))


def test_output_is_a_png(mixed_layout: SheetLayout) -> None:
    png = render_layout_png(mixed_layout)
    assert png.startswith(PNG_SIGNATURE)
    assert _pixels(png).shape[2] in (3, 4)


def test_longer_side_gets_max_px_and_aspect_follows_the_sheet() -> None:
    layout = SheetLayout(name="s", sheet_length=3000, sheet_height=1500)
    width, height = _size(render_layout_png(layout, max_px=1200))
    assert width == 1200
    assert 0.5 < height / width < 0.55  # 1500 x 3000 plus the same margin on every side


def test_hole_shows_the_sheet_through(ring_layout: SheetLayout) -> None:
    image = _pixels(render_layout_png(ring_layout, max_px=600))
    rows, cols = image.shape[:2]
    centre_row = image[rows // 2]
    assert _is(centre_row[cols // 2], SHEET_FILL)
    assert any(_is(px, part_colour("ring")) for px in centre_row)


def test_flipped_part_keeps_its_hole_open(ring_part: Part) -> None:
    layout = SheetLayout(
        name="ring",
        sheet_length=500,
        sheet_height=400,
        placements=(Placement(part=ring_part, angle=180, flip=True, x=450, y=50),),
    )
    image = _pixels(render_layout_png(layout, max_px=600))
    rows, cols = image.shape[:2]
    assert _is(image[rows // 2, cols // 2], SHEET_FILL)


def _offcut_columns(image: np.ndarray) -> np.ndarray:
    """Columns holding offcut-coloured pixels (antialiased, so matched by hue, not exactly)."""
    red, green = to_rgba(OFFCUT_COLOUR)[:2]
    reddish = (image[:, :, 0] - image[:, :, 1]) > (red - green) / 2
    return np.unique(np.nonzero(reddish)[1])


def test_offcut_line_is_drawn_at_the_used_length(ring_layout: SheetLayout) -> None:
    image = _pixels(render_layout_png(ring_layout, max_px=600))
    columns = _offcut_columns(image)
    width = image.shape[1]
    # x = 480 on a 500 long sheet with equal margins left and right.
    assert columns.size and columns.max() - columns.min() <= 4
    assert abs(columns.mean() / width - (480 + 10) / 520) < 0.01


def test_no_offcut_line_when_used_length_unknown(ring_layout: SheetLayout) -> None:
    layout = ring_layout.model_copy(update={"used_length": None})
    assert _offcut_columns(_pixels(render_layout_png(layout, max_px=600))).size == 0


def test_path_receives_the_same_bytes(mixed_layout: SheetLayout, tmp_path) -> None:
    target = tmp_path / "sheet.png"
    png = render_layout_png(mixed_layout, target, labels=True)
    assert target.read_bytes() == png


def test_labels_add_text_to_the_picture(mixed_layout: SheetLayout) -> None:
    plain = _pixels(render_layout_png(mixed_layout, max_px=800))
    labelled = _pixels(render_layout_png(mixed_layout, max_px=800, labels=True))
    assert plain.shape == labelled.shape
    assert not np.array_equal(plain, labelled)


def test_concurrent_renders_match_a_serial_render(mixed_layout: SheetLayout) -> None:
    serial = render_layout_png(mixed_layout, max_px=800, labels=True)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda _: render_layout_png(mixed_layout, max_px=800, labels=True), range(8))
        )
    assert all(r == serial for r in results)


def test_empty_sheet_renders(mixed_layout: SheetLayout) -> None:
    empty = mixed_layout.model_copy(update={"placements": ()})
    image = _pixels(render_layout_png(empty, max_px=400))
    rows, cols = image.shape[:2]
    assert _is(image[rows // 2, cols // 2], SHEET_FILL)
