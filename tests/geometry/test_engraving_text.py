"""Engraving text (TEXT/MTEXT on a marking layer) travels with its part, readable, to the layout."""

import io
from pathlib import Path

import ezdxf
import pytest
from ezdxf.document import Drawing
from ezdxf.enums import MTextEntityAlignment, TextEntityAlignment

from nestflow.gate import layout_outlines
from nestflow.geometry.errors import BadCoordinate
from nestflow.geometry.inspect import part_record
from nestflow.geometry.layout import SheetLayout, write_layout_dxf
from nestflow.geometry.models import MarkText, Part
from nestflow.geometry.reader import read_drawing
from tests.geometry.conftest import ENGRAVING

# ------------------------------------------------------------------------------ helpers


def _plate(doc: Drawing, x: float = 0.0, y: float = 0.0) -> None:
    """A 200 x 100 plate on the cut layer ``0`` with its corner at (x, y)."""
    doc.modelspace().add_lwpolyline(
        [(x, y), (x + 200, y), (x + 200, y + 100), (x, y + 100)], close=True
    )


def _text(doc: Drawing, layer: str, point: tuple[float, float], **attribs: float) -> None:
    doc.modelspace().add_text(
        ENGRAVING, height=5, dxfattribs={"layer": layer, **attribs}
    ).set_placement(point)


def _only_text(part: Part) -> MarkText:
    (text,) = part.mark_texts
    return text


def _placement(text: MarkText) -> tuple[str, str, float, float, float, float]:
    """What a test checks of a mark text: content, alignment, x, y, height, rotation."""
    align = f"{text.halign}/{text.valign}"
    return text.text, align, text.x, text.y, text.height, text.rotation % 360.0


def _read(data: bytes) -> Drawing:
    return ezdxf.read(io.StringIO(data.decode("utf-8")))


def _written_texts(data: bytes) -> list[tuple[str, str, float, float, float, float]]:
    """Each TEXT on the MARK layer as (content, alignment, x, y in sheet mm, height, rotation)."""
    found = []
    for entity in _read(data).modelspace().query('TEXT[layer=="MARK"]'):
        align, point, _ = entity.get_placement()
        found.append(
            (entity.dxf.text, align.name, point.x, point.y, entity.dxf.height, entity.dxf.rotation)
        )
    return found


# ------------------------------------------------------------------------------ reading


