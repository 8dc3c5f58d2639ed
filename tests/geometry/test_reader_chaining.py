"""The reader's building blocks: edge chaining, reversal with bulges, flattening, gap pairing."""

import math
import random

import numpy as np
import pytest

from nestflow.geometry.chaining import (
    chain_pieces,
    pair_gaps,
    reverse_closed,
    reverse_open,
)
from nestflow.geometry.entities import Piece
from nestflow.geometry.models import Contour, Vertex
from nestflow.geometry.outlines import EdgeArrays, signed_area

#: A 40 x 20 slot: two straight edges and two half circles (CCW).
SLOT = [(0.0, 0.0, 0.0), (40.0, 0.0, 1.0), (40.0, 20.0, 0.0), (0.0, 20.0, 1.0)]


def _contour(vertices, closed=True) -> Contour:
    return Contour(vertices=tuple(Vertex(x=x, y=y, bulge=b) for x, y, b in vertices), closed=closed)


def _edges_of(vertices):
    """The closed contour cut into one open piece per edge."""
    n = len(vertices)
    return [
        [(*vertices[i][:2], vertices[i][2]), (*vertices[(i + 1) % n][:2], 0.0)] for i in range(n)
    ]


def test_reversed_closed_contour_is_the_lead_models_reversal() -> None:
    assert reverse_closed(SLOT) == [(v.x, v.y, v.bulge) for v in _contour(SLOT).reversed().vertices]


def test_reversed_open_path_is_the_lead_models_reversal() -> None:
    path = [(0.0, 0.0, 0.5), (10.0, 0.0, -0.25), (10.0, 10.0, 0.0)]
    expected = _contour(path, closed=False).reversed().vertices
    assert reverse_open(path) == [(v.x, v.y, v.bulge) for v in expected]


def test_shuffled_and_reversed_edges_chain_into_the_same_loop() -> None:
    rng = random.Random(7)
    edges = _edges_of(SLOT)
    pieces = [Piece("0", e if rng.random() < 0.5 else reverse_open(e), False) for e in edges]
    rng.shuffle(pieces)
    chains = chain_pieces(pieces, tolerance=0.01)
    (loop, _layer), *others = chains.loops
    assert not others and not chains.trails and not chains.loose_ends
    assert abs(signed_area(loop)) == pytest.approx(abs(signed_area(SLOT)), rel=1e-12)


def test_loose_ends_and_branches_are_reported() -> None:
    pieces = [
        Piece("0", [(0, 0, 0), (10, 0, 0)], False),
        Piece("0", [(10, 0, 0), (10, 10, 0)], False),
        Piece("0", [(10, 0, 0), (20, 0, 0)], False),
    ]
    chains = chain_pieces(pieces, tolerance=0.01)
    assert chains.branches == [((10, 0), 3)]
    assert sorted(chains.loose_ends) == [(0, 0), (10, 10), (20, 0)]


def test_gaps_pair_the_nearest_loose_ends_first() -> None:
    gaps = pair_gaps([(0, 0), (100, 0), (1, 0), (100, 3)])
    assert gaps == [((0, 0), (1, 0)), ((100, 0), (100, 3))]


def test_vectorised_flattening_gives_the_models_points() -> None:
    rng = random.Random(3)
    loops = [
        [
            (rng.uniform(-50, 50), rng.uniform(-50, 50), rng.choice([0.0, 1.0, -0.4, 2.5]))
            for _ in range(rng.randint(2, 6))
        ]
        for _ in range(50)
    ]
    coords, ring = EdgeArrays(loops).flattened(0.05)
    expected = [p for vs in loops for p in _contour(vs).points(0.05)]
    owners = [k for k, vs in enumerate(loops) for _ in _contour(vs).points(0.05)]
    assert np.allclose(coords, expected, rtol=0, atol=1e-9)
    assert ring.tolist() == owners


def test_exact_area_of_a_slot() -> None:
    assert signed_area(SLOT) == pytest.approx(40 * 20 + math.pi * 100, rel=1e-12)


def test_vectorised_areas_equal_the_models_exact_areas() -> None:
    rng = random.Random(5)
    loops = [
        [(rng.uniform(-50, 50), rng.uniform(-50, 50), rng.uniform(-2, 2)) for _ in range(5)]
        for _ in range(30)
    ]
    expected = [_contour(vs).signed_area for vs in loops]
    assert EdgeArrays(loops).signed_areas() == pytest.approx(expected, rel=1e-9, abs=1e-9)
