"""The AlmaCAM client: over real HTTP against the sandbox, and on mocked answers it cannot give.

``httpx.MockTransport`` is used only for what the sandbox does not produce: ``Retry-After``,
5xx answers, dropped connections, undocumented answers, and waits measured on a fake clock.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from nestflow.almacam.client import (
    FIRST_POLL_PAUSE,
    GET_RETRIES,
    MAX_POLL_PAUSE,
    PNG_SIGNATURE,
    AlmaCamClient,
    parse_retry_after,
)
from nestflow.almacam.errors import (
    AlmaCamAuthError,
    AlmaCamNotFound,
    AlmaCamProtocolError,
    AlmaCamServerError,
    AlmaCamTimeout,
    AlmaCamTransportError,
    AlmaCamValidationError,
)
from nestflow.almacam.models import Computing, FullResult, Instance, Order, StatsResult
from nestflow.almacam.orders import OrderLine, OrderSheet, build_order
from nestflow.geometry.models import Contour, Part, Vertex

SECRET = "s3cr3t-token-value"
BASE = "http://almacam.test"

FULL_BODY = {
    "message": "successfully completed",
    "nestings": [
        {
            "sheet": 1,
            "quantity": 1,
            "length": 1.0,
            "nested_parts": [{"id": 1, "angle": 0.0, "flip": False, "position": [0.0, 0.0]}],
        }
    ],
}
COMPUTING_BODY = {"message": "This nesting order is still computing"}


class FakeTime:
    """A clock that only moves when slept on; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class NoJitter(random.Random):
    """Jitter source that never shortens a pause (pauses equal the nominal back-off)."""

    def random(self) -> float:
        return 0.0


Handler = Callable[[httpx.Request], httpx.Response]


def _mocked(handler: Handler, **kwargs: Any) -> AlmaCamClient:
    return AlmaCamClient(
        BASE, SECRET, transport=httpx.MockTransport(handler), sleep=lambda s: None, **kwargs
    )


def _ready_at(when: float, fake: FakeTime, polls: list[float]) -> Handler:
    """A result view that answers 202 until the fake clock reaches ``when``, then the result."""

    def handler(request: httpx.Request) -> httpx.Response:
        polls.append(fake.now)
        if fake.now < when:
            return httpx.Response(202, json=COMPUTING_BODY)
        return httpx.Response(200, json=FULL_BODY)

    return handler


def _wait(client: AlmaCamClient, fake: FakeTime, **kwargs: Any) -> FullResult:
    options: dict[str, Any] = {"expected_time": 5.0, "deadline": 60.0, "rng": NoJitter()} | kwargs
    result = client.wait(7, "full", sleep=fake.sleep, clock=fake.clock, **options)
    assert isinstance(result, FullResult)
    return result


# --- waiting: schedule, Retry-After, deadline (fake clock) ---------------------------------------


def test_wait_sleeps_the_expected_time_before_the_first_poll() -> None:
    fake, polls = FakeTime(), []
    _wait(_mocked(_ready_at(5.0, fake, polls)), fake)
    assert polls == [5.0]
    assert fake.sleeps == [5.0]


def test_wait_backs_off_from_a_quarter_second_doubling_up_to_one_second() -> None:
    fake, polls = FakeTime(), []
    _wait(_mocked(_ready_at(60.0, fake, polls)), fake, deadline=120.0)
    pauses = fake.sleeps[1:]
    assert pauses[:3] == [FIRST_POLL_PAUSE, 0.5, MAX_POLL_PAUSE]
    assert set(pauses[3:]) == {MAX_POLL_PAUSE}


@pytest.mark.parametrize("late", [0.0, 0.1, 0.3, 0.6, 0.76, 1.0, 1.2, 1.4, 3.3, 7.9, 30.0])
def test_a_result_ready_after_the_expected_time_is_held_within_a_second(late: float) -> None:
    fake, polls = FakeTime(), []
    ready = 5.0 + late
    _wait(_mocked(_ready_at(ready, fake, polls)), fake, rng=random.Random(late))
    after_ready = [t for t in polls if t >= ready]
    assert len(after_ready) == 1
    assert after_ready[0] - ready < 1.0


def test_jitter_only_ever_shortens_a_pause() -> None:
    fake, polls = FakeTime(), []
    _wait(_mocked(_ready_at(40.0, fake, polls)), fake, rng=random.Random(3))
    nominal = [min(FIRST_POLL_PAUSE * 2**i, MAX_POLL_PAUSE) for i in range(len(fake.sleeps) - 1)]
    for pause, cap in zip(fake.sleeps[1:], nominal, strict=True):
        assert 0.8 * cap <= pause <= cap


