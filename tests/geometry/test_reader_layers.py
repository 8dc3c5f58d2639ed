"""Layers decide what is cut, what is marking and what is ignored; closed contours never vanish."""

import pytest
from ezdxf.document import Drawing

from nestflow.geometry.errors import NoClosedOutline
from nestflow.geometry.layers import LayerRole, LayerRules
from nestflow.geometry.reader import read_drawing


def _plate(doc: Drawing, layer: str = "0") -> None:
    doc.modelspace().add_lwpolyline(
        [(0, 0), (200, 0), (200, 100), (0, 100)], close=True, dxfattribs={"layer": layer}
    )


def test_bend_line_across_the_part_is_not_cut(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        doc.modelspace().add_line((100, 0), (100, 100), dxfattribs={"layer": "BEND"})

    (part,) = read_drawing(make_dxf(draw))
    assert part.area == pytest.approx(20000)
    assert part.holes == () and part.marks == ()


def test_etch_geometry_travels_with_the_part_as_marks(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        msp = doc.modelspace()
        etch = {"layer": "ETCH"}
        msp.add_line((140, 50), (160, 50), dxfattribs=etch)  # a cross: two lines crossing
        msp.add_line((150, 40), (150, 60), dxfattribs=etch)
        msp.add_circle((50, 50), 5, dxfattribs=etch)

    (part,) = read_drawing(make_dxf(draw))
    assert sorted(m.closed for m in part.marks) == [False, False, True]
    assert part.holes == ()  # the etched circle is not a hole


def test_text_on_a_cut_layer_is_counted_in_a_warning(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        doc.modelspace().add_text("PN-1", dxfattribs={"layer": "CUT"})

    (part,) = read_drawing(make_dxf(draw))
    assert part.mark_texts == ()  # only marking layers are engraved
    assert any("1 TEXT on 'CUT'" in w for w in part.warnings)


def test_closed_contour_on_an_excluded_layer_is_named_in_a_warning(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        doc.modelspace().add_circle((50, 50), 10, dxfattribs={"layer": "DIM"})

    (part,) = read_drawing(make_dxf(draw))
    assert part.holes == ()
    assert any("excluded layer 'DIM'" in w for w in part.warnings)


def test_outline_only_on_an_excluded_layer_names_that_layer(make_dxf) -> None:
    with pytest.raises(NoClosedOutline, match="'IV_BEND'"):
        read_drawing(make_dxf(lambda doc: _plate(doc, layer="IV_BEND")))


def test_block_content_on_layer_0_takes_the_layer_of_the_insert(make_dxf, square_block) -> None:
    def draw(doc: Drawing) -> None:
        square_block(doc)
        _plate(doc)
        doc.modelspace().add_blockref("SQ", (150, 20), dxfattribs={"layer": "ETCH"})

    (part,) = read_drawing(make_dxf(draw))
    assert part.holes == ()
    assert [m.closed for m in part.marks] == [True, True]


def test_nested_block_on_layer_0_inherits_through_every_level(make_dxf, square_block) -> None:
    def draw(doc: Drawing) -> None:
        square_block(doc)
        doc.blocks.new("WRAP").add_blockref("SQ", (0, 0))  # INSERT on layer 0 inside a block
        doc.modelspace().add_blockref("WRAP", (0, 0), dxfattribs={"layer": "BEND"})

    with pytest.raises(NoClosedOutline, match="'BEND'"):
        read_drawing(make_dxf(draw))


def test_cut_allow_list_excludes_every_other_layer(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc, layer="IV_OUTER_PROFILE")
        msp = doc.modelspace()
        msp.add_circle((50, 50), 10, dxfattribs={"layer": "IV_INTERIOR_PROFILES"})
        msp.add_line((0, 0), (300, 300), dxfattribs={"layer": "SKETCH"})

    rules = LayerRules(cut=("IV_OUTER_PROFILE", "IV_INTERIOR_PROFILES"))
    (part,) = read_drawing(make_dxf(draw), layers=rules)
    assert len(part.holes) == 1


def test_marking_outside_every_part_is_dropped_with_a_warning(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        doc.modelspace().add_line((500, 0), (600, 0), dxfattribs={"layer": "MARK"})

    (part,) = read_drawing(make_dxf(draw))
    assert part.marks == ()
    assert any("outside every part" in w and "'MARK'" in w for w in part.warnings)


@pytest.mark.parametrize(
    ("layer", "role"),
    [
        ("0", LayerRole.CUT),
        ("bend", LayerRole.EXCLUDED),
        ("IV_BEND_DOWN", LayerRole.EXCLUDED),
        ("Defpoints", LayerRole.EXCLUDED),
        ("Etch", LayerRole.MARK),
        ("TEXT_ETCH", LayerRole.MARK),  # matches TEXT* and *_ETCH*: marking wins
        ("IV_UNCONSUMED_SKETCHES", LayerRole.MARK),
    ],
)
def test_default_layer_roles_match_case_insensitively(layer: str, role: LayerRole) -> None:
    assert LayerRules().role(layer) is role


def test_annotations_on_a_cut_layer_are_ignored_and_counted(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        _plate(doc)
        msp = doc.modelspace()
        msp.add_linear_dim(base=(0, -20), p1=(0, 0), p2=(200, 0)).render()
        msp.add_point((50, 50))
        hatch = msp.add_hatch()
        hatch.paths.add_polyline_path([(10, 10), (30, 10), (30, 30)], is_closed=True)

    (part,) = read_drawing(make_dxf(draw))
    assert part.holes == ()  # neither the hatch boundary nor the dimension lines are cut
    (warning,) = part.warnings
    assert "1 DIMENSION on '0'" in warning
    assert "1 HATCH on '0'" in warning and "1 POINT on '0'" in warning
