"""The sheet layout model: AlmaCAM's placement rule, consistency checks, sheet figures."""

import pytest
from pydantic import ValidationError

from nestflow.geometry.layout import Placement, SheetLayout, placed_parts
from nestflow.geometry.models import Part


def test_placed_parts_follow_rotate_then_flip_then_translate(d_part: Part) -> None:
    layout = SheetLayout(
        name="s",
        sheet_length=500,
        sheet_height=500,
        placements=(Placement(part=d_part, angle=90, flip=True, x=100, y=200),),
    )
    (placed,) = placed_parts(layout)
    # Vertex (80, 0): rotated 90 -> (0, 80), mirrored -> (0, -80), moved -> (100, 120).
    assert any((v.x, v.y) == pytest.approx((100, 120)) for v in placed.outer.vertices)
    assert placed.area == pytest.approx(d_part.area)


def test_used_length_beyond_the_sheet_is_rejected() -> None:
    with pytest.raises(ValidationError, match="beyond the sheet length"):
        SheetLayout(name="s", sheet_length=1000, sheet_height=500, used_length=1000.5)


def test_used_length_equal_to_the_sheet_is_accepted() -> None:
    assert SheetLayout(name="s", sheet_length=1000, sheet_height=500, used_length=1000)


@pytest.mark.parametrize(
    "field", [{"quantity": 0}, {"sheet_length": 0}, {"border_gap": (0, 0, -1, 0)}, {"name": ""}]
)
def test_impossible_sheet_values_are_rejected(field: dict) -> None:
    values = {"name": "s", "sheet_length": 1000, "sheet_height": 500, **field}
    with pytest.raises(ValidationError):
        SheetLayout(**values)


def test_utilisation_is_part_area_over_sheet_area(mixed_layout: SheetLayout) -> None:
    areas = sum(p.part.area for p in mixed_layout.placements)
    assert mixed_layout.parts_area == pytest.approx(areas)
    assert mixed_layout.utilisation == pytest.approx(areas / (1000 * 500))
