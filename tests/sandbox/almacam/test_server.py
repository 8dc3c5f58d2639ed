"""The sandbox runner: ports, credentials, state across restarts, engine failures, the CLI."""

from __future__ import annotations

import dataclasses
import functools
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from nestflow.nesting.errors import NestingInputError
from nestflow.nesting.models import NestRequest, NestResult
from nestflow.sandbox.almacam.gateway.answers import MAX_ERROR_TEXT
from nestflow.sandbox.almacam.service import ALMACAM, build_almacam
from nestflow.sandbox.almacam.state.store import OrderStore
from nestflow.sandbox.config import ALMACAM_TOKEN_ENV, DEFAULT_ALMACAM_TOKEN, SandboxConfig
from nestflow.sandbox.server import RunningSandbox, start_sandbox

HELLO = {
    "parts": [{"geometry": [[[0, 0], [1, 0], [1, 1], [0, 1]]], "instances": [{"id": 42}]}],
    "sheets": [{"id": 123, "length": 10.0, "height": 5.0}],
    "time": 1,
}


def almacam_only(config: SandboxConfig, **build: Any) -> RunningSandbox:
    service = ALMACAM
    if build:
        service = dataclasses.replace(ALMACAM, build=functools.partial(build_almacam, **build))
    return start_sandbox(config, services=[service])


def client_of(sandbox: RunningSandbox) -> httpx.Client:
    headers = {"Authorization": f"Bearer {sandbox.almacam_token}"}
    return httpx.Client(base_url=sandbox.almacam_url, headers=headers, timeout=30.0)


def submit(client: httpx.Client, order: dict[str, Any]) -> int:
    answer = client.post("/new", json=order)
    assert answer.status_code == 201, answer.text
    return answer.json()["nesting_order_id"]


def test_port_zero_serves_on_a_real_port() -> None:
    with almacam_only(SandboxConfig(almacam_port=0)) as sandbox:
        port = sandbox.services["almacam"].port

        assert port > 0
        assert sandbox.almacam_url == f"http://127.0.0.1:{port}"
        assert httpx.get(f"{sandbox.almacam_url}/result/1/full").status_code == 401


def test_token_from_the_environment_replaces_the_default() -> None:
    config = SandboxConfig.from_env({ALMACAM_TOKEN_ENV: "token-from-env"}, almacam_port=0)
    with almacam_only(config) as sandbox:
        url = f"{sandbox.almacam_url}/result/1/full"

        assert httpx.get(url, headers={"Authorization": "Bearer token-from-env"}).status_code == 404
        default = {"Authorization": f"Bearer {DEFAULT_ALMACAM_TOKEN}"}
        assert httpx.get(url, headers=default).status_code == 401


def test_banner_shows_the_default_token() -> None:
    with almacam_only(SandboxConfig(almacam_port=0)) as sandbox:
        banner = "\n".join(sandbox.banner())

    assert DEFAULT_ALMACAM_TOKEN in banner
    assert sandbox.config.almacam_port == 0


def test_token_from_the_environment_is_never_shown() -> None:
    config = SandboxConfig.from_env({ALMACAM_TOKEN_ENV: "token-from-env"}, almacam_port=0)
    with almacam_only(config) as sandbox:
        shown = "\n".join([*sandbox.banner(), repr(sandbox), repr(config), str(config)])

    assert "token-from-env" not in shown
    assert ALMACAM_TOKEN_ENV in shown


def test_state_file_keeps_results_across_a_restart(tmp_path: Path, await_result: Any) -> None:
    config = SandboxConfig(almacam_port=0, speed=0.1, state_file=tmp_path / "sandbox.sqlite")
    with almacam_only(config) as sandbox, client_of(sandbox) as client:
        order_id = submit(client, HELLO)
        before = await_result(client, order_id, "full")
    assert before.status_code == 200

    with almacam_only(config) as sandbox, client_of(sandbox) as client:
        after = client.get(f"/result/{order_id}/full")
        next_id = submit(client, HELLO)

    assert after.status_code == 200
    assert after.json() == before.json()
    assert next_id > order_id


def test_order_computing_at_shutdown_is_solved_after_a_restart(
    tmp_path: Path, await_result: Any
) -> None:
    config = SandboxConfig(almacam_port=0, speed=0.1, state_file=tmp_path / "sandbox.sqlite")
    with almacam_only(config) as sandbox, client_of(sandbox) as client:
        order_id = submit(client, {**HELLO, "time": 30})
        assert client.get(f"/result/{order_id}/full").status_code == 202

    with almacam_only(config) as sandbox, client_of(sandbox) as client:
        answer = await_result(client, order_id, "full")

    assert answer.status_code == 200
    assert answer.json()["nestings"][0]["nested_parts"][0]["id"] == 42


class EnginePanic(BaseException):
    """Stands for pyo3's PanicException, which derives from BaseException."""


def panicking_solver(request: NestRequest) -> NestResult:
    raise EnginePanic("index out of bounds")


def refusing_solver(request: NestRequest) -> NestResult:
    raise NestingInputError("item 42 fits no sheet", item_ids=[42], sheet_ids=[123])


