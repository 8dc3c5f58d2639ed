"""A vendor that lost its state never feeds another job's result into a run.

The scenario of the field report: a job runs; the services restart without their state (the
sandbox without ``--state``); another job runs and gets the ids the first one had; the first job
is run again. Its cached AlmaCAM order id and CloudNest job id now belong to the other job: the
run must notice, submit and create again, and push only its own parts.

Issue 19's variant: the other job's order holds only part ids the first job's order also has
(one panel, id 1, against a bracket and a gusset, ids 1 and 2), one copy each, and nothing left
out. Ids alone let it pass; what was ordered and not accounted for, and sizes, do not. When the
other job's order is still computing as the run starts, its finished result is checked instead.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ezdxf
import pytest

from nestflow.cli.demo import save_sandbox_blocks
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import (
    BlockNames,
    DrawingSource,
    EngineName,
    MaterialSpec,
    NestingSettings,
    PushEngine,
)
from nestflow.flows.quote import quote
from nestflow.gate import dxf_outlines
from nestflow.geometry.reader import read_drawing
from nestflow.report import RunSummary
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.faults import FaultKind, FaultPlan, FaultRule
from nestflow.sandbox.server import RunningSandbox, start_sandbox
from tests.pipeline.conftest import copy_examples
from tests.pipeline.processes import free_port

MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=120.0)


class RestartableSandbox:
    """Both services on fixed loopback ports, restartable without their state."""

    def __init__(self) -> None:
        self.ports = {"almacam_port": free_port(), "cloudnest_port": free_port()}
        self.running: RunningSandbox | None = None

    def start(self) -> RunningSandbox:
        config = SandboxConfig.from_env(**self.ports, speed=0.01)
        self.running = start_sandbox(config)
        return self.running

    def restart(self) -> RunningSandbox:
        assert self.running is not None
        self.running.stop()
        return self.start()


@pytest.fixture
def restartable() -> Iterator[RestartableSandbox]:
    sandbox = RestartableSandbox()
    sandbox.start()
    try:
        yield sandbox
    finally:
        if sandbox.running is not None:
            sandbox.running.stop()


def _run(job: str, folder: Path, blocks: BlockNames, push: PushEngine):
    return nest_to_cnc(
        job_name=job,
        drawings=DrawingSource(folder=str(folder)),
        push=push,
        material=MATERIAL,
        nesting=FAST,
        blocks=blocks,
    )


def _dropped_areas(drop: Path, job: str) -> list[float]:
    """Areas of the part outlines in the layout files dropped for ``job``."""
    return sorted(
        outline.area
        for path in sorted(drop.glob(f"{job}-*.dxf"))
        for outline in dxf_outlines(path.read_bytes())
    )


def _part_areas(folder: Path) -> list[float]:
    """Areas of the parts of the drawings in ``folder``, one of each ordered."""
    return sorted(
        part.to_shapely().area
        for path in sorted(folder.glob("*.dxf"))
        for part in read_drawing(path)
    )


def test_a_rerun_after_the_vendor_lost_its_state_resubmits_and_pushes_only_its_parts(
    restartable: RestartableSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the runs read their drawings in their working folder
    mine = copy_examples(tmp_path / "mine", "bracket.dxf", "gusset.dxf")
    other = copy_examples(tmp_path / "other", "flange_dn100.dxf", "l_profile.dxf", "tab_block.dxf")
    blocks = save_sandbox_blocks(
        restartable.running, f"restart-{uuid.uuid4().hex[:6]}", tmp_path / "out", tmp_path / "drop"
    )
    job, other_job = f"mine-{uuid.uuid4().hex[:6]}", f"other-{uuid.uuid4().hex[:6]}"

    first = _run(job, mine, blocks, PushEngine.NONE)
    restartable.restart()  # no --state: orders and jobs are gone, ids start again
    intruder = _run(other_job, other, blocks, PushEngine.NONE)
    assert intruder.engine("almacam").reference == first.engine("almacam").reference
    assert intruder.engine("cloudnest").reference == first.engine("cloudnest").reference

    again = _run(job, mine, blocks, PushEngine.ALMACAM)

    assert again.engine("almacam").reference != intruder.engine("almacam").reference
    assert again.engine("cloudnest").reference != intruder.engine("cloudnest").reference
    assert [e.status for e in again.engines] == ["ok", "ok"]
    assert [p.status for p in again.pushes] == ["pushed"] * len(again.pushes)
    # what reached the machine's folder is exactly my parts, once each
    assert _dropped_areas(tmp_path / "drop", job) == pytest.approx(_part_areas(mine), rel=0.01)


def _panel(folder: Path) -> Path:
    """A folder holding one drawing: a 400 x 300 mm panel, larger than a bracket or a gusset."""
    folder.mkdir(parents=True)
    doc = ezdxf.new("R2010", units=4)
    doc.modelspace().add_lwpolyline([(0, 0), (400, 0), (400, 300), (0, 300)], close=True)
    stream = io.StringIO()
    doc.write(stream)
    (folder / "panel.dxf").write_text(stream.getvalue())
    return folder


@dataclass(frozen=True)
class Scenario:
    """Issue 19's scenario up to A's production run: A quoted, restart, B quoted (order 1)."""

    blocks: BlockNames
    job_a: Path
    name_a: str
    drop: Path

    def produce_a(self) -> RunSummary:
        """Run A in production, AlmaCAM's layouts pushed to the drop folder."""
        return nest_to_cnc(
            job_name=self.name_a,
            drawings=DrawingSource(folder=str(self.job_a)),
            engines=[EngineName.ALMACAM],
            push=PushEngine.ALMACAM,
            material=MATERIAL,
            nesting=FAST,
            blocks=self.blocks,
        )


