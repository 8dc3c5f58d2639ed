"""A ``nestflow.drawings.arrived`` event posted to a real Prefect server starts a nesting run.

The ephemeral test server runs no trigger-to-runner round trip across processes, so this test
starts ``prefect server start`` on a free loopback port with its own home, serves the
``on-arrival`` deployment of prefect.yaml (its trigger and parameters as written) in a
subprocess, posts the event to ``/api/events`` like an outside system would, and waits for the
triggered run to complete.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from blocks import SheetStock
from flows.demo import save_sandbox_blocks

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).parent / "prefect")
STARTUP_TIMEOUT_S = 120
RUN_TIMEOUT_S = 240


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """Stop a process this test started (and its children) by its own process group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _client_env(home: Path, api_url: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_RUNNER_POLL_FREQUENCY="1",
        PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(home / "storage"),
    )
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``prefect server start`` on loopback with a temporary home; yields the API URL."""
    home = tmp_path_factory.mktemp("real-server")
    port = _free_port()
    process = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=_client_env(home, None),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            assert process.poll() is None, "prefect server start exited"
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the Prefect server did not become healthy"
            time.sleep(0.5)
        yield api
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def default_blocks(real_server: str, sandbox, tmp_path_factory) -> None:
    """The blocks prefect.yaml names ("default"), saved on the real server."""
    folder = tmp_path_factory.mktemp("real-blocks")
    with temporary_settings(updates={PREFECT_API_URL: real_server}):
        save_sandbox_blocks(sandbox, "default", folder / "out", folder / "drop")
        SheetStock().save("default", overwrite=True)


@pytest.fixture(scope="module")
def served(real_server: str, default_blocks, tmp_path_factory) -> Iterator[Path]:
    """The on-arrival deployment served from a working folder; yields that folder."""
    workdir = tmp_path_factory.mktemp("served")
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("serve_deployment.py")),
            str(ROOT / "prefect.yaml"),
            "on-arrival",
        ],
        cwd=workdir,
        env=_client_env(workdir / "home", real_server),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for_automation(real_server, process)
        yield workdir
    finally:
        _stop(process)


def _wait_for_automation(api: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        assert process.poll() is None, "serving the deployment failed"
        found = httpx.post(f"{api}/automations/filter", json={}, timeout=5).json()
        if any(a["name"] == "nestflow-drawings-arrived" for a in found):
            return
        assert time.monotonic() < deadline, "the deployment's trigger was never registered"
        time.sleep(0.5)


def _post_arrival(api: str, inbox: Path, files: list[Path], job_name: str) -> None:
    event = {
        "id": str(uuid.uuid4()),
        "occurred": datetime.now(UTC).isoformat(),
        "event": "nestflow.drawings.arrived",
        "resource": {"prefect.resource.id": f"nestflow.inbox.{inbox}"},
        "payload": {"job_name": job_name, "drawings": {"files": [str(f) for f in files]}},
    }
    response = httpx.post(f"{api}/events", json=[event], timeout=10)
    assert response.status_code == 204


def _wait_for_run(api: str, job_name: str) -> dict:
    """The finished run of the on-arrival deployment for ``job_name``."""
    deployment = httpx.get(f"{api}/deployments/name/Nest to CNC/on-arrival", timeout=5).json()
    query = {"deployments": {"id": {"any_": [deployment["id"]]}}, "limit": 20}
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        runs = httpx.post(f"{api}/flow_runs/filter", json=query, timeout=5).json()
        mine = [r for r in runs if r["parameters"].get("job_name") == job_name]
        if mine and mine[0]["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return mine[0]
        assert time.monotonic() < deadline, f"no finished run for {job_name}: {mine}"
        time.sleep(1.0)


def test_posted_arrival_event_starts_a_run_that_completes(
    real_server: str, served: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    files = [shutil.copy(ROOT / "examples" / n, inbox / n) for n in ("bracket.dxf", "gusset.dxf")]
    job_name = f"arrival-{uuid.uuid4().hex[:8]}"

    _post_arrival(real_server, inbox, [Path(f) for f in files], job_name)
    run = _wait_for_run(real_server, job_name)

    assert run["state_type"] == "COMPLETED", run["state"]
    assert run["parameters"]["job_name"] == job_name
    assert run["parameters"]["drawings"]["files"] == [str(f) for f in files]
    assert (served / "out" / job_name / "summary.json").is_file()
