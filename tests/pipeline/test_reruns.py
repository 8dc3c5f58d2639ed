"""Re-running a job never duplicates the job, a drawing, a push or a cut part.

A run killed in the middle of its job, then re-run, is tested on the production stack
(``stack/test_scale_out.py``, ``stack/test_kills_around_the_push.py``): the killed run's job lease
is freed by the server's lease repossessor, which Prefect's test harness does not run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nestflow.cloudnest.jobs import find_job
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import DrawingSource, MaterialSpec, NestingSettings, PushEngine
from tests.pipeline.conftest import EXAMPLES, stored_as

ROOT = Path(__file__).resolve().parents[2]
DRAWINGS = ("bracket.dxf", "gusset.dxf", "tab_block.dxf")
MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=2.0, spacing=5.0, max_wait_s=120.0)


@pytest.fixture
def folder(example_folder) -> Path:
    return example_folder(*DRAWINGS)


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
    assert sorted(d.filename for d in drawings) == stored_as(*(EXAMPLES / n for n in DRAWINGS))
    plans = cloudnest.job_plan_detail([job.job_id])
    assert len(plans) == layouts
    assert len({p.result_guid for p in plans}) == layouts


def test_second_run_creates_nothing_new(folder, pipeline_blocks, cloudnest) -> None:
    first = _run("rerun-twice", folder, pipeline_blocks)
    second = _run("rerun-twice", folder, pipeline_blocks)
    layouts = first.engine("cloudnest").layouts
    _assert_single_copies(cloudnest, "rerun-twice", len(layouts))
    assert second.pushes == [] and second.engines == []  # nothing left to nest
    assert [(p.part, p.ordered, p.already_cut, p.cut_now, p.missing) for p in second.parts] == [
        (name.removesuffix(".dxf"), 1, 1, 0, 0) for name in DRAWINGS
    ]
    assert any("every ordered copy already cut" in note for note in second.notes)


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
    dropped = sorted(pipeline_blocks.drop.glob("drop-twice-almacam-*.dxf"))
    written = {p.name: p.stat().st_mtime_ns for p in dropped}

    second = _drop_run(folder, pipeline_blocks)

    layouts = first.engine("almacam").layouts
    assert [p.status for p in first.pushes] == ["pushed"] * len(layouts)
    assert second.pushes == []
    assert [re.sub(r"-[0-9a-f]{6}-x", "-x", name) for name in sorted(written)] == [
        f"drop-twice-almacam-layout-{i + 1:02d}-x{row.quantity}-S235JR-3mm-O2.dxf"
        for i, row in enumerate(layouts)
    ]
    again = sorted(pipeline_blocks.drop.glob("drop-twice-almacam-*.dxf"))
    assert {p.name: p.stat().st_mtime_ns for p in again} == written  # not written again
