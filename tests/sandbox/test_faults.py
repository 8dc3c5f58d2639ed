"""Seeded fault injection in the sandbox: every kind, aiming, counting, releasing, admin endpoints.

Real HTTP over loopback against a sandbox of this module. AlmaCAM's ``GET /result/{id}/stats``
answers 401 at once without a token, and faults apply before authentication, so a fault is seen
without solving anything; ``POST /new`` with the token creates an order whose id is the previous
one plus one, which shows whether a faulted request landed.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from nestflow.sandbox.almacam.service import ALMACAM
from nestflow.sandbox.config import FAULTS_ENV, SandboxConfig, faults_from_env
from nestflow.sandbox.faults import FaultKind, FaultLayer, FaultPlan, FaultRule
from nestflow.sandbox.server import RunningSandbox, start_sandbox

HELLO: dict[str, Any] = {
    "parts": [{"geometry": [[[0, 0], [1, 0], [1, 1], [0, 1]]], "instances": [{"id": 42}]}],
    "sheets": [{"id": 123, "length": 10.0, "height": 5.0}],
    "time": 1,
}

STATS = "/result/1/stats"
STATS_ROUTE = r"/result/\d+/stats$"
NEW_ROUTE = r"^/new$"


def plan(*rules: FaultRule, seed: int = 0) -> FaultPlan:
    return FaultPlan(seed=seed, rules=list(rules))


def rule(kind: FaultKind, route: str = STATS_ROUTE, **fields: Any) -> FaultRule:
    return FaultRule(route=route, kind=kind, **fields)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(
        SandboxConfig.from_env(almacam_port=0, cloudnest_port=0, speed=0.1)
    ) as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults_left(sandbox: RunningSandbox) -> Iterator[None]:
    """Each test starts and ends with empty plans and no wait in progress."""
    layers = [sandbox.faults(name) for name in sandbox.services]
    for layer in layers:
        layer.clear()
    yield
    for layer in layers:
        layer.clear()
        layer.release()


@pytest.fixture
def layer(sandbox: RunningSandbox) -> FaultLayer:
    return sandbox.faults("almacam")


@pytest.fixture
def anonymous(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.almacam_url, timeout=30.0) as client:
        yield client


@pytest.fixture
def authorized(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {sandbox.almacam_token}"}
    with httpx.Client(base_url=sandbox.almacam_url, headers=headers, timeout=30.0) as client:
        yield client


@pytest.fixture
def background() -> Iterator[Callable[..., Future[Any]]]:
    """``background(fn, *args)``: run a blocking call in a thread, as a future."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield pool.submit


def submit(client: httpx.Client) -> int:
    answer = client.post("/new", json=HELLO)
    assert answer.status_code == 201, answer.text
    return answer.json()["nesting_order_id"]


def landed(client: httpx.Client, order_id: int) -> bool:
    """Whether the order exists (computing or finished)."""
    return client.get(f"/result/{order_id}/stats").status_code != 404


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    give_up = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < give_up, "condition not met in time"
        time.sleep(0.01)


# --- no fault -----------------------------------------------------------------------------------


def test_request_no_rule_applies_to_reaches_the_app(
    layer: FaultLayer, anonymous: httpx.Client
) -> None:
    layer.set(plan(rule(FaultKind.ERROR, route="/full$"), rule(FaultKind.ERROR, method="POST")))

    assert anonymous.get(STATS).status_code == 401
    assert [r.fired for r in layer.plan().rules] == [0, 0]


# --- each kind ----------------------------------------------------------------------------------


def test_delay_waits_then_the_app_answers(layer: FaultLayer, anonymous: httpx.Client) -> None:
    layer.set(plan(rule(FaultKind.DELAY, seconds=0.3)))

    started = time.monotonic()
    answer = anonymous.get(STATS)

    assert time.monotonic() - started >= 0.3
    assert answer.status_code == 401


def test_hold_answer_lands_before_the_late_answer(
    layer: FaultLayer, authorized: httpx.Client, background: Callable[..., Future[Any]]
) -> None:
    expected_id = submit(authorized) + 1
    layer.set(plan(rule(FaultKind.HOLD_ANSWER, route=NEW_ROUTE, seconds=1.0)))

    started = time.monotonic()
    answer = background(authorized.post, "/new", json=HELLO)
    wait_until(lambda: landed(authorized, expected_id))

    assert not answer.done()
    assert answer.result(timeout=10).json()["nesting_order_id"] == expected_id
    assert time.monotonic() - started >= 1.0


