"""check_result finds every kind of broken layout."""

from __future__ import annotations

import pytest

from nestflow.nesting import (
    ItemPlacement,
    NestItem,
    NestResult,
    NestSheet,
    Orientation,
    SolverLayout,
    Unplaced,
    check_result,
)


@pytest.fixture
def square_request(rect, request_of):
    items = [NestItem(id=1, outer=rect(10, 10), quantity=2, spacing=1.0)]
    sheets = [
        NestSheet(
            id=1, length=100, height=50, border_gap=(2, 2, 2, 2), defects=[rect(5, 5, x=80, y=30)]
        )
    ]
    return request_of(items, sheets)


def _result(*positions, quantity=1, length=100.0, angle=0.0, flip=False, unplaced=()):
    placements = [ItemPlacement(item_id=1, angle=angle, flip=flip, x=x, y=y) for x, y in positions]
    nesting = SolverLayout(
        sheet_id=1, quantity=quantity, length=length, height=50, placements=placements
    )
    return NestResult(nestings=[nesting], unplaced=list(unplaced))


def test_valid_layout_has_no_problem(square_request):
    assert check_result(square_request, _result((2, 2), (13, 2), length=23)) == []


def test_injected_overlap_is_reported(square_request):
    problems = check_result(square_request, _result((2, 2), (7, 2)))
    assert any("overlap" in p for p in problems)


def test_f32_sized_touching_is_tolerated(rect, request_of):
    items = [NestItem(id=1, outer=rect(10, 10), quantity=2)]
    request = request_of(items, [NestSheet(id=1, length=100, height=50)])
    assert check_result(request, _result((0, 0), (9.9997, 0), length=20)) == []


def test_spacing_shortfall_is_reported(square_request):
    problems = check_result(square_request, _result((2, 2), (12.5, 2)))
    assert any("0.5000 apart" in p for p in problems)


def test_border_gap_crossing_is_reported(square_request):
    problems = check_result(square_request, _result((1, 2), (20, 2)))
    assert any("left border gap" in p for p in problems)


def test_defect_contact_is_reported(square_request):
    problems = check_result(square_request, _result((2, 2), (72, 30)))
    assert any("defect 0" in p for p in problems)


def test_orientation_not_listed_is_reported(square_request):
    problems = check_result(square_request, _result((12, 12), (30, 2), angle=90))
    assert any("orientation angle=90" in p for p in problems)


def test_lost_copies_are_reported(square_request):
    problems = check_result(square_request, _result((2, 2)))
    assert any("1 placed + 0 unplaced != quantity 2" in p for p in problems)


def test_unplaced_copies_count_towards_the_quantity(square_request):
    unplaced = [Unplaced(item_id=1, count=1, reason="no sheet left")]
    assert check_result(square_request, _result((2, 2), unplaced=unplaced)) == []


def test_using_more_sheets_than_available_is_reported(square_request):
    problems = check_result(square_request, _result((2, 2), quantity=2))
    assert any("2 sheets used, only 1 available" in p for p in problems)


def test_flipped_placement_needs_a_flipped_orientation(rect, request_of):
    items = [NestItem(id=1, outer=rect(10, 10), orientations=[Orientation(angle=0, flip=True)])]
    request = request_of(items, [NestSheet(id=1, length=100, height=50)])
    assert check_result(request, _result((0, 10), flip=True)) == []
    assert check_result(request, _result((0, 0), flip=False)) != []
