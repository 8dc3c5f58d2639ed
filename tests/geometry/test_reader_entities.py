"""Every DXF entity kind the reader accepts becomes exact contours (arcs as bulges) in mm."""

import math

import pytest
from ezdxf.document import Drawing
from shapely import affinity

from nestflow.geometry.models import Part
from nestflow.geometry.reader import read_drawing

QUARTER = math.tan(math.pi / 8)
#: Area of block SQ (see conftest): 20 x 10 rectangle + half disc of radius 5 - disc of radius 2.
SQ_AREA = 200 + math.pi * 25 / 2 - math.pi * 4


def _bulges(part: Part) -> list[float]:
    return [v.bulge for v in part.outer.vertices if v.bulge != 0]


def test_lwpolyline_bulges_are_kept_exactly(make_dxf, draw_plate) -> None:
    (part,) = read_drawing(make_dxf(draw_plate))
    assert _bulges(part) == [QUARTER] * 4
    assert part.outer.area == pytest.approx(300 * 200 - (4 - math.pi) * 100, rel=1e-12)


def test_polyline_2d_bulges_are_kept_exactly(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        # 100 x 50 with both short sides replaced by half circles (an obround), as R12 POLYLINE.
        doc.modelspace().add_polyline2d(
            [(0, 0, 0, 0, 0), (100, 0, 0, 0, 1.0), (100, 50, 0, 0, 0), (0, 50, 0, 0, 1.0)],
            format="xyseb",
            close=True,
        )

    (part,) = read_drawing(make_dxf(draw))
    assert _bulges(part) == [1.0, 1.0]
    assert part.area == pytest.approx(100 * 50 + math.pi * 25**2, rel=1e-12)


def test_arc_edge_bulge_is_tan_of_quarter_sweep(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        # A 100-degree arc of radius 50 about (0, 0) closed by two radii: a pie slice.
        msp.add_arc((0, 0), 50, 10, 110)
        start, end = (50 * math.cos(math.radians(a)) for a in (10, 110))
        sy, ey = (50 * math.sin(math.radians(a)) for a in (10, 110))
        msp.add_line((0, 0), (start, sy))
        msp.add_line((end, ey), (0, 0))

    (part,) = read_drawing(make_dxf(draw))
    (bulge,) = _bulges(part)
    assert abs(bulge - math.tan(math.radians(100) / 4)) < 1e-9
    assert part.area == pytest.approx(math.pi * 50**2 * 100 / 360, rel=1e-9)


def test_line_and_arc_chain_with_reversed_line_and_gap_is_one_contour(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        # 100 x 60 with a R20 fillet at the top-right corner, drawn as loose entities.
        msp.add_line((0, 0), (100, 0))
        msp.add_line((100, 40), (100.0, 0.03))  # reversed, and 0.03 mm short of its neighbour
        msp.add_arc((80, 40), 20, 0, 90)
        msp.add_line((80, 60), (0, 60))
        msp.add_line((0, 60), (0, 0))

    (part,) = read_drawing(make_dxf(draw), gap_tolerance=0.05)
    assert len(part.outer.vertices) == 5
    assert _bulges(part) == [pytest.approx(QUARTER, abs=1e-12)]
    # The gap closes at one of its ends: the area moves by at most the gap's triangle.
    expected = 100 * 60 - (1 - math.pi / 4) * 400
    assert part.area == pytest.approx(expected, abs=100 * 0.03 / 2 + 1e-9)


def test_arc_travelled_backwards_gets_a_negative_bulge(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        # Square 0..40 whose bottom edge is a bite: an arc bulging into the part.
        msp.add_arc((20, 0), 20, 0, 180)  # CCW from (40, 0) to (0, 0): into the square
        msp.add_line((40, 0), (40, 40))
        msp.add_line((40, 40), (0, 40))
        msp.add_line((0, 40), (0, 0))

    (part,) = read_drawing(make_dxf(draw))
    # Outer is CCW: it travels the bite from (0, 0) to (40, 0), clockwise about (20, 0).
    assert _bulges(part) == [pytest.approx(-1.0, abs=1e-15)]
    assert part.area == pytest.approx(40 * 40 - math.pi * 400 / 2, rel=1e-12)


def test_circle_inside_outline_is_a_clockwise_hole_of_two_half_circles(make_dxf, draw_plate):
    (part,) = read_drawing(make_dxf(draw_plate))
    (hole,) = part.holes
    assert [v.bulge for v in hole.vertices] == [-1.0, -1.0]
    assert hole.signed_area == pytest.approx(-math.pi * 400, rel=1e-12)
    assert part.outer.signed_area > 0


def test_clockwise_drawn_outline_comes_out_counter_clockwise(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        doc.modelspace().add_lwpolyline([(0, 0), (0, 50), (50, 50), (50, 0)], close=True)

    (part,) = read_drawing(make_dxf(draw))
    assert part.outer.signed_area == pytest.approx(2500)


def test_ellipse_is_flattened_within_chord_tolerance(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        doc.modelspace().add_ellipse((0, 0), major_axis=(60, 0), ratio=0.5)

    (part,) = read_drawing(make_dxf(draw), chord_tolerance=0.05)
    assert not part.outer.has_arcs
    exact = math.pi * 60 * 30
    # Chords lie inside the curve, at most 0.05 mm from it: the lost area is below 0.05 x perimeter.
    assert exact - 0.05 * 290 < part.area <= exact


def test_spline_is_flattened_within_chord_tolerance(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        # A spline through 12 points of a circle of radius 50, ending where it starts.
        points = [
            (50 * math.cos(k * math.pi / 6), 50 * math.sin(k * math.pi / 6)) for k in range(13)
        ]
        doc.modelspace().add_spline(fit_points=points)

    path = make_dxf(draw)
    (fine,) = read_drawing(path, chord_tolerance=0.01)
    (coarse,) = read_drawing(path, chord_tolerance=1.0)
    assert not fine.outer.has_arcs
    assert len(fine.outer.vertices) > 2 * len(coarse.outer.vertices)
    assert fine.area == pytest.approx(math.pi * 50**2, rel=0.01)
    assert fine.to_shapely().hausdorff_distance(coarse.to_shapely()) <= 1.0


def test_insert_with_scale_and_rotation_is_exploded(make_dxf, square_block) -> None:
    def draw(doc: Drawing) -> None:
        square_block(doc)
        doc.modelspace().add_blockref("SQ", (100, 50), dxfattribs={"xscale": 3, "yscale": 3})
        doc.modelspace().add_blockref("SQ", (400, 50), dxfattribs={"rotation": 45})

    big, turned = read_drawing(make_dxf(draw))
    assert big.area == pytest.approx(9 * SQ_AREA, rel=1e-12)
    assert turned.area == pytest.approx(SQ_AREA, rel=1e-12)
    assert _bulges(big) == [1.0]
    hole_centre = turned.holes[0].to_shapely().centroid
    expected = (400 + 5 * math.cos(math.pi / 4) - 5 * math.sin(math.pi / 4), 50 + 5 * math.sqrt(2))
    assert (hole_centre.x, hole_centre.y) == pytest.approx(expected, abs=1e-3)


def test_mirrored_insert_gives_the_mirror_image(make_dxf, square_block) -> None:
    def plain(doc: Drawing) -> None:
        square_block(doc)
        doc.modelspace().add_blockref("SQ", (0, 0))

    def mirrored(doc: Drawing) -> None:
        square_block(doc)
        # Negative x scale: the block content arrives with extrusion (0, 0, -1).
        attribs = {"xscale": -2, "yscale": 2, "rotation": 30}
        doc.modelspace().add_blockref("SQ", (100, 100), dxfattribs=attribs)

    (original,) = read_drawing(make_dxf(plain, name="plain.dxf"))
    (part,) = read_drawing(make_dxf(mirrored, name="mirrored.dxf"))
    expected = affinity.scale(original.to_shapely(0.001), -2, 2, origin=(0, 0))
    expected = affinity.translate(affinity.rotate(expected, 30, origin=(0, 0)), 100, 100)
    found = part.to_shapely(0.001)
    assert found.symmetric_difference(expected).area < 0.1  # a wrong mirror is off by hundreds
    assert found.boundary.hausdorff_distance(expected.boundary) < 0.01
    assert part.area == pytest.approx(4 * SQ_AREA, rel=1e-12)
    assert part.outer.signed_area > 0 and part.holes[0].signed_area < 0


def test_nested_insert_applies_both_transforms(make_dxf, square_block) -> None:
    def draw(doc: Drawing) -> None:
        square_block(doc)
        outer = doc.blocks.new("PAIR")
        outer.add_blockref("SQ", (0, 0))
        outer.add_blockref("SQ", (0, 30), dxfattribs={"rotation": 90})
        doc.modelspace().add_blockref("PAIR", (1000, 0), dxfattribs={"xscale": 2, "yscale": 2})

    parts = read_drawing(make_dxf(draw))
    assert [p.area for p in parts] == pytest.approx([4 * SQ_AREA] * 2, rel=1e-12)
    boxes = sorted((round(p.bbox.min_x, 6), round(p.bbox.min_y, 6)) for p in parts)
    # SQ at the origin: x from 1000; SQ turned 90 deg at (0, 30): x from 1000 - 2 * 10.
    assert boxes == [(980.0, 60.0), (1000.0, 0.0)]


def test_minsert_array_gives_one_part_per_cell(make_dxf, square_block) -> None:
    def draw(doc: Drawing) -> None:
        square_block(doc)
        insert = doc.modelspace().add_blockref("SQ", (0, 0))
        insert.grid(size=(2, 3), spacing=(40, 40))

    assert len(read_drawing(make_dxf(draw))) == 6


def test_non_uniform_scale_turns_arcs_into_flattened_ellipses(make_dxf, square_block) -> None:
    def draw(doc: Drawing) -> None:
        square_block(doc)
        doc.modelspace().add_blockref("SQ", (0, 0), dxfattribs={"xscale": 1, "yscale": 3})

    (part,) = read_drawing(make_dxf(draw), chord_tolerance=0.01)
    # Every area scales by 3 under a (1, 3) stretch, the curved ones included.
    assert part.area == pytest.approx(3 * SQ_AREA, rel=1e-3)
    assert not part.holes[0].has_arcs


def test_several_outlines_give_several_parts_named_after_the_file(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        msp.add_lwpolyline([(0, 0), (50, 0), (50, 50), (0, 50)], close=True)
        msp.add_lwpolyline([(100, 0), (200, 0), (200, 100), (100, 100)], close=True)
        msp.add_circle((300, 50), 10)

    parts = read_drawing(make_dxf(draw, name="Sheet A.dxf"))
    assert [p.name for p in parts] == ["Sheet A", "Sheet A-2", "Sheet A-3"]
    assert [round(p.area) for p in parts] == [10000, 2500, round(math.pi * 100)]
    assert {p.source for p in parts} == {"Sheet A.dxf"}


def test_island_inside_a_hole_is_a_separate_part(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        msp.add_circle((0, 0), 100)
        msp.add_circle((0, 0), 60)
        msp.add_circle((0, 0), 30)  # island: a disc inside the hole
        msp.add_circle((0, 0), 10)  # the island's own hole

    ring, island = read_drawing(make_dxf(draw))
    assert len(ring.holes) == 1 and len(island.holes) == 1
    assert island.area == pytest.approx(math.pi * (30**2 - 10**2), rel=1e-12)


def test_same_line_drawn_twice_is_ignored_with_a_warning(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        msp.add_lwpolyline([(0, 0), (50, 0), (50, 50)])
        msp.add_line((50, 50), (0, 50))
        msp.add_line((0, 50), (50, 50))  # the same edge again, reversed
        msp.add_line((0, 50), (0, 0))

    (part,) = read_drawing(make_dxf(draw))
    assert part.area == pytest.approx(2500)
    assert any("drawn twice" in w for w in part.warnings)


def test_open_polyline_ending_at_its_start_is_closed(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        doc.modelspace().add_lwpolyline([(0, 0), (40, 0), (40, 40), (0, 40), (0, 0)])

    (part,) = read_drawing(make_dxf(draw))
    assert len(part.outer.vertices) == 4
    assert part.area == pytest.approx(1600)


def test_bytes_source_uses_the_given_name(plate_dxf) -> None:
    (part,) = read_drawing(plate_dxf.read_bytes(), name="from-erp.dxf")
    assert (part.name, part.source) == ("from-erp", "from-erp.dxf")


def test_mirrored_arc_keeps_its_exact_bulge_and_lands_mirrored(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        pie = doc.blocks.new("PIE")
        pie.add_arc((0, 0), 50, 10, 110)
        a, b = (math.radians(d) for d in (10, 110))
        pie.add_line((0, 0), (50 * math.cos(a), 50 * math.sin(a)))
        pie.add_line((50 * math.cos(b), 50 * math.sin(b)), (0, 0))
        doc.modelspace().add_blockref("PIE", (0, 0), dxfattribs={"xscale": -1})

    (part,) = read_drawing(make_dxf(draw))
    (bulge,) = _bulges(part)
    assert abs(bulge - math.tan(math.radians(100) / 4)) < 1e-9  # CCW again once oriented
    # Mirrored about the y axis, the slice spans x from -50 cos 10 deg to -50 cos 110 deg.
    box = part.bbox
    expected = (-50 * math.cos(math.radians(10)), 0.0, -50 * math.cos(math.radians(110)), 50.0)
    assert (box.min_x, box.min_y, box.max_x, box.max_y) == pytest.approx(expected, abs=1e-9)
