"""A dead AlmaCAM service ends a wait within ``unreachable_after`` (not at the wait's deadline), a
service answering 5xx is polled on, and a wait stops when the process cancels its waits, naming
the order it leaves computing."""

from __future__ import annotations

import json
import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.errors import AlmaCamTimeout, AlmaCamTransportError, AlmaCamUnreachable
from nestflow.almacam.models import Order
from nestflow.waiting import WaitCancelled, cancel_waits
from tests.almacam.conftest import HELLO_WORLD
from tests.pipeline.processes import free_port

LIMIT = 2.0
"""The test's ``unreachable_after``: the wait's own deadline (60 s) is far longer."""

DEADLINE = 60.0


pytestmark = pytest.mark.usefixtures("fresh_cancel_flag")


def client_of(base_url: str, **options: Any) -> AlmaCamClient:
    return AlmaCamClient(
        base_url, "token-for-tests", **({"unreachable_after": LIMIT, "timeout": 5.0} | options)
    )


# --- a stopped service --------------------------------------------------------------------------


@pytest.fixture
def stopped_sandbox_url() -> str:
    """The URL of an AlmaCAM sandbox that was started, then stopped (nothing listens there)."""
    from nestflow.sandbox.almacam.service import ALMACAM
    from nestflow.sandbox.config import SandboxConfig
    from nestflow.sandbox.server import start_sandbox

    with start_sandbox(SandboxConfig(almacam_port=0), services=[ALMACAM]) as sandbox:
        url = sandbox.almacam_url
    return url


def test_a_wait_on_a_stopped_service_fails_as_unreachable_within_the_limit(
    stopped_sandbox_url: str,
) -> None:
    client = client_of(stopped_sandbox_url)
    started = time.monotonic()
    with pytest.raises(AlmaCamUnreachable) as caught:
        client.wait(7, "full", expected_time=0.5, deadline=DEADLINE)
    elapsed = time.monotonic() - started
    assert 0.5 + LIMIT <= elapsed < 0.5 + LIMIT + 2.0 < DEADLINE
    error = caught.value
    assert isinstance(error, AlmaCamTransportError)  # retry policies still classify it
    message = str(error)
    assert stopped_sandbox_url.startswith("http://127.0.0.1:")
    assert f"service unreachable at {stopped_sandbox_url}" in message
    assert "GET /result/7/full" in message
    assert "no answer for " in message and error.silent_s >= LIMIT
    assert "order 7 may still be computing" in message
    assert error.order_id == 7 and error.status is None


def test_a_read_only_request_after_a_long_silence_gives_up_at_once() -> None:
    """A retried task reuses the process's client: it does not try for another whole limit."""
    client = client_of(f"http://127.0.0.1:{free_port()}", unreachable_after=1.0)
    with pytest.raises(AlmaCamUnreachable):
        client.wait(7, "stats", expected_time=0.0, deadline=DEADLINE)
    started = time.monotonic()
    with pytest.raises(AlmaCamUnreachable, match="GET /result/7/image/0"):
        client.image(7, 0)
    with pytest.raises(AlmaCamUnreachable):
        client.wait(7, "stats", expected_time=0.0, deadline=DEADLINE)
    assert time.monotonic() - started < 0.5


def test_an_unreachable_error_survives_pickling() -> None:
    error = AlmaCamUnreachable(
        base_url="http://x", endpoint="GET /result/1/full", silent_s=3, attempts=2, last="e"
    )
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) and again.silent_s == 3 and again.request_sent


# --- a service answering 5xx is polled on -------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
        self.server.count += 1  # type: ignore[attr-defined]
        status, body = self.server.answer()  # type: ignore[attr-defined]
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def answering() -> Iterator[Callable[[Callable[[], tuple[int, Any]]], ThreadingHTTPServer]]:
    servers: list[ThreadingHTTPServer] = []

    def start(answer: Callable[[], tuple[int, Any]]) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.answer = answer  # type: ignore[attr-defined]
        server.count = 0  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_service_answering_only_5xx_is_polled_until_the_deadline_not_unreachable(
    answering,
) -> None:
    server = answering(lambda: (500, {"message": "upstream down"}))
    client = client_of(f"http://127.0.0.1:{server.server_address[1]}", unreachable_after=0.3)
    started = time.monotonic()
    with pytest.raises(AlmaCamTimeout) as caught:
        client.wait(7, "full", expected_time=0.0, deadline=2.0)
    assert time.monotonic() - started >= 2.0
    assert not isinstance(caught.value, AlmaCamTransportError)
    assert caught.value.last_status == 500
    assert server.count >= 3  # type: ignore[attr-defined]


# --- cancelling a wait --------------------------------------------------------------------------


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


def test_a_wait_cancelled_in_its_first_sleep_stops_at_once_naming_the_order(
    almacam_client: AlmaCamClient, caplog: pytest.LogCaptureFixture
) -> None:
    order = Order.model_validate(HELLO_WORLD | {"time": 30})  # 3 s at the sandbox's speed
    order_id = almacam_client.submit(order)
    thread, raised = _in_thread(
        lambda: almacam_client.wait(order_id, "full", expected_time=30.0, deadline=600.0)
    )
    time.sleep(0.5)
    assert thread.is_alive()
    with caplog.at_level(logging.WARNING, logger="nestflow.almacam"):
        cancelled_at = time.monotonic()
        cancel_waits("test")
        thread.join(5.0)
    assert not thread.is_alive() and time.monotonic() - cancelled_at < 1.0
    (error,) = raised
    assert isinstance(error, WaitCancelled)
    assert f"AlmaCAM order {order_id}" in str(error) and almacam_client.base_url in str(error)
    assert any(f"AlmaCAM order {order_id}" in r.getMessage() for r in caplog.records)


def test_a_wait_with_an_injected_sleep_stops_after_that_sleep() -> None:
    """The task's own sleep (progress updates) is honoured; the flag is looked at after it."""
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        cancel_waits("test")

    client = client_of(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(WaitCancelled, match="AlmaCAM order 7"):
        client.wait(7, "full", expected_time=40.0, deadline=DEADLINE, sleep=sleep)
    assert slept == [40.0]


def test_ctrl_c_in_the_waiting_thread_names_the_order_and_stops_the_other_waits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    client = client_of(f"http://127.0.0.1:{free_port()}")
    with caplog.at_level(logging.WARNING, logger="nestflow.almacam"):
        with pytest.raises(KeyboardInterrupt) as caught:
            client.wait(7, "full", expected_time=40.0, deadline=DEADLINE, sleep=interrupted)
    assert "AlmaCAM order 7" in "".join(caught.value.__notes__)
    assert any("AlmaCAM order 7" in r.getMessage() for r in caplog.records)
    with pytest.raises(WaitCancelled, match="AlmaCAM order 8"):
        client.wait(8, "full", expected_time=40.0, deadline=DEADLINE)
