"""A run tells the truth: asked to push, it ends Failed unless the job reached the machine whole;
and only one run works on a job at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.concurrency.sync import concurrency

from nestflow.blocks import MachineTarget
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.outputs import PushIncomplete, push_incomplete_reason
from nestflow.flows.parameters import (
    DrawingSource,
    MaterialSpec,
    NestingSettings,
    PushEngine,
    TargetKind,
)
from nestflow.report import EngineSummary, LayoutRow, PushRecord, RunSummary
from nestflow.tasks.leases import JobBusy, LeaseNotHeld, ensure_limit, lease_name
from nestflow.tasks.push import exactly_once

ROOT = Path(__file__).resolve().parents[2]
MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=120.0)


@pytest.fixture
def folder(example_folder) -> Path:
    return example_folder("gusset.dxf")


def _layout(engine: str = "cloudnest") -> LayoutRow:
    return LayoutRow(
        engine=engine,
        layout_id="L1",
        name="layout 1",
        sheet="3000 x 1500",
        sheet_length=3000,
        sheet_height=1500,
        quantity=1,
        used_length=500,
        parts=3,
        parts_area=1e5,
    )


def _summary(pushes: list[PushRecord], unplaced: list[str] | None = None) -> RunSummary:
    engine = EngineSummary(engine="cloudnest", layouts=[_layout()], unplaced=unplaced or [])
    return RunSummary(
        job_name="j",
        mode="production",
        push_engine="cloudnest",
        material="S235JR",
        thickness=3.0,
        density=7.85,
        engines=[engine],
        pushes=pushes,
    )


def _push(status: str, reference: str = "plan-1") -> PushRecord:
    return PushRecord(
        engine="cloudnest",
        layout_id="L1",
        target="gmid 1",
        quantity=1,
        status=status,
        reference=reference,
    )


def test_pushed_and_already_pushed_layouts_make_a_complete_run() -> None:
    assert push_incomplete_reason(_summary([_push("pushed")])) is None
    assert push_incomplete_reason(_summary([_push("already pushed")])) is None


def test_a_failed_push_makes_the_run_incomplete_naming_the_layout() -> None:
    reason = push_incomplete_reason(_summary([_push("failed", "CloudNest 503")]))
    assert reason is not None
    assert "cloudnest layout L1 -> gmid 1: push failed: CloudNest 503" in reason


def test_parts_left_out_by_the_pushed_engine_make_the_run_incomplete() -> None:
    reason = push_incomplete_reason(_summary([_push("pushed")], unplaced=["gusset (gusset.dxf)"]))
    assert reason is not None and "left 1 part(s) out" in reason and "gusset" in reason


def test_a_run_asked_to_push_to_a_machine_it_cannot_reach_ends_failed_saying_why(
    folder: Path, pipeline_blocks
) -> None:
    # a drop-folder-only machine explicitly asked for CloudNest's server-side push
    MachineTarget(drop_folder_block=pipeline_blocks.names.machine + "-drop").save(
        "drop-only", overwrite=True
    )
    blocks = pipeline_blocks.names.model_copy(update={"machine": "drop-only"})
    state = nest_to_cnc(
        job_name="push-without-machine",
        drawings=DrawingSource(folder=str(folder)),
        push=PushEngine.CLOUDNEST,
        target=TargetKind.SERVER_PUSH,
        material=MATERIAL,
        nesting=FAST,
        blocks=blocks,
        return_state=True,
    )
    assert state.is_failed()
    with pytest.raises(PushIncomplete, match="block 'drop-only' has no CloudNest gmid"):
        state.result()
    summary = (pipeline_blocks.out / "push-without-machine" / "summary.json").read_text()
    assert "nothing pushed" in summary  # what was done is on record all the same


def test_a_push_outside_the_jobs_lease_is_refused() -> None:
    pushed: list[str] = []

    with pytest.raises(LeaseNotHeld, match="without holding the job's lease"):
        exactly_once("unleased-job", "key-unleased", lambda: pushed.append("x") or "ref")

    assert pushed == []


def test_a_run_of_a_job_held_by_another_run_waits_then_gives_up_saying_so(
    folder: Path, pipeline_blocks
) -> None:
    job = "held-elsewhere"
    name = lease_name(job)
    ensure_limit(name)
    with concurrency(name, occupy=1, strict=True):  # another run holds the job
        state = nest_to_cnc(
            job_name=job,
            drawings=DrawingSource(folder=str(folder)),
            material=MATERIAL,
            nesting=FAST.model_copy(update={"lease_wait_s": 2.0}),
            blocks=pipeline_blocks.names,
            return_state=True,
        )
    assert state.is_failed()
    with pytest.raises(JobBusy, match="another run of this job held it for 2 s"):
        state.result()
    assert not (pipeline_blocks.out / job).exists()  # nothing was done
