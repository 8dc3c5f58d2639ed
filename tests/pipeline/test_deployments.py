"""prefect.yaml on a real ``prefect server start``, the way the README's "Deploying" section goes.

One server (SQLite) for the module, started with its own home on a free loopback port; a working
folder laid out like the project (prefect.yaml and the flow packages) from which
``prefect --no-prompt deploy --all`` is run; a process worker on the ``nestflow-local`` pool. Then:
every deployment exists, the CLI listings work, an interval schedule creates runs that the worker
picks up and completes, and the ``on-arrival`` trigger starts a run, both from the inbox watcher's
event and from an event posted by an outside system as the README shows.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import yaml
from prefect.settings import PREFECT_API_URL, temporary_settings

from nestflow.blocks import SheetStock
from nestflow.cli.demo import save_sandbox_blocks
from tests.pipeline.processes import (
    FINAL_STATES,
    PREFECT,
    ROOT,
    deployment_id,
    flow_runs,
    free_port,
    prefect_env,
    spawn,
    stop,
    wait_healthy,
    wait_until,
)

DEPLOYMENTS = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
RUN_TIMEOUT_S = 240.0


@dataclass(frozen=True)
class Deployed:
    """A real server with prefect.yaml deployed from ``workdir`` and one worker serving it."""

    api: str
    workdir: Path
    home: Path
    deploy_output: str

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a ``prefect`` command against the server."""
        return subprocess.run(
            [PREFECT, *args],
            cwd=self.workdir,
            env=prefect_env(self.home, self.api),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )


@pytest.fixture(scope="module")
def deployed(sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    root = tmp_path_factory.mktemp("deployed")
    home, workdir = root / "home", root / "work"
    workdir.mkdir()
    shutil.copy(ROOT / "prefect.yaml", workdir)
    for package in ("flows", "tasks", "blocks", "nestflow"):
        (workdir / package).symlink_to(ROOT / package)
    (workdir / "inbox").mkdir()
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    server_env = prefect_env(
        home,
        None,
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5",
        PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED="false",
    )
    server = spawn(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        root,
        server_env,
        root / "server.log",
    )
    worker = None
    try:
        wait_healthy(api, server)
        with temporary_settings(updates={PREFECT_API_URL: api}):
            save_sandbox_blocks(sandbox, "default", workdir / "out", workdir / "drop")
            SheetStock().save("default", overwrite=True)
        found = Deployed(api=api, workdir=workdir, home=home, deploy_output="")
        created = found.cli("work-pool", "create", "nestflow-local", "--type", "process")
        assert created.returncode == 0, created.stdout + created.stderr
        deploy = found.cli("--no-prompt", "deploy", "--all")
        assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-3000:]
        found = Deployed(api=api, workdir=workdir, home=home, deploy_output=deploy.stdout)
        worker = spawn(
            [PREFECT, "worker", "start", "--pool", "nestflow-local", "--type", "process"],
            workdir,
            prefect_env(home, api, PREFECT_WORKER_QUERY_SECONDS="1"),
            root / "worker.log",
        )
        yield found
    finally:
        if worker is not None:
            stop(worker)
        stop(server)


def _deployment(api: str, entry: dict) -> dict:
    flow_name = {"nest_to_cnc": "Nest to CNC", "quote": "Quote", "watch_inbox": "Watch inbox"}[
        entry["entrypoint"].rsplit(":", 1)[1]
    ]
    found = httpx.get(f"{api}/deployments/name/{flow_name}/{entry['name']}", timeout=10)
    assert found.status_code == 200, f"{flow_name}/{entry['name']} was not deployed"
    return found.json()


def test_deploy_all_creates_every_deployment_of_prefect_yaml(deployed: Deployed) -> None:
    for entry in DEPLOYMENTS:
        deployment = _deployment(deployed.api, entry)
        assert deployment["work_pool_name"] == "nestflow-local"
        assert deployment["parameters"] == entry.get("parameters", {})
        assert len(deployment["schedules"]) == len(entry.get("schedules") or [])


def test_scheduled_deployments_get_upcoming_runs(deployed: Deployed) -> None:
    for name in ("nightly", "inbox-watcher"):
        entry = next(e for e in DEPLOYMENTS if e["name"] == name)
        deployment = _deployment(deployed.api, entry)

        def upcoming(deployment_id: str = deployment["id"]) -> list[dict]:
            return flow_runs(deployed.api, deployment_id, ("SCHEDULED",))

        wait_until(f"scheduled runs of {name}", upcoming, timeout=60)