def test_text_on_a_marking_layer_becomes_a_mark_text_of_its_part(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        _text(doc, "ETCH", (20, 30))

    (part,) = read_drawing(make_dxf(draw))
    assert _placement(_only_text(part)) == (ENGRAVING, "left/baseline", 20, 30, 5, 0)
    assert not any("TEXT" in w for w in part.warnings)  # kept, so not reported as ignored


def test_mtext_on_a_marking_layer_keeps_its_plain_text(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        doc.modelspace().add_mtext(
            r"{\fArial|b1;P-1001} \LREV\l B", dxfattribs={"layer": "MARK", "char_height": 4}
        ).set_location((100, 50), attachment_point=MTextEntityAlignment.MIDDLE_CENTER)

    (part,) = read_drawing(make_dxf(draw))
    assert _placement(_only_text(part)) == (ENGRAVING, "center/middle", 100, 50, 4, 0)


def test_multiline_mtext_gives_one_mark_text_per_line(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        doc.modelspace().add_mtext(
            r"P-1001\PREV B", dxfattribs={"layer": "ENGRAVE", "char_height": 6}
        ).set_location((10, 90), attachment_point=MTextEntityAlignment.TOP_LEFT)

    (part,) = read_drawing(make_dxf(draw))
    # MTEXT's default line spacing is 5/3 of the text height: 10 mm here.
    assert [_placement(t) for t in part.mark_texts] == [
        ("P-1001", "left/top", 10, 90, 6, 0),
        ("REV B", "left/top", 10, 80, 6, 0),
    ]


def test_text_on_a_non_marking_layer_stays_ignored(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        _text(doc, "TEXT", (20, 30))
        _text(doc, "DIM", (20, 60))
        doc.modelspace().add_mtext("NOTE", dxfattribs={"layer": "TEXT"}).set_location((50, 50))

    (part,) = read_drawing(make_dxf(draw))
    assert part.mark_texts == ()
    assert part.warnings == ()


def test_text_in_a_rotated_scaled_block_moves_like_the_block_geometry(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        block = doc.blocks.new("TAG")
        block.add_lwpolyline([(0, 0), (20, 0), (20, 10), (0, 10)], close=True)
        block.add_text("T1", height=2, dxfattribs={"layer": "ETCH"}).set_placement(
            (2, 3), align=TextEntityAlignment.BOTTOM_LEFT
        )
        doc.modelspace().add_blockref(
            "TAG", (100, 50), dxfattribs={"rotation": 90, "xscale": 2, "yscale": 2}
        )

    (part,) = read_drawing(make_dxf(draw))
    # (2, 3) scaled by 2 is (4, 6), turned 90° CCW is (-6, 4), moved to the insert: (94, 54).
    assert _placement(_only_text(part)) == pytest.approx(("T1", "left/bottom", 94, 54, 4, 90))
    assert (part.bbox.min_x, part.bbox.min_y) == pytest.approx((80, 50))  # the geometry, same map


def test_text_in_a_mirrored_block_stays_readable(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        block = doc.blocks.new("TAG")
        block.add_lwpolyline([(0, 0), (40, 0), (40, 10), (0, 10)], close=True)
        block.add_text("T1", height=2, dxfattribs={"layer": "ETCH"}).set_placement((2, 3))
        doc.modelspace().add_blockref("TAG", (100, 50), dxfattribs={"xscale": -1})

    (part,) = read_drawing(make_dxf(draw))
    # Mirrored, the text would run leftwards from (98, 53) in mirror writing; upright and ending
    # at (98, 53), right-aligned, it covers the same area and reads normally.
    assert _placement(_only_text(part)) == pytest.approx(("T1", "right/baseline", 98, 53, 2, 0))


def test_text_of_an_inch_drawing_is_converted_to_mm(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        doc.modelspace().add_lwpolyline([(0, 0), (8, 0), (8, 4), (0, 4)], close=True)
        doc.modelspace().add_text("T1", height=0.25, dxfattribs={"layer": "ETCH"}).set_placement(
            (1, 2)
        )

    (part,) = read_drawing(make_dxf(draw, units=1))
    assert _placement(_only_text(part)) == pytest.approx(
        ("T1", "left/baseline", 25.4, 50.8, 6.35, 0)
    )


def test_text_goes_to_the_part_it_lies_in(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        _plate(doc, x=300)
        _text(doc, "ETCH", (320, 30))

    parts = read_drawing(make_dxf(draw, name="pair.dxf"))
    assert [len(p.mark_texts) for p in sorted(parts, key=lambda p: p.bbox.min_x)] == [0, 1]


def test_text_outside_every_part_is_named_in_a_warning(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        _text(doc, "ETCH", (500, 500))

    (part,) = read_drawing(make_dxf(draw, name="stray.dxf"))
    assert part.mark_texts == ()
    (warning,) = part.warnings
    assert "stray.dxf" in warning and "'ETCH'" in warning and ENGRAVING in warning


def test_text_with_an_infinite_coordinate_is_refused(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        _text(doc, "ETCH", (37.25, 30))

    data = make_dxf(draw).read_text().replace("\n37.25\n", "\ninf\n", 1)
    with pytest.raises(BadCoordinate, match=r"TEXT #\w+ on layer 'ETCH'"):
        read_drawing(data.encode(), name="inf.dxf")


# ------------------------------------------------------------------------------ the model


def test_part_stored_without_mark_texts_still_loads() -> None:
    stored = '{"name": "p", "source": "p.dxf", "outer": {"vertices": [{"x": 0, "y": 0}]}}'
    part = Part.model_validate_json(stored)
    assert part.mark_texts == ()
    assert hash(part) == hash(Part.model_validate_json(stored))  # still usable as a dict key


def test_normalizing_a_part_moves_its_mark_texts_with_its_geometry(engraved_part: Part) -> None:
    moved = engraved_part.transformed(dx=100, dy=50)
    assert _placement(_only_text(moved))[2:4] == (110, 70)
    assert _placement(_only_text(moved.normalized())) == _placement(_only_text(engraved_part))


def test_flipping_a_mark_text_mirrors_its_point_but_not_its_glyphs(engraved_part: Part) -> None:
    flipped = engraved_part.transformed(flip=True)
    # Mirrored about x the text would hang below (10, -20) upside down; upright and hanging from
    # (10, -20), top-aligned, it covers the same area.
    assert _placement(_only_text(flipped)) == (ENGRAVING, "left/top", 10, -20, 5, 0)


def test_turned_and_flipped_mark_text_reads_upright(engraved_part: Part) -> None:
    flipped = engraved_part.transformed(angle=180, flip=True)
    # Turned 180° and mirrored, the text runs leftwards above (-10, 20); upright it ends there.
    assert _placement(_only_text(flipped)) == pytest.approx(
        (ENGRAVING, "right/baseline", -10, 20, 5, 0)
    )


def test_flipping_twice_gives_the_mark_text_back(engraved_part: Part) -> None:
    turned = engraved_part.transformed(angle=180, flip=True).transformed(angle=180, flip=True)
    assert _placement(_only_text(turned)) == pytest.approx(_placement(_only_text(engraved_part)))


# ------------------------------------------------------------------------------ the layout DXF

#: The engraving of ``engraved_layout``'s second placement (rotated 90°, flipped, at (300, 200)):
#: (10, 20) turned is (-20, 10), mirrored (-20, -10), moved (280, 190); the text would run
#: downwards in mirror writing from there, so upright it runs upwards and ends there.
PLACED_TEXTS = [
    (ENGRAVING, "LEFT", 30, 40, 5, 0),
    (ENGRAVING, "RIGHT", 280, 190, 5, 90),
]


@pytest.mark.parametrize("mode", ["exploded", "blocks"])
def test_layout_writes_mark_texts_on_the_mark_layer_where_the_part_lies(
    engraved_layout: SheetLayout, mode: str
) -> None:
    written = _written_texts(write_layout_dxf(engraved_layout, mode=mode))
    assert written == [pytest.approx(expected) for expected in PLACED_TEXTS]


def test_layout_blocks_hold_no_text_an_insert_would_mirror(engraved_layout: SheetLayout) -> None:
    doc = _read(write_layout_dxf(engraved_layout, mode="blocks"))
    inserted = {insert.dxf.name for insert in doc.modelspace().query("INSERT")}
    assert inserted and all(not doc.blocks[name].query("TEXT") for name in inserted)


def test_layout_mark_texts_leave_labels_and_gate_outlines_alone(
    engraved_layout: SheetLayout,
) -> None:
    doc = _read(write_layout_dxf(engraved_layout))
    labels = [t.dxf.text for t in doc.modelspace().query('TEXT[layer=="LABELS"]')]
    assert labels == ["plate #1", "plate #2"]
    outlines = layout_outlines(doc)
    assert [o.area for o in outlines] == pytest.approx([6000, 6000])


def test_layout_file_round_trip_keeps_the_text(engraved_layout: SheetLayout, tmp_path) -> None:
    target = tmp_path / "sheet.dxf"
    write_layout_dxf(engraved_layout, target)
    doc = ezdxf.readfile(Path(target))
    texts = doc.modelspace().query('TEXT[layer=="MARK"]')
    assert [t.dxf.text for t in texts] == [ENGRAVING, ENGRAVING]


# ------------------------------------------------------------------------------ inspect


def test_inspect_counts_the_mark_texts_of_a_part(engraved_part: Part) -> None:
    assert part_record(engraved_part).mark_texts == 1