def test_engine_crash_gives_1000_and_the_server_keeps_serving(await_result: Any) -> None:
    with (
        almacam_only(SandboxConfig(almacam_port=0), solver=panicking_solver) as sandbox,
        client_of(sandbox) as client,
    ):
        first = await_result(client, submit(client, HELLO), "full")
        second = await_result(client, submit(client, HELLO), "stats")

    assert first.status_code == 400
    [error] = first.json()["errors"]
    assert error["error_code"] == -1000
    assert error["message"].endswith("(part 42): EnginePanic: index out of bounds")
    assert error["parts"] == [42]
    assert second.status_code == 400


def test_a_long_error_kept_by_an_earlier_sandbox_is_answered_bounded(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.sqlite"
    store = OrderStore(state)
    order_id = store.create(HELLO)
    panic = "x" * 4000 + "\n\nStack backtrace:\n" + "   0: frame\n" * 300
    store.fail(
        order_id,
        {"message": "An error occured", "errors": [{"error_code": -1000, "message": panic}]},
    )
    store.close()

    with (
        almacam_only(SandboxConfig(almacam_port=0, state_file=state)) as sandbox,
        client_of(sandbox) as client,
    ):
        answer = client.get(f"/result/{order_id}/full")

    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["message"] == "x" * (MAX_ERROR_TEXT - 3) + "..."


def test_input_the_engine_refuses_gives_996_naming_parts_and_sheets(await_result: Any) -> None:
    with (
        almacam_only(SandboxConfig(almacam_port=0), solver=refusing_solver) as sandbox,
        client_of(sandbox) as client,
    ):
        answer = await_result(client, submit(client, HELLO), "full")

    assert answer.status_code == 400
    assert answer.json() == {
        "message": "An error occured",
        "errors": [
            {
                "error_code": -996,
                "message": "item 42 fits no sheet",
                "parts": [42],
                "sheets": [123],
            }
        ],
    }


def test_cli_serves_until_ctrl_c() -> None:
    command = [
        str(Path(sys.executable).with_name("nestflow")),
        "sandbox",
        *("--almacam-port", "0", "--cloudnest-port", "0", "--speed", "0.1"),
    ]
    env = {k: v for k, v in os.environ.items() if k != ALMACAM_TOKEN_ENV}
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # Background jobs may inherit an ignored SIGINT; Ctrl-C must reach this one.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("AlmaCAM sandbox: http://127.0.0.1:"), first
        url = first.split(": ", 1)[1].strip()
        assert httpx.get(f"{url}/result/1/full").status_code == 401
        process.send_signal(signal.SIGINT)
        returncode = process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.stderr is not None
    err = process.stderr.read()
    assert returncode == 0, err
    assert f"Authorization: Bearer {DEFAULT_ALMACAM_TOKEN}" in process.stdout.read()
    assert "Traceback" not in err


@pytest.mark.parametrize("speed", [0.1, 1.0, 2.0])
def test_speed_scales_the_solving_budget(speed: float) -> None:
    assert SandboxConfig(speed=speed).solve_seconds(30) == pytest.approx(30 * speed)


#: A process that stops its sandbox while a solve runs, then takes a while to finalise (as a test
#: session does): the solve ends after the interpreter began to finalise.
STOPPED_DURING_A_SOLVE = """
import time
import httpx
from nestflow.sandbox.almacam.service import ALMACAM
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.server import start_sandbox

SOLVE_SECONDS = 2


class SlowTeardown:
    # Bound now: module globals may be gone by the time the interpreter finalises this.
    def __del__(self, sleep=time.sleep, seconds=SOLVE_SECONDS + 1) -> None:
        sleep(seconds)


teardown = SlowTeardown()
square = [[0, 0], [30, 0], [30, 30], [0, 30]]
ell = [[0, 0], [40, 0], [40, 10], [10, 10], [10, 40], [0, 40]]
order = {
    "parts": [
        {"geometry": [square], "instances": [{"id": 1, "quantity": 150}]},
        {"geometry": [ell], "instances": [{"id": 2, "quantity": 150}]},
    ],
    "sheets": [{"id": 9, "length": 3000.0, "height": 1500.0}],
    "time": SOLVE_SECONDS,
}
with start_sandbox(SandboxConfig(almacam_port=0), services=[ALMACAM]) as sandbox:
    headers = {"Authorization": f"Bearer {sandbox.almacam_token}"}
    answer = httpx.post(f"{sandbox.almacam_url}/new", json=order, headers=headers)
    assert answer.status_code == 201, answer.text
    time.sleep(0.5)
print("stopped during a solve")
"""


def test_a_process_stopping_its_sandbox_during_a_solve_exits_cleanly() -> None:
    process = subprocess.run(
        [sys.executable, "-c", STOPPED_DURING_A_SOLVE],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert "stopped during a solve" in process.stdout, process.stderr
    assert "exception not rethrown" not in process.stderr
    assert process.returncode == 0, process.stderr[-2000:]
    assert "1 solve(s) under way end within their time budget" in process.stderr
