"""A job through the faulty network of issue 12 is cut exactly once, on its first run.

The session's sandbox answers every route of both services through the issue's fault mix
(:func:`sandbox.chaos.chaos_plan`: 10 % HTTP 503, 5 % 429, 2 % dropped before handling,
2 % dropped after handling, 2 % handled only after the client's timeout). A job of 20 drawings
runs once per seed with both engines, pushing CloudNest's layouts. Three seeds; the full run
(100 drawings, 10 seeds) is ``bench/bench_chaos.py``.

What must hold whatever the faults hit: the run completes, CloudNest nests and every ordered copy
is cut exactly once; nothing exists twice at CloudNest; AlmaCAM made at most one order. AlmaCAM
nests too, unless the answer to its order itself was lost: AlmaCAM cannot list orders, so that
order stays in doubt and is not sent again (the run names it) — the one fault no retry may cover.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nestflow.almacam.client import AlmaCamClient
from nestflow.blocks import AlmaCamCredentials, CloudNestCredentials
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import BlockNames, DrawingSource, EngineName, PushEngine
from nestflow.report import RunSummary
from nestflow.sandbox.chaos import chaos_plan
from nestflow.sandbox.server import RunningSandbox
from tests.pipeline.conftest import LOCAL_FAST, LOCAL_MATERIAL, copy_examples
from tests.vendor_state import almacam_last_order, cloudnest_duplicates

SEEDS = (0, 1, 2)
DRAWINGS = 20
#: The clients' timeout in these runs; slow answers come just after it.
TIMEOUT_S = 2.0
GOOD = ("bracket.dxf", "gusset.dxf", "l_profile.dxf", "flange_dn100.dxf", "slotted_plate.dxf")


@pytest.fixture(scope="module")
def chaos_blocks(pipeline_blocks) -> BlockNames:
    """The session's blocks, with credentials whose clients time out after :data:`TIMEOUT_S`."""
    names = pipeline_blocks.names
    for block_type, name in (
        (CloudNestCredentials, names.cloudnest),
        (AlmaCamCredentials, names.almacam),
    ):
        block = block_type.load(name)
        block.timeout_s = TIMEOUT_S
        block.save("chaos", overwrite=True)
    return names.model_copy(update={"cloudnest": "chaos", "almacam": "chaos"})


@pytest.fixture(scope="module")
def twenty_drawings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 drawings: the good examples copied round-robin under distinct names."""
    folder = tmp_path_factory.mktemp("chaos-drawings")
    source = copy_examples(tmp_path_factory.mktemp("examples"), *GOOD)
    for index in range(DRAWINGS):
        name = GOOD[index % len(GOOD)]
        (folder / f"{Path(name).stem}-{index:02d}.dxf").write_bytes((source / name).read_bytes())
    return folder


@pytest.fixture
def faulty_network(sandbox: RunningSandbox, request: pytest.FixtureRequest) -> Iterator[int]:
    """Both services answer through the fault mix of the test's seed; cleared afterwards."""
    seed = request.param
    layers = [sandbox.faults(name) for name in sandbox.services]
    for layer in layers:
        layer.set(chaos_plan(seed, slow_s=TIMEOUT_S + 1.0))
    yield seed
    for layer in layers:
        layer.clear()


def almacam(sandbox: RunningSandbox) -> AlmaCamClient:
    return AlmaCamClient(sandbox.almacam_url, sandbox.almacam_token, timeout=10.0)


@pytest.mark.parametrize("faulty_network", SEEDS, indirect=True, ids=lambda s: f"seed {s}")
def test_a_job_through_the_faulty_network_is_cut_exactly_once_on_its_first_run(
    faulty_network: int, sandbox, cloudnest, chaos_blocks, twenty_drawings
) -> None:
    job = f"chaos-{faulty_network}"
    orders_before = almacam_last_order(almacam(sandbox))

    summary: RunSummary = nest_to_cnc(
        job_name=job,
        drawings=DrawingSource(folder=str(twenty_drawings)),
        engines=[EngineName.CLOUDNEST, EngineName.ALMACAM],
        push=PushEngine.CLOUDNEST,
        material=LOCAL_MATERIAL,
        nesting=LOCAL_FAST,
        blocks=chaos_blocks,
    )

    layers = [sandbox.faults(name) for name in sandbox.services]
    fired = sum(rule.fired for layer in layers for rule in layer.plan().rules)
    for layer in layers:
        layer.clear()  # what follows only reads what the run left
    assert fired > 0  # the run did go through faults
    assert summary.engine("cloudnest").status == "ok", summary.engine("cloudnest").errors
    assert len(summary.parts) == DRAWINGS
    assert all(p.cut_now == p.ordered and p.missing == 0 for p in summary.parts), summary.parts
    assert cloudnest_duplicates(cloudnest, job) == {
        "cloudnest jobs": 0,
        "drawing uploads": 0,
        "production tasks": 0,
    }
    assert almacam_last_order(almacam(sandbox)) - orders_before <= 1
    alma = summary.engine("almacam")
    if alma.status != "ok":
        assert any("never got the answer" in e or "may have landed" in e for e in alma.errors), (
            alma.errors
        )