def test_retry_after_of_a_202_replaces_the_back_off() -> None:
    fake = FakeTime()
    answers = iter(
        [
            httpx.Response(202, json=COMPUTING_BODY, headers={"Retry-After": "3"}),
            httpx.Response(200, json=FULL_BODY),
        ]
    )
    _wait(_mocked(lambda request: next(answers)), fake)
    assert fake.sleeps == [5.0, 3.0]


def test_wait_never_sleeps_past_the_deadline_and_then_times_out() -> None:
    fake, polls = FakeTime(), []
    client = _mocked(_ready_at(1e9, fake, polls))
    with pytest.raises(AlmaCamTimeout) as caught:
        _wait(client, fake, expected_time=2.0, deadline=6.0)
    assert fake.now == pytest.approx(6.0)
    assert polls[-1] == pytest.approx(6.0)  # one last look at the deadline
    error = caught.value
    assert (error.order_id, error.last_status, error.polls) == (7, 202, len(polls))
    assert "order 7 not finished after 6.0 s" in str(error)
    assert "GET /result/7/full" in str(error)


def test_an_expected_time_beyond_the_deadline_is_cut_to_the_deadline() -> None:
    fake, polls = FakeTime(), []
    with pytest.raises(AlmaCamTimeout):
        _wait(_mocked(_ready_at(1e9, fake, polls)), fake, expected_time=100.0, deadline=10.0)
    assert fake.sleeps == [10.0]
    assert polls == [10.0]


def test_retry_after_beyond_the_deadline_is_cut_to_the_deadline() -> None:
    fake = FakeTime()
    computing = httpx.Response(202, json=COMPUTING_BODY, headers={"Retry-After": "120"})
    with pytest.raises(AlmaCamTimeout):
        _wait(_mocked(lambda request: computing), fake, expected_time=1.0, deadline=4.0)
    assert fake.sleeps == [1.0, 3.0]


