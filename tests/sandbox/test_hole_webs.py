"""The minimum-web rule both sandboxes share: which two holes are too close, if any."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from nestflow.sandbox.hole_webs import thinnest_web


def test_a_web_of_zero_checks_nothing() -> None:
    assert thinnest_web([box(0, 0, 1, 1), box(1, 0, 2, 1)], 0.0) is None


def test_the_thinnest_of_several_webs_under_the_minimum_is_named() -> None:
    holes = [box(0, 0, 10, 10), box(10.8, 0, 20, 10), box(20.3, 0, 30, 10), box(50, 0, 60, 10)]
    web = thinnest_web(holes, 1.0)
    assert web is not None
    assert (web.first, web.second, web.width) == (1, 2, pytest.approx(0.3))


def test_holes_exactly_the_minimum_apart_pass() -> None:
    assert thinnest_web([box(0, 0, 10, 10), box(11, 0, 20, 10)], 1.0) is None
