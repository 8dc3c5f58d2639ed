"""Every piece placed when it fits (issue 23 item 3): tilings with a little room, whole, every time.

Apart from the other nesting tests so that the test workers run them side by side: each takes
the solver some 20-40 s of a busy CI machine (it stops when every piece is placed and one more
solve has settled the used length).
"""

from __future__ import annotations

import pytest
from shapely.geometry import Polygon

from nestflow.nesting import NestItem, NestRequest, NestSheet, Orientation, check_result, solve
from tests.nesting.tilings import cut_rectangle, grid

FOUR_WAYS = [Orientation(angle=a) for a in (0, 90, 180, 270)]


def _tiling_request(pieces: list[Polygon], side: float, time_limit: float) -> NestRequest:
    items = [
        NestItem(id=k + 1, outer=list(p.exterior.coords)[:-1], orientations=FOUR_WAYS)
        for k, p in enumerate(pieces)
    ]
    sheet = NestSheet(id=1, length=side, height=side, quantity=1)
    return NestRequest(items=items, sheets=[sheet], time_limit=time_limit, seed=0)


#: A generous budget: the solver stops as soon as every piece is placed on the one sheet and one
#: more solve (or the length bound) settles the used length (a few seconds on a quiet machine);
#: a loaded machine may use more of it, so the test holds without reading the load.
TILING_SECONDS = 60


@pytest.mark.parametrize("seed", [0, 3, 11])
def test_every_piece_of_a_cut_square_is_placed_on_a_sheet_with_ten_percent_room(seed):
    request = _tiling_request(cut_rectangle(100, 100, 9, seed), 110, time_limit=TILING_SECONDS)
    result = solve(request)
    assert result.unplaced == []
    assert check_result(request, result) == []


def test_a_three_by_three_grid_of_rectangles_is_placed_on_a_sheet_with_five_percent_room():
    request = _tiling_request(grid(100, 100, 3, 3), 105, time_limit=TILING_SECONDS)
    result = solve(request)
    assert result.unplaced == []
    assert check_result(request, result) == []
