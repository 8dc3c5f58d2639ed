"""AlmaCAM's engine against the AlmaCAM sandbox over HTTP: what it does with the service's answers.

:class:`~nestflow.engines.almacam.AlmaCamEngine` decides (what to submit, whether a remembered
order is this job's, which pictures to give); its steps only reach the service. In a run the
steps are Prefect tasks (``nestflow.tasks.almacam``, tested in ``tests/pipeline``); here they are
the client's calls themselves (:class:`tests.almacam.client_steps.ClientSteps`), with an order id
"remembered" on request as if an earlier run had cached it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.orders import OrderBundle
from nestflow.engines.almacam import AlmaCamEngine, remembered_order_reasons
from nestflow.engines.base import EngineContext
from nestflow.gate import check_layouts, ordered_parts
from nestflow.geometry.reader import read_drawing
from nestflow.intake import CheckedDrawing, DrawingLocation, Intake, OrderTerms, order_lines
from nestflow.run_options import MaterialSpec, Mode, NestingSettings
from nestflow.stock import SheetFormat
from tests.almacam.client_steps import ClientSteps

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHEET = SheetFormat(name="engine 1000x500", length=1000.0, height=500.0, quantity=5, border_gap=10)
#: The sandbox solves any order of up to 10 s in its 1 s floor (speed factor 0.1).
NESTING = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=60.0)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def drawing(file: str, quantity: int = 1) -> CheckedDrawing:
    """An example drawing read and ordered ``quantity`` times."""
    path = EXAMPLES / file
    return CheckedDrawing(
        ref=DrawingLocation(file=file, path=str(path)),
        parts=read_drawing(path),
        terms=OrderTerms(quantity=quantity),
    )


def context(mode: Mode, *drawings: CheckedDrawing) -> EngineContext:
    return EngineContext(
        job="engine-test",
        intake=Intake(drawings=list(drawings)),
        material=MaterialSpec(),
        sheets=[SHEET],
        nesting=NESTING,
        mode=mode,
    )


#: Two gussets and a bracket.
ORDER = (drawing("gusset.dxf", 2), drawing("bracket.dxf"))


@dataclass(frozen=True)
class Ran:
    """An engine after its start and finish, the steps it was given and what it logged."""

    engine: AlmaCamEngine
    steps: ClientSteps
    warnings: list[str]


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def run(steps: ClientSteps, ctx: EngineContext) -> Ran:
    """Start and finish an engine on ``steps``, keeping the warnings of the engines' logger."""
    engine = AlmaCamEngine(steps)
    kept, logger = _Kept(), logging.getLogger("nestflow.engines")
    logger.addHandler(kept)
    try:
        engine.start(ctx)
        engine.finish(ctx)
    finally:
        logger.removeHandler(kept)
    return Ran(engine, steps, kept.lines)


@pytest.fixture(scope="module")
def client(almacam_sandbox) -> Iterator[AlmaCamClient]:
    with AlmaCamClient(almacam_sandbox.base_url, almacam_sandbox.token, timeout=10.0) as client:
        yield client


@pytest.fixture(scope="module")
def production(client: AlmaCamClient) -> Ran:
    """Two gussets and a bracket nested for production: submitted, waited for, gated."""
    return run(ClientSteps(client), context(Mode.PRODUCTION, *ORDER))


@pytest.fixture(scope="module")
def other(client: AlmaCamClient, production: Ran) -> Ran:
    """Three tab blocks, the production order's id remembered for them (another job's order)."""
    steps = ClientSteps(client, remembered=production.engine.order_id)
    return run(steps, context(Mode.PRODUCTION, drawing("tab_block.dxf", 3)))


@pytest.fixture(scope="module")
def single(client: AlmaCamClient, production: Ran) -> Ran:
    """One tab block, the production order's id remembered for it and taken for current at the
    start (as an order still computing is): only its finished result shows it is another job's.
    """
    steps = ClientSteps(client, remembered=production.engine.order_id, current=True)
    return run(steps, context(Mode.PRODUCTION, drawing("tab_block.dxf")))


def test_production_gives_gated_layouts_of_every_ordered_copy(production: Ran) -> None:
    engine = production.engine
    assert engine.summary.status == "ok" and engine.summary.unplaced == []
    placed: Counter[str] = Counter()
    for layout in engine.layouts:
        for placement in layout.placements:
            placed[placement.part.name] += layout.quantity
    assert placed == {"gusset": 2, "bracket": 1}
    ordered = ordered_parts((line.part, line.quantity) for line in order_lines(list(ORDER)))
    assert check_layouts(engine.layouts, ordered) == []
    assert engine.summary.reference == f"order {production.steps.submitted[0]}"


