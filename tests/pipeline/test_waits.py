"""SIGTERM, Ctrl-C and cancelling the flow run stop a process waiting on a vendor within seconds,
and it says what it left running at the vendor: a plain script waiting on AlmaCAM, a flow run whose
wait runs in the flow's task-runner thread (where no signal reaches it) or in the main thread, and
a served deployment's run cancelled through the Prefect API.

Nothing is wired by importing nestflow: the script installs the signal handlers itself
(``install_cancellation()``), and the flows run their tasks with ``RunTaskRunner``, which cancels
the waits when the run is interrupted (``nestflow/tasks/run_scope.py`` says how Prefect stops a
run, and why waits need their own flag)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nestflow.sandbox.almacam.service import ALMACAM
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.server import RunningSandbox, start_sandbox
from tests.pipeline.conftest import PrefectSession
from tests.pipeline.processes import ROOT, api_json, prefect_env, spawn, stop, wait_until

#: An AlmaCAM order of 100 s: the sandbox (speed 0.02) solves it in 2 s, the wait sleeps 100 s.
ORDER = {
    "parts": [{"geometry": [[[0, 0], [1, 0], [1, 1], [0, 1]]], "instances": [{"id": 42}]}],
    "sheets": [{"id": 123, "length": 10.0, "height": 5.0}],
    "time": 100,
}
#: On a quiet machine a waiting process stops within this many seconds of the signal; under load
#: its exit work (Prefect's state updates, the interpreter's shutdown) slows down as much as its
#: start did, so the bound is the larger of this and the time it took to start waiting (the
#: baseline measured in the same test). Either is far below the 100 s the wait would sleep.
STOPPED_WITHIN_S = 5.0

SCRIPT = """
import sys
from nestflow.blocks.credentials import AlmaCamCredentials
from nestflow.almacam.models import Order
from nestflow.tasks.clients import almacam_client
from nestflow.waiting import install_cancellation

install_cancellation()
client = almacam_client(AlmaCamCredentials(base_url=sys.argv[1], token=sys.argv[2]))
order = Order.model_validate_json(sys.argv[3])
order_id = client.submit(order)
print(f"WAITING for order {order_id}", flush=True)
client.wait(order_id, "full", expected_time=order.time, deadline=3600)
"""

FLOW = """
import sys
from prefect import flow, task
from nestflow.blocks.credentials import AlmaCamCredentials
from nestflow.almacam.models import Order
from nestflow.tasks.clients import almacam_client
from nestflow.tasks.run_scope import RunTaskRunner


@task
def wait_for_order(base_url: str, token: str, order_json: str) -> None:
    client = almacam_client(AlmaCamCredentials(base_url=base_url, token=token))
    order = Order.model_validate_json(order_json)
    order_id = client.submit(order)
    print(f"WAITING for order {order_id}", flush=True)
    client.wait(order_id, "full", expected_time=order.time, deadline=3600)


@flow(task_runner=RunTaskRunner())
def wait_in(base_url: str, token: str, order_json: str, where: str) -> None:
    if where == "thread":
        wait_for_order.submit(base_url, token, order_json).result()
    else:
        wait_for_order(base_url, token, order_json)


if __name__ == "__main__":
    wait_in(*sys.argv[1:])
"""


SERVE = (
    FLOW.split('if __name__ == "__main__":')[0]
    + """
if __name__ == "__main__":
    base_url, token, order_json, where, name = sys.argv[1:]
    parameters = {"base_url": base_url, "token": token, "order_json": order_json, "where": where}
    wait_in.serve(name=name, parameters=parameters)
