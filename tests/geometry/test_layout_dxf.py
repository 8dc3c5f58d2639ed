"""The layout DXF: re-read with ezdxf alone, it gives back exactly the placed geometry."""

import io

import ezdxf
import pytest
from ezdxf import disassemble
from ezdxf import path as ezpath
from ezdxf.document import Drawing
from ezdxf.entities import DXFGraphic
from ezdxf.math import Vec3
from shapely import affinity
from shapely.geometry import Polygon

from nestflow.geometry.layout import (
    LayoutLayers,
    Placement,
    SheetLayout,
    layout_document,
    placed_parts,
    write_layout_dxf,
)
from nestflow.geometry.models import Part

CUT_LAYERS = ("CUT", "CUT_INNER")
#: ezdxf turns arcs into cubic Béziers (about 3e-4 x radius off the true arc) before flattening,
#: so re-read shapes sit a few micrometres off the exact ones; a misplaced or missing feature
#: is off by far more than these bounds.
AREA_TOLERANCE = 0.5  # mm² of symmetric difference
DISTANCE_TOLERANCE = 0.01  # mm between boundaries (Hausdorff)


def _read(data: bytes) -> Drawing:
    return ezdxf.read(io.StringIO(data.decode("utf-8")))


def _ring(entity: DXFGraphic) -> Polygon:
    return Polygon([(v.x, v.y) for v in ezpath.make_path(entity).flattening(0.001)])


def _part_polygons(entities: list[DXFGraphic], outer: str, inner: str) -> list[Polygon]:
    """Polygons with holes: every inner-layer ring goes into the outer ring that contains it."""
    outers = [_ring(e) for e in entities if e.dxf.layer == outer]
    inners = [_ring(e) for e in entities if e.dxf.layer == inner]
    return [
        Polygon(o.exterior, [h.exterior for h in inners if o.contains(h.representative_point())])
        for o in outers
    ]


def _same_shape(expected: Polygon, found: Polygon) -> bool:
    return (
        expected.symmetric_difference(found).area < AREA_TOLERANCE
        and expected.boundary.hausdorff_distance(found.boundary) < DISTANCE_TOLERANCE
    )


def _matches(expected: list[Polygon], found: list[Polygon]) -> bool:
    """As many polygons found as expected, and each expected one has a found twin."""
    return len(expected) == len(found) and all(
        any(_same_shape(e, f) for f in found) for e in expected
    )


def _placed_polygons(layout: SheetLayout) -> list[Polygon]:
    return [p.to_shapely(chord_tolerance=0.001) for p in placed_parts(layout)]


def _single(part: Part, angle: float, flip: bool, x: float, y: float) -> SheetLayout:
    return SheetLayout(
        name="one",
        sheet_length=1000,
        sheet_height=1000,
        placements=(Placement(part=part, angle=angle, flip=flip, x=x, y=y),),
    )


def test_rereading_gives_the_placed_parts_back(mixed_layout: SheetLayout) -> None:
    msp = _read(write_layout_dxf(mixed_layout)).modelspace()
    found = _part_polygons(list(msp), "CUT", "CUT_INNER")
    assert _matches(_placed_polygons(mixed_layout), found)


def test_flipped_rotated_arc_part_keeps_its_mirrored_shape(d_part: Part) -> None:
    # The expectation is built by shapely's own affine maps, independent of Part.transformed.
    original = d_part.to_shapely(chord_tolerance=0.001)
    rotated = affinity.rotate(original, 30, origin=(0, 0))
    expected = affinity.translate(affinity.scale(rotated, 1, -1, origin=(0, 0)), 500, 400)
    # The same part rotated but not flipped, moved onto the same bounding box.
    dx, dy = (e - r for e, r in zip(expected.bounds[:2], rotated.bounds[:2], strict=True))
    unflipped = affinity.translate(rotated, dx, dy)
    msp = _read(write_layout_dxf(_single(d_part, 30, True, 500, 400))).modelspace()
    (found,) = _part_polygons(list(msp), "CUT", "CUT_INNER")
    assert _same_shape(expected, found)
    assert len(found.interiors) == 1
    # The part is asymmetric, so a writer that only got the bounding box right would fail above.
    assert expected.symmetric_difference(unflipped).area > 100


def test_arcs_stay_bulges_and_circle_holes_become_circles(bracket_part: Part) -> None:
    msp = _read(write_layout_dxf(_single(bracket_part, 90, True, 300, 300))).modelspace()
    outer = msp.query('LWPOLYLINE[layer=="CUT"]').first
    bulges = [b for *_, b in outer.get_points("xyseb") if b != 0]
    assert len(bulges) == 4 and all(b == pytest.approx(0.41421356, abs=1e-8) for b in bulges)
    circle = msp.query('CIRCLE[layer=="CUT_INNER"]').first
    assert circle.dxf.radius == pytest.approx(6.5)
    # (25, 25) rotated 90 deg -> (-25, 25), mirrored -> (-25, -25), moved -> (275, 275).
    assert Vec3(circle.dxf.center).isclose((275, 275, 0), abs_tol=1e-9)


