"""A picture costs nothing but itself: the run nests, writes and pushes without it.

The session's AlmaCAM sandbox fails its image route (``GET /result/{id}/image/{n}``) with HTTP 500
on every request; the result views answer as usual. A production run pushing AlmaCAM's layouts
draws their pictures itself from the gated layouts (labelled, titled) and never asks for the
previews; a quote, which has no layouts to draw, prices the job as it would and names each
missing preview (order, layout, endpoint, reason). A picture that cannot be drawn is named in
the engine's errors and costs neither the layout nor its push.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import DrawingSource, EngineName, PushEngine
from nestflow.flows.quote import quote
from nestflow.sandbox.faults import FaultKind, FaultPlan, FaultRule
from nestflow.sandbox.server import RunningSandbox
from tests.pipeline.conftest import LOCAL_FAST, LOCAL_MATERIAL, dropped_parts


@pytest.fixture
def previews_failing(sandbox: RunningSandbox) -> Iterator[FaultRule]:
    """Every AlmaCAM preview request is answered HTTP 500; cleared afterwards."""
    faults = sandbox.faults("almacam")
    rule = FaultRule(
        route=r"^/result/\d+/image/\d+$", method="GET", kind=FaultKind.ERROR, status=500
    )
    faults.set(FaultPlan(rules=[rule]))
    yield rule
    faults.clear()


def test_a_production_run_pushes_almacams_layouts_with_pictures_drawn_from_them(
    previews_failing: FaultRule,
    sandbox: RunningSandbox,
    example_folder,
    drop_laser,
    pipeline_blocks,
) -> None:
    folder = example_folder("bracket.dxf", "gusset.dxf", "l_profile.dxf")
    job = f"no-previews-{uuid.uuid4().hex[:6]}"

    summary = nest_to_cnc(
        job_name=job,
        drawings=DrawingSource(folder=str(folder)),
        engines=[EngineName.ALMACAM],
        push=PushEngine.ALMACAM,
        material=LOCAL_MATERIAL,
        nesting=LOCAL_FAST,
        blocks=drop_laser,
    )

    almacam = summary.engine("almacam")
    assert sandbox.faults("almacam").plan().rules[0].fired == 0  # no preview asked for
    assert almacam.status == "ok" and almacam.unplaced == [] and almacam.errors == []
    layouts = len(almacam.layouts)
    assert layouts >= 1
    # every layout pushed, and what reached the machine's folder is every part ordered
    assert [p.status for p in summary.pushes] == ["pushed"] * layouts
    assert dropped_parts(pipeline_blocks.drop, job, "almacam") == 3
    for row in almacam.layouts:
        assert set(row.files) == {"dxf", "png"}
        assert Path(row.files["png"]).read_bytes().startswith(b"\x89PNG")


def _cannot_draw(*args: object, **kwargs: object) -> bytes:
    raise MemoryError("the picture of a 4000-part sheet")


@pytest.mark.parametrize("engine", ["local", "almacam"])
def test_a_picture_that_cannot_be_drawn_costs_neither_the_layout_nor_its_push(
    engine: str, monkeypatch, example_folder, drop_laser, pipeline_blocks
) -> None:
    monkeypatch.setattr("nestflow.engines.results.render_layout_png", _cannot_draw)
    folder = example_folder("bracket.dxf", "gusset.dxf")
    job = f"no-pictures-{uuid.uuid4().hex[:6]}"

    summary = nest_to_cnc(
        job_name=job,
        drawings=DrawingSource(folder=str(folder)),
        engines=[EngineName(engine)],
        push=PushEngine(engine),
        material=LOCAL_MATERIAL,
        nesting=LOCAL_FAST,
        blocks=drop_laser,
    )

    run = summary.engine(engine)
    assert run.status == "ok" and run.unplaced == []
    assert [p.status for p in summary.pushes] == ["pushed"] * len(run.layouts)
    assert dropped_parts(pipeline_blocks.drop, job, engine) == 2
    assert all(set(row.files) == {"dxf"} for row in run.layouts)
    assert run.errors == [
        f"picture missing: {engine} layout {n + 1} ({row.name}) could not be drawn: "
        "MemoryError: the picture of a 4000-part sheet; the layout is not affected"
        for n, row in enumerate(run.layouts)
    ]


def test_a_quote_prices_the_job_when_almacams_previews_fail(
    previews_failing: FaultRule, sandbox: RunningSandbox, example_folder, pipeline_blocks
) -> None:
    folder = example_folder("bracket.dxf", "gusset.dxf")

    summary = quote(
        job_name=f"quote-no-previews-{uuid.uuid4().hex[:6]}",
        drawings=DrawingSource(folder=str(folder)),
        material=LOCAL_MATERIAL,
        nesting=LOCAL_FAST,
        blocks=pipeline_blocks.names,
    )

    almacam = summary.engine("almacam")
    assert sandbox.faults("almacam").plan().rules[0].fired > 0
    assert almacam.status == "ok" and almacam.layouts
    assert sum(line.sheets for line in summary.quote) == almacam.sheets
    assert len(almacam.errors) == len(almacam.layouts)
    assert all(e.startswith("preview missing: AlmaCAM order ") for e in almacam.errors)
