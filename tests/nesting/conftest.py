"""Shapes and request builders for the nesting tests (small, fast instances)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from shapely.geometry import Polygon

from nestflow.nesting import (
    NestItem,
    NestRequest,
    NestResult,
    NestSheet,
    Orientation,
    Point,
    placed_polygon,
)

Shape = list[Point]


def _rect(w: float, h: float, x: float = 0.0, y: float = 0.0) -> Shape:
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def _circle(r: float, n: int = 32, cx: float = 0.0, cy: float = 0.0) -> Shape:
    return [
        (cx + r * math.cos(2 * math.pi * k / n), cy + r * math.sin(2 * math.pi * k / n))
        for k in range(n)
    ]


@pytest.fixture
def rect() -> Callable[..., Shape]:
    """``rect(w, h, x=0, y=0)``: axis-aligned rectangle."""
    return _rect


@pytest.fixture
def circle() -> Callable[..., Shape]:
    """``circle(r, n=32, cx=0, cy=0)``: regular polygon approximating a circle."""
    return _circle


@pytest.fixture
def l_shape() -> Shape:
    """A chiral L: 200 x 150 with a 60 thick leg (mirroring changes it)."""
    return [(0, 0), (200, 0), (200, 60), (60, 60), (60, 150), (0, 150)]


@pytest.fixture
def four_ways() -> list[Orientation]:
    """The axis-aligned orientations without flip."""
    return [Orientation(angle=a) for a in (0, 90, 180, 270)]


@pytest.fixture
def strip_sheet() -> Callable[..., NestSheet]:
    """``strip_sheet(height, **kw)``: infinite-length sheet with id 1."""

    def make(height: float, **kw: object) -> NestSheet:
        return NestSheet(id=1, length=None, height=height, **kw)

    return make


@pytest.fixture
def request_of() -> Callable[..., NestRequest]:
    """``request_of(items, sheets, time_limit=1, seed=7)``."""

    def make(
        items: list[NestItem], sheets: list[NestSheet], time_limit: float = 1, seed: int = 7
    ) -> NestRequest:
        return NestRequest(items=items, sheets=sheets, time_limit=time_limit, seed=seed)

    return make


@pytest.fixture
def placed_shapes() -> Callable[[NestRequest, NestResult], list[tuple[int, int, Polygon]]]:
    """``placed_shapes(request, result)`` -> ``[(nesting index, item id, placed polygon)]``."""

    def collect(request: NestRequest, result: NestResult) -> list[tuple[int, int, Polygon]]:
        items = {i.id: i for i in request.items}
        return [
            (k, p.item_id, placed_polygon(items[p.item_id], p))
            for k, nesting in enumerate(result.nestings)
            for p in nesting.placements
        ]

    return collect
