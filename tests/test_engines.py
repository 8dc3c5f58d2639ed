"""One specification for every engine: the same order, the same contract, the same gate.

Each engine (local; AlmaCAM and CloudNest against one sandbox serving both over loopback HTTP)
is triggered with the same two example parts; the run is waited for and its result must pass
the safety gate: layouts with placements through :func:`nestflow.gate.check_layouts`, layout
files (an engine whose answer has no placements) through :func:`nestflow.gate.check_dxf_layouts`
with the parts each file names. Every ordered copy must be on a layout.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.engine import AlmaCamEngine
from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.engine import CloudNestEngine, CloudNestMaterial
from nestflow.engines import Engine, EngineResult, EngineRun, EngineSettings, LocalEngine
from nestflow.engines.base import PartOrder, SheetSpec
from nestflow.gate import (
    DxfLayout,
    GateProblem,
    check_dxf_layouts,
    check_layouts,
    dxf_outlines,
    ordered_parts,
)
from nestflow.geometry.reader import read_drawing
from sandbox.almacam.service import ALMACAM
from sandbox.cloudnest.service import CLOUDNEST
from sandbox.cloudnest.settings import CloudNestSandboxSettings
from sandbox.config import SandboxConfig
from sandbox.server import RunningSandbox, start_sandbox

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ORDER = (("gusset.dxf", 2), ("bracket.dxf", 1))
SHEET = SheetSpec(name="contract 1000x500", length=1000.0, height=500.0, quantity=5, border_gap=10)
#: Short enough to keep the test fast: the sandbox's solver floor is 1 s.
SETTINGS = EngineSettings(time_s=1.0, spacing=5.0)
DEADLINE_S = 60.0
#: Sandbox speed: drawings process in milliseconds, every solve takes the solver's 1 s minimum.
SPEED = 0.05


def drawings() -> tuple[list[PartOrder], dict[str, bytes]]:
    """The order's lines (parts read from the bytes) and the bytes by sha256."""
    lines: list[PartOrder] = []
    contents: dict[str, bytes] = {}
    for file, quantity in ORDER:
        content = (EXAMPLES / file).read_bytes()
        lines += [PartOrder(part=p, quantity=quantity) for p in read_drawing(content, name=file)]
        contents[hashlib.sha256(content).hexdigest()] = content
    return lines, contents


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    """Both vendors' sandboxes on loopback, fresh state, no rate limit."""
    config = SandboxConfig(
        almacam_port=0,
        cloudnest_port=0,
        speed=SPEED,
        cloudnest=CloudNestSandboxSettings.from_env({}, rate_limit=None),
    )
    with start_sandbox(config, services=[ALMACAM, CLOUDNEST]) as running:
        yield running


def local_engine(request: pytest.FixtureRequest, contents: dict[str, bytes]) -> LocalEngine:
    return LocalEngine()


def almacam_engine(request: pytest.FixtureRequest, contents: dict[str, bytes]) -> AlmaCamEngine:
    sandbox: RunningSandbox = request.getfixturevalue("sandbox")
    client = AlmaCamClient(sandbox.almacam_url, sandbox.almacam_token, timeout=10.0)
    request.addfinalizer(client.close)
    return AlmaCamEngine(client)


def cloudnest_engine(request: pytest.FixtureRequest, contents: dict[str, bytes]) -> CloudNestEngine:
    sandbox: RunningSandbox = request.getfixturevalue("sandbox")
    app = sandbox.config.cloudnest.app
    client = CloudNestClient(
        sandbox.url("cloudnest"),
        app_id=app.app_id,
        app_secret=app.app_secret.get_secret_value(),
        org_code=sorted(app.org_codes)[0],
        default_rate=None,
        timeout=30.0,
    )
    request.addfinalizer(client.close)
    material = CloudNestMaterial(name="S235JR", thickness=3.0)
    return CloudNestEngine(client, "contract", material, contents, drawing_deadline_s=30.0)


ENGINES: dict[str, Callable[[pytest.FixtureRequest, dict[str, bytes]], Engine]] = {
    "local": local_engine,
    "almacam": almacam_engine,
    "cloudnest": cloudnest_engine,
}


def gate(result: EngineResult, lines: list[PartOrder]) -> list[GateProblem]:
    """The gate's problems: placements where the engine gives them, else its files."""
    ordered = ordered_parts((line.part, line.quantity) for line in lines)
    placed = [layout for layout in result.layouts if layout.placements]
    files = [
        DxfLayout(
            sheet=layout,
            outlines=tuple(dxf_outlines(result.files[layout.name])),
            names=result.part_names[layout.name],
        )
        for layout in result.layouts
        if not layout.placements
    ]
    return check_layouts(placed, ordered) + check_dxf_layouts(files, ordered)


def copies(result: EngineResult) -> Counter[str]:
    """Copies of each part over all layouts and their sheet counts."""
    counts: Counter[str] = Counter()
    for layout in result.layouts:
        names = [p.part.name for p in layout.placements] or result.part_names[layout.name]
        for name in names:
            counts[name] += layout.quantity
    return counts


@pytest.mark.parametrize("name", list(ENGINES))
def test_engine_nests_the_order_into_layouts_that_pass_the_gate(
    request: pytest.FixtureRequest, name: str
) -> None:
    lines, contents = drawings()
    engine = ENGINES[name](request, contents)
    assert isinstance(engine, Engine) and engine.name == name

    run = engine.trigger(lines, [SHEET], SETTINGS)
    assert isinstance(run, EngineRun)
    run.wait_for_completion(DEADLINE_S)
    result = run.fetch_result()

    assert isinstance(result, EngineResult) and result.layouts
    assert gate(result, lines) == []
    assert copies(result) == {"gusset": 2, "bracket": 1}
    assert result.unplaced == []
    for layout in result.layouts:
        assert (layout.sheet_length, layout.sheet_height) == (SHEET.length, SHEET.height)
        assert layout.border_gap == (SHEET.border_gap,) * 4
        assert layout.placements or layout.name in result.files
