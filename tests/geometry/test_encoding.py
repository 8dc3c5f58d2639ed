"""AlmaCAM contour encoding: bul, sag, cir and plain vertices read into the same exact arcs."""

import math

import pytest

from nestflow.geometry.encoding import (
    ContourEncodingError,
    contour_from_almacam,
    contour_to_almacam,
)
from nestflow.geometry.models import Contour, Vertex

SLOT = Contour(  # obround 40 x 10: two straight sides, two half circles (CCW)
    vertices=(
        Vertex(x=5, y=0),
        Vertex(x=35, y=0, bulge=1.0),
        Vertex(x=35, y=10),
        Vertex(x=5, y=10, bulge=1.0),
    )
)
SLOT_AREA = 30 * 10 + math.pi * 25


def test_straight_edges_encode_as_plain_vertices_and_arcs_as_bul() -> None:
    encoded = contour_to_almacam(SLOT)
    assert encoded[0] == [5, 0]
    assert encoded[1] == {"x": 35, "y": 0, "bul": 1.0}


def test_encoding_round_trip_keeps_exact_area() -> None:
    decoded = contour_from_almacam(contour_to_almacam(SLOT))
    assert decoded.area == pytest.approx(SLOT_AREA, rel=1e-12)


def test_sagitta_reads_as_the_same_arc_as_bulge() -> None:
    sag = [[5, 0], {"x": 35, "y": 0, "sag": 5.0}, [35, 10], {"x": 5, "y": 10, "sag": 5.0}]
    assert contour_from_almacam(sag).area == pytest.approx(SLOT_AREA, rel=1e-12)


def test_centre_and_direction_read_as_the_same_arc_as_bulge() -> None:
    cir = [
        [5, 0],
        {"x": 35, "y": 0, "cir": {"x": 35, "y": 5, "dir": True}},
        [35, 10],
        {"x": 5, "y": 10, "cir": {"x": 5, "y": 5, "dir": True}},
    ]
    assert contour_from_almacam(cir).area == pytest.approx(SLOT_AREA, rel=1e-12)


def test_clockwise_centre_arc_gives_negative_bulge() -> None:
    c = contour_from_almacam([{"x": 3, "y": 5, "cir": {"x": 5, "y": 5, "dir": False}}, [7, 5]])
    assert c.vertices[0].bulge == pytest.approx(-1.0)


def test_repeated_closing_vertex_is_dropped() -> None:
    c = contour_from_almacam([[0, 0], [10, 0], [10, 10], [0, 0]])
    assert len(c.vertices) == 3


def test_two_arc_keys_on_one_vertex_are_rejected_with_its_index() -> None:
    with pytest.raises(ContourEncodingError, match="vertex 1"):
        contour_from_almacam([[0, 0], {"x": 1, "y": 0, "bul": 1, "sag": 1}, [1, 1]])