@pytest.fixture
def subset_scenario(
    restartable: RestartableSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Scenario:
    """Quote A (bracket, gusset); restart AlmaCAM without state; quote B (one panel: order 1)."""
    monkeypatch.chdir(tmp_path)  # the runs read their drawings in their working folder
    job_a = copy_examples(tmp_path / "a", "bracket.dxf", "gusset.dxf")
    job_b = _panel(tmp_path / "b")
    blocks = save_sandbox_blocks(
        restartable.running, f"subset-{uuid.uuid4().hex[:6]}", tmp_path / "out", tmp_path / "drop"
    )
    name_a, name_b = f"a-{uuid.uuid4().hex[:6]}", f"b-{uuid.uuid4().hex[:6]}"

    def quoted(job: str, folder: Path) -> RunSummary:
        return quote(
            job_name=job,
            drawings=DrawingSource(folder=str(folder)),
            material=MATERIAL,
            nesting=FAST,
            blocks=blocks,
            engine=EngineName.ALMACAM,
        )

    quote_a = quoted(name_a, job_a)
    restartable.restart()  # no --state: AlmaCAM numbers orders from 1 again
    quote_b = quoted(name_b, job_b)
    assert quote_b.engine("almacam").reference == quote_a.engine("almacam").reference == "order 1"
    return Scenario(blocks, job_a, name_a, tmp_path / "drop")


def _pushed_only_its_own_parts(production: RunSummary, scenario: Scenario) -> None:
    almacam = production.engine("almacam")
    assert almacam.status == "ok", almacam.errors
    assert almacam.reference != "order 1"  # B's order was not used: A was submitted afresh
    assert almacam.unplaced == []
    assert [p.status for p in production.pushes] == ["pushed"] * len(production.pushes)
    # the layouts cut are A's: one bracket and one gusset, nothing of B's panel
    dropped = _dropped_areas(scenario.drop, scenario.name_a)
    assert dropped == pytest.approx(_part_areas(scenario.job_a), rel=0.01)


def test_a_remembered_order_holding_a_subset_of_the_parts_is_not_taken_for_this_jobs(
    subset_scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        production = subset_scenario.produce_a()

    _pushed_only_its_own_parts(production, subset_scenario)
    foreign = [r.getMessage() for r in caplog.records if "is not theirs" in r.getMessage()]
    assert foreign and "gusset" in foreign[0], foreign  # the log says why order 1 is not A's


def test_a_remembered_order_computing_at_the_start_is_checked_again_once_finished(
    subset_scenario: Scenario, restartable: RestartableSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    # The start's check finds order 1 still computing (HTTP 202 on its stats view, once) and
    # keeps it: only its finished result can tell it is B's.
    computing = FaultRule(
        route=r"^/result/1/stats$", method="GET", kind=FaultKind.ERROR, status=202, times=1
    )
    assert restartable.running is not None
    faults = restartable.running.faults("almacam")
    faults.set(FaultPlan(rules=[computing]))

    with caplog.at_level(logging.WARNING):
        production = subset_scenario.produce_a()

    assert faults.plan().rules[0].fired == 1
    _pushed_only_its_own_parts(production, subset_scenario)
    said = [
        r.getMessage() for r in caplog.records if "as its finished result shows" in r.getMessage()
    ]
    assert said and "AlmaCAM order 1 " in said[0] and "gusset" in said[0], said
