"""The local engine task: our solver in this process, no service involved."""

from __future__ import annotations

import threading

import pytest

from nestflow.engines import PartOrder
from nestflow.stock import SheetFormat
from nestflow.tasks.local import nest_locally
from tests.pipeline.tasks.support import checked

SHEET = SheetFormat(name="tasks 1000x500", length=1000.0, height=500.0, quantity=5, border_gap=10.0)


def _orders(*files: tuple[str, int]) -> list[PartOrder]:
    drawings = checked(*files)
    return [PartOrder(part=part, quantity=d.terms.quantity) for d in drawings for part in d.parts]


def test_nest_locally_places_every_ordered_copy_on_the_sheets() -> None:
    result = nest_locally(_orders(("gusset.dxf", 3), ("bracket.dxf", 2)), [SHEET], 1.0, 5.0, 60.0)
    placed: dict[str, int] = {}
    for layout in result.layouts:
        for placement in layout.placements:
            placed[placement.part.name] = placed.get(placement.part.name, 0) + layout.quantity
    assert placed == {"gusset": 3, "bracket": 2}
    assert result.unplaced == []


def test_nest_locally_names_a_part_that_fits_no_sheet() -> None:
    tiny = SheetFormat(name="tiny", length=100.0, height=100.0, quantity=1, border_gap=0.0)
    result = nest_locally(_orders(("gusset.dxf", 2)), [tiny], 1.0, 5.0, 60.0)
    assert result.layouts == []
    assert [u.split(": ")[0] for u in result.unplaced] == [
        "2 x part 'gusset' from gusset.dxf not nested"
    ]
    assert "too large" in result.unplaced[0]


def test_nest_locally_gives_up_after_its_deadline() -> None:
    lines = _orders(("gusset.dxf", 3))
    before = set(threading.enumerate())
    with pytest.raises(TimeoutError, match="did not finish within 0.05 s"):
        nest_locally(lines, [SHEET], 1.0, 5.0, 0.05)
    left = [t for t in set(threading.enumerate()) - before if "_solve" in t.name]
    for thread in left:
        thread.join(30.0)


def test_a_solve_left_running_after_its_deadline_holds_the_process_until_it_ends() -> None:
    # An interpreter shutting down under a running spyrrow solve aborts the process (SIGABRT):
    # the solver thread is not a daemon, so the process waits for the solve's own time limit.
    lines = _orders(("gusset.dxf", 3))
    before = set(threading.enumerate())
    with pytest.raises(TimeoutError):
        nest_locally(lines, [SHEET], 1.0, 5.0, 0.05)
    left = [t for t in set(threading.enumerate()) - before if "_solve" in t.name]
    assert left and not any(t.daemon for t in left)
    for thread in left:
        thread.join(30.0)
