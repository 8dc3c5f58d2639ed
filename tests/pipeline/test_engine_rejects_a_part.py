"""One part an engine refuses is left out and named; the rest of the job still nests and is cut.

``hole_on_edge.dxf`` holds a plate with two square holes sharing an edge: the reader takes it (a
hole touching the *outline* it refuses itself), but both vendors refuse such a part (AlmaCAM
answers -981 "hole not compatible" for the whole order, CloudNest's Boost fails on it). AlmaCAM's
order is submitted again without that part; CloudNest's job is Boosted again without it.
"""

from __future__ import annotations

import io
from pathlib import Path

import ezdxf
import pytest

from flows.nest_to_cnc import nest_to_cnc
from flows.outputs import PushIncomplete
from flows.parameters import DrawingSource, EngineName, PushEngine
from tests.pipeline.conftest import EXAMPLES, LOCAL_FAST, LOCAL_MATERIAL, dropped_parts

LEFT_OUT = "1 x part 'hole_on_edge' from hole_on_edge.dxf not nested"


def hole_on_edge() -> bytes:
    """A 100 x 60 plate with two 20 x 20 holes sharing a 20 mm edge."""
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (100, 0), (100, 60), (0, 60)], close=True)
    msp.add_lwpolyline([(20, 20), (40, 20), (40, 40), (20, 40)], close=True)
    msp.add_lwpolyline([(40, 20), (60, 20), (60, 40), (40, 40)], close=True)
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode()


@pytest.fixture
def job_with_a_refused_part(tmp_path: Path) -> Path:
    for name in ("bracket.dxf", "gusset.dxf"):
        (tmp_path / name).write_bytes((EXAMPLES / name).read_bytes())
    (tmp_path / "hole_on_edge.dxf").write_bytes(hole_on_edge())
    return tmp_path


def test_both_engines_leave_out_the_part_they_refuse_and_nest_the_rest(
    job_with_a_refused_part, pipeline_blocks
) -> None:
    summary = nest_to_cnc(
        job_name="refused-part",
        drawings=DrawingSource(folder=str(job_with_a_refused_part)),
        material=LOCAL_MATERIAL,
        nesting=LOCAL_FAST,
        blocks=pipeline_blocks.names,
    )
    almacam, cloudnest = summary.engine("almacam"), summary.engine("cloudnest")
    assert almacam.status == "ok" and almacam.nested
    assert [line.split(":")[0] for line in almacam.unplaced] == [LEFT_OUT]
    assert "-981" in almacam.unplaced[0]  # AlmaCAM's own reason
    assert cloudnest.status == "ok" and cloudnest.nested
    assert [line.split(":")[0] for line in cloudnest.unplaced] == [LEFT_OUT]


def test_a_production_run_cuts_the_rest_and_ends_failed_naming_the_refused_part(
    job_with_a_refused_part, drop_laser, pipeline_blocks
) -> None:
    state = nest_to_cnc(
        job_name="refused-part-cut",
        drawings=DrawingSource(folder=str(job_with_a_refused_part)),
        engines=[EngineName.ALMACAM],
        push=PushEngine.ALMACAM,
        material=LOCAL_MATERIAL,
        nesting=LOCAL_FAST,
        blocks=drop_laser,
        return_state=True,
    )
    assert state.is_failed()
    with pytest.raises(PushIncomplete, match=LEFT_OUT.replace("(", r"\(")):
        state.result()
    cut = dropped_parts(pipeline_blocks.drop, "refused-part-cut", "almacam")
    assert cut == 2  # bracket and gusset, one each


class Crash(Exception):
    """Stands for the worker dying right after the refused parts were deleted at CloudNest."""


def test_a_rerun_after_a_crash_between_leaving_out_and_boosting_again_nests_the_rest(
    job_with_a_refused_part, pipeline_blocks, monkeypatch
) -> None:
    from flows.engines import cloudnest as engine

    leave_out = engine.cloudnest.leave_out_parts

    def leave_out_then_crash(*args, **kwargs):
        leave_out(*args, **kwargs)
        raise Crash("killed after the leave-out")

    run = dict(
        job_name="refused-part-crash",
        drawings=DrawingSource(folder=str(job_with_a_refused_part)),
        engines=[EngineName.CLOUDNEST],
        material=LOCAL_MATERIAL,
        nesting=LOCAL_FAST,
        blocks=pipeline_blocks.names,
        return_state=True,
    )
    with monkeypatch.context() as patch:
        patch.setattr(engine.cloudnest, "leave_out_parts", leave_out_then_crash)
        crashed = nest_to_cnc(**run)
    assert crashed.is_failed()

    summary = nest_to_cnc(**run).result()
    cloudnest = summary.engine("cloudnest")
    assert cloudnest.status == "ok" and cloudnest.nested, cloudnest
    assert [line.split(":")[0] for line in cloudnest.unplaced] == [LEFT_OUT]
