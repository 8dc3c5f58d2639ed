"""The AlmaCAM client reads every answer within bounds and waits out 429s within limits.

A real server on loopback plays the answers no sandbox gives (a body dripped a byte at a time, a
gzip bomb, a huge body); the AlmaCAM sandbox, behind its fault layer, answers 429 with
``Retry-After`` and refuses an order too large with 413. ``httpx.MockTransport`` only covers what
neither can give on demand: HTTP-date ``Retry-After``, 429 without it, and waits on a fake clock.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from nestflow.almacam.client import RATE_LIMIT_PAUSE, AlmaCamClient
from nestflow.almacam.errors import (
    AlmaCamAnswerTooLarge,
    AlmaCamOrderTooLarge,
    AlmaCamRateLimited,
    AlmaCamTransportError,
)
from nestflow.almacam.models import Computing, Order, PartSpec, StatsResult
from nestflow.sandbox.almacam.gateway.app import AlmaCamLimits
from nestflow.sandbox.almacam.service import ALMACAM, build_almacam
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.faults import FaultKind, FaultPlan, FaultRule
from nestflow.sandbox.server import RunningSandbox, start_sandbox
from nestflow.waiting import WaitCancelled, cancel_waits
from tests.almacam.conftest import HELLO_WORLD
from tests.misbehaving import MIB, Misbehaving

COMPUTING_BODY = {"message": "This nesting order is still computing"}
STATS_ROUTE = r"^/result/\d+/stats$"

#: The order size limit of this module's sandbox: the hello world fits, a detailed part does not.
ORDER_LIMIT = 4096


# --- answers out of bounds, from the misbehaving server on loopback -------------------------------


def answering(server: Misbehaving, act: str, **options: Any) -> AlmaCamClient:
    """A client of the misbehaving server, whose every request gets the answer ``act``."""
    return AlmaCamClient(
        server.play(act).base_url, "token", timeout=5.0, sleep=lambda s: None, **options
    )


def test_a_dripping_result_is_cut_off_at_the_deadline_and_not_retried(
    misbehaving: Misbehaving,
) -> None:
    started = time.monotonic()
    with (
        answering(misbehaving, "drip", request_deadline=1.0) as client,
        pytest.raises(AlmaCamTransportError) as caught,
    ):
        client.result(7, "full")

    assert time.monotonic() - started < 3.0  # the drip lasts 10 s
    error = caught.value
    assert error.request_sent and error.status is None
    assert "GET /result/7/full" in str(error)
    assert "within request_deadline 1 s" in str(error)
    assert "raise request_deadline" in str(error)
    assert misbehaving.requests == 1


def test_a_dripping_submit_warns_that_the_order_may_have_landed(misbehaving: Misbehaving) -> None:
    with (
        answering(misbehaving, "drip", request_deadline=1.0) as client,
        pytest.raises(AlmaCamTransportError) as caught,
    ):
        client.submit(Order.model_validate(HELLO_WORLD))

    assert caught.value.request_sent
    assert "may have been received" in str(caught.value)
    assert misbehaving.requests == 1


def test_the_request_deadline_defaults_to_three_timeouts() -> None:
    assert AlmaCamClient("http://almacam.test", "token", timeout=4.0).request_deadline == 12.0


def test_a_gzip_bomb_is_cut_off_at_the_limit_and_not_retried(misbehaving: Misbehaving) -> None:
    started = time.monotonic()
    with (
        answering(misbehaving, "bomb", max_answer_bytes=MIB) as client,
        pytest.raises(AlmaCamAnswerTooLarge) as caught,
    ):
        client.image(7, 0)

    assert time.monotonic() - started < 5.0
    error = caught.value
    assert error.limit == MIB
    assert "larger than 1,048,576 bytes (max_answer_bytes)" in str(error)
    assert "GET /result/7/image/0 (answer cut off)" in str(error)
    assert "check that base_url points at AlmaCAM" in str(error)
    assert misbehaving.requests == 1


def test_a_huge_body_is_cut_off_at_the_limit(misbehaving: Misbehaving) -> None:
    started = time.monotonic()
    with (
        answering(misbehaving, "huge", max_answer_bytes=MIB) as client,
        pytest.raises(AlmaCamAnswerTooLarge, match="larger than 1,048,576 bytes"),
    ):
        client.result(7, "stats")

    assert time.monotonic() - started < 5.0
    assert misbehaving.requests == 1


def test_an_answer_too_large_for_a_submit_warns_that_the_order_may_have_landed(
    misbehaving: Misbehaving,
) -> None:
    with (
        answering(misbehaving, "huge", max_answer_bytes=MIB) as client,
        pytest.raises(AlmaCamAnswerTooLarge, match="may have been received all the same"),
    ):
        client.submit(Order.model_validate(HELLO_WORLD))


def test_an_answer_too_large_ends_a_wait_at_once(misbehaving: Misbehaving) -> None:
    with (
        answering(misbehaving, "huge", max_answer_bytes=MIB) as client,
        pytest.raises(AlmaCamAnswerTooLarge),
    ):
        client.wait(7, "full", expected_time=0.0, deadline=30.0, sleep=lambda s: None)

    assert misbehaving.requests == 1


# --- 429 and 413 from the AlmaCAM sandbox ---------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    """An AlmaCAM sandbox reading orders of at most :data:`ORDER_LIMIT` bytes."""
    limits = AlmaCamLimits(max_order_bytes=ORDER_LIMIT)
    service = dataclasses.replace(ALMACAM, build=functools.partial(build_almacam, limits=limits))
    with start_sandbox(SandboxConfig(almacam_port=0, speed=0.1), services=[service]) as running:
        yield running


@pytest.fixture
def pauses(sandbox: RunningSandbox) -> Iterator[list[float]]:
    """The pauses the client makes (recorded, not slept); the sandbox's faults cleared after."""
    yield []
    sandbox.faults("almacam").clear()


