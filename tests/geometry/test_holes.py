"""Hole widths: the narrowest width of each hole, and holes too narrow to cut in a sheet."""

import pytest
from ezdxf.document import Drawing

from nestflow.geometry.inspect import hole_width, narrow_holes, part_record
from nestflow.geometry.reader import read_drawing


def _plate_with_holes(doc: Drawing) -> None:
    """A 200 x 100 plate: a D10 hole, a D2 hole, a 1.5 x 30 slot and an L hole of 2 mm legs."""
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (200, 0), (200, 100), (0, 100)], close=True)
    msp.add_circle((20, 50), 5)
    msp.add_circle((50, 50), 1)
    # Slot 1.5 wide, 30 long, round ends (bulge 1 = half circle).
    msp.add_lwpolyline(
        [(80.75, 35, 0), (80.75 + 28.5, 35, 1), (80.75 + 28.5, 36.5, 0), (80.75, 36.5, 1)],
        format="xyb",
        close=True,
    )
    msp.add_lwpolyline(
        [(150, 20), (180, 20), (180, 22), (152, 22), (152, 80), (150, 80)], close=True
    )


@pytest.fixture
def plate(make_dxf):
    (part,) = read_drawing(make_dxf(_plate_with_holes, name="holes.dxf"))
    return part


def test_hole_width_is_the_diameter_of_a_round_hole(plate) -> None:
    widths = sorted(hole_width(h) for h in plate.holes)
    assert widths[-1] == pytest.approx(10.0, abs=0.01)
    assert widths[0] == pytest.approx(1.5, abs=0.01)  # the slot: its width, not its length


def test_hole_width_of_an_l_shaped_hole_is_about_its_leg_width(plate) -> None:
    (l_hole,) = [h for h in plate.holes if len(h.vertices) == 6]
    # The widest circle sits in the corner: 4 / (1 + sqrt 2) = 2.34, not the 30 x 60 box.
    assert hole_width(l_hole) == pytest.approx(4 / (1 + 2**0.5) * 2**0.5, abs=0.01)


def test_narrow_holes_are_those_under_the_limit_largest_last(plate) -> None:
    narrow = narrow_holes(plate, 3.0)
    assert [round(h.width, 1) for h in narrow] == [1.5, 2.0, 2.3]
    slot = narrow[0]
    assert slot.center[0] == pytest.approx(80.75 + 14.25, abs=0.05)
    assert narrow_holes(plate, 1.0) == []
    assert narrow_holes(plate, 0.0) == []


def test_inspect_record_shows_the_narrowest_hole(plate) -> None:
    assert part_record(plate).narrowest_hole == pytest.approx(1.5, abs=0.05)
