"""The production shape (deploy/stack.py): PostgreSQL, Redis, API, services, two process workers.

Runs go through the ``manual`` deployment of prefect.yaml, picked up by either worker, against
the session's sandbox. What the workers share is what keeps a job whole: the Prefect server's
job leases (one run per job at a time), the shared result storage (caches, push records) and the
CloudNest global rate limit.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
    TaskRunFilter,
    TaskRunFilterName,
)
from prefect.client.schemas.objects import StateType
from prefect.settings import PREFECT_API_URL, temporary_settings

from blocks import CloudNestCredentials
from cli.demo import save_sandbox_blocks
from deploy.stack import CLOUDNEST_RATE_LIMIT, Stack
from flows.parameters import BlockNames, MaterialSpec, NestingSettings
from nestflow.cloudnest.jobs import find_job
from tasks.leases import LEASE_S
from tests.pipeline.conftest import copy_examples
from tests.pipeline.processes import wait_until

DRAWINGS = ("bracket.dxf", "gusset.dxf", "l_profile.dxf")
MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=180.0)
RUN_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Production:
    """The running stack and the blocks saved on it."""

    stack: Stack
    blocks: BlockNames
    drawings: Path


@pytest.fixture(scope="module")
def production(sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    root = tmp_path_factory.mktemp("production")
    drawings = copy_examples(root / "drawings", *DRAWINGS)
    stack = Stack(root / "stack", workers=2, worker_env={"PREFECT_WORKER_QUERY_SECONDS": "1"})
    stack.up()
    try:
        with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
            names = save_sandbox_blocks(sandbox, "stack", root / "out", root / "drop")
            credentials = CloudNestCredentials.load("stack")
            credentials.global_rate_limit = CLOUDNEST_RATE_LIMIT
            credentials.save("stack", overwrite=True)
        yield Production(stack=stack, blocks=names, drawings=drawings)
    finally:
        stack.down()


def _start(production: Production, job_name: str, **nesting: float) -> UUID:
    parameters = {
        "job_name": job_name,
        "drawings": {"folder": str(production.drawings)},
        "push": "cloudnest",
        "material": MATERIAL.model_dump(),
        "nesting": FAST.model_copy(update=nesting).model_dump(),
        "blocks": production.blocks.model_dump(),
    }
    return production.stack.start_run("Nest to CNC/manual", parameters)


def _wait_finished(production: Production, ids: list[UUID]) -> dict[UUID, str]:
    return production.stack.wait_runs(ids, RUN_TIMEOUT_S)


def _assert_one_of_everything(cloudnest, job_name: str) -> None:
    """One job, each drawing uploaded once, one production task per layout."""
    jobs = [job for job in cloudnest.job_search(job_name) if job.job_name == job_name]
    assert len(jobs) == 1, f"{job_name}: {len(jobs)} CloudNest jobs"
    job = find_job(cloudnest, job_name)
    drawings = sorted(d.filename for d in cloudnest.job_drawing_status(job.job_id))
    assert drawings == sorted(DRAWINGS), f"{job_name}: drawings uploaded {drawings}"
    layouts = cloudnest.job_nest_detail(job.job_id).results
    plans = cloudnest.job_plan_detail([job.job_id])
    assert layouts
    assert sorted(p.result_guid for p in plans) == sorted(r.result_guid for r in layouts), (
        f"{job_name}: {len(plans)} production task(s) for {len(layouts)} layout(s)"
    )


def test_five_different_jobs_at_once_all_complete(production, cloudnest) -> None:
    jobs = [f"scale-{uuid.uuid4().hex[:8]}" for _ in range(5)]
    ids = [_start(production, job) for job in jobs]

    states = _wait_finished(production, ids)

    assert list(states.values()) == ["COMPLETED"] * 5
    for job in jobs:
        _assert_one_of_everything(cloudnest, job)


def test_twin_runs_of_one_job_cut_it_once_in_ten_trials(production, cloudnest) -> None:
    jobs = [f"twins-{uuid.uuid4().hex[:8]}" for _ in range(10)]
    for wave in (jobs[:5], jobs[5:]):  # five trials at a time, each two runs started together
        ids = [run for job in wave for run in (_start(production, job), _start(production, job))]
        states = _wait_finished(production, ids)
        assert list(states.values()) == ["COMPLETED"] * len(ids)
    for job in jobs:
        _assert_one_of_everything(cloudnest, job)


def _running_pid(production: Production, run: UUID) -> int | None:
    """The process id of a running flow run (its worker's child), None while not running."""
    with temporary_settings(updates={PREFECT_API_URL: production.stack.api_url}):
        with get_client(sync_client=True) as client:
            flow_run = client.read_flow_run(run)
    if flow_run.state_type is None or flow_run.state_type.value != "RUNNING":
        return None
    pid = (flow_run.infrastructure_pid or "").rsplit(":", 1)[-1]
    return int(pid) if pid.isdigit() else None


def _uploads_finished(production: Production, run: UUID) -> bool:
    """True once every CloudNest upload task of the run has completed."""
    with temporary_settings(updates={PREFECT_API_URL: production.stack.api_url}):
        with get_client(sync_client=True) as client:
            uploads = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run])),
                task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="Upload drawings")),
            )
    return bool(uploads) and all(t.state_type == StateType.COMPLETED for t in uploads)


def _log_lines(production: Production, run: UUID) -> list[str]:
    with temporary_settings(updates={PREFECT_API_URL: production.stack.api_url}):
        with get_client(sync_client=True) as client:
            logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run])))
    return [log.message for log in logs]


def test_a_run_killed_after_its_uploads_is_rerun_without_duplicates_once_its_lease_goes(
    production, cloudnest
) -> None:
    job = f"killed-{uuid.uuid4().hex[:8]}"
    first = _start(production, job, time_s=20.0)  # a long Boost: killed inside the job's lease
    wait_until("the first run's uploads", lambda: _uploads_finished(production, first), 240)
    pid = _running_pid(production, first)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()

    second = _start(production, job)
    states = _wait_finished(production, [second])

    assert states[second] == "COMPLETED"
    assert any("is held by another run" in line for line in _log_lines(production, second))
    waited = time.monotonic() - killed_at
    # the dead holder's lease went at its expiry plus a repossessor round, not for ever
    assert waited < LEASE_S + 15 + RUN_TIMEOUT_S / 2
    assert production.stack.run_states([first])[first] == "CRASHED"
    _assert_one_of_everything(cloudnest, job)
