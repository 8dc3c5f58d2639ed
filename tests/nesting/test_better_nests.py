"""Issue 11 item 4: part-in-part, no copy left out while it fits, offcut clear of the parts."""

from __future__ import annotations

import itertools

import pytest
from shapely.geometry import Polygon

from nestflow.nesting import (
    ItemPlacement,
    NestItem,
    NestRequest,
    NestResult,
    NestSheet,
    Orientation,
    SolverLayout,
    check_result,
    placed_polygon,
    solve,
)
from nestflow.nesting.strip import StripPlacement, StripSolution

FOUR_WAYS = [Orientation(angle=a) for a in (0, 90, 180, 270)]


def _panel_with_two_windows(rect, quantity: int = 1, spacing: float = 5.0, **kw) -> NestItem:
    """2000 x 1000 panel with two 800 x 600 cut-outs (the case of the issue)."""
    holes = [rect(800, 600, x=100, y=200), rect(800, 600, x=1100, y=200)]
    return NestItem(
        id=1, outer=rect(2000, 1000), holes=holes, quantity=quantity, spacing=spacing, **kw
    )


def _holes_of_hosts(request: NestRequest, result: NestResult, host_id: int) -> list[Polygon]:
    items = {i.id: i for i in request.items}
    return [
        Polygon(ring)
        for n in result.nestings
        for p in n.placements
        if p.item_id == host_id
        for ring in placed_polygon(items[host_id], p).interiors
    ]


def _tight_sheet() -> NestSheet:
    """Only the panel fits: 60 mm of room around it, too little for the small parts."""
    return NestSheet(id=1, length=2060, height=1060, quantity=1)


def test_small_parts_are_nested_inside_the_holes_of_a_large_part(rect, request_of, placed_shapes):
    items = [
        _panel_with_two_windows(rect),
        NestItem(id=2, outer=rect(180, 130), quantity=12, spacing=5.0),
    ]
    request = request_of(items, [_tight_sheet()], time_limit=2)
    result = solve(request)
    assert result.unplaced == []
    holes = _holes_of_hosts(request, result, host_id=1)
    smalls = [g for _, item_id, g in placed_shapes(request, result) if item_id == 2]
    assert len(smalls) == 12
    assert all(any(hole.contains(g) for hole in holes) for g in smalls)
    assert check_result(request, result) == []


def test_parts_in_holes_keep_the_spacing_from_the_hole_edge_and_from_each_other(
    rect, circle, request_of, placed_shapes
):
    items = [
        _panel_with_two_windows(rect, spacing=5.0),
        NestItem(id=2, outer=rect(150, 100), quantity=6, spacing=12.0),
        NestItem(id=3, outer=circle(60), quantity=4, spacing=3.0),
    ]
    request = request_of(items, [_tight_sheet()], time_limit=2)
    result = solve(request)
    assert result.unplaced == []
    spacing = {i.id: i.spacing for i in items}
    shapes = placed_shapes(request, result)
    for (_, a, ga), (_, b, gb) in itertools.combinations(shapes, 2):
        assert ga.distance(gb) >= max(spacing[a], spacing[b]) - 1e-3
    assert check_result(request, result) == []


def test_parts_in_holes_only_take_their_allowed_orientations(rect, l_shape, request_of):
    half_turns = [Orientation(angle=0), Orientation(angle=180)]
    items = [
        _panel_with_two_windows(rect, orientations=half_turns),
        NestItem(id=2, outer=l_shape, quantity=6, orientations=[Orientation(angle=90)]),
        NestItem(id=3, outer=l_shape, quantity=4, orientations=half_turns),
    ]
    request = request_of(items, [_tight_sheet()], time_limit=2)
    result = solve(request)
    poses = {(p.item_id, p.angle, p.flip) for n in result.nestings for p in n.placements}
    assert {pose for pose in poses if pose[0] == 2} <= {(2, 90.0, False)}
    assert {pose for pose in poses if pose[0] == 3} <= {(3, 0.0, False), (3, 180.0, False)}
    assert 3 not in {u.item_id for u in result.unplaced}
    assert check_result(request, result) == []


def test_a_mirrored_host_carries_its_embedded_parts_without_overlap(rect, l_shape, request_of):
    items = [
        _panel_with_two_windows(rect, orientations=[Orientation(angle=90, flip=True)]),
        NestItem(id=2, outer=l_shape, quantity=6, orientations=FOUR_WAYS),
    ]
    sheet = NestSheet(id=1, length=1060, height=2060, quantity=1)
    request = request_of(items, [sheet], time_limit=2)
    result = solve(request)
    assert result.unplaced == []
    assert check_result(request, result) == []


def test_part_in_part_can_be_switched_off(rect, request_of):
    items = [
        _panel_with_two_windows(rect),
        NestItem(id=2, outer=rect(180, 130), quantity=12, spacing=5.0),
    ]
    request = request_of(items, [_tight_sheet()], time_limit=2)
    request = request.model_copy(update={"part_in_part": False})
    result = solve(request)
    assert [(u.item_id, u.count) for u in result.unplaced] == [(2, 12)]


