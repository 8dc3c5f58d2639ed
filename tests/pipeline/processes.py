"""Starting and watching real Prefect processes (server, workers, CLI) from the tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).parent / "prefect")
FINAL_STATES = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prefect_env(home: Path, api_url: str | None, **extra: str) -> dict[str, str]:
    """This process's environment without its Prefect settings, pointed at ``api_url``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(home / "storage"),
        **extra,
    )
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def spawn(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a long-running process in its own process group, output to ``log``.

    The process takes SIGINT as Ctrl-C even when the suite runs in the background (a shell gives
    background jobs an ignored SIGINT, and a child would inherit it).
    """
    with open(log, "ab") as out:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_default_sigint,
        )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop(process: subprocess.Popen) -> None:
    """Stop a process this test started (and its children) by its process group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def wait_until(what: str, check: Callable[[], Any], timeout: float, every: float = 0.5) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``timeout``.

    A poll the API is too busy to answer (an ``httpx`` transport error, e.g. a read timeout while
    a SQLite server writes the runs' states) counts as "not yet": the deadline still holds, and
    its failure names the last such error.
    """
    deadline = time.monotonic() + timeout
    unanswered = ""
    while True:
        try:
            found = check()
        except httpx.TransportError as exc:
            found, unanswered = None, f" (last poll unanswered: {type(exc).__name__}: {exc})"
        if found:
            return found
        assert time.monotonic() < deadline, (
            f"timed out after {timeout:g} s waiting for {what}{unanswered}"
        )
        time.sleep(every)


def api_json(method: str, url: str, timeout: float = 60.0, **kwargs: Any) -> Any:
    """One call to a test's Prefect API, its JSON answer; asked again while the API is busy.

    A loaded suite can leave a SQLite-backed server unable to answer (a transport error) or
    answering 5xx; both count as "not yet" within ``timeout``. Any other error answer fails,
    quoting it.
    """

    def answer() -> Any:
        reply = httpx.request(method, url, timeout=30, **kwargs)
        if reply.status_code >= 500:
            return None
        assert reply.is_success, f"{method} {url}: {reply.status_code} {reply.text[:500]}"
        return reply.json()

    return wait_until(f"{method} {url} to be answered", answer, timeout)


def wait_healthy(api: str, process: subprocess.Popen, timeout: float = 120.0) -> None:
    """Wait for ``/health`` of a Prefect API started as ``process``."""

    def healthy() -> bool:
        assert process.poll() is None, "the Prefect server exited"
        return httpx.get(f"{api}/health", timeout=2).status_code == 200

    wait_until("the Prefect server to become healthy", healthy, timeout)


def flow_runs(
    api: str, deployment_id: str, states: tuple[str, ...] = (), limit: int = 50
) -> list[dict]:
    """The newest flow runs of a deployment (in one of ``states`` when given), as the API says."""
    query: dict = {
        "deployments": {"id": {"any_": [deployment_id]}},
        "sort": "EXPECTED_START_TIME_DESC",
        "limit": limit,
    }
    if states:
        query["flow_runs"] = {"state": {"type": {"any_": list(states)}}}
    return httpx.post(f"{api}/flow_runs/filter", json=query, timeout=10).json()


def deployment_id(api: str, flow_name: str, name: str) -> str:
    """The id of deployment ``flow_name/name``."""
    found = httpx.get(f"{api}/deployments/name/{flow_name}/{name}", timeout=10)
    found.raise_for_status()
    return found.json()["id"]
