"""A preview AlmaCAM cannot serve costs nothing but the picture: the run nests, writes and pushes.

The session's AlmaCAM sandbox fails its image route (``GET /result/{id}/image/{n}``) with HTTP 500
on every request; the result views answer as usual. A production run pushing AlmaCAM's layouts
must push them as it would, write their DXF files, and name each missing preview (order, layout,
endpoint, reason) in the engine's summary; a quote must price the job as it would.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from flows.nest_to_cnc import nest_to_cnc
from flows.parameters import DrawingSource, EngineName, PushEngine
from flows.quote import quote
from sandbox.faults import FaultKind, FaultPlan, FaultRule
from sandbox.server import RunningSandbox
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


def test_a_production_run_pushes_almacams_layouts_when_its_previews_fail(
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

    fired = sandbox.faults("almacam").plan().rules[0].fired
    almacam = summary.engine("almacam")
    assert fired > 0  # the previews were asked for, and refused
    assert almacam.status == "ok" and almacam.unplaced == []
    layouts = len(almacam.layouts)
    assert layouts >= 1
    # every layout pushed, and what reached the machine's folder is every part ordered
    assert [p.status for p in summary.pushes] == ["pushed"] * layouts
    assert dropped_parts(pipeline_blocks.drop, job, "almacam") == 3
    assert all(set(row.files) == {"dxf"} for row in almacam.layouts)  # a DXF, no picture
    order = almacam.reference.removeprefix("order ")
    assert almacam.errors == [
        f"preview missing: AlmaCAM order {order}, layout {n + 1} "
        f"(GET /result/{order}/image/{n}): HTTP 500: sandbox fault: error 500 on "
        f"GET /result/{order}/image/{n}; the AlmaCAM service failed, retry later "
        "(after 3 attempts); the layout is not affected"
        for n in range(layouts)
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
