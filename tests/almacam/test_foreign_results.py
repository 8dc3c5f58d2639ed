"""Whether a result read under an order's id is that order's: ids, counts, and sizes.

A restarted AlmaCAM numbers its orders from 1 again, so a remembered order id may answer with
another job's result. The order here is a bracket (id 1, 180 x 120 mm) and a gusset (id 2,
150 x 150 mm) on 1000 x 500 mm sheets; the results are built as the service writes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nestflow.almacam.models import FullResult, StatsResult
from nestflow.almacam.orders import OrderBundle, foreign_result_reasons, order_bundle
from nestflow.engines.base import EngineSettings, PartOrder
from nestflow.geometry.reader import read_drawing
from nestflow.stock import SheetFormat

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHEET = SheetFormat(name="1000x500", length=1000.0, height=500.0, quantity=5, border_gap=0.0)


@pytest.fixture(scope="module")
def bundle() -> OrderBundle:
    """The order: one bracket (id 1) and one gusset (id 2)."""
    lines = [
        PartOrder(part=part, quantity=1)
        for name in ("bracket.dxf", "gusset.dxf")
        for part in read_drawing(EXAMPLES / name)
    ]
    return order_bundle(lines, [SHEET], EngineSettings(time_s=1.0, spacing=5.0))


def placed(part_id: int, x: float, y: float = 0.0) -> dict[str, Any]:
    return {"id": part_id, "angle": 0.0, "flip": False, "position": [x, y]}


def full(*nestings: dict[str, Any], **extra: Any) -> FullResult:
    return FullResult.model_validate(
        {"message": "successfully completed", "nestings": list(nestings), **extra}
    )


def nesting(*parts: dict[str, Any], length: float, sheet: int = 1) -> dict[str, Any]:
    return {"sheet": sheet, "quantity": 1, "length": length, "nested_parts": list(parts)}


def test_its_own_result_is_not_foreign(bundle: OrderBundle) -> None:
    result = full(nesting(placed(1, 0.0), placed(2, 190.0), length=340.0))
    assert foreign_result_reasons(result, bundle) == []


def test_a_result_whose_ids_are_a_subset_is_foreign_naming_the_part_not_accounted_for(
    bundle: OrderBundle,
) -> None:
    # issue 19: another job's one panel (id 1) placed once, nothing listed as left out
    result = full(nesting(placed(1, 0.0), length=400.0))
    assert foreign_result_reasons(result, bundle) == [
        "part 'gusset' from gusset.dxf: ordered 1, placed 0 and 0 listed as not nested: "
        "the copies do not add up"
    ]


def test_a_part_the_result_lists_as_not_nested_is_accounted_for(bundle: OrderBundle) -> None:
    left_out = [{"id": 2, "quantity": 1, "reason": "does not fit"}]
    result = full(nesting(placed(1, 0.0), length=180.0), unplaced_parts=left_out)
    assert foreign_result_reasons(result, bundle) == []


def test_placed_and_listed_copies_beyond_the_order_are_foreign(bundle: OrderBundle) -> None:
    left_out = [{"id": 2, "quantity": 1, "reason": "does not fit"}]
    result = full(nesting(placed(1, 0.0), placed(2, 190.0), length=340.0), unplaced_parts=left_out)
    reasons = foreign_result_reasons(result, bundle)
    assert reasons == [
        "part 'gusset' from gusset.dxf: ordered 1, placed 1 and 1 listed as not nested: "
        "the copies do not add up"
    ]


def test_a_part_placed_more_often_than_ordered_is_foreign(bundle: OrderBundle) -> None:
    result = full(nesting(placed(1, 0.0), placed(1, 0.0, 200.0), placed(2, 190.0), length=340.0))
    assert foreign_result_reasons(result, bundle) == [
        "part 'bracket' from bracket.dxf placed 2 times, ordered 1"
    ]


def test_ids_the_order_does_not_have_are_foreign(bundle: OrderBundle) -> None:
    result = full(
        nesting(placed(1, 0.0), placed(2, 190.0), placed(9, 400.0), length=500.0, sheet=7)
    )
    reasons = foreign_result_reasons(result, bundle)
    assert "sheet id 7 is not in the order" in reasons
    assert "part id 9 is not in the order" in reasons


def test_a_stats_result_too_short_for_the_parts_area_is_foreign(bundle: OrderBundle) -> None:
    # every id accounted for, but 34,189 mm² of parts do not fit in 20 x 500 mm of sheet
    stats = StatsResult.model_validate(
        {
            "message": "successfully completed",
            "nestings": [
                {"sheet": 1, "quantity": 1, "length": 20.0, "nested_parts": [{"id": 1}, {"id": 2}]}
            ],
        }
    )
    (reason,) = foreign_result_reasons(stats, bundle)
    assert reason.startswith("nesting 1: the parts it lists cover 34,189 mm²")
    assert "more than its used 20 x 500 mm of sheet" in reason


def test_a_full_result_placing_a_part_past_its_used_length_is_foreign(bundle: OrderBundle) -> None:
    # the area fits in 200 x 500 mm, but the 180 mm bracket at x = 100 reaches x = 280
    result = full(nesting(placed(2, 0.0), placed(1, 100.0, 200.0), length=200.0))
    (reason,) = foreign_result_reasons(result, bundle)
    assert "part 'bracket' from bracket.dxf placed there would span x 100.0..280.0" in reason
    assert "a part of another size was placed there" in reason