def test_error_answers_the_status_and_never_lands(
    layer: FaultLayer, authorized: httpx.Client
) -> None:
    next_id = submit(authorized) + 1
    layer.set(plan(rule(FaultKind.ERROR, route=NEW_ROUTE, method="POST", status=502)))

    answer = authorized.post("/new", json=HELLO)

    assert answer.status_code == 502
    assert answer.text == "sandbox fault: error 502 on POST /new"
    assert answer.headers["content-type"].startswith("text/plain")
    assert not landed(authorized, next_id)


def test_error_waits_before_answering(layer: FaultLayer, anonymous: httpx.Client) -> None:
    layer.set(plan(rule(FaultKind.ERROR, seconds=0.3)))

    started = time.monotonic()
    answer = anonymous.get(STATS)

    assert time.monotonic() - started >= 0.3
    assert answer.status_code == 503


def test_error_sends_the_headers_of_its_rule(layer: FaultLayer, anonymous: httpx.Client) -> None:
    layer.set(plan(rule(FaultKind.ERROR, status=429, headers={"Retry-After": "1"})))

    answer = anonymous.get(STATS)

    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "1"
    assert answer.text == "sandbox fault: error 429 on GET /result/1/stats"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"kind": FaultKind.DELAY, "headers": {"Retry-After": "1"}}, "error answer only"),
        ({"kind": FaultKind.ERROR, "headers": {"Retry After": "1"}}, "not a header name"),
        ({"kind": FaultKind.ERROR, "headers": {"X-A": "1\r\nX-B: 2"}}, "control character"),
        ({"kind": FaultKind.ERROR, "headers": {"Content-Length": "0"}}, "set by the layer"),
    ],
)
def test_headers_an_error_cannot_send_are_refused(fields: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        FaultRule(route=STATS_ROUTE, **fields)


def test_blanks_around_a_header_value_are_dropped() -> None:
    fault = FaultRule(route=STATS_ROUTE, kind=FaultKind.ERROR, headers={"Retry-After": " 1\t"})

    assert fault.headers == {"Retry-After": "1"}


def test_drop_gives_a_transport_error_and_never_lands(
    layer: FaultLayer, authorized: httpx.Client
) -> None:
    next_id = submit(authorized) + 1
    layer.set(plan(rule(FaultKind.DROP, route=NEW_ROUTE)))

    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        authorized.post("/new", json=HELLO)

    assert not landed(authorized, next_id)


def test_drop_is_not_logged_as_an_application_error(
    layer: FaultLayer, anonymous: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    layer.set(plan(rule(FaultKind.DROP)))

    with caplog.at_level(logging.INFO), pytest.raises(httpx.TransportError):
        anonymous.get(STATS)

    uvicorn_errors = [r for r in caplog.records if r.name.startswith("uvicorn")]
    assert uvicorn_errors == []
    assert any("drop on GET /result/1/stats" in r.getMessage() for r in caplog.records)


def test_drop_after_lands_but_the_client_sees_a_transport_error(
    layer: FaultLayer, authorized: httpx.Client
) -> None:
    next_id = submit(authorized) + 1
    layer.set(plan(rule(FaultKind.DROP_AFTER, route=NEW_ROUTE)))

    with pytest.raises(httpx.RemoteProtocolError):
        authorized.post("/new", json=HELLO)

    assert landed(authorized, next_id)


# --- which requests a rule fires on -------------------------------------------------------------


def test_match_aims_at_one_body_only(layer: FaultLayer, anonymous: httpx.Client) -> None:
    layer.set(plan(rule(FaultKind.ERROR, route=NEW_ROUTE, match="job-17")))

    aimed = anonymous.post("/new", content=b'{"job": "job-17"}')
    other = anonymous.post("/new", content=b'{"job": "job-18"}')

    assert aimed.status_code == 503
    assert other.status_code == 401
    assert layer.plan().rules[0].fired == 1


def test_match_hands_the_body_to_the_app_unchanged(
    layer: FaultLayer, authorized: httpx.Client
) -> None:
    layer.set(plan(rule(FaultKind.ERROR, route=NEW_ROUTE, match="no such text")))

    answer = authorized.post("/new", json=HELLO)

    assert answer.status_code == 201, answer.text


def test_method_restricts_a_rule(layer: FaultLayer, anonymous: httpx.Client) -> None:
    layer.set(plan(rule(FaultKind.ERROR, method="post")))

    assert anonymous.get(STATS).status_code == 401
    assert layer.plan().rules[0].method == "POST"


def test_first_matching_rule_fires_alone(layer: FaultLayer, anonymous: httpx.Client) -> None:
    layer.set(plan(rule(FaultKind.ERROR, status=500), rule(FaultKind.ERROR, status=504)))

    assert anonymous.get(STATS).status_code == 500
    assert [r.fired for r in layer.plan().rules] == [1, 0]


def test_times_limits_how_often_a_rule_fires(layer: FaultLayer, anonymous: httpx.Client) -> None:
    layer.set(plan(rule(FaultKind.ERROR, times=2)))

    statuses = [anonymous.get(STATS).status_code for _ in range(4)]

    assert statuses == [503, 503, 401, 401]
    assert layer.plan().rules[0].fired == 2


def test_same_seed_replays_the_same_fire_pattern(
    layer: FaultLayer, anonymous: httpx.Client
) -> None:
    def pattern(seed: int) -> list[bool]:
        layer.set(plan(rule(FaultKind.ERROR, probability=0.5), seed=seed))
        return [anonymous.get(STATS).status_code == 503 for _ in range(16)]

    first, again, other = pattern(7), pattern(7), pattern(8)

    draws = random.Random(7)
    assert first == [draws.random() < 0.5 for _ in range(16)]
    assert again == first
    assert other != first


def test_setting_a_plan_restarts_its_counters(layer: FaultLayer, anonymous: httpx.Client) -> None:
    given = plan(rule(FaultKind.ERROR, times=1, fired=5))
    layer.set(given)

    assert anonymous.get(STATS).status_code == 503
    assert layer.plan().rules[0].fired == 1
    assert given.rules[0].fired == 5


# --- releasing waits ----------------------------------------------------------------------------


def test_release_cuts_a_long_hold_short(
    layer: FaultLayer, anonymous: httpx.Client, background: Callable[..., Future[Any]]
) -> None:
    layer.set(plan(rule(FaultKind.HOLD_ANSWER, seconds=60)))
    started = time.monotonic()
    answer = background(anonymous.get, STATS)
    wait_until(lambda: layer.waiting == 1)

    released = layer.release()

    assert released == 1
    assert answer.result(timeout=5).status_code == 401
    assert time.monotonic() - started < 5


def test_released_drop_still_drops(
    layer: FaultLayer, anonymous: httpx.Client, background: Callable[..., Future[Any]]
) -> None:
    layer.set(plan(rule(FaultKind.DROP, seconds=60)))
    answer = background(anonymous.get, STATS)
    wait_until(lambda: layer.waiting == 1)

    layer.release()

    with pytest.raises(httpx.RemoteProtocolError):
        answer.result(timeout=5)


def test_stop_does_not_hang_on_a_hold_in_progress() -> None:
    config = SandboxConfig(almacam_port=0, speed=0.1)
    sandbox = start_sandbox(config, services=[ALMACAM])
    layer = sandbox.faults("almacam")
    layer.set(plan(rule(FaultKind.HOLD_ANSWER, seconds=60)))
    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(httpx.get, f"{sandbox.almacam_url}{STATS}", timeout=30.0)
        wait_until(lambda: layer.waiting == 1)

        started = time.monotonic()
        sandbox.stop()

        assert time.monotonic() - started < 5
        assert answer.result(timeout=5).status_code == 401


# --- admin endpoints ----------------------------------------------------------------------------


def test_admin_put_sets_the_plan_and_get_shows_its_counters(
    layer: FaultLayer, anonymous: httpx.Client
) -> None:
    body = {"seed": 3, "rules": [{"route": STATS_ROUTE, "kind": "error", "status": 500}]}

    put = anonymous.put("/_sandbox/faults", json=body)
    anonymous.get(STATS)
    shown = anonymous.get("/_sandbox/faults")

    assert put.status_code == 200
    assert put.json()["rules"][0]["fired"] == 0
    assert shown.status_code == 200
    assert shown.json()["seed"] == 3
    assert shown.json()["rules"][0] | {"fired": 0} == put.json()["rules"][0]
    assert shown.json()["rules"][0]["fired"] == 1
    assert layer.plan() == FaultPlan.model_validate(shown.json())


def test_admin_delete_clears_the_plan(layer: FaultLayer, anonymous: httpx.Client) -> None:
    layer.set(plan(rule(FaultKind.ERROR)))

    deleted = anonymous.delete("/_sandbox/faults")

    assert deleted.status_code == 200
    assert deleted.json() == {"seed": 0, "rules": []}
    assert anonymous.get(STATS).status_code == 401
    assert layer.plan() == FaultPlan()


def test_admin_release_ends_the_holds(
    layer: FaultLayer, anonymous: httpx.Client, background: Callable[..., Future[Any]]
) -> None:
    layer.set(plan(rule(FaultKind.DELAY, seconds=60)))
    answer = background(anonymous.get, STATS)
    wait_until(lambda: layer.waiting == 1)

    released = anonymous.post("/_sandbox/faults/release")

    assert released.status_code == 200
    assert released.json() == {"released": 1}
    assert answer.result(timeout=5).status_code == 401


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"rules": [{"route": "/new", "kind": "explode"}]}', ["rules", 0, "kind"]),
        (b'{"rules": [{"route": "(", "kind": "error"}]}', ["rules", 0, "route"]),
        (
            b'{"rules": [{"route": "/new", "kind": "delay", "seconds": -1}]}',
            ["rules", 0, "seconds"],
        ),
        (b'{"rules": [{"route": "/new", "kind": "error", "typo": 1}]}', ["rules", 0, "typo"]),
        (b"not json", []),
    ],
)
def test_admin_put_of_a_bad_plan_is_422_with_the_errors(
    layer: FaultLayer, anonymous: httpx.Client, body: bytes, where: list[Any]
) -> None:
    layer.set(plan(rule(FaultKind.ERROR, route="/full$")))

    answer = anonymous.put("/_sandbox/faults", content=body)

    assert answer.status_code == 422
    errors = answer.json()["detail"]
    assert errors and all({"type", "loc", "msg"} <= set(error) for error in errors)
    assert where in [error["loc"] for error in errors]
    assert layer.plan().rules[0].route == "/full$"


