"""The job ledger end to end: whatever the user re-runs, every ordered part is cut exactly once.

The scenarios users met: fixing one rejected drawing and re-running cut the whole job again;
adding a drawing re-cut every other one; a corrected drawing under the same name never reached
CloudNest. Local-engine runs drop their layouts in a folder (fast, no vendor); the corrected
drawing goes through CloudNest, which must nest the new content and never the old.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from nestflow.cloudnest.jobs import find_job
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.outputs import PushIncomplete
from nestflow.flows.parameters import (
    DrawingSource,
    EngineName,
    MaterialSpec,
    NestingSettings,
    PushEngine,
)
from nestflow.tasks.ledger import ledger_path
from tests.pipeline.conftest import dropped_parts, stored_as

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=120.0)


def _progress(summary) -> dict[str, tuple[int, int, int, int]]:
    return {p.part: (p.ordered, p.already_cut, p.cut_now, p.missing) for p in summary.parts}


def test_fixing_a_rejected_drawing_then_rerunning_cuts_only_its_parts(
    example_folder, local_run, pipeline_blocks
) -> None:
    job = f"fix-one-{uuid.uuid4().hex[:6]}"
    folder = example_folder("bracket.dxf", "gusset.dxf")
    shutil.copy(EXAMPLES / "broken_open_contour.dxf", folder / "tab_block.dxf")
    with pytest.raises(PushIncomplete, match=r"drawing tab_block\.dxf rejected \(open_contour\)"):
        local_run(job, folder)  # the rest is cut, but the job is not whole: the run is not green
    assert dropped_parts(pipeline_blocks.drop, job) == 2

    shutil.copy(EXAMPLES / "tab_block.dxf", folder / "tab_block.dxf")  # the fixed drawing
    second = local_run(job, folder)

    assert _progress(second) == {
        "bracket": (1, 1, 0, 0),
        "gusset": (1, 1, 0, 0),
        "tab_block": (1, 0, 1, 0),
    }
    assert sum(row.parts for row in second.engine("local").layouts) == 1
    assert dropped_parts(pipeline_blocks.drop, job) == 3  # each part once over both runs


def test_adding_a_drawing_then_rerunning_cuts_only_the_new_one(example_folder, local_run) -> None:
    job = f"add-one-{uuid.uuid4().hex[:6]}"
    folder = example_folder("bracket.dxf", "gusset.dxf")
    local_run(job, folder)
    shutil.copy(EXAMPLES / "tab_block.dxf", folder / "tab_block.dxf")

    second = local_run(job, folder)

    assert [p.cut_now for p in second.parts] == [0, 0, 1]
    assert sum(p.status == "pushed" for p in second.pushes) == len(second.engine("local").layouts)


def test_a_job_already_cut_ends_green_and_cuts_nothing(example_folder, local_run) -> None:
    job = f"done-{uuid.uuid4().hex[:6]}"
    folder = example_folder("bracket.dxf")
    local_run(job, folder)

    again = local_run(job, folder)

    assert again.pushes == [] and again.engines == []
    assert _progress(again) == {"bracket": (1, 1, 0, 0)}


def test_recut_cuts_the_order_again_only_when_asked(
    example_folder, local_run, pipeline_blocks
) -> None:
    job = f"recut-{uuid.uuid4().hex[:6]}"
    folder = example_folder("gusset.dxf")
    local_run(job, folder)

    again = local_run(job, folder, recut=True)

    assert _progress(again) == {"gusset": (2, 1, 1, 0)}
    assert [p.status for p in again.pushes] == ["pushed"]
    third = local_run(job, folder, recut=True)  # the recut was whole: the order is cut a third time
    assert _progress(third) == {"gusset": (3, 2, 1, 0)}
    assert dropped_parts(pipeline_blocks.drop, job) == 3


def test_a_lost_ledger_is_caught_up_from_the_push_records_and_nothing_is_cut_twice(
    example_folder, local_run, pipeline_blocks
) -> None:
    job = f"lost-{uuid.uuid4().hex[:6]}"
    folder = example_folder("gusset.dxf")
    first = local_run(job, folder)
    ledger_path(job).unlink()  # the ledger lost: the push records still know what was pushed

    again = local_run(job, folder)

    assert [p.status for p in again.pushes] == ["already pushed"] * len(first.pushes)
    assert [p.reference for p in again.pushes] == [p.reference for p in first.pushes]
    assert dropped_parts(pipeline_blocks.drop, job) == 1
    third = local_run(job, folder)
    assert third.pushes == []


def test_a_corrected_drawing_under_the_same_name_reaches_cloudnest_and_the_old_is_superseded(
    example_folder, pipeline_blocks, cloudnest
) -> None:
    job = f"corrected-{uuid.uuid4().hex[:6]}"
    folder = example_folder("bracket.dxf", "gusset.dxf")

    def run():
        return nest_to_cnc(
            job_name=job,
            drawings=DrawingSource(folder=str(folder)),
            push=PushEngine.CLOUDNEST,
            engines=[EngineName.CLOUDNEST],
            material=MATERIAL,
            nesting=FAST,
            blocks=pipeline_blocks.names,
        )

    first = run()
    shutil.copy(EXAMPLES / "tab_block.dxf", folder / "gusset.dxf")  # new content, same name
    second = run()

    old, new = (
        first.parts[1],
        next(p for p in second.parts if p.part == "gusset" and not p.superseded),
    )
    assert new.sha256 != old.sha256 and (new.cut_now, new.missing) == (1, 0)
    assert any(p.superseded and p.sha256 == old.sha256 for p in second.parts)
    assert next(p for p in second.parts if p.part == "bracket").cut_now == 0
    round_job = int(second.engine("cloudnest").reference.removeprefix("job "))
    assert round_job != find_job(cloudnest, job).job_id  # the round's own CloudNest job
    drawings = cloudnest.job_drawing_status(round_job)
    assert [d.filename for d in drawings] == stored_as(folder / "gusset.dxf")  # corrected only
    assert len(cloudnest.job_plan_detail([find_job(cloudnest, job).job_id])) == len(first.pushes)
    assert sum(p.status == "pushed" for p in second.pushes) == 1
