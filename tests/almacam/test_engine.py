"""The AlmaCAM engine against the AlmaCAM sandbox over HTTP: trigger, wait, fetch, previews."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.engine import AlmaCamEngine, AlmaCamNesting
from nestflow.almacam.models import StatsResult
from nestflow.engines.base import EngineResult, EngineSettings, PartOrder, SheetSpec
from nestflow.gate import UnsafeLayouts, check_layouts, ordered_parts
from nestflow.geometry.reader import read_drawing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHEET = SheetSpec(name="engine 1000x500", length=1000.0, height=500.0, quantity=5, border_gap=10)
#: The sandbox solves any order of up to 10 s in its 1 s floor (speed factor 0.1).
SETTINGS = EngineSettings(time_s=1.0, spacing=5.0)
DEADLINE_S = 60.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def lines(*files: tuple[str, int]) -> list[PartOrder]:
    """Order lines of example drawings, each part ``quantity`` times."""
    return [
        PartOrder(part=part, quantity=quantity)
        for file, quantity in files
        for part in read_drawing(EXAMPLES / file)
    ]


@dataclass(frozen=True)
class Finished:
    lines: list[PartOrder]
    nesting: AlmaCamNesting
    result: EngineResult


@pytest.fixture(scope="module")
def engine(almacam_sandbox) -> Iterator[AlmaCamEngine]:
    with AlmaCamClient(almacam_sandbox.base_url, almacam_sandbox.token, timeout=10.0) as client:
        yield AlmaCamEngine(client)


@pytest.fixture(scope="module")
def finished(engine: AlmaCamEngine) -> Finished:
    """Two gussets and a bracket, triggered, waited for and fetched."""
    order = lines(("gusset.dxf", 2), ("bracket.dxf", 1))
    nesting = engine.trigger(order, [SHEET], SETTINGS)
    nesting.wait_for_completion(DEADLINE_S)
    return Finished(order, nesting, nesting.fetch_result())


@pytest.fixture(scope="module")
def other(engine: AlmaCamEngine) -> AlmaCamNesting:
    """Another order (three tab blocks), finished."""
    nesting = engine.trigger(lines(("tab_block.dxf", 3)), [SHEET], SETTINGS)
    nesting.wait_for_completion(DEADLINE_S)
    return nesting


def test_the_layouts_hold_every_ordered_copy_of_the_parts_as_sent(finished: Finished) -> None:
    placed: Counter[str] = Counter()
    for layout in finished.result.layouts:
        for placement in layout.placements:
            placed[placement.part.name] += layout.quantity
    assert placed == {"gusset": 2, "bracket": 1}
    sent = {line.part.name: line.part.normalized() for line in finished.lines}  # as in the order
    assert all(
        p.part == sent[p.part.name] for layout in finished.result.layouts for p in layout.placements
    )
    assert finished.result.unplaced == []
    assert finished.result.files == {}


def test_the_layouts_pass_the_gate(finished: Finished) -> None:
    ordered = ordered_parts((line.part, line.quantity) for line in finished.lines)
    assert check_layouts(finished.result.layouts, ordered) == []
    layout = finished.result.layouts[0]
    assert layout.name == f"order {finished.nesting.order_id} layout 1"
    assert (layout.sheet_length, layout.sheet_height) == (1000.0, 500.0)
    assert layout.border_gap == (10.0,) * 4
    assert 0 < (layout.used_length or 0) <= layout.sheet_length


def test_foreign_reasons_is_empty_for_its_own_order(finished: Finished) -> None:
    assert finished.nesting.foreign_reasons() == []


def test_foreign_reasons_names_what_another_order_holds(
    engine: AlmaCamEngine, finished: Finished, other: AlmaCamNesting
) -> None:
    mixed = engine.nesting(other.order_id, finished.nesting.bundle)
    reasons = mixed.foreign_reasons()
    assert reasons and any("placed 3 times, ordered 2" in r for r in reasons), reasons


@pytest.fixture(scope="module")
def single(engine: AlmaCamEngine) -> AlmaCamNesting:
    """Another order of one part only (one tab block, id 1): its ids are a subset of any order's."""
    nesting = engine.trigger(lines(("tab_block.dxf", 1)), [SHEET], SETTINGS)
    nesting.wait_for_completion(DEADLINE_S)
    return nesting


def test_foreign_reasons_names_the_ordered_parts_a_subset_result_leaves_unaccounted(
    engine: AlmaCamEngine, finished: Finished, single: AlmaCamNesting
) -> None:
    mixed = engine.nesting(single.order_id, finished.nesting.bundle)
    reasons = mixed.foreign_reasons()
    assert any("'bracket'" in r and "placed 0 and 0 listed as not nested" in r for r in reasons)
    assert any("'gusset'" in r and "ordered 2, placed 1" in r for r in reasons), reasons


def test_foreign_reasons_for_an_order_the_service_does_not_know(
    engine: AlmaCamEngine, finished: Finished
) -> None:
    unknown = engine.nesting(10**9, finished.nesting.bundle)
    assert unknown.foreign_reasons() == ["the service does not know it"]


def test_fetch_result_refuses_another_orders_result(
    engine: AlmaCamEngine, finished: Finished, other: AlmaCamNesting
) -> None:
    mixed = engine.nesting(other.order_id, finished.nesting.bundle)
    mixed.wait_for_completion(DEADLINE_S)
    with pytest.raises(UnsafeLayouts):
        mixed.fetch_result()


def test_fetch_result_before_waiting_raises(engine: AlmaCamEngine, finished: Finished) -> None:
    fresh = engine.nesting(finished.nesting.order_id, finished.nesting.bundle)
    with pytest.raises(RuntimeError, match="wait_for_completion first"):
        fresh.fetch_result()
    with pytest.raises(RuntimeError, match="wait_for_completion first"):
        fresh.previews()


def test_fetch_result_on_the_stats_view_raises(engine: AlmaCamEngine, finished: Finished) -> None:
    stats = AlmaCamEngine(engine.client, view="stats").nesting(
        finished.nesting.order_id, finished.nesting.bundle
    )
    assert isinstance(stats.wait_for_completion(DEADLINE_S), StatsResult)
    with pytest.raises(RuntimeError, match="'full' view"):
        stats.fetch_result()
    previews = stats.previews()
    assert sorted(previews.images) == list(range(len(finished.result.layouts)))
    assert previews.missing == []


def test_previews_gives_one_png_per_nesting(finished: Finished) -> None:
    previews = finished.nesting.previews()
    assert sorted(previews.images) == list(range(len(finished.result.layouts)))
    assert len(finished.result.layouts) >= 1
    assert all(image.startswith(PNG_SIGNATURE) for image in previews.images.values())
    assert previews.missing == []