def test_parts_planned_for_the_holes_are_placed_whichever_host_copy_gets_the_sheet(
    rect, request_of
):
    # 30 small parts fill one panel's holes; the other copy stays empty, and only one panel fits
    # the single sheet: the copy on the sheet must carry the small parts, the other is unplaced.
    items = [
        _panel_with_two_windows(rect, quantity=2),
        NestItem(id=2, outer=rect(180, 130), quantity=30, spacing=5.0),
    ]
    request = request_of(items, [_tight_sheet()], time_limit=2)
    result = solve(request)
    assert [(u.item_id, u.count) for u in result.unplaced] == [(1, 1)]
    assert check_result(request, result) == []


def test_parts_of_a_host_left_without_a_sheet_go_into_the_room_left_on_the_sheets(rect, request_of):
    # Both panel copies get small parts in their holes; only one panel fits the single sheet,
    # so the other copy's small parts must come out of it and use the room beside the panel.
    items = [
        _panel_with_two_windows(rect, quantity=2),
        NestItem(id=2, outer=rect(180, 130), quantity=24, spacing=5.0),
    ]
    sheet = NestSheet(id=1, length=2600, height=1060, quantity=1)
    request = request_of(items, [sheet], time_limit=2)
    result = solve(request)
    assert [(u.item_id, u.count) for u in result.unplaced] == [(1, 1)]
    assert check_result(request, result) == []


def _validation_request(rect) -> NestRequest:
    items = [
        NestItem(id=1, outer=rect(100, 100), holes=[rect(60, 60, x=20, y=20)], spacing=2.0),
        NestItem(id=2, outer=rect(20, 20), spacing=2.0),
    ]
    return NestRequest(items=items, sheets=[NestSheet(id=1, length=200, height=200)], time_limit=1)


def _two_part_result(x: float, y: float) -> NestResult:
    placements = [
        ItemPlacement(item_id=1, angle=0, flip=False, x=0, y=0),
        ItemPlacement(item_id=2, angle=0, flip=False, x=x, y=y),
    ]
    nesting = SolverLayout(sheet_id=1, quantity=1, length=100, height=200, placements=placements)
    return NestResult(nestings=[nesting], unplaced=[])


def test_validation_accepts_a_part_inside_a_hole(rect):
    assert check_result(_validation_request(rect), _two_part_result(40, 40)) == []


def test_validation_rejects_a_part_too_close_to_the_hole_edge(rect):
    problems = check_result(_validation_request(rect), _two_part_result(21, 40))
    assert any("required distance 2" in p for p in problems)


def test_validation_rejects_a_part_across_the_hole_edge(rect):
    problems = check_result(_validation_request(rect), _two_part_result(10, 40))
    assert any("overlap" in p for p in problems)


def _one_row(
    items, height, seconds, seed=None, early_termination=True, workers=None
) -> StripSolution:
    """A poor strip solver: every copy in one row (so a sheet-long window overflows)."""
    placements, x = [], 0.0
    for item in items:
        width = max(px for px, _ in item.shape)
        for _ in range(item.demand):
            placements.append(StripPlacement(item.key, 0.0, x, 0.0))
            x += width
    return StripSolution(x, placements, 0.0)


def test_copies_left_off_by_the_strip_solver_go_into_the_free_room_of_the_sheet(
    rect, request_of, monkeypatch
):
    monkeypatch.setattr("nestflow.nesting.sheets.solve_strip", _one_row)
    items = [NestItem(id=1, outer=rect(10, 10), quantity=4)]
    request = request_of(items, [NestSheet(id=1, length=21, height=21, quantity=1)])
    result = solve(request)
    assert result.unplaced == []
    assert sum(len(n.placements) for n in result.nestings) == 4
    assert check_result(request, result) == []


# ------------------------------------------------------------------ offcut


def test_offcut_lies_one_spacing_beyond_the_rightmost_part(rect, request_of, placed_shapes):
    items = [NestItem(id=1, outer=rect(100, 80), quantity=3, spacing=6.0)]
    request = request_of(items, [NestSheet(id=1, length=1000, height=100)])
    result = solve(request)
    [nesting] = result.nestings
    right = max(g.bounds[2] for _, _, g in placed_shapes(request, result))
    assert nesting.length == pytest.approx(right + 6.0)


def test_offcut_uses_the_spacing_of_the_part_that_reaches_furthest(rect, request_of):
    items = [
        NestItem(id=1, outer=rect(100, 80), quantity=1, spacing=2.0),
        NestItem(id=2, outer=rect(10, 10), quantity=1, spacing=9.0),
    ]
    request = request_of(items, [NestSheet(id=1, length=1000, height=100)])
    result = solve(request)
    items_by_id = {i.id: i for i in items}
    [nesting] = result.nestings
    reach = max(
        placed_polygon(items_by_id[p.item_id], p).bounds[2] + items_by_id[p.item_id].spacing
        for p in nesting.placements
    )
    assert nesting.length == pytest.approx(reach)


def test_offcut_is_capped_at_the_sheet_length(rect, request_of):
    items = [NestItem(id=1, outer=rect(100, 50), quantity=1, spacing=5.0)]
    request = request_of(items, [NestSheet(id=1, length=102, height=60)])
    result = solve(request)
    [nesting] = result.nestings
    assert nesting.length == pytest.approx(102.0)
    assert check_result(request, result) == []