def test_production_writes_each_layout_with_a_picture_drawn_by_us(production: Ran) -> None:
    engine = production.engine
    files = engine.files()
    count = len(engine.layouts)
    assert count >= 1
    assert sum(name.endswith(".dxf") for name in files) == count
    pictures = [data for name, data in files.items() if name.endswith(".png")]
    assert len(pictures) == count and all(p.startswith(PNG_SIGNATURE) for p in pictures)
    assert production.steps.previews_asked == []  # AlmaCAM's unlabelled previews not asked for
    to_cut = engine.layouts_to_cut("engine-test", files)
    assert [layout.dxf for layout in to_cut] == [files[n] for n in files if n.endswith(".dxf")]


def test_a_quote_reads_the_stats_view_and_almacams_previews(
    client: AlmaCamClient, production: Ran
) -> None:
    order_id = production.engine.order_id
    steps = ClientSteps(client, remembered=order_id)  # the same content: the order is cached

    quote = run(steps, context(Mode.QUOTE, *ORDER)).engine

    assert quote.summary.status == "ok" and quote.summary.reference == f"order {order_id}"
    assert quote.layouts == [] and steps.replaced == []
    assert [row.part_counts for row in quote.summary.layouts] == [
        row.part_counts for row in production.engine.summary.layouts
    ]
    files = quote.files()
    assert all(name.endswith(".png") for name in files)
    assert len(files) == len(quote.summary.layouts) and steps.previews_asked == [order_id]
    assert all(png.startswith(PNG_SIGNATURE) for png in files.values())


def test_a_remembered_order_of_another_job_is_submitted_again_at_the_start(
    other: Ran, production: Ran
) -> None:
    assert other.steps.replaced == [production.engine.order_id]
    assert other.engine.summary.reference == f"order {other.steps.submitted[0]}"
    assert [row.part_counts for row in other.engine.summary.layouts] == [{"tab_block": 3}]


def test_a_remembered_order_is_checked_again_on_its_finished_result(
    single: Ran, production: Ran
) -> None:
    assert single.steps.replaced == [production.engine.order_id]
    assert single.engine.summary.status == "ok"
    assert [row.part_counts for row in single.engine.summary.layouts] == [{"tab_block": 1}]
    said = [line for line in single.warnings if "as its finished result shows" in line]
    assert said and f"AlmaCAM order {production.engine.order_id} " in said[0], single.warnings


def test_a_failing_step_fails_the_engine_without_raising(client: AlmaCamClient) -> None:
    class Refusing(ClientSteps):
        def submit(self, bundle: OrderBundle, resend: bool) -> int:
            raise RuntimeError("a billed order may already exist; run with in_doubt=resend")

    ran = run(Refusing(client), context(Mode.PRODUCTION, *ORDER))

    assert ran.engine.summary.status == "failed"
    assert ran.engine.summary.errors == [
        "a billed order may already exist; run with in_doubt=resend"
    ]
    assert ran.engine.files() == {} and ran.engine.layouts_to_cut("engine-test", {}) == []


# -------------------------------------------------------------- remembered_order_reasons


def test_remembered_order_reasons_is_empty_for_its_own_order(
    client: AlmaCamClient, production: Ran
) -> None:
    engine = production.engine
    assert engine.order_id is not None and engine.bundle is not None
    assert remembered_order_reasons(client, engine.order_id, engine.bundle) == []


def test_remembered_order_reasons_names_what_another_order_holds(
    client: AlmaCamClient, production: Ran, other: Ran
) -> None:
    assert other.engine.order_id is not None and production.engine.bundle is not None
    reasons = remembered_order_reasons(client, other.engine.order_id, production.engine.bundle)
    assert reasons and any("placed 3 times, ordered 2" in r for r in reasons), reasons


def test_remembered_order_reasons_names_the_parts_a_subset_result_leaves_unaccounted(
    client: AlmaCamClient, production: Ran, single: Ran
) -> None:
    """One tab block (id 1): its ids are a subset of the gusset-and-bracket order's."""
    assert single.engine.order_id is not None and production.engine.bundle is not None
    reasons = remembered_order_reasons(client, single.engine.order_id, production.engine.bundle)
    assert any("'bracket'" in r and "placed 0 and 0 listed as not nested" in r for r in reasons)
    assert any("'gusset'" in r and "ordered 2, placed 1" in r for r in reasons), reasons


def test_remembered_order_reasons_for_an_order_the_service_does_not_know(
    client: AlmaCamClient, production: Ran
) -> None:
    assert production.engine.bundle is not None
    reasons = remembered_order_reasons(client, 10**9, production.engine.bundle)
    assert reasons == ["the service does not know it"]
