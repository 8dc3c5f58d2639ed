"""Machine targets: any engine's checked layout file reaches a machine through any file target.

Against the session's sandbox: AlmaCAM layouts go to the sandbox machine by the documented IoT
upload-cut task and are cut and listed by the machine; CloudNest layouts go to a drop folder; a
card the account cannot control is refused with the vendor's code and a clear reason.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from nestflow.blocks import MachineTarget
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.outputs import PushIncomplete
from nestflow.flows.parameters import (
    DrawingSource,
    EngineName,
    MaterialSpec,
    NestingSettings,
    PushEngine,
    TargetKind,
)
from nestflow.gate import dxf_outlines
from tests.pipeline.processes import wait_until

MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=120.0)
ALL_TIME = ("2000-01-01 00:00:00", "2100-01-01 00:00:00")


@pytest.fixture
def folder(example_folder) -> Path:
    return example_folder("bracket.dxf", "gusset.dxf")


def _run(job: str, folder: Path, names, push: PushEngine, target: TargetKind, machine: str):
    """Nest with the pushed engine alone (the others' layouts would go nowhere) and push."""
    return nest_to_cnc(
        job_name=job,
        drawings=DrawingSource(folder=str(folder)),
        push=push,
        engines=[EngineName(push.value)],
        target=target,
        material=MATERIAL,
        nesting=FAST,
        blocks=names.model_copy(update={"machine": machine}),
        return_state=True,
    )


def test_almacam_layouts_reach_the_machine_by_upload_cut_and_are_cut(
    folder: Path, pipeline_blocks, cloudnest
) -> None:
    card = f"{pipeline_blocks.gmid:012d}"
    MachineTarget(card_id=card).save("iot-laser", overwrite=True)
    job = f"iot-{uuid.uuid4().hex[:6]}"

    state = _run(
        job, folder, pipeline_blocks.names, PushEngine.ALMACAM, TargetKind.UPLOAD_CUT, "iot-laser"
    )

    summary = state.result()
    layouts = summary.engine("almacam").layouts
    assert [(p.engine, p.target, p.status) for p in summary.pushes] == [
        ("almacam", f"card {card}", "pushed")
    ] * len(layouts)
    tasks = {p.reference for p in summary.pushes}

    def cut() -> list:
        done = cloudnest.machine_result_list(pipeline_blocks.gmid, *ALL_TIME)
        return [r for r in done if r.uuid in tasks]

    reported = wait_until("the machine to cut the uploaded layouts", cut, timeout=120)
    names = sorted(r.nest_name for r in reported)
    assert [re.sub(r"-[0-9a-f]{6}-x", "-x", name) for name in names] == [
        f"{job}-almacam-layout-{i + 1:02d}-x{row.quantity}-S235JR-3mm-O2.dxf"
        for i, row in enumerate(layouts)
    ]
    assert [r.amount for r in reported] == [row.quantity for row in layouts]


def test_cloudnest_layouts_can_go_to_a_drop_folder(folder: Path, pipeline_blocks) -> None:
    drop_block = pipeline_blocks.names.machine + "-drop"
    MachineTarget(drop_folder_block=drop_block).save("folder-laser", overwrite=True)
    job = f"cn-drop-{uuid.uuid4().hex[:6]}"

    state = _run(
        job,
        folder,
        pipeline_blocks.names,
        PushEngine.CLOUDNEST,
        TargetKind.DROP_FOLDER,
        "folder-laser",
    )

    summary = state.result()
    dropped = sorted(pipeline_blocks.drop.glob(f"{job}-cloudnest-layout-*.dxf"))
    assert len(dropped) == len(summary.engine("cloudnest").layouts) >= 1
    assert all(dxf_outlines(path.read_bytes()) for path in dropped)
    assert {p.status for p in summary.pushes} == {"pushed"}


def test_a_card_the_account_cannot_control_fails_the_run_with_the_vendors_reason(
    folder: Path, pipeline_blocks
) -> None:
    MachineTarget(card_id="999999999999").save("foreign-laser", overwrite=True)
    state = _run(
        f"foreign-{uuid.uuid4().hex[:6]}",
        folder,
        pipeline_blocks.names,
        PushEngine.ALMACAM,
        TargetKind.UPLOAD_CUT,
        "foreign-laser",
    )
    assert state.is_failed()
    with pytest.raises(PushIncomplete, match="card 999999999999: this account cannot control it"):
        state.result()


def test_server_push_refuses_another_engines_layouts_naming_the_alternatives(
    folder: Path, pipeline_blocks
) -> None:
    state = _run(
        f"wrong-target-{uuid.uuid4().hex[:6]}",
        folder,
        pipeline_blocks.names,
        PushEngine.ALMACAM,
        TargetKind.SERVER_PUSH,
        pipeline_blocks.names.machine,
    )
    with pytest.raises(PushIncomplete, match="takes CloudNest layouts only, not almacam's"):
        state.result()


def test_a_run_with_only_the_local_engine_needs_no_vendor_and_drops_its_layouts(
    folder: Path, pipeline_blocks, drop_laser
) -> None:
    drop_block = pipeline_blocks.names.machine + "-drop"
    no_vendor = drop_laser.model_copy(update={"cloudnest": "never-saved", "almacam": "never-saved"})
    job = f"local-{uuid.uuid4().hex[:6]}"

    summary = nest_to_cnc(
        job_name=job,
        drawings=DrawingSource(folder=str(folder)),
        push=PushEngine.LOCAL,
        engines=[EngineName.LOCAL],
        material=MATERIAL,
        nesting=FAST,
        blocks=no_vendor,
    )

    assert [(e.engine, e.status) for e in summary.engines] == [("local", "ok")]
    layouts = summary.engine("local").layouts
    assert [(p.target, p.status) for p in summary.pushes] == [
        (f"drop folder {drop_block}", "pushed")
    ] * len(layouts)
    dropped = sorted(pipeline_blocks.drop.glob(f"{job}-local-layout-*.dxf"))
    outlines = [o for path in dropped for o in dxf_outlines(path.read_bytes())]
    assert len(outlines) == sum(row.parts for row in layouts) == 2  # bracket and gusset, once