def test_wait_polls_through_server_errors_and_dropped_connections() -> None:
    fake, seen = FakeTime(), []

    answers: list[httpx.Response | Exception] = [
        httpx.Response(500, json={"message": "down"}),
        httpx.ReadError("connection reset"),
        httpx.Response(200, json=FULL_BODY),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    _wait(_mocked(handler), fake, on_poll=lambda n, elapsed, status: seen.append(status))
    assert seen == [500, None, 200]


def test_a_timeout_after_failing_polls_reports_no_answer_and_keeps_the_cause() -> None:
    fake = FakeTime()

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(AlmaCamTimeout) as caught:
        _wait(_mocked(down), fake, expected_time=1.0, deadline=2.0)
    assert caught.value.last_status is None
    assert "last answer: no answer" in str(caught.value)
    assert isinstance(caught.value.__cause__, AlmaCamTransportError)


def test_an_order_failing_while_solving_ends_the_wait_naming_the_part(bracket_part) -> None:
    # The sandbox refuses bad orders at submission already; a failure found by the engine later
    # (HTTP 400 from the result view) is the vendor's behaviour it cannot produce on demand.
    _, index = build_order([OrderLine(part=bracket_part)], [OrderSheet(length=10, height=5)], 1)
    failed = {
        "message": "An error occured",
        "errors": [{"error_code": -996, "message": "Invalid geometry", "parts": [1]}],
    }
    answers = iter([httpx.Response(202, json=COMPUTING_BODY), httpx.Response(400, json=failed)])
    fake = FakeTime()
    with pytest.raises(AlmaCamValidationError) as caught:
        _wait(_mocked(lambda request: next(answers)), fake, index=index)
    error = caught.value
    assert (error.order_id, error.endpoint, error.codes()) == (7, "GET /result/7/full", [-996])
    assert "order 7 failed while being solved" in str(error)
    assert "part 'bracket-2' from bracket.dxf" in str(error)


# --- single requests on answers the sandbox does not give ---------------------------------------


def test_a_5xx_result_is_a_server_error_naming_the_endpoint() -> None:
    client = _mocked(lambda request: httpx.Response(502, text="Bad Gateway"))
    with pytest.raises(AlmaCamServerError) as caught:
        client.result(12, "stats")
    assert caught.value.status == 502
    assert "GET /result/12/stats" in str(caught.value)
    assert "retry later" in str(caught.value)


def test_a_read_only_request_is_retried_after_a_dropped_connection() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(200, json=FULL_BODY)

    assert isinstance(_mocked(handler).result(7), FullResult)
    assert calls == ["/result/7/full", "/result/7/full"]


def test_a_read_only_request_gives_up_after_its_retries() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(AlmaCamTransportError, match="check the base URL"):
        _mocked(handler).image(7, 0)
    assert len(calls) == GET_RETRIES + 1


def test_submit_is_never_retried_and_warns_the_order_may_have_landed(hello_world_order) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(AlmaCamTransportError) as caught:
        _mocked(handler).submit(Order.model_validate(hello_world_order))
    assert calls == ["POST"]
    assert caught.value.request_sent
    assert "may have been received" in str(caught.value)


def test_submit_that_could_not_connect_says_it_is_safe_to_resubmit(hello_world_order) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(AlmaCamTransportError) as caught:
        _mocked(handler).submit(Order.model_validate(hello_world_order))
    assert not caught.value.request_sent
    assert "safe to submit it again" in str(caught.value)


def test_an_undocumented_status_is_a_protocol_error() -> None:
    client = _mocked(
        lambda request: httpx.Response(406, json={"message": "This API requests json format"})
    )
    with pytest.raises(AlmaCamProtocolError, match="This API requests json format"):
        client.result(3)


def test_a_result_body_of_the_wrong_shape_is_a_protocol_error() -> None:
    client = _mocked(lambda request: httpx.Response(200, json={"message": "ok"}))
    with pytest.raises(AlmaCamProtocolError, match="not a valid FullResult"):
        client.result(3, "full")


def test_an_image_that_is_not_a_png_is_a_protocol_error() -> None:
    client = _mocked(lambda request: httpx.Response(200, content=b"<html>login</html>"))
    with pytest.raises(AlmaCamProtocolError, match="not a PNG"):
        client.image(3, 0)


def test_a_202_without_retry_after_is_computing_with_no_hint() -> None:
    outcome = _mocked(lambda request: httpx.Response(202, json=COMPUTING_BODY)).result(3)
    assert outcome == Computing(message=COMPUTING_BODY["message"], retry_after=None)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


# --- the token stays secret ----------------------------------------------------------------------


def test_the_client_repr_does_not_show_the_token() -> None:
    client = _mocked(lambda request: httpx.Response(200, json=FULL_BODY))
    assert SECRET not in repr(client)
    assert SECRET not in str(client)


def test_an_empty_token_is_refused_naming_the_credentials_block() -> None:
    with pytest.raises(ValueError, match="AlmaCamCredentials"):
        AlmaCamClient(BASE, "")


# --- over real HTTP against the AlmaCAM sandbox -------------------------------------------------


def _bowtie() -> Part:
    crossing = [(0, 0), (10, 10), (10, 0), (0, 10)]
    return Part(
        name="bowtie",
        source="bowtie.dxf",
        outer=Contour(vertices=tuple(Vertex(x=x, y=y) for x, y in crossing)),
    )


def test_hello_world_full_result_has_the_documented_shape(solved_hello_world) -> None:
    (nesting,) = solved_hello_world.result.nestings
    assert (nesting.sheet, nesting.quantity) == (123, 1)
    assert nesting.length == pytest.approx(1.0, abs=1e-3)
    (placed,) = nesting.nested_parts
    assert (placed.id, placed.angle, placed.flip) == (42, 0.0, False)
    # Used length 1 puts the 1 x 1 square at x = 0; any y keeping it on the 5-high sheet is right.
    x, y = placed.position
    assert x == pytest.approx(0.0, abs=1e-3)
    assert -1e-3 <= y <= 4.0 + 1e-3


def test_stats_view_carries_part_ids_only(almacam_client, solved_hello_world) -> None:
    stats = almacam_client.result(solved_hello_world.order_id, "stats")
    assert isinstance(stats, StatsResult)
    (nesting,) = stats.nestings
    assert [p.model_dump() for p in nesting.nested_parts] == [{"id": 42}]
    assert nesting.length == solved_hello_world.result.nestings[0].length


def test_each_nesting_has_a_png_preview(almacam_client, solved_hello_world) -> None:
    png = almacam_client.image(solved_hello_world.order_id, 0)
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) > 100