"""
)


@pytest.fixture(scope="module")
def almacam() -> Iterator[RunningSandbox]:
    with start_sandbox(SandboxConfig(almacam_port=0, speed=0.02), services=[ALMACAM]) as sandbox:
        yield sandbox


def _stop_when_waiting(
    command: list[str], env: dict[str, str], log: Path, signum: int
) -> tuple[int, float, str, str]:
    """Start ``command``, send ``signum`` once it waits; exit code, seconds to exit, order, log.

    Fails the test when it took longer than STOPPED_WITHIN_S or its own start to exit.
    """
    started = time.monotonic()
    process = spawn(command, ROOT, env, log)
    try:
        deadline = time.monotonic() + 90
        while b"WAITING for order" not in log.read_bytes():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        order_id = log.read_text().split("WAITING for order ", 1)[1].split()[0]
        bound = max(STOPPED_WITHIN_S, time.monotonic() - started)
        time.sleep(0.5)
        sent = time.monotonic()
        os.kill(process.pid, signum)
        try:
            code = process.wait(30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running 30 s after the signal:\n{log.read_text()}")
        took = time.monotonic() - sent
        assert took < bound, f"stopped in {took:.1f} s, bound {bound:.1f} s:\n{log.read_text()}"
        return code, took, order_id, log.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_a_waiting_script_naming_the_order_left_running(
    signum: int, almacam: RunningSandbox, tmp_path: Path
) -> None:
    command = [sys.executable, "-c", SCRIPT, almacam.almacam_url, almacam.almacam_token]
    command.append(json.dumps(ORDER))
    env = prefect_env(tmp_path / "home", None)
    code, _, order_id, output = _stop_when_waiting(command, env, tmp_path / "out.log", signum)
    assert code in (128 + signum, -signum), output
    assert f"left running at the vendor: AlmaCAM order {order_id} at {almacam.almacam_url}" in (
        output
    )


@pytest.mark.parametrize("where", ["thread", "main"])
def test_sigterm_stops_a_flow_run_waiting_in_a_task(
    where: str, almacam: RunningSandbox, prefect_session: PrefectSession, tmp_path: Path
) -> None:
    script = tmp_path / "wait_flow.py"
    script.write_text(FLOW)
    command = [sys.executable, str(script), almacam.almacam_url, almacam.almacam_token]
    command += [json.dumps(ORDER), where]
    env = prefect_env(tmp_path / "home", prefect_session.api_url, PYTHONPATH=str(ROOT))
    code, _, order_id, output = _stop_when_waiting(
        command, env, tmp_path / "out.log", signal.SIGTERM
    )
    assert code != 0, output
    assert f"AlmaCAM order {order_id} at {almacam.almacam_url}" in output


def test_cancelling_a_served_flow_run_stops_its_wait_naming_the_order(
    almacam: RunningSandbox, prefect_session: PrefectSession, tmp_path: Path
) -> None:
    """The runner sends the cancel intent, then SIGTERM; without RunTaskRunner it waits 30 s and
    SIGKILLs the run, whose wait never says what it left running."""
    api, name = prefect_session.api_url, f"waits-{uuid.uuid4().hex[:8]}"
    script, log = tmp_path / "serve_wait.py", tmp_path / "serve.log"
    script.write_text(SERVE)
    command = [sys.executable, str(script), almacam.almacam_url, almacam.almacam_token]
    command += [json.dumps(ORDER), "thread", name]
    env = prefect_env(tmp_path / "home", api, PYTHONPATH=str(ROOT))
    served = spawn(command, ROOT, env, log)
    try:

        def deployment() -> str | None:
            assert served.poll() is None, log.read_text()
            found = httpx.get(f"{api}/deployments/name/wait-in/{name}", timeout=10)
            return found.json()["id"] if found.status_code == 200 else None

        deployment_id = wait_until("the served deployment", deployment, 60)
        created = time.monotonic()
        run_id = api_json("POST", f"{api}/deployments/{deployment_id}/create_flow_run", json={})[
            "id"
        ]
        wait_until("the run to wait", lambda: "WAITING for order" in log.read_text(), 60, 0.1)
        # 10 s quiet; under load as long as the run took to start, but always short of the
        # runner's 30 s grace before SIGKILL (what happens without the wiring).
        bound = min(25.0, max(10.0, time.monotonic() - created))
        order_id = log.read_text().split("WAITING for order ", 1)[1].split()[0]
        asked = time.monotonic()
        cancelling = {"type": "CANCELLING", "name": "Cancelling"}
        api_json(
            "POST", f"{api}/flow_runs/{run_id}/set_state", json={"state": cancelling, "force": True}
        )

        def final_state() -> str | None:
            state = api_json("GET", f"{api}/flow_runs/{run_id}")["state"]["type"]
            return state if state in ("CANCELLED", "CRASHED", "FAILED", "COMPLETED") else None

        state = wait_until("the run to end", final_state, 60, 0.2)
        took = time.monotonic() - asked
        output = log.read_text()
        assert state == "CANCELLED", output
        assert took < bound, f"ended in {took:.1f} s, bound {bound:.1f} s:\n{output}"
        assert f"left running at the vendor: AlmaCAM order {order_id}" in output
    finally:
        stop(served)


class _Failed:
    """A task state whose result raises ``error`` (what a retry condition looks at)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def result(self) -> None:
        raise self.error


def test_read_only_tasks_do_not_retry_a_service_that_was_unreachable_for_the_limit() -> None:
    from nestflow.almacam.errors import AlmaCamTransportError, AlmaCamUnreachable
    from nestflow.cloudnest.errors import CloudNestTransportError, CloudNestUnreachable
    from nestflow.tasks import almacam, cloudnest

    unreachable_cloudnest = CloudNestUnreachable("http://gw", "job_nest_detail", 120, 9, "x")
    unreachable_almacam = AlmaCamUnreachable(
        base_url="http://a", endpoint="GET /result/1/full", silent_s=120, attempts=9, last="x"
    )
    passing_cloudnest = CloudNestTransportError(None, "ConnectError", "job_nest_detail")
    passing_almacam = AlmaCamTransportError("ReadError", endpoint="GET /", request_sent=True)
    cases = [
        (cloudnest.wait_nesting, unreachable_cloudnest, passing_cloudnest),
        (cloudnest.wait_drawings, unreachable_cloudnest, passing_cloudnest),
        (almacam.wait_result, unreachable_almacam, passing_almacam),
        (almacam.order_is_current, unreachable_almacam, passing_almacam),
    ]
    for task, unreachable, passing in cases:
        condition = task.retry_condition_fn
        assert not condition(task, None, _Failed(unreachable)), task.name
        assert condition(task, None, _Failed(passing)), task.name
    # "Wait for the cut" (tasks/push.py) may retry it: its retries reuse the run's client,
    # which gives up after one attempt while the gateway stays silent (see
    # tests/cloudnest/test_unreachable.py), so the total stays the limit plus its retry delays.