def client_of(sandbox: RunningSandbox, pauses: list[float], **options: Any) -> AlmaCamClient:
    return AlmaCamClient(
        sandbox.almacam_url, sandbox.almacam_token, timeout=10.0, sleep=pauses.append, **options
    )


def too_many(
    route: str, retry_after: str, times: int | None = None, method: str = "GET"
) -> FaultPlan:
    rule = FaultRule(
        route=route,
        method=method,
        kind=FaultKind.ERROR,
        status=429,
        headers={"Retry-After": retry_after},
        times=times,
    )
    return FaultPlan(rules=[rule])


def test_a_submit_answered_429_twice_lands_once_after_the_waits(
    sandbox: RunningSandbox, pauses: list[float]
) -> None:
    layer = sandbox.faults("almacam")
    with client_of(sandbox, pauses) as client:
        before = client.submit(Order.model_validate(HELLO_WORLD))
        layer.set(too_many(r"^/new$", "1", times=2, method="POST"))
        order_id = client.submit(Order.model_validate(HELLO_WORLD))

    assert pauses == [1.0, 1.0]
    assert layer.plan().rules[0].fired == 2
    assert order_id == before + 1  # the refused attempts created nothing


def test_a_submit_answered_503_is_sent_again_and_lands_once(
    sandbox: RunningSandbox, pauses: list[float]
) -> None:
    layer = sandbox.faults("almacam")
    unavailable = FaultRule(
        route=r"^/new$", method="POST", kind=FaultKind.ERROR, status=503, times=1
    )
    with client_of(sandbox, pauses) as client:
        before = client.submit(Order.model_validate(HELLO_WORLD))
        layer.set(FaultPlan(rules=[unavailable]))
        order_id = client.submit(Order.model_validate(HELLO_WORLD))

    assert len(pauses) == 1 and 0.5 <= pauses[0] <= 1.0  # the back-off, jittered
    assert layer.plan().rules[0].fired == 1
    assert order_id == before + 1  # the refused attempt created nothing


def test_a_result_answered_429_twice_is_read_after_the_waits(
    sandbox: RunningSandbox, pauses: list[float]
) -> None:
    with client_of(sandbox, pauses) as client:
        order_id = client.submit(Order.model_validate(HELLO_WORLD))
        sandbox.faults("almacam").set(too_many(STATS_ROUTE, "1", times=2))
        outcome = client.result(order_id, "stats")

    assert isinstance(outcome, StatsResult | Computing)
    assert pauses == [1.0, 1.0]


def test_a_retry_after_of_a_day_fails_at_once(sandbox: RunningSandbox, pauses: list[float]) -> None:
    layer = sandbox.faults("almacam")
    layer.set(too_many(r"^/new$", "86400", method="POST"))
    with client_of(sandbox, pauses) as client, pytest.raises(AlmaCamRateLimited) as caught:
        client.submit(Order.model_validate(HELLO_WORLD))

    assert pauses == []
    assert layer.plan().rules[0].fired == 1
    error = caught.value
    assert (error.status, error.retry_after, error.answers) == (429, 86400.0, 1)
    assert "AlmaCAM POST /new (HTTP 429)" in str(error)
    assert "asks to wait 86400 s (Retry-After), longer than max_retry_after 60 s" in str(error)
    assert "the request was not processed" in str(error)


def test_more_429s_than_the_waits_allowed_fail_naming_the_count(
    sandbox: RunningSandbox, pauses: list[float]
) -> None:
    sandbox.faults("almacam").set(too_many(STATS_ROUTE, "1"))
    with (
        client_of(sandbox, pauses, max_rate_limit_waits=2) as client,
        pytest.raises(AlmaCamRateLimited) as caught,
    ):
        client.result(1, "stats")

    assert pauses == [1.0, 1.0]
    assert caught.value.answers == 3
    assert "still refused after 2 pause(s), 3 answers 429 in a row" in str(caught.value)
    assert "(max_rate_limit_waits 2)" in str(caught.value)


