"""Pushing layouts to the machine and waiting for the cut, against the sandbox's simulated laser."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from nestflow.engines import PartOrder
from nestflow.geometry.layout import write_layout_dxf
from nestflow.stock import SheetFormat
from nestflow.targets import CloudNestServerPush, LayoutToCut, TargetError, UploadCutTarget
from nestflow.tasks.local import nest_locally
from nestflow.tasks.push import push_layout, wait_until_cut
from tests.pipeline.tasks.support import checked, unique

ACCOUNT = "tasks-tests"


@dataclass(frozen=True)
class Pushed:
    target: CloudNestServerPush
    layout: LayoutToCut
    reference: str


@pytest.fixture(scope="module")
def pushed(nested_job, cloudnest, pipeline_blocks) -> Pushed:
    """The first layout of the nested job, pushed server-side to the sandbox's first machine."""
    result = nested_job.detail.results[0]
    layout = LayoutToCut(
        job=nested_job.name,
        engine="cloudnest",
        layout_id=result.result_guid,
        index=0,
        quantity=result.amount,
        engine_job_id=nested_job.job_id,
    )
    target = CloudNestServerPush(cloudnest, pipeline_blocks.gmid, ACCOUNT)
    return Pushed(target, layout, push_layout(target, layout))


def test_push_layout_creates_a_production_task_of_the_layout_on_the_machine(
    pushed, cloudnest, nested_job, pipeline_blocks
) -> None:
    plans = cloudnest.job_plan_detail([nested_job.job_id])
    assert [(p.guid, p.result_guid.upper(), p.gmid) for p in plans] == [
        (pushed.reference, pushed.layout.layout_id.upper(), pipeline_blocks.gmid)
    ]


def test_push_layout_emits_a_pushed_event_with_the_reference(pushed, wait_for_events) -> None:
    resource = f"nestflow.layout.cloudnest.{pushed.layout.layout_id}"
    (event,) = wait_for_events("nestflow.layout.pushed", resource)
    assert event.payload["reference"] == pushed.reference
    assert (event.payload["target"], event.payload["amount"]) == (
        pushed.target.label,
        pushed.layout.quantity,
    )


def test_wait_until_cut_reports_every_sheet_of_the_layout_cut(pushed) -> None:
    layout = pushed.layout
    done = wait_until_cut(pushed.target, layout.engine, layout.layout_id, pushed.reference, 60.0)
    assert done.finished
    assert (done.reference, done.cut, done.total) == (
        pushed.reference,
        layout.quantity,
        layout.quantity,
    )


def test_wait_until_cut_refuses_a_target_that_reports_no_progress(
    cloudnest, pipeline_blocks
) -> None:
    target = UploadCutTarget(cloudnest, f"{pipeline_blocks.gmid:012d}", ACCOUNT)
    with pytest.raises(TargetError, match="reports no production progress"):
        wait_until_cut(target, "local", "local-0", "some-task", 5.0)


def _finished_on(cloudnest, gmid: int) -> set[str]:
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    window = [(now + timedelta(hours=h)).strftime("%Y-%m-%d %H:%M:%S") for h in (-1, 1)]
    return {r.uuid.lower() for r in cloudnest.machine_result_list(gmid, *window)}


def test_push_layout_hands_another_engines_layout_file_to_the_machine(
    cloudnest, pipeline_blocks
) -> None:
    (gusset,) = checked("gusset.dxf")
    sheet = SheetFormat(
        name="tasks 1000x500", length=1000.0, height=500.0, quantity=1, border_gap=0.0
    )
    nested = nest_locally([PartOrder(part=gusset.parts[0], quantity=1)], [sheet], 1.0, 5.0, 60.0)
    layout = LayoutToCut(
        job=unique("local-push"),
        engine="local",
        layout_id="local-0",
        index=0,
        quantity=1,
        dxf=write_layout_dxf(nested.layouts[0]),
    )
    gmid = pipeline_blocks.gmid
    target = UploadCutTarget(cloudnest, f"{gmid:012d}", ACCOUNT)

    reference = push_layout(target, layout)

    deadline = time.monotonic() + 30.0
    while reference.lower() not in _finished_on(cloudnest, gmid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert reference.lower() in _finished_on(cloudnest, gmid)  # the machine cut that file