@pytest.mark.parametrize(
    "command",
    [
        ("deployment", "ls"),
        ("flow-run", "ls"),
        ("block", "ls"),
        ("work-pool", "ls"),
        ("deployment", "inspect", "Nest to CNC/nightly"),
    ],
    ids=" ".join,
)
def test_prefect_cli_command_works(deployed: Deployed, command: tuple[str, ...]) -> None:
    done = deployed.cli(*command)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Unprocessable" not in done.stdout + done.stderr  # the 422s of fastapi 0.154


def _finished_runs(api: str, deployment: str, job_name: str | None = None) -> list[dict]:
    runs = flow_runs(api, deployment, FINAL_STATES)
    if job_name is not None:
        runs = [r for r in runs if r["parameters"].get("job_name") == job_name]
    return runs


def test_interval_schedule_run_is_picked_up_by_the_worker_and_the_arrival_is_quoted(
    deployed: Deployed,
) -> None:
    for name in ("bracket.dxf", "gusset.dxf"):
        shutil.copy(ROOT / "examples" / name, deployed.workdir / "inbox" / name)
    watcher = deployment_id(deployed.api, "Watch inbox", "inbox-watcher")
    created = deployed.cli(
        "deployment", "schedule", "create", "Watch inbox/inbox-watcher", "--interval", "10"
    )
    assert created.returncode == 0, created.stdout + created.stderr

    done = wait_until(
        "a scheduled inbox-watcher run to finish",
        lambda: _finished_runs(deployed.api, watcher),
        timeout=RUN_TIMEOUT_S,
    )
    assert done[0]["state_type"] == "COMPLETED", done[0]["state"]
    assert done[0]["auto_scheduled"] is True

    # the watcher announced the files: the on-arrival trigger quotes them
    arrival = deployment_id(deployed.api, "Nest to CNC", "on-arrival")
    quoted = wait_until(
        "the on-arrival run started by the watcher's event",
        lambda: [
            r
            for r in _finished_runs(deployed.api, arrival)
            if r["parameters"]["job_name"].startswith("inbox-")
        ],
        timeout=RUN_TIMEOUT_S,
    )
    run = quoted[0]
    assert run["state_type"] == "COMPLETED", run["state"]
    assert sorted(Path(f).name for f in run["parameters"]["drawings"]["files"]) == [
        "bracket.dxf",
        "gusset.dxf",
    ]
    job = run["parameters"]["job_name"]
    assert (deployed.workdir / "out" / job / "summary.json").is_file()


def _post_arrival(api: str, files: list[Path], job_name: str) -> None:
    # What the README tells an outside system to send: a fresh id and the current time each
    # time (Prefect drops an event whose id it has seen, silently).
    event = {
        "id": str(uuid.uuid4()),
        "occurred": datetime.now(UTC).isoformat(),
        "event": "nestflow.drawings.arrived",
        "resource": {"prefect.resource.id": "nestflow.inbox.erp"},
        "payload": {"job_name": job_name, "drawings": {"files": [str(f) for f in files]}},
    }
    response = httpx.post(f"{api}/events", json=[event], timeout=10)
    assert response.status_code == 204


def test_posted_arrival_events_each_start_a_run_that_completes(deployed: Deployed) -> None:
    # The deployments name no Drawing Roots: a run reads only the project folder it runs in.
    erp = deployed.workdir / "erp"
    erp.mkdir(exist_ok=True)
    files = [Path(shutil.copy(ROOT / "examples" / "l_profile.dxf", erp / "l_profile.dxf"))]
    jobs = [f"erp-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    arrival = deployment_id(deployed.api, "Nest to CNC", "on-arrival")
    for job in jobs:  # two orders, one after the other
        _post_arrival(deployed.api, files, job)
    for job in jobs:
        done = wait_until(
            f"the on-arrival run of {job}",
            lambda job=job: _finished_runs(deployed.api, arrival, job),
            timeout=RUN_TIMEOUT_S,
        )
        assert done[0]["state_type"] == "COMPLETED", done[0]["state"]
        assert done[0]["parameters"]["drawings"]["files"] == [str(files[0])]