def test_an_order_over_the_services_size_limit_is_refused_as_too_large(
    sandbox: RunningSandbox, pauses: list[float]
) -> None:
    outline = [[float(x), float(x % 7)] for x in range(1000)] + [[1000.0, 50.0], [0.0, 50.0]]
    order = Order.model_validate(HELLO_WORLD)
    order.parts.append(PartSpec.model_validate({"geometry": [outline], "instances": [{"id": 7}]}))

    with client_of(sandbox, pauses) as client, pytest.raises(AlmaCamOrderTooLarge) as caught:
        client.submit(order)

    assert caught.value.status == 413
    assert f"The order is larger than {ORDER_LIMIT:,} bytes" in str(caught.value)
    assert "nothing was created: send fewer parts per order" in str(caught.value)


# --- 429 details on mocked answers ----------------------------------------------------------------


def mocked(answers: list[httpx.Response], pauses: list[float], **options: Any) -> AlmaCamClient:
    pending = list(answers)
    return AlmaCamClient(
        "http://almacam.test",
        "token",
        transport=httpx.MockTransport(lambda request: pending.pop(0)),
        sleep=pauses.append,
        **options,
    )


def limited(**headers: str) -> httpx.Response:
    return httpx.Response(429, json={"message": "Too many requests"}, headers=headers)


def test_a_retry_after_date_is_waited_out() -> None:
    pauses: list[float] = []
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    client = mocked(
        [limited(**{"Retry-After": when}), httpx.Response(202, json=COMPUTING_BODY)], pauses
    )

    assert isinstance(client.result(3), Computing)
    [pause] = pauses
    assert 28.0 <= pause <= 30.0


def test_without_retry_after_the_back_off_doubles_and_jitter_only_shortens_it() -> None:
    pauses: list[float] = []
    client = mocked([limited()] * 4 + [httpx.Response(202, json=COMPUTING_BODY)], pauses)

    client.result(3)

    nominal = [RATE_LIMIT_PAUSE * 2**i for i in range(4)]
    assert [n / 2 <= p <= n for p, n in zip(pauses, nominal, strict=True)] == [True] * 4


def test_the_back_off_never_exceeds_max_retry_after() -> None:
    pauses: list[float] = []
    answers = [limited()] * 5 + [httpx.Response(202, json=COMPUTING_BODY)]

    mocked(answers, pauses, max_retry_after=3.0).result(3)

    assert len(pauses) == 5
    assert all(1.5 <= pause <= 3.0 for pause in pauses[2:])  # 4, 8, 16 s capped, then jittered


def test_a_429_pause_past_the_deadline_of_a_wait_ends_it_at_once() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    client = mocked([limited(**{"Retry-After": "20"})], [])
    with pytest.raises(AlmaCamRateLimited) as caught:
        client.wait(3, "full", expected_time=5.0, deadline=10.0, sleep=sleep, clock=lambda: now[0])

    assert slept == [5.0]  # the expected time only: the 20 s asked for were never slept
    assert "in 20.0 s (Retry-After), past the wait's deadline (5.0 s left)" in str(caught.value)


def test_429_pauses_of_a_wait_use_the_waits_sleep() -> None:
    client_pauses: list[float] = []
    wait_pauses: list[float] = []
    answers = [
        limited(**{"Retry-After": "2"}),
        httpx.Response(200, json={"message": "ok", "nestings": []}),
    ]
    client = mocked(answers, client_pauses)

    client.wait(3, "full", expected_time=0.0, deadline=30.0, sleep=wait_pauses.append)

    assert client_pauses == []
    assert wait_pauses == [0.0, 2.0]


@pytest.mark.usefixtures("fresh_cancel_flag")
def test_a_cancelled_429_pause_stops_without_sending_again() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        return limited(**{"Retry-After": "5"})

    client = AlmaCamClient(
        "http://almacam.test",
        "token",
        transport=httpx.MockTransport(handler),
        sleep=lambda seconds: cancel_waits("test"),
    )
    with pytest.raises(WaitCancelled):
        client.submit(Order.model_validate(HELLO_WORLD))

    assert sent == ["POST"]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("max_answer_bytes", 0),
        ("request_deadline", 0.0),
        ("max_rate_limit_waits", -1),
        ("max_retry_after", -1.0),
    ],
)
def test_limits_that_would_fail_every_request_are_refused(option: str, value: float) -> None:
    with pytest.raises(ValueError, match=option):
        AlmaCamClient("http://almacam.test", "token", **{option: value})
