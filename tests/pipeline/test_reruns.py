"""Re-running a job, even after a crash, never duplicates the job, a drawing or a push."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterName,
    TaskRunFilter,
    TaskRunFilterName,
)
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.sorting import FlowRunSort, TaskRunSort

from flows.nest_to_cnc import nest_to_cnc
from flows.parameters import DrawingSource, MaterialSpec, NestingSettings, PushEngine
from nestflow.cloudnest.jobs import find_job

ROOT = Path(__file__).resolve().parents[2]
DRAWINGS = ("bracket.dxf", "gusset.dxf", "tab_block.dxf")
MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=2.0, spacing=5.0, max_wait_s=120.0)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "drawings"
    target.mkdir()
    for name in DRAWINGS:
        shutil.copy(ROOT / "examples" / name, target / name)
    return target


def _run(job_name: str, folder: Path, blocks):
    return nest_to_cnc(
        job_name=job_name,
        drawings=DrawingSource(folder=str(folder)),
        push=PushEngine.CLOUDNEST,
        material=MATERIAL,
        nesting=FAST,
        blocks=blocks.names,
    )


def _jobs_named(cloudnest, name: str) -> list:
    return [job for job in cloudnest.job_search(name) if job.job_name == name]


def _assert_single_copies(cloudnest, job_name: str, layouts: int) -> None:
    assert len(_jobs_named(cloudnest, job_name)) == 1
    job = find_job(cloudnest, job_name)
    drawings = cloudnest.job_drawing_status(job.job_id)
    assert sorted(d.filename for d in drawings) == sorted(DRAWINGS)
    plans = cloudnest.job_plan_detail([job.job_id])
    assert len(plans) == layouts
    assert len({p.result_guid for p in plans}) == layouts


def test_second_run_creates_nothing_new(folder, pipeline_blocks, cloudnest) -> None:
    first = _run("rerun-twice", folder, pipeline_blocks)
    second = _run("rerun-twice", folder, pipeline_blocks)
    layouts = first.engine("cloudnest").layouts
    _assert_single_copies(cloudnest, "rerun-twice", len(layouts))
    assert [p.status for p in second.pushes] == ["already pushed"] * len(layouts)
    assert [p.reference for p in second.pushes] == [p.reference for p in first.pushes]
    assert second.engine("almacam").reference == first.engine("almacam").reference


def _upload_finished(job_name: str) -> bool:
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[f"nest {job_name}"])),
            sort=FlowRunSort.ID_DESC,
            limit=5,
        )
        if not runs:
            return False
        uploads = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[runs[0].id])),
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="Upload drawings")),
            sort=TaskRunSort.ID_DESC,
            limit=50,
        )
    return bool(uploads) and all(t.state_type == StateType.COMPLETED for t in uploads)


def _start_in_subprocess(job_name: str, folder: Path, blocks, prefect_session):
    parameters = {
        "job_name": job_name,
        "drawings": {"folder": str(folder)},
        "push": "cloudnest",
        "material": MATERIAL.model_dump(),
        "nesting": FAST.model_dump(),
        "blocks": blocks.names.model_dump(),
    }
    code = (
        "import json, sys\n"
        "from flows.nest_to_cnc import nest_to_cnc\n"
        "nest_to_cnc(**json.loads(sys.argv[1]))\n"
    )
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_session.api_url,
        "PREFECT_HOME": str(prefect_session.home),
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(prefect_session.storage),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    return subprocess.Popen(
        [sys.executable, "-c", code, json.dumps(parameters)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_run_killed_after_uploads_reruns_without_duplicates(
    folder, pipeline_blocks, cloudnest, prefect_session
) -> None:
    job_name = "killed-after-uploads"
    process = _start_in_subprocess(job_name, folder, pipeline_blocks, prefect_session)
    deadline = time.monotonic() + 120
    try:
        while not _upload_finished(job_name):
            assert process.poll() is None, "the run ended before its uploads were seen"
            assert time.monotonic() < deadline, "the uploads never completed"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    assert process.returncode == -signal.SIGKILL
    job = find_job(cloudnest, job_name)
    assert sorted(d.filename for d in cloudnest.job_drawing_status(job.job_id)) == sorted(DRAWINGS)

    summary = _run(job_name, folder, pipeline_blocks)

    layouts = summary.engine("cloudnest").layouts
    assert layouts, summary.engine("cloudnest").errors
    _assert_single_copies(cloudnest, job_name, len(layouts))


def _drop_run(folder: Path, blocks):
    return nest_to_cnc(
        job_name="drop-twice",
        drawings=DrawingSource(folder=str(folder)),
        push=PushEngine.ALMACAM,
        material=MATERIAL,
        nesting=FAST,
        blocks=blocks.names,
    )


def test_almacam_layouts_are_dropped_once_across_runs(folder, pipeline_blocks) -> None:
    first = _drop_run(folder, pipeline_blocks)
    dropped = sorted(pipeline_blocks.drop.glob("drop-twice-*.dxf"))
    written = {p.name: p.stat().st_mtime_ns for p in dropped}

    second = _drop_run(folder, pipeline_blocks)

    layouts = first.engine("almacam").layouts
    assert [p.status for p in first.pushes] == ["pushed"] * len(layouts)
    assert [p.status for p in second.pushes] == ["already pushed"] * len(layouts)
    assert sorted(written) == [
        f"drop-twice-layout-{i + 1:02d}-x{row.quantity}.dxf" for i, row in enumerate(layouts)
    ]
    again = sorted(pipeline_blocks.drop.glob("drop-twice-*.dxf"))
    assert {p.name: p.stat().st_mtime_ns for p in again} == written  # not written again
