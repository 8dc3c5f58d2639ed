"""Flow ``quote``: price a job from AlmaCAM's statistics view and previews, nothing pushed.

Per sheet format the quote gives sheets, used length, utilisation, part area, the material mass
estimated from thickness and density (of the used sheet area, and of the parts), cutting and
cost; per part, one copy's cut length, pierces, marking, cut time, mass and cost.
"""

# No ``from __future__ import annotations`` here: Prefect builds the parameter model from this
# signature when a deployment loads the file by path, where string annotations do not resolve.

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from nestflow.blocks.settings import SheetFormat
from nestflow.engines.base import EngineContext
from nestflow.flows.engines import engine_runs, read_drawings
from nestflow.flows.outputs import NothingNested, finish, nothing_nested_reason, write_layouts
from nestflow.flows.parameters import (
    DEFAULT_QUOTE_ENGINE,
    BlockNames,
    DrawingSource,
    EngineName,
    InDoubt,
    MaterialSpec,
    Mode,
    NestingSettings,
    Units,
)
from nestflow.report import (
    PartQuote,
    QuoteLine,
    RunSummary,
    markdown_text,
    price_run,
    slug,
)
from nestflow.tasks.run_scope import RunTaskRunner
from nestflow.tasks.run_setup import (
    DEFAULT_OUTPUT_FOLDER,
    new_summary,
    pricing_of,
    resolve_job_name,
    stock_sheets,
)
from nestflow.tasks.storage import load_filesystem


def quote_table(lines: list[QuoteLine]) -> list[dict[str, object]]:
    """The quote as table rows, one per sheet format."""
    return [
        {
            "engine": line.engine,
            "sheet format": line.sheet,
            "sheets": line.sheets,
            "used length (mm)": round(line.used_length, 1),
            "utilisation": f"{100 * line.utilisation:.1f} %",
            "utilisation to offcut": f"{100 * line.utilisation_to_offcut:.1f} %",
            "part area (m²)": round(line.parts_area / 1e6, 4),
            "sheets (kg)": round(line.sheets_kg, 2),
            "material used (kg)": round(line.material_kg, 2),
            "parts (kg)": round(line.parts_kg, 2),
            "cut length (m)": round(line.cut_length / 1000, 2),
            "pierces": line.pierces,
            "marking (m)": round(line.marking_length / 1000, 2),
            "cut time (min)": round(line.cut_time_s / 60, 1),
            f"sheet cost ({line.currency})": round(line.sheet_cost, 2),
            f"laser cost ({line.currency})": round(line.machine_cost, 2),
            f"cost ({line.currency})": round(line.cost, 2),
            "timed with": line.rates,
        }
        for line in lines
    ]


def part_quote_table(quotes: list[PartQuote]) -> list[dict[str, object]]:
    """The quote per part as table rows: one copy's figures, then all copies' cost."""
    return [
        {
            "part": q.part,
            "drawing": q.drawing,
            "copies": q.copies,
            "area (cm²)": round(q.area / 100, 2),
            "mass (kg)": round(q.mass_kg, 3),
            "cut length (mm)": round(q.cut_length, 1),
            "pierces": q.pierces,
            "marking (mm)": round(q.marking_length, 1),
            "cut time (s)": round(q.cut_time_s, 1),
            f"material ({q.currency})": round(q.material_cost, 2),
            f"laser ({q.currency})": round(q.machine_cost, 2),
            f"each ({q.currency})": round(q.cost, 2),
            f"all copies ({q.currency})": round(q.total_cost, 2),
        }
        for q in quotes
    ]


@flow(name="Quote", flow_run_name="quote {job_name}", task_runner=RunTaskRunner(4))
def quote(
    job_name: str,
    drawings: DrawingSource | None = None,
    manifest: str | None = None,
    material: MaterialSpec = MaterialSpec(),  # noqa: B008 - pydantic defaults render the UI form
    sheets: list[SheetFormat] = [SheetFormat()],  # noqa: B006, B008
    nesting: NestingSettings = NestingSettings(),  # noqa: B008
    blocks: BlockNames = BlockNames(),  # noqa: B008
    engine: EngineName = DEFAULT_QUOTE_ENGINE,
    units: Units = Units.AUTO,
    in_doubt: InDoubt = InDoubt.REFUSE,
) -> RunSummary:
    """Quote drawings: AlmaCAM's ``stats`` view by default; no CloudNest job, no push.

    Args:
        job_name: Name of the quote (output folder); ``{date}`` becomes the run's day.
        drawings: Folder or glob, files, and/or URLs of the DXF drawings.
        manifest: Order manifest CSV; alone, its files are the drawings.
        material: Material, thickness, gas and density (for the masses).
        sheets: Sheet formats in stock (replaced by ``blocks.sheet_stock`` when set).
        nesting: Optimisation time, spacing, default rotations and flip, longest wait.
        blocks: Names of the AlmaCAM credentials, stock and output storage blocks.
        engine: Which engine prices the job: ``almacam`` (its cheap ``stats`` view) or ``local``
            (our solver, no vendor account).
        units: Default units of drawings that carry none ($INSUNITS) and whose manifest line
            gives none: ``auto`` (mm), ``mm`` or ``inch``. A drawing whose size looks drawn in the
            other unit is quoted with a warning (a manifest line's ``units`` answers for it and
            also overrides a drawing's header).
        in_doubt: An AlmaCAM order an earlier run submitted but never got the answer of:
            ``refuse`` (stop, saying so) or ``resend`` (submit it again: a second order billed).

    Returns:
        The summary with one quote line per sheet format.

    Raises:
        NothingNested: AlmaCAM produced no layout; the message says why.
    """
    if drawings is None and not manifest:
        raise ValueError("give the drawings (folder, files or urls) or an order manifest")
    (run,) = engine_runs([engine.value], blocks)
    if not run.quotes:
        raise ValueError(f"{engine.value} does not quote: use almacam or local")
    stock = stock_sheets(blocks.sheet_stock, sheets)
    storage = load_filesystem(blocks.output_storage, DEFAULT_OUTPUT_FOLDER)
    intake = read_drawings(drawings, manifest, material, nesting, units, Mode.QUOTE, blocks)
    job = resolve_job_name(job_name, intake)
    ctx = EngineContext(job, intake, material, stock, nesting, Mode.QUOTE, in_doubt)
    if intake.drawings:
        run.start(ctx)
        run.finish(ctx)
    summary = new_summary(job, Mode.QUOTE, "none", material, intake)
    summary = summary.model_copy(update={"engines": [run.summary] if intake.drawings else []})
    # Per sheet, per format, in all and per part (the sheets' figures add up to the lines').
    pricing = pricing_of(blocks.cutting, material)
    summary = price_run(summary, run.name, pricing, intake.parts_by_name())
    lines = summary.quote
    summary = write_layouts(summary, storage, run.files())
    if lines:
        create_table_artifact(
            table=quote_table(lines),
            key=f"nestflow-{slug(job)}-quote",
            description=(
                f"Quote of {markdown_text(job)}: {markdown_text(material.name)} "
                f"{material.thickness:g} mm"
            ),
        )
        create_table_artifact(
            table=part_quote_table(summary.part_quotes),
            key=f"nestflow-{slug(job)}-quote-parts",
            description=f"Quote of {markdown_text(job)} per part (one copy each)",
        )
    summary = finish(summary, storage)
    reason = nothing_nested_reason(summary)
    if reason is not None:
        raise NothingNested(reason)
    get_run_logger().info("quote %s: %d sheet(s)", job, sum(line.sheets for line in lines))
    return summary
