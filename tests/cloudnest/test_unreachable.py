"""A dead gateway fails a step within ``unreachable_after`` (not after the poll's deadline), a
gateway answering 5xx is polled on, and every wait stops when the process cancels its waits
(naming what it leaves running at CloudNest)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from nestflow.cloudnest import jobs
from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.errors import (
    CloudNestTransportError,
    CloudNestUnreachable,
    CloudNestWaitTimeout,
)
from nestflow.cloudnest.pacing import TokenBucket
from nestflow.waiting import WaitCancelled, cancel_waits
from tests.pipeline.processes import free_port

LIMIT = 2.0
"""The test's ``unreachable_after``: the polls' own deadline (60 s) is far longer."""

POLL_DEADLINE = 60.0


pytestmark = pytest.mark.usefixtures("fresh_cancel_flag")


def client_of(base_url: str, **options: Any) -> CloudNestClient:
    options = {"default_rate": None, "unreachable_after": LIMIT, "timeout": 5.0} | options
    return CloudNestClient(base_url, "op1", "secret-for-tests", "TEAM001", **options)


WAITS: dict[str, Callable[[CloudNestClient], object]] = {
    "wait_drawings": lambda c: jobs.wait_drawings(c, 12, POLL_DEADLINE),
    "wait_nesting": lambda c: jobs.wait_nesting(c, 12, POLL_DEADLINE),
    "wait_production": lambda c: jobs.wait_production(c, "PLAN-7", POLL_DEADLINE),
}
ROUTE = {
    "wait_drawings": "job_drawing_status",
    "wait_nesting": "job_nest_detail",
    "wait_production": "production_detail",
}
WAITED_FOR = {
    "wait_drawings": "drawing processing of job 12",
    "wait_nesting": "nesting of job 12",
    "wait_production": "production task PLAN-7",
}


# --- a stopped gateway --------------------------------------------------------------------------


@pytest.mark.parametrize("wait", sorted(WAITS))
def test_a_poll_of_a_stopped_gateway_fails_as_unreachable_within_the_limit(
    wait: str, cloudnest_sandbox_factory
) -> None:
    sandbox = cloudnest_sandbox_factory()
    sandbox.stop()
    client = client_of(sandbox.base_url)
    started = time.monotonic()
    with pytest.raises(CloudNestUnreachable) as caught:
        WAITS[wait](client)
    elapsed = time.monotonic() - started
    assert LIMIT <= elapsed < LIMIT + 3.0 < POLL_DEADLINE
    error = caught.value
    assert isinstance(error, CloudNestTransportError)  # retry policies still classify it
    message = str(error)
    assert f"service unreachable at {sandbox.base_url}" in message
    assert sandbox.base_url.startswith("http://127.0.0.1:")
    assert error.endpoint.startswith(ROUTE[wait] + " (") and error.endpoint in message
    assert "no answer for " in message and error.silent_s >= LIMIT
    assert WAITED_FOR[wait] in message


def test_a_request_to_a_dead_port_stops_resending_after_the_limit() -> None:
    base_url = f"http://127.0.0.1:{free_port()}"
    client = client_of(base_url, max_retries=1000, retry_backoff=0.2)
    started = time.monotonic()
    with pytest.raises(CloudNestUnreachable, match=f"service unreachable at {base_url}"):
        client.job_search("order-1")
    assert LIMIT <= time.monotonic() - started < LIMIT + 1.5
    assert "job_search" in str(client.stats())


def test_a_shared_client_gives_up_at_once_while_the_gateway_stays_silent() -> None:
    """A retried task reuses the process's client: it does not try for another whole limit."""
    client = client_of(f"http://127.0.0.1:{free_port()}", unreachable_after=1.0)
    with pytest.raises(CloudNestUnreachable):
        jobs.wait_nesting(client, 12, POLL_DEADLINE)
    started = time.monotonic()
    with pytest.raises(CloudNestUnreachable, match="nesting of job 12"):
        jobs.wait_nesting(client, 12, POLL_DEADLINE)
    assert time.monotonic() - started < 0.5


def test_a_pickled_unreachable_error_keeps_its_message() -> None:
    import pickle

    error = CloudNestUnreachable("http://gw", "job_nest_detail (POST /x)", 3.0, 4, "ConnectError")
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) and again.silent_s == 3.0


# --- a gateway answering 5xx is polled on -------------------------------------------------------


