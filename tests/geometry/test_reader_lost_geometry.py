"""Never a wrong part: what ezdxf drops or cannot resolve is refused, naming what was lost."""

from __future__ import annotations

import io

import ezdxf
import pytest

from nestflow.geometry.errors import (
    MAX_COORDINATE_MM,
    BadCoordinate,
    CoordinateOutOfRange,
    DroppedEntities,
    ExternalReference,
    HoleOnOutline,
    HoleProblem,
    HolesTouch,
    MissingBlock,
    OpaqueGeometry,
    UnreadableDrawing,
)
from nestflow.geometry.reader import read_document, read_drawing
from tests.geometry.corpus import malformed as m


def _outline_and_hole_sharing_2f() -> bytes:
    return m._duplicate(None, lambda d: [e.dxf.handle for e in d.modelspace()])


def test_outline_and_hole_sharing_a_handle_are_refused_naming_the_handle() -> None:
    with pytest.raises(DroppedEntities) as caught:
        read_drawing(_outline_and_hole_sharing_2f(), name="dup.dxf")
    assert "2F" in caught.value.handles
    assert "#2F" in caught.value.message and "more than one entity" in caught.value.message


def test_dropped_entities_are_counted_by_type() -> None:
    with pytest.raises(DroppedEntities) as caught:
        read_drawing(_outline_and_hole_sharing_2f(), name="dup.dxf")
    assert caught.value.lost == {"LWPOLYLINE": 1}
    assert isinstance(caught.value, UnreadableDrawing)


def test_spline_removed_by_ezdxfs_audit_is_refused() -> None:
    with pytest.raises(DroppedEntities, match="1 SPLINE from the modelspace"):
        read_drawing(m._bad_spline(), name="spline.dxf")


def test_block_entity_ezdxf_cannot_place_is_refused_naming_the_block() -> None:
    with pytest.raises(DroppedEntities, match=r"could not place 1 CIRCLE of block 'B'"):
        read_drawing(m._stretched_zero_circle(), name="stretched.dxf")


def test_insert_of_a_missing_block_is_refused_naming_the_block() -> None:
    with pytest.raises(MissingBlock) as caught:
        read_drawing(m._without_block("R2010", nested=False), name="gone.dxf")
    assert caught.value.block == "GONE"
    assert "'GONE'" in caught.value.message and "does not define" in caught.value.message


def test_missing_block_in_an_already_loaded_document_is_refused() -> None:
    doc = ezdxf.new("R2010", units=4)
    m._plate(doc.modelspace())
    doc.blocks.new("GONE").add_circle((0, 0), 5)
    insert = doc.modelspace().add_blockref("GONE", (300, 0))
    doc.blocks.delete_block("GONE", safe=False)
    with pytest.raises(MissingBlock) as caught:
        read_document(doc, name="doc.dxf")
    assert caught.value.handle == insert.dxf.handle


def test_xref_is_refused_naming_the_external_file() -> None:
    with pytest.raises(ExternalReference) as caught:
        read_drawing(m._xref(), name="xref.dxf")
    assert caught.value.path == "C:/parts/flange.dwg" and caught.value.block == "FLANGE"
    assert "'C:/parts/flange.dwg'" in caught.value.message


def test_xref_inside_a_block_is_refused() -> None:
    with pytest.raises(ExternalReference, match="block 'FLANGE' in block 'HOLDER'"):
        read_drawing(m._xref(nested=True), name="xref.dxf")


def test_tangent_holes_are_refused_at_their_contact_point() -> None:
    data = m._holes(m._circle(30, 50, 10), m._circle(50, 50, 10))
    with pytest.raises(HolesTouch) as caught:
        read_drawing(data, name="tangent.dxf")
    assert caught.value.location == pytest.approx((40.0, 50.0), abs=1e-6)
    assert caught.value.part == "tangent" and "touch at (40.000, 50.000)" in caught.value.message


def test_holes_sharing_an_edge_are_refused_with_the_shared_length() -> None:
    data = m._holes(m._rect(20, 20, 20, 20), m._rect(40, 20, 20, 20))
    with pytest.raises(HolesTouch, match=r"share 20\.000 mm of edge"):
        read_drawing(data, name="edge.dxf")


def test_overlapping_holes_are_refused_as_holes_not_as_outlines() -> None:
    data = m._holes(m._circle(40, 50, 10), m._circle(50, 50, 10))
    with pytest.raises(HolesTouch, match="two holes .* overlap"):
        read_drawing(data, name="overlap.dxf")


def test_holes_touching_belong_to_the_same_family_as_a_hole_on_the_outline() -> None:
    assert issubclass(HolesTouch, HoleProblem) and issubclass(HoleOnOutline, HoleProblem)


def test_holes_half_a_millimetre_apart_are_read() -> None:
    data = m._holes(m._circle(30, 50, 10), m._circle(50.5, 50, 10))
    (part,) = read_drawing(data, name="apart.dxf")
    assert len(part.holes) == 2


def test_square_far_from_the_origin_is_refused_naming_handle_and_layer() -> None:
    with pytest.raises(CoordinateOutOfRange) as caught:
        read_drawing(m._at(1e17), name="far.dxf")
    assert caught.value.handle and caught.value.layer == "0"
    assert f"#{caught.value.handle} on layer '0'" in caught.value.message
    assert isinstance(caught.value, BadCoordinate)


def test_block_placed_far_away_is_refused_naming_the_block_reference() -> None:
    with pytest.raises(CoordinateOutOfRange, match=r"in block 'P' \(INSERT #"):
        read_drawing(m._insert_at(1e17), name="far.dxf")


def test_coordinate_just_inside_the_bound_is_read() -> None:
    (part,) = read_drawing(m._at(MAX_COORDINATE_MM - 200), name="edge-of-range.dxf")
    assert part.area == pytest.approx(m.PLATE_AREA, rel=1e-6)


def test_an_acis_region_on_a_cut_layer_is_refused_naming_it() -> None:
    doc = ezdxf.new("R2000", units=4)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (100, 0), (100, 100), (0, 100)], close=True)
    region = msp.add_region({"layer": "CUT"})
    region.sat = [
        "700 0 1 0",
        "@7 nestflow @4 ACIS @24 Thu Jan 01 00:00:00 2026",
        "End-of-ACIS-data",
    ]
    stream = io.StringIO()
    doc.write(stream)
    with pytest.raises(OpaqueGeometry) as refused:
        read_drawing(stream.getvalue().encode(), name="region.dxf")
    assert refused.value.kind == "opaque_geometry"
    assert refused.value.handle == region.dxf.handle and refused.value.layer == "CUT"
    assert f"REGION #{region.dxf.handle} on layer 'CUT'" in str(refused.value)
