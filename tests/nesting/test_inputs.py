"""Invalid requests are refused before spyrrow sees them, naming what is wrong."""

from __future__ import annotations

import pytest

from nestflow.nesting import NestingInputError, NestItem, NestSheet, Orientation, solve


def test_bow_tie_outline_is_refused_naming_the_item(rect, strip_sheet, request_of):
    bow_tie = [(0, 0), (10, 10), (10, 0), (0, 10)]
    items = [NestItem(id=1, outer=rect(10, 10)), NestItem(id=42, outer=bow_tie)]
    with pytest.raises(NestingInputError, match="item 42.*Self-intersection") as caught:
        solve(request_of(items, [strip_sheet(50)]))
    assert caught.value.item_ids == [42]


def test_duplicate_item_ids_are_refused(rect, strip_sheet, request_of):
    items = [NestItem(id=3, outer=rect(10, 10)), NestItem(id=3, outer=rect(5, 5))]
    with pytest.raises(NestingInputError, match="item id 3 appears more than once") as caught:
        solve(request_of(items, [strip_sheet(50)]))
    assert caught.value.item_ids == [3]


def test_duplicate_sheet_ids_are_refused(rect, request_of):
    sheets = [NestSheet(id=8, length=100, height=100), NestSheet(id=8, length=50, height=50)]
    with pytest.raises(NestingInputError, match="sheet id 8") as caught:
        solve(request_of([NestItem(id=1, outer=rect(10, 10))], sheets))
    assert caught.value.sheet_ids == [8]


def test_hole_outside_its_outline_is_refused(rect, strip_sheet, request_of):
    item = NestItem(id=5, outer=rect(10, 10), holes=[rect(3, 3, x=20, y=20)])
    with pytest.raises(NestingInputError, match="item 5: invalid holes"):
        solve(request_of([item], [strip_sheet(50)]))


def test_zero_quantity_and_empty_orientations_are_refused(rect, strip_sheet, request_of):
    items = [
        NestItem(id=1, outer=rect(10, 10), quantity=0),
        NestItem(id=2, outer=rect(10, 10), orientations=[]),
    ]
    with pytest.raises(NestingInputError) as caught:
        solve(request_of(items, [strip_sheet(50)]))
    assert caught.value.item_ids == [1, 2]


def test_border_gaps_leaving_no_room_are_refused(rect, request_of):
    sheet = NestSheet(id=6, length=100, height=20, border_gap=(0, 0, 10, 10))
    with pytest.raises(NestingInputError, match="no usable height") as caught:
        solve(request_of([NestItem(id=1, outer=rect(5, 5))], [sheet]))
    assert caught.value.sheet_ids == [6]


def test_empty_request_is_refused(strip_sheet, request_of):
    with pytest.raises(NestingInputError, match="no items"):
        solve(request_of([], [strip_sheet(10)]))


def test_flip_and_unflip_item_is_accepted(rect, strip_sheet, request_of):
    both = [Orientation(angle=0), Orientation(angle=0, flip=True)]
    result = solve(
        request_of([NestItem(id=1, outer=rect(10, 5), orientations=both)], [strip_sheet(20)])
    )
    assert len(result.nestings[0].placements) == 1


def test_pathologically_dense_outline_is_simplified_outward_for_the_engine(circle):
    from shapely.geometry import Polygon

    from nestflow.nesting.inputs import MAX_SOLVER_POINTS, prepare_item

    outline = circle(500, n=5000)
    prepared = prepare_item(0, NestItem(id=1, outer=outline), buffer=0.0)
    assert len(prepared.shape) <= MAX_SOLVER_POINTS
    engine_outline = Polygon(prepared.shape + prepared.corner)
    assert engine_outline.buffer(1e-9).contains(Polygon(outline))
    assert engine_outline.area < Polygon(outline).area * 1.01
