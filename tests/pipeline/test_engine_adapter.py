"""The one flow-side adapter: engines built from their registry entries, their logs in the run's.

:func:`nestflow.flows.engines.engine_runs` builds each engine a run asks for the same way: its
class from the registry, its credentials block by the entry's block type and the run's name for
it, its steps from ``nestflow.tasks.<name>``. What an engine logs while the run drives it is
repeated in the Prefect run log, where the people watching the run read.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from prefect import flow, get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.context import get_run_context

from nestflow.blocks.credentials import CloudNestCredentials
from nestflow.blocks.loading import load_block
from nestflow.engines import ENGINES, EngineContext
from nestflow.flows.engines import engine_runs
from nestflow.flows.parameters import BlockNames
from nestflow.geometry.reader import read_drawing
from nestflow.intake import CheckedDrawing, DrawingLocation, Intake
from nestflow.run_options import MaterialSpec, NestingSettings
from nestflow.stock import SheetFormat
from nestflow.tasks import cloudnest, local

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_engine_runs_builds_each_engine_from_its_entry_with_its_steps(pipeline_blocks) -> None:
    runs = engine_runs(["local", "cloudnest"], pipeline_blocks.names)

    assert [(run.name, run.entry) for run in runs] == [
        ("local", ENGINES["local"]),
        ("cloudnest", ENGINES["cloudnest"]),
    ]
    solver, vendor = (run.engine for run in runs)
    assert isinstance(solver.steps, local.LocalTaskSteps)
    assert isinstance(vendor.steps, cloudnest.CloudNestTaskSteps)
    named = load_block(CloudNestCredentials, pipeline_blocks.names.cloudnest)
    assert vendor.steps.credentials == named


def test_what_an_engine_logs_while_the_run_drives_it_is_in_the_run_log() -> None:
    content = (EXAMPLES / "gusset.dxf").read_bytes()
    drawing = CheckedDrawing(
        ref=DrawingLocation(file="gusset.dxf"), content=content, parts=read_drawing(content)
    )
    # The solve takes the solver's 1 s floor; the run waits 0.01 s for it: the engine fails.
    nesting = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=0.01)
    sheet = SheetFormat(name="adapter", length=1000.0, height=500.0)
    ctx = EngineContext("adapter-job", Intake(drawings=[drawing]), MaterialSpec(), [sheet], nesting)
    before = set(threading.enumerate())

    @flow(name="adapter-log")
    def drive_local() -> str:
        (run,) = engine_runs(["local"], BlockNames())  # the local engine needs no block
        run.start(ctx)
        run.finish(ctx)
        return str(get_run_context().flow_run.id)

    run_id = drive_local()
    for thread in set(threading.enumerate()) - before:
        if "_solve" in thread.name:  # the solve left running ends within its time limit
            thread.join(30.0)

    assert "local failed: the local solver did not finish within 0.01 s" in _run_log(run_id)


def _run_log(run_id: str, timeout_s: float = 30.0) -> list[str]:
    """The run's log lines once its failure line arrived (log lines reach the API in batches)."""
    deadline = time.monotonic() + timeout_s
    while True:
        with get_client(sync_client=True) as client:
            logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
        lines = [log.message for log in logs]
        if any("failed:" in line for line in lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.2)