class Scripted(ThreadingHTTPServer):
    """A loopback HTTP server answering every POST/GET with ``answer(path, count)``."""

    daemon_threads = True

    def __init__(self, answer: Callable[[str, int], tuple[int, dict[str, Any]]]) -> None:
        self.answer = answer
        self.count = 0
        super().__init__(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: Scripted

    def _reply(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.server.count += 1
        status, body = self.server.answer(self.path, self.server.count)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _reply

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[Callable[..., Scripted]]:
    servers: list[Scripted] = []

    def start(answer: Callable[[str, int], tuple[int, dict[str, Any]]]) -> Scripted:
        servers.append(Scripted(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _finished() -> dict[str, Any]:
    return {"status": 0, "msg": "OK", "data": {"status": "finished", "msg": "", "results": []}}


def test_a_gateway_answering_5xx_longer_than_the_limit_is_polled_until_it_answers(
    scripted,
) -> None:
    down_until = time.monotonic() + 1.5

    def answer(path: str, count: int) -> tuple[int, dict[str, Any]]:
        if time.monotonic() < down_until:
            return 503, {"message": "upstream down"}
        return 200, _finished()

    server = scripted(answer)
    client = client_of(server.base_url, unreachable_after=0.5, retry_backoff=0.05)
    detail = jobs.wait_nesting(client, 12, POLL_DEADLINE)
    assert detail.status == "finished"
    assert server.count > 3


def test_a_gateway_answering_only_5xx_times_out_at_the_deadline_not_as_unreachable(
    scripted,
) -> None:
    server = scripted(lambda path, count: (503, {"message": "upstream down"}))
    client = client_of(server.base_url, unreachable_after=0.3, retry_backoff=0.05)
    started = time.monotonic()
    with pytest.raises(CloudNestWaitTimeout) as caught:
        jobs.wait_nesting(client, 12, 2.0)
    assert time.monotonic() - started >= 2.0
    assert not isinstance(caught.value, CloudNestTransportError)
    assert "nesting of job 12 not done after 2 s" in str(caught.value)
    assert "503" in str(caught.value)


# --- cancelling a wait --------------------------------------------------------------------------


def _nesting_forever(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if "nest_detail" in path:
        data: Any = {"status": "nesting", "msg": "", "results": []}
    elif "drawing_status" in path:
        data = [{"drawing_guid": "G1", "filename": "a.dxf", "status": "processing"}]
    else:
        data = {
            "guid": "PLAN-7",
            "result_guid": "R1",
            "plate_name": "S",
            "gmid": 1,
            "width": 1,
            "height": 1,
            "material": "steel",
            "thickness": 1,
            "part_amount": 1,
            "total_plate_amount": 3,
            "finish_plate_amount": 1,
            "status": "uncompleted",
        }
    return httpx.Response(200, json={"status": 0, "msg": "OK", "data": data})


LEFT_RUNNING = {
    "wait_drawings": "drawings of CloudNest job 12",
    "wait_nesting": "Boost nesting of CloudNest job 12",
    "wait_production": "production task (plan) PLAN-7",
}


def _in_thread(run: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    raised: list[BaseException] = []

    def target() -> None:
        try:
            run()
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            raised.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, raised


@pytest.mark.parametrize("wait", sorted(WAITS))
def test_a_cancelled_wait_stops_within_seconds_naming_what_is_left_running(
    wait: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_of("http://cloudnest.test", transport=httpx.MockTransport(_nesting_forever))
    thread, raised = _in_thread(lambda: WAITS[wait](client))
    time.sleep(1.0)
    assert thread.is_alive()
    with caplog.at_level(logging.WARNING, logger="nestflow.cloudnest"):
        cancelled_at = time.monotonic()
        cancel_waits("test")
        thread.join(5.0)
    assert not thread.is_alive()
    assert time.monotonic() - cancelled_at < 1.0  # the default sleep wakes at once
    (error,) = raised
    assert isinstance(error, WaitCancelled)
    assert LEFT_RUNNING[wait] in str(error) and "http://cloudnest.test" in str(error)
    assert error.left_running is not None and LEFT_RUNNING[wait] in error.left_running
    assert any(LEFT_RUNNING[wait] in r.getMessage() for r in caplog.records)


def test_a_signal_in_the_waiting_thread_is_reraised_after_naming_what_is_left_running(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    client = client_of("http://cloudnest.test", transport=httpx.MockTransport(_nesting_forever))
    with caplog.at_level(logging.WARNING, logger="nestflow.cloudnest"):
        with pytest.raises(KeyboardInterrupt) as caught:
            jobs.wait_nesting(client, 12, POLL_DEADLINE, sleep=interrupted)
    assert "Boost nesting of CloudNest job 12" in "".join(caught.value.__notes__)
    assert any("job 12" in r.getMessage() for r in caplog.records)
    with pytest.raises(WaitCancelled):  # the other waits of the process are told to stop
        jobs.wait_production(client, "PLAN-7", POLL_DEADLINE)


def test_the_client_back_off_stops_when_waits_are_cancelled() -> None:
    client = client_of(f"http://127.0.0.1:{free_port()}", retry_backoff=30.0, max_retries=3)
    thread, raised = _in_thread(lambda: client.job_search("order-1"))
    time.sleep(0.5)
    cancel_waits("test")
    thread.join(5.0)
    assert not thread.is_alive()
    assert isinstance(raised[0], WaitCancelled)


def test_the_pacing_sleep_stops_when_waits_are_cancelled() -> None:
    bucket = TokenBucket(0.01)  # one request per 100 s
    bucket.acquire()
    thread, raised = _in_thread(bucket.acquire)
    time.sleep(0.3)
    cancel_waits("test")
    thread.join(5.0)
    assert not thread.is_alive() and isinstance(raised[0], WaitCancelled)