def test_every_entity_is_upright(mixed_layout: SheetLayout) -> None:
    msp = _read(write_layout_dxf(mixed_layout)).modelspace()
    with_extrusion = [e for e in msp if e.dxf.is_supported("extrusion")]
    assert with_extrusion
    assert all(Vec3(e.dxf.extrusion).isclose((0, 0, 1)) for e in with_extrusion)


def test_outer_contours_run_counter_clockwise_and_holes_clockwise(
    mixed_layout: SheetLayout,
) -> None:
    msp = _read(write_layout_dxf(mixed_layout)).modelspace()
    outers = [_ring(e) for e in msp.query('LWPOLYLINE[layer=="CUT"]')]
    holes = [_ring(e) for e in msp.query('LWPOLYLINE[layer=="CUT_INNER"]')]
    assert outers and holes
    assert all(p.exterior.is_ccw for p in outers)
    assert not any(p.exterior.is_ccw for p in holes)


def test_marks_go_to_the_mark_layer_as_open_paths(mixed_layout: SheetLayout) -> None:
    msp = _read(write_layout_dxf(mixed_layout)).modelspace()
    marks = msp.query('LWPOLYLINE[layer=="MARK"]')
    assert len(marks) == 3  # one etch line per placed bracket
    assert not any(m.closed for m in marks)


def test_sheet_outline_and_border_are_drawn(mixed_layout: SheetLayout) -> None:
    msp = _read(write_layout_dxf(mixed_layout)).modelspace()
    (sheet,) = msp.query('LWPOLYLINE[layer=="SHEET"]')
    (border,) = msp.query('LWPOLYLINE[layer=="SHEET_BORDER"]')
    assert _ring(sheet).bounds == pytest.approx((0, 0, 1000, 500))
    assert _ring(border).bounds == pytest.approx((10, 10, 990, 490))


def test_offcut_line_stands_at_the_used_length(mixed_layout: SheetLayout) -> None:
    msp = _read(write_layout_dxf(mixed_layout)).modelspace()
    (line,) = msp.query('LINE[layer=="OFFCUT"]')
    assert Vec3(line.dxf.start).isclose((710, 0, 0))
    assert Vec3(line.dxf.end).isclose((710, 500, 0))


def test_no_offcut_line_or_border_when_unknown(bracket_part: Part) -> None:
    msp = _read(write_layout_dxf(_single(bracket_part, 0, False, 0, 0))).modelspace()
    assert not msp.query('*[layer=="OFFCUT"]')
    assert not msp.query('*[layer=="SHEET_BORDER"]')


def test_document_is_r2010_in_millimetres_with_the_layers(mixed_layout: SheetLayout) -> None:
    doc = _read(write_layout_dxf(mixed_layout))
    assert doc.dxfversion == "AC1024"
    assert doc.units == ezdxf.units.MM
    for name in ("CUT", "CUT_INNER", "MARK", "SHEET", "SHEET_BORDER", "OFFCUT"):
        assert name in doc.layers


def test_layout_name_and_quantity_travel_in_the_header(mixed_layout: SheetLayout) -> None:
    doc = _read(write_layout_dxf(mixed_layout))
    assert doc.header.custom_vars.get("nestflow.layout") == "sheet-1"
    assert doc.header.custom_vars.get("nestflow.quantity") == "3"


def test_layer_names_can_be_chosen(mixed_layout: SheetLayout) -> None:
    layers = LayoutLayers(cut_outer="IV_OUTER_PROFILE", cut_inner="IV_INTERIOR_PROFILES")
    msp = _read(write_layout_dxf(mixed_layout, layers=layers)).modelspace()
    found = _part_polygons(list(msp), "IV_OUTER_PROFILE", "IV_INTERIOR_PROFILES")
    assert _matches(_placed_polygons(mixed_layout), found)
    assert not msp.query('*[layer=="CUT"]')


def test_file_stream_and_returned_bytes_hold_the_same_drawing(
    mixed_layout: SheetLayout, tmp_path
) -> None:
    returned = write_layout_dxf(mixed_layout, tmp_path / "sheet.dxf")
    stream = io.BytesIO()
    write_layout_dxf(mixed_layout, stream)
    on_disk = ezdxf.readfile(tmp_path / "sheet.dxf").modelspace()
    expected = _placed_polygons(mixed_layout)
    for msp in (on_disk, _read(stream.getvalue()).modelspace(), _read(returned).modelspace()):
        assert _matches(expected, _part_polygons(list(msp), "CUT", "CUT_INNER"))


def test_block_mode_inserts_one_block_per_part_with_the_same_geometry(
    mixed_layout: SheetLayout,
) -> None:
    doc = _read(write_layout_dxf(mixed_layout, mode="blocks"))
    msp = doc.modelspace()
    inserts = msp.query("INSERT")
    assert len(inserts) == len(mixed_layout.placements)
    assert len({i.dxf.name for i in inserts}) == 2
    exploded = list(disassemble.recursive_decompose(msp))
    assert _matches(_placed_polygons(mixed_layout), _part_polygons(exploded, "CUT", "CUT_INNER"))


def test_layout_document_builds_without_writing(mixed_layout: SheetLayout) -> None:
    doc = layout_document(mixed_layout)
    assert len(doc.modelspace().query('*[layer=="CUT"]')) == len(mixed_layout.placements)