def test_an_image_index_past_the_last_nesting_is_not_found(
    almacam_client, solved_hello_world
) -> None:
    past_the_end = len(solved_hello_world.result.nestings)
    with pytest.raises(AlmaCamNotFound) as caught:
        almacam_client.image(solved_hello_world.order_id, past_the_end)
    assert caught.value.status == 404
    assert f"/image/{past_the_end}" in str(caught.value)


def test_an_unknown_order_id_is_not_found(almacam_client) -> None:
    with pytest.raises(AlmaCamNotFound) as caught:
        almacam_client.result(987654321, "full")
    assert caught.value.order_id == 987654321
    assert "order 987654321" in str(caught.value)


def test_a_wrong_token_gives_an_auth_error_that_names_the_block_not_the_token(
    almacam_sandbox, hello_world_order
) -> None:
    with AlmaCamClient(almacam_sandbox.base_url, SECRET, timeout=10.0) as client:
        with pytest.raises(AlmaCamAuthError) as caught:
            client.submit(Order.model_validate(hello_world_order))
    error = caught.value
    assert (error.status, error.endpoint) == (401, "POST /new")
    assert "check the token in the AlmaCamCredentials block" in str(error)
    for secret in (SECRET, almacam_sandbox.token):
        assert secret not in str(error) and secret not in repr(error)


def test_a_wrong_token_is_refused_on_the_result_views_too(almacam_sandbox) -> None:
    with AlmaCamClient(almacam_sandbox.base_url, SECRET, timeout=10.0) as client:
        with pytest.raises(AlmaCamAuthError):
            client.result(1, "stats")


def test_the_real_token_is_not_in_the_clients_repr(almacam_client, almacam_sandbox) -> None:
    assert almacam_sandbox.token not in repr(almacam_client)


def test_an_empty_orientation_list_is_refused_with_its_code_and_path(
    almacam_client, hello_world_order
) -> None:
    order = Order.model_validate(hello_world_order)
    # The model refuses [] itself; build the instance unchecked to send what the vendor documents.
    order.parts[0].instances[0] = Instance.model_construct(id=42, quantity=1, orientations=[])
    with pytest.raises(AlmaCamValidationError) as caught:
        almacam_client.submit(order)
    (item,) = caught.value.errors
    assert item.error_code == -3000
    assert item.path == ["parts", 0, "instances", 0, "orientations"]
    assert "at parts[0].instances[0].orientations" in str(caught.value)


def test_a_self_intersecting_part_is_refused_naming_the_part_and_its_file(almacam_client) -> None:
    stock = OrderSheet(name="plate", length=100, height=50)
    order, index = build_order([OrderLine(part=_bowtie())], [stock], time=1)
    with pytest.raises(AlmaCamValidationError) as caught:
        almacam_client.submit(order, index=index)
    assert caught.value.codes() == [-979]
    assert caught.value.order_id is None
    assert "part 'bowtie' from bowtie.dxf" in str(caught.value)
    assert "Outline description is self intersecting" in str(caught.value)


def test_wait_returns_on_the_first_poll_after_the_result_is_ready(
    almacam_client, almacam_sandbox, hello_world_order
) -> None:
    polls: list[tuple[float, int | None]] = []
    order_id = almacam_client.submit(Order.model_validate(hello_world_order))
    wait_start = time.time()
    # expected_time 0: poll at once, so that the order is seen computing before it is ready.
    result = almacam_client.wait(
        order_id,
        "stats",
        expected_time=0.0,
        deadline=30.0,
        clock=time.time,
        on_poll=lambda attempt, elapsed, status: polls.append((wait_start + elapsed, status)),
    )
    assert isinstance(result, StatsResult)
    solved_at = _solved_at(almacam_sandbox, order_id)
    statuses = [status for _, status in polls]
    assert statuses == [202] * (len(polls) - 1) + [200] and len(polls) >= 2
    # The poll before the last was answered before the solver finished (the callback runs a
    # little after the answer, hence 0.1 s of slack): the last poll is the first one after it.
    assert polls[-2][0] < solved_at + 0.1 <= polls[-1][0] + 0.1


def _solved_at(sandbox: Any, order_id: int) -> float:
    """Epoch seconds at which the sandbox's solver finished (its X-Sandbox-Solved-At header)."""
    response = httpx.get(
        f"{sandbox.base_url}/result/{order_id}/stats",
        headers={"Authorization": f"Bearer {sandbox.token}"},
        timeout=10.0,
    )
    return float(response.headers["X-Sandbox-Solved-At"])
