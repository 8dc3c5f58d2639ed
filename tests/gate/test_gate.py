"""The safety gate refuses every layout that is not this order's parts, on this sheet."""

from __future__ import annotations

import pytest

from nestflow.gate import (
    DxfLayout,
    UnsafeLayouts,
    check_dxf_layouts,
    check_layouts,
    geometry_hash,
    ordered_parts,
)
from nestflow.geometry.layout import Placement, SheetLayout, write_layout_dxf
from nestflow.geometry.models import Contour, Part, Vertex


def _plate(name: str, w: float, h: float, hole: float = 0.0) -> Part:
    def ring(points: list[tuple[float, float]], bulge: float = 0.0) -> Contour:
        return Contour(vertices=tuple(Vertex(x=x, y=y, bulge=bulge) for x, y in points))

    outer = ring([(0, 0), (w, 0), (w, h), (0, h)])
    holes = ()
    if hole:
        holes = (ring([(w / 2 - hole, h / 2), (w / 2 + hole, h / 2)], -1.0),)
    return Part(name=name, source=f"{name}.dxf", outer=outer, holes=holes)


PLATE = _plate("plate", 200, 100)
RING = _plate("ring", 400, 300, hole=100)
ORDER = ordered_parts([(PLATE, 3), (RING, 1)])


def _sheet(*placements: Placement, quantity: int = 1, name: str = "layout 1") -> SheetLayout:
    return SheetLayout(
        name=name,
        sheet_length=1000,
        sheet_height=500,
        placements=placements,
        quantity=quantity,
        border_gap=(10, 10, 10, 10),
    )


def _at(part: Part, x: float, y: float, angle: float = 0.0) -> Placement:
    return Placement(part=part, x=x, y=y, angle=angle)


def _rules(problems) -> list[str]:
    return [p.rule for p in problems]


def test_a_sound_layout_passes() -> None:
    layout = _sheet(_at(RING, 10, 10), _at(PLATE, 420, 10), _at(PLATE, 420, 120, angle=0))
    assert check_layouts([layout], ORDER) == []


def test_the_geometry_hash_ignores_where_the_part_lies() -> None:
    assert geometry_hash(PLATE) == geometry_hash(PLATE.transformed(dx=500, dy=7))
    assert geometry_hash(PLATE) != geometry_hash(_plate("plate", 200, 101))


def test_a_part_not_in_the_order_is_refused_by_name() -> None:
    stranger = _plate("stranger", 50, 50)
    problems = check_layouts([_sheet(_at(stranger, 20, 20))], ORDER)
    assert _rules(problems) == ["unknown part"]
    assert "part 'stranger'" in str(problems[0]) and "layout 'layout 1'" in str(problems[0])


def test_a_part_with_the_ordered_name_but_other_geometry_is_refused() -> None:
    impostor = _plate("plate", 200, 120)
    assert _rules(check_layouts([_sheet(_at(impostor, 20, 20))], ORDER)) == ["geometry"]


def test_more_copies_than_ordered_are_refused_across_layouts_and_sheet_counts() -> None:
    first = _sheet(_at(PLATE, 20, 20), name="layout 1")
    second = _sheet(_at(PLATE, 20, 20), quantity=3, name="layout 2")  # 1 + 3 > 3 ordered
    problems = check_layouts([first, second], ORDER)
    assert _rules(problems) == ["count"]
    assert "placed 4 times, ordered 3" in str(problems[0])


@pytest.mark.parametrize(
    ("x", "y"),
    [(5, 20), (20, 5), (900, 20), (20, 450), (-500, -300), (2000, 20)],
    ids=[
        "into left border",
        "into bottom border",
        "past right border",
        "past top",
        "far off",
        "beyond the sheet",
    ],
)
def test_a_part_outside_the_sheet_minus_its_border_is_refused(x: float, y: float) -> None:
    problems = check_layouts([_sheet(_at(PLATE, x, y))], ORDER)
    assert "outside sheet" in _rules(problems)


def test_overlapping_parts_are_refused_touching_ones_are_not() -> None:
    overlapping = _sheet(_at(PLATE, 20, 20), _at(PLATE, 120, 20))
    touching = _sheet(_at(PLATE, 20, 20), _at(PLATE, 220, 20))
    assert _rules(check_layouts([overlapping], ORDER)) == ["overlap"]
    assert check_layouts([touching], ORDER) == []


def test_a_part_inside_another_parts_hole_is_not_an_overlap() -> None:
    small = _plate("small", 40, 40)
    order = ordered_parts([(RING, 1), (small, 1)])
    layout = _sheet(_at(RING, 10, 10), _at(small, 190, 140))  # in the 200 mm hole
    assert check_layouts([layout], order) == []


def test_parts_covering_more_than_the_sheet_are_refused() -> None:
    big = _plate("big", 900, 450)
    order = ordered_parts([(big, 5)])
    pile = _sheet(*[_at(big, 20, 20) for _ in range(2)])
    assert "utilisation" in _rules(check_layouts([pile], order))


def test_the_error_lists_every_problem_and_pickles() -> None:
    import pickle

    error = UnsafeLayouts("almacam", check_layouts([_sheet(_at(PLATE, -500, 0))], ORDER))
    assert "nothing of them is written or pushed" in str(error)
    assert "outside sheet" in str(error)
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def _dxf_layout(*placements: Placement, names: tuple[str, ...] | None = None) -> DxfLayout:
    sheet = _sheet(*placements)
    names = names if names is not None else tuple(p.part.name for p in placements)
    return DxfLayout.read(_sheet(), write_layout_dxf(sheet), names)


def test_a_sound_layout_file_passes() -> None:
    layout = _dxf_layout(_at(RING, 10, 10), _at(PLATE, 420, 10, angle=0))
    assert check_dxf_layouts([layout], ORDER) == []


def test_a_layout_file_holding_other_parts_than_it_names_is_refused() -> None:
    layout = _dxf_layout(_at(RING, 10, 10), names=("plate",))  # another job's file
    assert "geometry" in _rules(check_dxf_layouts([layout], ORDER))


def test_a_layout_file_with_more_outlines_than_named_parts_is_refused() -> None:
    layout = _dxf_layout(_at(PLATE, 20, 20), _at(PLATE, 300, 20), names=("plate",))
    assert "count" in _rules(check_dxf_layouts([layout], ORDER))


def test_a_layout_file_with_a_part_off_the_sheet_or_overlapping_is_refused() -> None:
    off = _dxf_layout(_at(PLATE, 900, 20))
    over = _dxf_layout(_at(PLATE, 20, 20), _at(PLATE, 100, 20))
    assert "outside sheet" in _rules(check_dxf_layouts([off], ORDER))
    assert "overlap" in _rules(check_dxf_layouts([over], ORDER))


def test_an_empty_layout_file_naming_parts_is_refused() -> None:
    layout = DxfLayout.read(_sheet(), write_layout_dxf(_sheet()), ("plate",))
    assert "count" in _rules(check_dxf_layouts([layout], ORDER))


def test_layout_files_with_other_layer_names_are_read_with_those_names() -> None:
    from nestflow.gate import dxf_outlines
    from nestflow.geometry.layout import LayoutLayers

    layers = LayoutLayers(cut_outer="KONTUR", cut_inner="INNEN")
    dxf = write_layout_dxf(_sheet(_at(RING, 10, 10)), layers=layers)
    assert dxf_outlines(dxf) == []  # the default names find nothing: refused, never guessed
    (outline,) = dxf_outlines(dxf, layers)
    assert outline.area == pytest.approx(RING.area, rel=0.01)  # the hole is cut out
