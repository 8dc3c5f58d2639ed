"""Issue 23: the stop rule of the last sheet (fits on the fewest sheets, then its length bound)."""

from __future__ import annotations

from nestflow.nesting import NestItem, NestSheet, check_result, solve
from nestflow.nesting.strip import StripPlacement, StripSolution


def _grid_solver(calls: list[int | None]):
    """A strip solver laying copies in columns of rows as high as the strip (records seeds)."""

    def solve_strip(items, height, seconds, seed=None, early_termination=True):
        calls.append(seed)
        placements, x, y, column = [], 0.0, 0.0, 0.0
        for item in items:
            width = max(px for px, _ in item.shape)
            tall = max(py for _, py in item.shape)
            for _ in range(item.demand):
                if y + tall > height:
                    x, y = x + column, 0.0
                placements.append(StripPlacement(item.key, 0.0, x, y))
                y += tall
                column = max(column, width)
        return StripSolution(x + column, placements, 0.0)

    return solve_strip


def test_a_last_sheet_used_to_its_length_bound_is_not_solved_again(rect, request_of, monkeypatch):
    # Four 10 x 10 squares in two columns on a 20-high sheet: everything fits, on the one sheet
    # the area allows, and 20 long is the area bound (400 / 20): nothing left to improve.
    calls: list[int | None] = []
    monkeypatch.setattr("nestflow.nesting.sheets.solve_strip", _grid_solver(calls))
    items = [NestItem(id=1, outer=rect(10, 10), quantity=4)]
    request = request_of(items, [NestSheet(id=1, length=100, height=20, quantity=1)], time_limit=60)
    result = solve(request)
    assert result.unplaced == []
    assert len(calls) == 1
    assert check_result(request, result) == []


def test_a_last_sheet_longer_than_its_bound_gets_one_more_solve_with_another_seed(
    rect, request_of, monkeypatch
):
    # On a 30-high sheet the grid solver's columns of three leave the last square alone: 20
    # long against an area bound of 400 / 30 = 13.3, so one more solve (new seed) may shorten it.
    calls: list[int | None] = []
    monkeypatch.setattr("nestflow.nesting.sheets.solve_strip", _grid_solver(calls))
    items = [NestItem(id=1, outer=rect(10, 10), quantity=4)]
    request = request_of(items, [NestSheet(id=1, length=100, height=30, quantity=1)], time_limit=60)
    result = solve(request)
    assert result.unplaced == []
    assert len(calls) == 2
    assert calls[0] != calls[1]
