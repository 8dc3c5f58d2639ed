"""A drawing that cannot be cut raises one typed error naming the file, the reason and the place."""

import pytest
from ezdxf.document import Drawing

from nestflow.geometry.errors import (
    ERROR_KINDS,
    DrawingError,
    FileTooLarge,
    MultipleOutlines,
    NoClosedOutline,
    OpenContour,
    PartTooLarge,
    SelfIntersection,
    TooManyEntities,
    UnreadableDrawing,
    ZeroArea,
)
from nestflow.geometry.reader import read_drawing


def _square(doc: Drawing, x: float = 0, y: float = 0, size: float = 50) -> None:
    doc.modelspace().add_lwpolyline(
        [(x, y), (x + size, y), (x + size, y + size), (x, y + size)], close=True
    )


def test_garbage_is_unreadable_with_the_line_number(tmp_path) -> None:
    path = tmp_path / "notes.dxf"
    path.write_text("hello\nthis is not a drawing\n")
    with pytest.raises(UnreadableDrawing) as caught:
        read_drawing(path)
    assert caught.value.line == 1
    assert caught.value.kind == "unreadable"
    assert str(caught.value).startswith("notes.dxf: not a readable DXF file")


def test_bad_number_in_an_entity_is_unreadable_near_its_line(plate_dxf) -> None:
    lines = plate_dxf.read_text().splitlines()
    radius = lines.index("CIRCLE") + lines[lines.index("CIRCLE") :].index(" 40") + 1
    lines[radius] = "twenty"
    with pytest.raises(UnreadableDrawing) as caught:
        read_drawing("\n".join(lines).encode(), name="plate.dxf")
    assert caught.value.line == radius + 1  # ezdxf counts lines from 1


def test_empty_file_is_unreadable(tmp_path) -> None:
    path = tmp_path / "empty.dxf"
    path.write_bytes(b"")
    with pytest.raises(UnreadableDrawing, match="empty"):
        read_drawing(path)


def test_missing_file_is_unreadable(tmp_path) -> None:
    with pytest.raises(UnreadableDrawing, match="cannot open"):
        read_drawing(tmp_path / "gone.dxf")


def test_file_above_the_size_limit_is_refused_before_parsing(plate_dxf) -> None:
    with pytest.raises(FileTooLarge) as caught:
        read_drawing(plate_dxf, max_file_bytes=1000)
    assert caught.value.limit == 1000
    assert caught.value.size == plate_dxf.stat().st_size


def test_too_many_entities_counts_exploded_blocks(make_dxf, square_block) -> None:
    def draw(doc: Drawing) -> None:
        square_block(doc)
        for k in range(4):
            doc.modelspace().add_blockref("SQ", (k * 30, 0))

    path = make_dxf(draw)
    # 4 INSERTs in modelspace, but 8 entities once exploded.
    assert len(read_drawing(path, max_entities=8)) == 4
    with pytest.raises(TooManyEntities):
        read_drawing(path, max_entities=7)


def test_drawing_with_only_text_has_no_closed_outline(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        doc.modelspace().add_text("just a note")

    with pytest.raises(NoClosedOutline):
        read_drawing(make_dxf(draw))


def test_gap_above_tolerance_is_an_open_contour_with_its_ends(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        msp.add_lwpolyline([(12.5, 0), (50, 0), (50, 50), (0, 50), (0, 0), (10, 0)])

    with pytest.raises(OpenContour) as caught:
        read_drawing(make_dxf(draw, name="gap.dxf"))
    assert "open contour: gap between (0.000, 0.000)" not in caught.value.message
    assert caught.value.message.startswith(
        "open contour: gap between (12.500, 0.000) and (10.000, 0.000)"
    )
    assert caught.value.gaps == [((12.5, 0.0), (10.0, 0.0))]
    assert caught.value.kind == "open_contour"


def test_gap_coordinates_are_reported_in_mm(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        doc.modelspace().add_lwpolyline([(1, 0), (2, 0), (2, 2), (0, 2), (0, 0)])

    with pytest.raises(OpenContour, match=r"\(25\.400, 0\.000\) and \(0\.000, 0\.000\)"):
        read_drawing(make_dxf(draw, units=1))


def test_stray_open_line_next_to_a_good_outline_is_an_open_contour(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _square(doc)
        doc.modelspace().add_line((100, 0), (150, 0))

    with pytest.raises(OpenContour, match=r"\(100\.000, 0\.000\) and \(150\.000, 0\.000\)"):
        read_drawing(make_dxf(draw))


def test_bow_tie_is_a_self_intersection_at_the_crossing(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        doc.modelspace().add_lwpolyline([(0, 0), (10, 10), (10, 0), (0, 10)], close=True)

    with pytest.raises(SelfIntersection) as caught:
        read_drawing(make_dxf(draw))
    assert caught.value.location == pytest.approx((5.0, 5.0))
    assert "(5.000, 5.000)" in caught.value.message


def test_overlapping_outlines_are_a_self_intersection(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _square(doc)
        _square(doc, x=25, y=25)

    with pytest.raises(SelfIntersection, match="cross each other"):
        read_drawing(make_dxf(draw))


def test_edges_branching_at_one_point_are_a_self_intersection(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        for start, end in [((0, 0), (50, 0)), ((50, 0), (50, 50)), ((50, 50), (0, 50))]:
            msp.add_line(start, end)
        msp.add_line((0, 50), (0, 0))
        msp.add_line((0, 0), (50, 50))  # a diagonal across the square

    with pytest.raises(SelfIntersection, match=r"branches at \((0|50)\.000"):
        read_drawing(make_dxf(draw))


def test_collapsed_loop_has_zero_area(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        doc.modelspace().add_lwpolyline([(0, 0), (40, 0), (80, 0)], close=True)

    with pytest.raises(ZeroArea, match=r"\(0\.000, 0\.000\)"):
        read_drawing(make_dxf(draw))


def test_part_larger_than_the_limit_is_refused(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _square(doc, size=7000)

    with pytest.raises(PartTooLarge) as caught:
        read_drawing(make_dxf(draw))
    assert caught.value.size == pytest.approx((7000, 7000))
    assert caught.value.limit == 6000


def test_several_outlines_without_splitting_are_refused(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _square(doc)
        _square(doc, x=100)

    with pytest.raises(MultipleOutlines) as caught:
        read_drawing(make_dxf(draw), split_outlines=False)
    assert caught.value.count == 2


def test_every_error_names_its_file_and_has_a_distinct_kind(tmp_path) -> None:
    path = tmp_path / "named.dxf"
    path.write_text("junk")
    with pytest.raises(DrawingError) as caught:
        read_drawing(path)
    assert caught.value.file == "named.dxf"
    assert len({cls.kind for cls in ERROR_KINDS}) == len(ERROR_KINDS) == 20


def test_unknown_option_is_refused(plate_dxf) -> None:
    with pytest.raises(ValueError, match="gap_tolerence"):
        read_drawing(plate_dxf, gap_tolerence=0.1)


def test_thousands_of_stray_lines_fail_fast_with_a_count(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _square(doc)
        for k in range(3000):
            doc.modelspace().add_line((100 + k, 0), (100 + k, 10))

    with pytest.raises(OpenContour, match="6000 loose ends in all"):
        read_drawing(make_dxf(draw))