def test_admin_paths_are_never_faulted(layer: FaultLayer, anonymous: httpx.Client) -> None:
    layer.set(plan(rule(FaultKind.ERROR, route=""), rule(FaultKind.DROP, route="")))

    assert anonymous.get("/_sandbox/faults").status_code == 200
    assert anonymous.post("/_sandbox/faults/release").status_code == 200
    assert anonymous.get(STATS).status_code == 503


def test_admin_answers_405_to_another_method(anonymous: httpx.Client) -> None:
    answer = anonymous.post("/_sandbox/faults")

    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, PUT, DELETE"


def test_every_service_is_wrapped(sandbox: RunningSandbox) -> None:
    cloudnest = sandbox.url("cloudnest")
    sandbox.faults("cloudnest").set(plan(rule(FaultKind.ERROR, route="^/", status=500)))

    assert httpx.get(f"{cloudnest}/anything").status_code == 500
    assert httpx.get(f"{cloudnest}/_sandbox/faults").json()["rules"][0]["fired"] == 1
    assert httpx.get(f"{sandbox.almacam_url}{STATS}").status_code == 401


# --- plans at start-up --------------------------------------------------------------------------


def test_plan_from_the_environment_is_active_at_start() -> None:
    plans = {"almacam": {"seed": 1, "rules": [{"route": STATS_ROUTE, "kind": "error"}]}}
    config = SandboxConfig.from_env({FAULTS_ENV: json.dumps(plans)}, almacam_port=0)

    with start_sandbox(config, services=[ALMACAM]) as sandbox:
        status = httpx.get(f"{sandbox.almacam_url}{STATS}").status_code
        banner = sandbox.banner()

    assert status == 503
    assert any(line.startswith("AlmaCAM faults: 1 rule(s)") for line in banner)
    assert config.faults["almacam"].rules[0].fired == 0


@pytest.mark.parametrize(
    "value",
    ["{not json", '{"almacam": {"rules": [{"route": "/new"}]}}', '["almacam"]'],
)
def test_invalid_faults_variable_fails_naming_it(value: str) -> None:
    with pytest.raises(ValueError, match=FAULTS_ENV):
        SandboxConfig.from_env({FAULTS_ENV: value})


def test_unset_faults_variable_means_no_faults() -> None:
    assert faults_from_env({}) == {}


def test_plan_for_an_unknown_service_is_refused() -> None:
    config = SandboxConfig(almacam_port=0, faults={"almakam": FaultPlan()})

    with pytest.raises(ValueError, match="almakam"):
        start_sandbox(config, services=[ALMACAM])
