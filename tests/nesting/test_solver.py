"""Behaviour of nestflow.nesting.solve on small instances (1-3 s budgets)."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from shapely.geometry import Polygon

from nestflow.nesting import (
    NestingError,
    NestItem,
    NestRequest,
    NestSheet,
    Orientation,
    check_result,
    solve,
)
from tests.pace import load_factor


def test_single_strip_places_every_part_and_reports_used_length(
    rect, circle, four_ways, strip_sheet, request_of, placed_shapes
):
    items = [
        NestItem(id=1, outer=rect(40, 25), quantity=6, orientations=four_ways),
        NestItem(id=2, outer=circle(15), quantity=4),
    ]
    request = request_of(items, [strip_sheet(100)])
    result = solve(request)
    assert result.unplaced == []
    assert len(result.nestings) == 1
    nesting = result.nestings[0]
    assert nesting.quantity == 1 and len(nesting.placements) == 10
    shapes = [g for _, _, g in placed_shapes(request, result)]
    assert nesting.length == pytest.approx(max(g.bounds[2] for g in shapes))
    part_area = sum(g.area for g in shapes)
    assert part_area / (nesting.length * 100) > 0.6
    assert check_result(request, result) == []


def test_repeated_sheet_is_reported_once_with_its_multiplicity(rect, request_of):
    # 4 squares of 100 fill a 210 x 210 sheet; 12 squares make 3 identical sheets.
    items = [NestItem(id=5, outer=rect(100, 100), quantity=12)]
    sheets = [NestSheet(id=9, length=210, height=210, quantity=5)]
    request = request_of(items, sheets, time_limit=3)
    result = solve(request)
    assert result.unplaced == []
    assert sum(n.quantity for n in result.nestings) == 3
    assert any(n.quantity >= 2 for n in result.nestings)
    assert check_result(request, result) == []


def test_several_formats_are_used_in_order_and_items_go_where_they_fit(rect, request_of):
    items = [
        NestItem(id=1, outer=rect(90, 90), quantity=3),
        NestItem(id=2, outer=rect(250, 40), quantity=2),  # too long for the small sheet
    ]
    sheets = [
        NestSheet(id=10, length=200, height=100, quantity=1),
        NestSheet(id=20, length=300, height=300, quantity=2),
    ]
    request = request_of(items, sheets, time_limit=2)
    result = solve(request)
    assert result.unplaced == []
    on_small = [p.item_id for n in result.nestings if n.sheet_id == 10 for p in n.placements]
    assert on_small and set(on_small) == {1}
    on_large = [p.item_id for n in result.nestings if n.sheet_id == 20 for p in n.placements]
    assert on_large.count(2) == 2
    assert check_result(request, result) == []


def test_parts_beyond_the_available_sheets_are_unplaced_with_no_sheet_left(rect, request_of):
    items = [NestItem(id=3, outer=rect(100, 100), quantity=7)]
    sheets = [NestSheet(id=1, length=205, height=205, quantity=1)]
    request = request_of(items, sheets)
    result = solve(request)
    placed = sum(len(n.placements) * n.quantity for n in result.nestings)
    assert placed == 4
    assert [(u.item_id, u.count, u.reason) for u in result.unplaced] == [(3, 3, "no sheet left")]
    assert check_result(request, result) == []


def test_border_gap_keeps_parts_away_from_each_edge(rect, four_ways, request_of, placed_shapes):
    items = [NestItem(id=1, outer=rect(60, 30), quantity=10, orientations=four_ways)]
    sheets = [NestSheet(id=1, length=300, height=200, border_gap=(7, 11, 13, 17))]
    request = request_of(items, sheets)
    result = solve(request)
    assert result.unplaced == []
    for _, _, shape in placed_shapes(request, result):
        minx, miny, maxx, maxy = shape.bounds
        assert minx >= 7 - 1e-3 and maxx <= 300 - 11 + 1e-3
        assert miny >= 13 - 1e-3 and maxy <= 200 - 17 + 1e-3


def test_spacing_is_the_larger_offset_of_each_pair(rect, circle, request_of, placed_shapes):
    items = [
        NestItem(id=1, outer=rect(50, 30), quantity=6, spacing=2.0),
        NestItem(id=2, outer=circle(12), quantity=6, spacing=6.0),
    ]
    request = request_of(items, [NestSheet(id=1, length=None, height=90)])
    result = solve(request)
    assert result.unplaced == []
    spacing = {1: 2.0, 2: 6.0}
    shapes = placed_shapes(request, result)
    for (_, a, ga), (_, b, gb) in itertools.combinations(shapes, 2):
        assert ga.distance(gb) >= max(spacing[a], spacing[b]) - 1e-3
    # The edge rule is the border gap (0 here), not the spacing: parts may touch the sheet edge.
    assert min(g.bounds[1] for _, _, g in shapes) < 2.0


def test_only_listed_orientations_appear(l_shape, strip_sheet, request_of):
    allowed = [Orientation(angle=90), Orientation(angle=270)]
    items = [NestItem(id=4, outer=l_shape, quantity=6, orientations=allowed)]
    request = request_of(items, [strip_sheet(420)])
    result = solve(request)
    angles = {(p.angle, p.flip) for n in result.nestings for p in n.placements}
    assert angles and angles <= {(90.0, False), (270.0, False)}
    assert check_result(request, result) == []


def test_flip_only_item_comes_back_flipped_without_overlap(
    l_shape, strip_sheet, request_of, placed_shapes
):
    items = [
        NestItem(id=6, outer=l_shape, quantity=5, orientations=[Orientation(angle=30, flip=True)]),
        NestItem(id=7, outer=l_shape, quantity=3),
    ]
    request = request_of(items, [strip_sheet(400)])
    result = solve(request)
    poses = [(p.item_id, p.angle, p.flip) for n in result.nestings for p in n.placements]
    assert sorted(poses) == [(6, 30.0, True)] * 5 + [(7, 0.0, False)] * 3
    shapes = [g for _, _, g in placed_shapes(request, result)]
    for ga, gb in itertools.combinations(shapes, 2):
        assert ga.intersection(gb).area < 1e-2
    assert check_result(request, result) == []


def test_holes_travel_with_the_placed_part(rect, four_ways, strip_sheet, request_of, placed_shapes):
    outer = rect(120, 80, x=500, y=-300)  # away from the origin on purpose
    hole = rect(40, 20, x=530, y=-270)
    items = [NestItem(id=8, outer=outer, holes=[hole], quantity=4, orientations=four_ways)]
    request = request_of(items, [strip_sheet(200)])
    result = solve(request)
    for _, _, shape in placed_shapes(request, result):
        assert len(shape.interiors) == 1
        assert shape.area == pytest.approx(120 * 80 - 40 * 20)
        assert shape.bounds[1] >= -1e-3 and shape.bounds[3] <= 200 + 1e-3
    assert check_result(request, result) == []


def test_defects_are_kept_clear_of_parts(rect, request_of, placed_shapes):
    defects = [rect(40, 40, x=0, y=0), rect(30, 60, x=150, y=80)]
    sheets = [NestSheet(id=2, length=300, height=200, quantity=3, defects=defects)]
    items = [NestItem(id=1, outer=rect(45, 45), quantity=14, spacing=3.0)]
    request = request_of(items, sheets, time_limit=2)
    result = solve(request)
    assert sum(len(n.placements) * n.quantity for n in result.nestings) == 14
    for _, _, shape in placed_shapes(request, result):
        assert shape.distance(Polygon(defects[0])) >= 3 - 1e-3
        assert shape.distance(Polygon(defects[1])) >= 3 - 1e-3
    assert check_result(request, result) == []


def test_part_fitting_no_sheet_is_unplaced_with_the_sheet_sizes(rect, request_of):
    items = [
        NestItem(id=1, outer=rect(50, 50), quantity=2),
        NestItem(id=2, outer=rect(500, 260), quantity=3, orientations=[Orientation(angle=0)]),
    ]
    sheets = [NestSheet(id=4, length=1000, height=250, border_gap=(5, 5, 5, 5))]
    request = request_of(items, sheets)
    result = solve(request)
    [entry] = result.unplaced
    assert (entry.item_id, entry.count) == (2, 3)
    assert "1000 x 250" in entry.reason and "usable 990 x 240" in entry.reason
    assert sum(len(n.placements) for n in result.nestings) == 2


def test_time_budget_is_kept_within_two_seconds(rect, circle, four_ways, request_of):
    items = [
        NestItem(id=1, outer=rect(300, 200), quantity=12, orientations=four_ways, spacing=4),
        NestItem(id=2, outer=circle(80), quantity=10, spacing=4),
    ]
    sheets = [NestSheet(id=1, length=1000, height=500, quantity=10)]
    request = request_of(items, sheets, time_limit=3)
    # The work after the deadline (gap filling, the final free-room search) is CPU-bound: its
    # 2 s quiet allowance stretches with the load measured now.
    allowance = 2 * load_factor()
    started = time.monotonic()
    result = solve(request)
    took = time.monotonic() - started
    assert took < 3 + allowance, f"took {took:.1f} s, allowance {allowance:.1f} s"
    assert result.unplaced == []


def test_progress_messages_name_each_sheet(rect, request_of):
    messages: list[str] = []
    items = [NestItem(id=1, outer=rect(100, 100), quantity=6)]
    sheets = [NestSheet(id=1, length=210, height=210, quantity=3)]
    solve(request_of(items, sheets, time_limit=2), progress=messages.append)
    assert any(m.startswith("sheet 1") and "%" in m for m in messages)
    assert messages[-1].startswith("done: 6 parts")


def test_engine_panic_becomes_a_nesting_error(rect, strip_sheet, request_of, monkeypatch):
    class FakePanic(BaseException):
        """Stands in for pyo3_runtime.PanicException, which spyrrow raises on bad input."""

    def explode(*_args, **_kwargs):
        raise FakePanic("called `Option::unwrap()` on a `None` value")

    monkeypatch.setattr("spyrrow.StripPackingInstance", explode)
    request = request_of([NestItem(id=1, outer=rect(10, 10))], [strip_sheet(20)])
    with pytest.raises(NestingError, match="spyrrow failed.*FakePanic"):
        solve(request)


def test_strip_defects_are_avoided_and_no_copy_is_lost(
    rect, strip_sheet, request_of, placed_shapes
):
    defect = rect(30, 100, x=60, y=0)  # a full-height band across the strip
    items = [NestItem(id=1, outer=rect(25, 25), quantity=12)]
    request = request_of(items, [strip_sheet(100, defects=[defect])])
    result = solve(request)
    assert result.unplaced == []
    for _, _, shape in placed_shapes(request, result):
        assert shape.intersection(Polygon(defect)).area == 0
    assert check_result(request, result) == []


def test_concurrent_solves_in_threads_are_independent(rect, circle, strip_sheet, request_of):
    requests = [
        request_of([NestItem(id=1, outer=rect(30, 20), quantity=8)], [strip_sheet(60)]),
        request_of([NestItem(id=2, outer=circle(10), quantity=9)], [strip_sheet(45)]),
    ]
    results: dict[int, object] = {}

    def run(k: int) -> None:
        results[k] = solve(requests[k])

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)  # a safety net only: each solve ends on its own time limit
    assert sorted(results) == [0, 1]
    for k, request in enumerate(requests):
        assert check_result(request, results[k]) == []
        assert {p.item_id for p in results[k].nestings[0].placements} == {k + 1}


def test_layout_is_settled_into_the_bottom_left_corner() -> None:
    square = NestItem(id=1, outer=[(0, 0), (10, 0), (10, 10), (0, 10)], quantity=3)
    sheet = NestSheet(id=1, length=100, height=50, border_gap=(2, 2, 3, 3))
    result = solve(NestRequest(items=[square], sheets=[sheet], time_limit=1, seed=0))
    xs = [p.x for n in result.nestings for p in n.placements]
    ys = [p.y for n in result.nestings for p in n.placements]
    assert min(xs) == pytest.approx(2.0, abs=1e-6)
    assert min(ys) == pytest.approx(3.0, abs=1e-6)
