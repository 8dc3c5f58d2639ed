"""The part model: exact arc areas, bounds, orientation, and AlmaCAM's placement rule."""

import math

import pytest
from shapely import affinity

from nestflow.geometry.arcs import arc_of_bulge, bulge_of_arc, segment_area
from nestflow.geometry.models import Contour, Part, Vertex


def rounded_rect(w: float, h: float, r: float) -> Contour:
    """A w x h rectangle with corner radius r, counter-clockwise, arcs as bulges."""
    b = math.tan(math.pi / 8)  # quarter circle
    pts = [
        (r, 0, 0),
        (w - r, 0, b),
        (w, r, 0),
        (w, h - r, b),
        (w - r, h, 0),
        (r, h, b),
        (0, h - r, 0),
        (0, r, b),
    ]
    return Contour(vertices=tuple(Vertex(x=x, y=y, bulge=bu) for x, y, bu in pts))


def circle(cx: float, cy: float, r: float, ccw: bool = True) -> Contour:
    b = 1.0 if ccw else -1.0
    return Contour(vertices=(Vertex(x=cx - r, y=cy, bulge=b), Vertex(x=cx + r, y=cy, bulge=b)))


def test_half_circle_bulge_gives_half_disc_area() -> None:
    assert segment_area((0, 0), (2, 0), 1.0) == pytest.approx(math.pi / 2)
    assert segment_area((0, 0), (2, 0), -1.0) == pytest.approx(-math.pi / 2)


def test_arc_centre_lies_left_of_travel_for_small_ccw_bulge() -> None:
    arc = arc_of_bulge((0, 0), (2, 0), 0.2)
    assert arc.center[1] > 0 and arc.sweep > 0


def test_bulge_of_arc_inverts_arc_of_bulge() -> None:
    for bulge in (0.1, 0.5, 1.0, 2.0, -0.3, -1.5):
        arc = arc_of_bulge((1, 2), (4, -1), bulge)
        assert bulge_of_arc(arc.center, (1, 2), (4, -1), ccw=bulge > 0) == pytest.approx(bulge)


def test_rounded_rectangle_area_is_exact() -> None:
    c = rounded_rect(300, 200, 10)
    assert c.area == pytest.approx(300 * 200 - (4 - math.pi) * 100, rel=1e-12)
    assert c.signed_area > 0


def test_circle_contour_area_and_bounds_are_exact() -> None:
    c = circle(5, 5, 2)
    assert c.area == pytest.approx(math.pi * 4, rel=1e-12)
    box = c.bounds()
    assert (box.min_x, box.min_y, box.max_x, box.max_y) == pytest.approx((3, 3, 7, 7))


def test_flattened_contour_stays_within_chord_tolerance() -> None:
    c = circle(0, 0, 100)
    poly = c.to_shapely(chord_tolerance=0.05)
    assert poly.area == pytest.approx(c.area, rel=1e-3)
    assert all(math.hypot(x, y) == pytest.approx(100, abs=1e-9) for x, y in c.points(0.05))


def test_reversed_contour_keeps_shape_and_flips_area_sign() -> None:
    c = rounded_rect(50, 30, 5)
    r = c.reversed()
    assert r.signed_area == pytest.approx(-c.signed_area)
    assert r.to_shapely().symmetric_difference(c.to_shapely()).area < 1e-6


def test_part_area_subtracts_holes() -> None:
    part = Part(
        name="plate",
        source="plate.dxf",
        outer=rounded_rect(300, 200, 10),
        holes=(circle(150, 100, 20, ccw=False),),
    )
    assert part.area == pytest.approx(300 * 200 - (4 - math.pi) * 100 - math.pi * 400)


@pytest.mark.parametrize("angle,flip", [(0, False), (90, False), (30, True), (180, True)])
def test_transform_is_rotate_then_flip_then_translate(angle: float, flip: bool) -> None:
    part = Part(
        name="p",
        source="p.dxf",
        outer=rounded_rect(80, 40, 8),
        holes=(circle(20, 20, 5, ccw=False),),
    )
    placed = part.transformed(angle, flip, 100, 50).to_shapely()
    expected = affinity.rotate(part.to_shapely(), angle, origin=(0, 0))
    if flip:
        expected = affinity.scale(expected, 1, -1, origin=(0, 0))
    expected = affinity.translate(expected, 100, 50)
    assert placed.symmetric_difference(expected).area < 1e-6
    assert part.transformed(angle, flip).outer.signed_area > 0  # outer stays CCW after a flip


def test_normalized_part_starts_at_origin() -> None:
    part = Part(name="p", source="p.dxf", outer=circle(50, 60, 10))
    box = part.normalized().bbox
    assert (box.min_x, box.min_y) == pytest.approx((0, 0))
