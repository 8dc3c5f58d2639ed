"""The production shape (deploy/stack.py) for the tests of this folder, started once for them.

PostgreSQL, Redis, the Prefect API and its services, two process workers; runs go through the
``manual`` deployment of prefect.yaml, picked up by either worker, against a sandbox. What the
workers share is what keeps a job whole: the Prefect server's job leases (one run per job at a
time), the shared result storage (caches, push records, job ledgers) and the CloudNest global rate
limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
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

from nestflow.blocks import CloudNestCredentials, DrawingRoots
from nestflow.cli.demo import save_sandbox_blocks
from nestflow.cloudnest.jobs import find_job
from nestflow.deploy.stack import CLOUDNEST_RATE_LIMIT, Stack
from nestflow.flows.parameters import BlockNames, MaterialSpec, NestingSettings
from tests.pipeline.conftest import EXAMPLES, copy_examples, stored_as

DRAWINGS = ("bracket.dxf", "gusset.dxf", "l_profile.dxf")
MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=180.0)
RUN_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Production:
    """The running stack, the blocks saved on it and a folder of drawings."""

    stack: Stack
    blocks: BlockNames
    drawings: Path

    def start(self, job_name: str, parameters: dict[str, Any] | None = None, **nesting) -> UUID:
        """Start a production run of ``job_name`` pushing CloudNest's layouts (``manual``).

        Args:
            job_name: The job.
            parameters: Flow parameters replacing the defaults below.
            **nesting: Nesting settings replacing :data:`FAST`'s.
        """
        defaults = {
            "job_name": job_name,
            "drawings": {"folder": str(self.drawings)},
            "push": "cloudnest",
            "material": MATERIAL.model_dump(),
            "nesting": FAST.model_copy(update=nesting).model_dump(),
            "blocks": self.blocks.model_dump(),
        }
        return self.stack.start_run("Nest to CNC/manual", {**defaults, **(parameters or {})})

    def wait(self, ids: list[UUID]) -> dict[UUID, str]:
        """Wait until every run is finished (never longer than :data:`RUN_TIMEOUT_S`)."""
        return self.stack.wait_runs(ids, RUN_TIMEOUT_S)

    def running_pid(self, run: UUID) -> int | None:
        """The process id of a running flow run (its worker's child), None while not running."""
        flow_run = self._client_call(lambda client: client.read_flow_run(run))
        if flow_run.state_type is None or flow_run.state_type.value != "RUNNING":
            return None
        pid = (flow_run.infrastructure_pid or "").rsplit(":", 1)[-1]
        return int(pid) if pid.isdigit() else None

    def state_type(self, run: UUID) -> str | None:
        """The run's state type (``RUNNING``, ``FAILED``...), None before it has one."""
        flow_run = self._client_call(lambda client: client.read_flow_run(run))
        return flow_run.state_type.value if flow_run.state_type is not None else None

    def state_message(self, run: UUID) -> str:
        """The message of the run's final state (a Failed run's: its exception)."""
        flow_run = self._client_call(lambda client: client.read_flow_run(run))
        return flow_run.state.message or "" if flow_run.state else ""

    def uploads_finished(self, run: UUID) -> bool:
        """True once every CloudNest upload task of the run has completed."""
        uploads = self._client_call(
            lambda client: client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run])),
                task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="Upload drawings")),
            )
        )
        return bool(uploads) and all(t.state_type == StateType.COMPLETED for t in uploads)

    def log_lines(self, run: UUID) -> list[str]:
        """Every log line the run sent to the API."""
        return [message for _, message in self.logs(run)]

    def logs(self, run: UUID) -> list[tuple[datetime, str]]:
        """Every log line the run sent to the API, with its time."""
        logs = self._client_call(
            lambda client: client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run])))
        )
        return [(log.timestamp, log.message) for log in logs]

    def _client_call(self, call):  # noqa: ANN001, ANN202 - one sync client call on the stack
        with temporary_settings(updates={PREFECT_API_URL: self.stack.api_url}):
            with get_client(sync_client=True) as client:
                return call(client)


def assert_one_of_everything(cloudnest, job_name: str) -> None:
    """One job, each drawing uploaded once, one production task per layout."""
    jobs = [job for job in cloudnest.job_search(job_name) if job.job_name == job_name]
    assert len(jobs) == 1, f"{job_name}: {len(jobs)} CloudNest jobs"
    job = find_job(cloudnest, job_name)
    drawings = sorted(d.filename for d in cloudnest.job_drawing_status(job.job_id))
    expected = stored_as(*(EXAMPLES / name for name in DRAWINGS))
    assert drawings == expected, f"{job_name}: drawings uploaded {drawings}"
    layouts = cloudnest.job_nest_detail(job.job_id).results
    plans = cloudnest.job_plan_detail([job.job_id])
    assert layouts
    assert sorted(p.result_guid for p in plans) == sorted(r.result_guid for r in layouts), (
        f"{job_name}: {len(plans)} production task(s) for {len(layouts)} layout(s)"
    )


@pytest.fixture(scope="package")
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
            # The drawings lie in a temporary folder, not in the workers' working folder that a
            # run reads by default: the stack's runs name exactly that folder.
            DrawingRoots(folders=[str(drawings)]).save("stack-roots", overwrite=True)
            names = names.model_copy(update={"drawing_roots": "stack-roots"})
        yield Production(stack=stack, blocks=names, drawings=drawings)
    finally:
        stack.down()
