"""A Prefect global rate limit paces CloudNest requests across clients (workers).

The CloudNest Credentials block's ``global_rate_limit`` names a Prefect global concurrency limit
with slot decay; every request of every client made from the block takes one slot of it first.
Calls go over real HTTP to the session's CloudNest sandbox, limits live on the session's Prefect
test harness. Prefect grants slots slower than configured, so durations are bounded from below.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from prefect.client.orchestration import get_client

from nestflow.blocks import CloudNestCredentials
from nestflow.blocks.environment import values_from_env
from nestflow.blocks.global_rate_limit import GlobalRateLimitError

#: Client-side pacing well above the limits tested here, so only the global limit slows calls.
CLIENT_RATE = {"job_search": 50.0}


@pytest.fixture
def credentials(sandbox) -> CloudNestCredentials:
    """Credentials of the session's CloudNest sandbox, without a global rate limit."""
    app = sandbox.config.cloudnest.app
    return CloudNestCredentials(
        base_url=sandbox.url("cloudnest"),
        app_id=app.app_id,
        app_secret=app.app_secret,
        org_code=sorted(app.org_codes)[0],
        rate_limits=CLIENT_RATE,
    )


@pytest.fixture
def new_limit():
    """Create a uniquely named global concurrency limit on the harness; deleted afterwards."""
    names: list[str] = []

    def create(limit: int, slot_decay_per_second: float | None) -> str:
        name = f"nestflow-test-{uuid.uuid4().hex[:8]}"
        with get_client(sync_client=True) as client:
            client.upsert_global_concurrency_limit_by_name(
                name, limit=limit, slot_decay_per_second=slot_decay_per_second
            )
        names.append(name)
        return name

    yield create
    with get_client(sync_client=True) as client:
        for name in names:
            client.delete_global_concurrency_limit_by_name(name)


def _timed_calls(credentials: CloudNestCredentials, workers: int, calls: int) -> float:
    """Seconds ``workers`` clients from ``credentials`` take for ``calls`` searches each."""
    clients = [credentials.get_client() for _ in range(workers)]

    def search(client) -> None:
        for index in range(calls):
            assert client.job_search(f"global-rate-limit-{index}") == []

    try:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(search, client) for client in clients]:
                future.result()
        return time.monotonic() - started
    finally:
        for client in clients:
            client.close()


def test_clients_sharing_a_global_limit_together_keep_to_its_rate(credentials, new_limit):
    # limit 2, decay 2/s: 2 slots at once, then one every 0.5 s -> 6 calls take >= 2 s in theory.
    name = new_limit(limit=2, slot_decay_per_second=2.0)
    unlimited = _timed_calls(credentials, workers=2, calls=3)
    limited_credentials = credentials.model_copy(update={"global_rate_limit": name})
    limited = _timed_calls(limited_credentials, workers=2, calls=3)
    print(f"6 calls from 2 clients: unlimited {unlimited:.2f} s, global limit {limited:.2f} s")
    assert unlimited < 1.0
    assert limited >= 1.5


def test_every_sent_request_takes_one_slot_of_the_global_limit(
    credentials, new_limit, wait_for_events
):
    name = new_limit(limit=10, slot_decay_per_second=10.0)
    with get_client(sync_client=True) as client:
        limit_id = client.read_global_concurrency_limit_by_name(name).id
    limited = credentials.model_copy(update={"global_rate_limit": name})
    with limited.get_client() as client:
        for index in range(3):
            client.job_search(f"slot-{index}")
        sent = client.stats()["job_search"].sent
    events = wait_for_events(
        "prefect.concurrency-limit.acquired", f"prefect.concurrency-limit.{limit_id}", at_least=3
    )
    assert sent == 3
    assert len(events) == 3


def test_missing_global_limit_stops_the_request_naming_the_limit_and_the_fix(credentials):
    name = f"nestflow-missing-{uuid.uuid4().hex[:8]}"
    limited = credentials.model_copy(update={"global_rate_limit": name})
    with limited.get_client() as client:
        with pytest.raises(GlobalRateLimitError) as info:
            client.job_search("never-sent")
        assert "job_search" not in client.stats()
    message = str(info.value)
    assert f"{name!r} does not exist" in message
    assert f"prefect gcl create {name} --limit 5 --slot-decay-per-second 5" in message
    assert "job_search" in message
    secret = credentials.app_secret.get_secret_value()
    assert secret not in message and secret not in repr(info.value)


def test_global_limit_without_slot_decay_is_refused_with_the_update_command(credentials, new_limit):
    name = new_limit(limit=5, slot_decay_per_second=None)
    limited = credentials.model_copy(update={"global_rate_limit": name})
    with limited.get_client() as client, pytest.raises(GlobalRateLimitError) as info:
        client.job_search("never-sent")
    assert "has no slot decay" in str(info.value)
    assert f"prefect gcl update {name} --slot-decay-per-second 5" in str(info.value)


def test_empty_global_rate_limit_leaves_only_the_client_pacing(credentials):
    blank = credentials.model_copy(update={"global_rate_limit": "  "})
    with blank.get_client() as client:
        assert client.job_search("no-limit-needed") == []


def test_global_rate_limit_comes_from_its_environment_variable():
    environ = {"NESTFLOW_CLOUDNEST_GLOBAL_RATE_LIMIT": " nestflow-cloudnest "}
    assert values_from_env(CloudNestCredentials, environ) == {
        "global_rate_limit": "nestflow-cloudnest"
    }
