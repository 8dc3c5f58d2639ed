"""The AlmaCAM tasks, called directly against the AlmaCAM sandbox over HTTP.

Every order here has a ``time`` of its own, so no two tests (nor other test modules) share an
order content, and the submit cache of one never answers for another.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from nestflow.almacam.errors import AlmaCamNotFound, AlmaCamTimeout, AlmaCamTransportError
from nestflow.blocks.settings import SheetFormat
from nestflow.tasks.almacam import (
    OrderInDoubt,
    answered_since,
    build_order,
    fetch_previews,
    order_is_current,
    submit_order,
    wait_result,
)
from tests.pipeline.tasks.support import SHEET, checked

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class FinishedOrder:
    bundle: Any
    order_id: int
    result: Any


@pytest.fixture(scope="module")
def finished(almacam_credentials) -> FinishedOrder:
    """Two gussets and a bracket, submitted and nested to the end."""
    bundle = build_order(checked(("gusset.dxf", 2), "bracket.dxf"), [SHEET], 1.01, 5.0)
    order_id = submit_order(almacam_credentials, bundle)
    result = wait_result(almacam_credentials, order_id, "full", bundle, 60.0)
    return FinishedOrder(bundle, order_id, result)


def _placed(result: Any) -> Counter[int]:
    placed: Counter[int] = Counter()
    for nesting in result.nestings:
        for part in nesting.nested_parts:
            placed[part.id] += nesting.quantity
    return placed


# ------------------------------------------------------------------------------ build


def test_build_order_orders_each_part_in_its_drawings_quantity() -> None:
    bundle = build_order(checked(("gusset.dxf", 2), "bracket.dxf"), [SHEET], 1.0, 5.0)
    parts = {i: (p.name, p.source, p.quantity) for i, p in bundle.index.parts.items()}
    assert parts == {1: ("gusset", "gusset.dxf", 2), 2: ("bracket", "bracket.dxf", 1)}


def test_build_order_numbers_the_sheet_formats_from_one_in_stock_order() -> None:
    other = SheetFormat(name="tasks 2000x1000", length=2000.0, height=1000.0)
    bundle = build_order(checked("gusset.dxf"), [SHEET, other], 1.0, 5.0)
    assert {j: (s.length, s.height) for j, s in bundle.sheets.items()} == {
        1: (1000.0, 500.0),
        2: (2000.0, 1000.0),
    }


def test_build_order_refuses_an_order_without_parts() -> None:
    with pytest.raises(ValueError, match="at least one part"):
        build_order([], [SHEET], 1.0, 5.0)


# ----------------------------------------------------------------------------- submit


def test_submit_order_is_cached_on_the_order_content(almacam_credentials) -> None:
    bundle = build_order(checked("tab_block.dxf"), [SHEET], 1.02, 5.0)
    first = submit_order(almacam_credentials, bundle)
    second = submit_order(almacam_credentials, bundle)
    assert second == first
    with almacam_credentials.get_client() as client, pytest.raises(AlmaCamNotFound):
        client.result(first + 1, "stats")  # no second order was sent


def _no_order_after(credentials, order_id: int) -> bool:
    with credentials.get_client() as client:
        try:
            client.result(order_id + 1, "stats")
        except AlmaCamNotFound:
            return True
    return False


def test_a_submit_whose_answer_was_lost_stops_the_next_one_saying_an_order_may_exist(
    almacam_credentials, answer_lost
) -> None:
    bundle = build_order(checked("tab_block.dxf"), [SHEET], 1.03, 5.0)
    with pytest.raises(AlmaCamTransportError):
        submit_order(almacam_credentials, bundle)  # landed: the sandbox holds order N
    landed = _last_order(almacam_credentials)

    with pytest.raises(OrderInDoubt, match=r"a billed order may already exist.*in_doubt=resend"):
        submit_order(almacam_credentials, bundle)

    assert _no_order_after(almacam_credentials, landed)


def test_in_doubt_resend_submits_the_unanswered_order_once_more(
    almacam_credentials, answer_lost
) -> None:
    bundle = build_order(checked("tab_block.dxf"), [SHEET], 1.04, 5.0)
    with pytest.raises(AlmaCamTransportError):
        submit_order(almacam_credentials, bundle)
    landed = _last_order(almacam_credentials)

    order_id = submit_order(almacam_credentials, bundle, resubmit_unanswered=True)

    assert order_id == landed + 1
    assert submit_order(almacam_credentials, bundle) == order_id  # answered now: cached


def test_an_answered_submit_is_reused_when_the_task_cache_is_gone(almacam_credentials) -> None:
    bundle = build_order(checked("tab_block.dxf"), [SHEET], 1.05, 5.0)
    first = submit_order(almacam_credentials, bundle)

    again = submit_order.with_options(refresh_cache=True)(almacam_credentials, bundle)

    assert again == first and _no_order_after(almacam_credentials, first)


def test_a_stale_order_is_replaced_not_reused(almacam_credentials) -> None:
    bundle = build_order(checked("tab_block.dxf"), [SHEET], 1.06, 5.0)
    stale = submit_order(almacam_credentials, bundle)

    fresh = submit_order.with_options(refresh_cache=True)(
        almacam_credentials, bundle, replacing=stale
    )

    assert fresh == stale + 1


def _last_order(credentials) -> int:
    """The highest order id the sandbox knows (ids are consecutive from 1): a galloping search."""
    high = 1
    while not _no_order_after(credentials, high):
        high *= 2
    low = high // 2
    while low < high:  # the last order lies in [low, high]
        middle = (low + high) // 2
        low, high = (low, middle) if _no_order_after(credentials, middle) else (middle + 1, high)
    return low


# ------------------------------------------------------------------- remembered order


def test_order_is_current_for_the_order_that_answers_for_its_parts(
    almacam_credentials, finished
) -> None:
    assert order_is_current(almacam_credentials, finished.order_id, finished.bundle) is True


def test_order_is_current_is_false_for_an_order_id_of_another_job(
    almacam_credentials, finished
) -> None:
    gussets_only = build_order(checked("gusset.dxf"), [SHEET], 1.01, 5.0)
    assert order_is_current(almacam_credentials, finished.order_id, gussets_only) is False


def test_order_is_current_is_false_for_an_order_the_service_does_not_know(
    almacam_credentials, finished
) -> None:
    assert order_is_current(almacam_credentials, 10**9, finished.bundle) is False


def test_answered_since_tells_the_order_this_run_submitted_from_a_remembered_one(
    almacam_credentials, finished
) -> None:
    before = datetime.now(UTC)
    assert not answered_since(almacam_credentials, finished.bundle, finished.order_id, before)
    fresh = build_order(checked("bracket.dxf"), [SHEET], 1.07, 5.0)
    order_id = submit_order(almacam_credentials, fresh)
    assert answered_since(almacam_credentials, fresh, order_id, before)
    assert not answered_since(almacam_credentials, fresh, order_id + 1, before)


# ------------------------------------------------------------------------------- wait


def test_wait_result_returns_the_layouts_of_every_ordered_copy(finished) -> None:
    assert _placed(finished.result) == {1: 2, 2: 1}


def test_wait_result_gives_up_after_its_deadline_naming_the_order(almacam_credentials) -> None:
    # A 250 s budget is 2.5 s in the session's sandbox (speed 0.01): still computing when the
    # 0.2 s wait ends, however long a loaded machine takes to start the waiting task. Enough
    # copies that the solver uses its budget (it stops early on a few parts).
    bundle = build_order(checked(("gusset.dxf", 150), ("bracket.dxf", 150)), [SHEET], 250.0, 5.0)
    order_id = submit_order(almacam_credentials, bundle)
    with pytest.raises(AlmaCamTimeout, match=rf"order {order_id} not finished after"):
        wait_result(almacam_credentials, order_id, "full", bundle, 0.2)


# ---------------------------------------------------------------------------- previews


def test_fetch_previews_returns_one_png_preview_per_nesting(almacam_credentials, finished) -> None:
    count = len(finished.result.nestings)
    previews = fetch_previews(almacam_credentials, finished.order_id, count)
    assert sorted(previews.images) == list(range(count))
    assert all(image.startswith(PNG_SIGNATURE) for image in previews.images.values())
    assert previews.missing == []


def test_fetch_previews_names_a_preview_it_cannot_get_and_does_not_fail(
    almacam_credentials, finished
) -> None:
    count = len(finished.result.nestings)
    previews = fetch_previews(almacam_credentials, finished.order_id, count + 1)
    assert sorted(previews.images) == list(range(count))
    (missing,) = previews.missing
    assert (missing.order_id, missing.index) == (finished.order_id, count)
    assert missing.endpoint == f"GET /result/{finished.order_id}/image/{count}"
    assert missing.reason.startswith("HTTP 404")
