"""One part an engine refuses is left out and named; the rest of the job still nests and is cut.

Real vendors refuse parts for reasons of their own that our reader cannot foresee. This module
runs against its own sandbox, the session's but for one CAM rule the reader does not check: both
vendors refuse a part whose holes are closer than a minimum web (``min_hole_web_mm``, 1 mm).
``holes_too_close.dxf`` holds a plate with two square holes 0.5 mm apart: the reader takes it
(the holes do not touch), but AlmaCAM answers -981 "hole not compatible" for the whole order and
CloudNest's Boost fails on it. AlmaCAM's order is submitted again without that part; CloudNest's
job is Boosted again without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.outputs import PushIncomplete
from nestflow.flows.parameters import BlockNames, DrawingSource, EngineName, PushEngine
from nestflow.geometry.reader import read_drawing
from nestflow.sandbox.server import RunningSandbox, start_sandbox
from tests.pipeline.conftest import (
    EXAMPLES,
    LOCAL_FAST,
    LOCAL_MATERIAL,
    PipelineBlocks,
    PrefectSession,
    dropped_parts,
    save_pipeline_blocks,
    with_drop_laser,
)
from tests.sandbox.close_holes import holes_too_close

#: The web both vendors of this module's sandbox require between two holes of a part.
MIN_WEB_MM = 1.0
#: The web the refused drawing leaves between its holes: thinner, but not nothing.
WEB_MM = 0.5
LEFT_OUT = "1 x part 'holes_too_close' from holes_too_close.dxf not nested"


@pytest.fixture(scope="module")
def strict_sandbox(sandbox: RunningSandbox) -> Iterator[RunningSandbox]:
    """A sandbox like the session's (secrets, machines, speed) whose vendors need a web.

    The session's secrets, so the leak scan at the end of the session looks for them too.
    """
    config = sandbox.config
    strict = config.model_copy(
        update={
            "almacam": config.almacam.model_copy(update={"min_hole_web_mm": MIN_WEB_MM}),
            "cloudnest": config.cloudnest.model_copy(update={"min_hole_web_mm": MIN_WEB_MM}),
        }
    )
    with start_sandbox(strict) as running:
        yield running


@pytest.fixture(scope="module")
def strict_blocks(
    prefect_session: PrefectSession,
    strict_sandbox: RunningSandbox,
    tmp_path_factory: pytest.TempPathFactory,
) -> PipelineBlocks:
    """Blocks pointing at :func:`strict_sandbox`, as the session's point at its sandbox."""
    # The drawings lie in the session's temporary folders, not in the working folder a run
    # reads by default: the block allows them.
    folders = tmp_path_factory.mktemp("strict")
    roots = [tmp_path_factory.getbasetemp()]
    return save_pipeline_blocks(strict_sandbox, "test-strict-sandbox", folders, roots)


@pytest.fixture
def strict_drop_laser(strict_blocks: PipelineBlocks) -> BlockNames:
    """The strict blocks with a machine that takes layouts in their drop folder."""
    return with_drop_laser(strict_blocks.names, "test-strict-drop-laser")


@pytest.fixture
def job_with_a_refused_part(tmp_path: Path) -> Path:
    for name in ("bracket.dxf", "gusset.dxf"):
        (tmp_path / name).write_bytes((EXAMPLES / name).read_bytes())
    (tmp_path / "holes_too_close.dxf").write_bytes(holes_too_close(WEB_MM))
    return tmp_path


def test_the_reader_takes_the_drawing_the_vendors_refuse() -> None:
    [part] = read_drawing(holes_too_close(WEB_MM), name="holes_too_close.dxf")
    assert len(part.holes) == 2


def test_both_engines_leave_out_the_part_they_refuse_and_nest_the_rest(
    job_with_a_refused_part, strict_blocks
) -> None:
    summary = nest_to_cnc(
        job_name="refused-part",
        drawings=DrawingSource(folder=str(job_with_a_refused_part)),
        material=LOCAL_MATERIAL,
        nesting=LOCAL_FAST,
        blocks=strict_blocks.names,
    )
    almacam, cloudnest = summary.engine("almacam"), summary.engine("cloudnest")
    assert almacam.status == "ok" and almacam.nested
    assert [line.split(":")[0] for line in almacam.unplaced] == [LEFT_OUT]
    assert "-981" in almacam.unplaced[0]  # AlmaCAM's own reason
    assert cloudnest.status == "ok" and cloudnest.nested
    assert [line.split(":")[0] for line in cloudnest.unplaced] == [LEFT_OUT]


def test_a_production_run_cuts_the_rest_and_ends_failed_naming_the_refused_part(
    job_with_a_refused_part, strict_drop_laser, strict_blocks
) -> None:
    state = nest_to_cnc(
        job_name="refused-part-cut",
        drawings=DrawingSource(folder=str(job_with_a_refused_part)),
        engines=[EngineName.ALMACAM],
        push=PushEngine.ALMACAM,
        material=LOCAL_MATERIAL,
        nesting=LOCAL_FAST,
        blocks=strict_drop_laser,
        return_state=True,
    )
    assert state.is_failed()
    with pytest.raises(PushIncomplete, match=LEFT_OUT.replace("(", r"\(")):
        state.result()
    cut = dropped_parts(strict_blocks.drop, "refused-part-cut", "almacam")
    assert cut == 2  # bracket and gusset, one each


class Crash(Exception):
    """Stands for the worker dying right after the refused parts were deleted at CloudNest."""


def test_a_rerun_after_a_crash_between_leaving_out_and_boosting_again_nests_the_rest(
    job_with_a_refused_part, strict_blocks, monkeypatch
) -> None:
    from nestflow.tasks import cloudnest

    leave_out = cloudnest.leave_out_parts

    def leave_out_then_crash(*args, **kwargs):
        leave_out(*args, **kwargs)
        raise Crash("killed after the leave-out")

    run = dict(
        job_name="refused-part-crash",
        drawings=DrawingSource(folder=str(job_with_a_refused_part)),
        engines=[EngineName.CLOUDNEST],
        material=LOCAL_MATERIAL,
        nesting=LOCAL_FAST,
        blocks=strict_blocks.names,
        return_state=True,
    )
    with monkeypatch.context() as patch:
        patch.setattr(cloudnest, "leave_out_parts", leave_out_then_crash)
        crashed = nest_to_cnc(**run)
    assert crashed.is_failed()

    summary = nest_to_cnc(**run).result()
    cloudnest = summary.engine("cloudnest")
    assert cloudnest.status == "ok" and cloudnest.nested, cloudnest
    assert [line.split(":")[0] for line in cloudnest.unplaced] == [LEFT_OUT]
