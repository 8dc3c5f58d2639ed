"""DXF -> Part -> AlmaCAM contour encoding -> Part -> shapely keeps the analytic geometry."""

import math

import pytest
from shapely.geometry import Polygon

from nestflow.geometry.encoding import contour_from_almacam, contour_to_almacam
from nestflow.geometry.reader import read_drawing

#: 300 x 200 plate with R10 corners and a D40 hole.
PLATE_AREA = 300 * 200 - (4 - math.pi) * 100 - math.pi * 400


def test_exact_part_area_equals_the_analytic_area(plate_dxf) -> None:
    (part,) = read_drawing(plate_dxf)
    assert part.area == pytest.approx(PLATE_AREA, rel=1e-12)


def test_round_trip_through_almacam_encoding_keeps_the_area(plate_dxf) -> None:
    (part,) = read_drawing(plate_dxf)
    outer = contour_from_almacam(contour_to_almacam(part.outer))
    holes = [contour_from_almacam(contour_to_almacam(h)) for h in part.holes]
    polygon = Polygon(outer.points(0.05), [h.points(0.05) for h in holes])
    assert polygon.is_valid
    assert polygon.area == pytest.approx(PLATE_AREA, rel=1e-3)


def test_round_trip_keeps_every_bulge(plate_dxf) -> None:
    (part,) = read_drawing(plate_dxf)
    for contour in (part.outer, *part.holes):
        decoded = contour_from_almacam(contour_to_almacam(contour))
        assert [v.bulge for v in decoded.vertices] == pytest.approx(
            [v.bulge for v in contour.vertices], abs=1e-12
        )
