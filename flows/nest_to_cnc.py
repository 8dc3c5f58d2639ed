"""Flow ``nest_to_cnc``: DXF drawings to nested layouts on the laser, through the engines asked for.

Sequence: read and check the drawings (bad ones rejected by name, the rest go on); start every
engine asked for (see :mod:`flows.engines`), then collect each one's layouts through the safety
gate; compare; write the layout files; push the chosen engine's layouts exactly once through the
chosen machine target (:mod:`tasks.push_protocol`); optionally wait for the machine; write
``summary.json`` and the artifacts. Everything from the engines to the push runs under the job's
lease, so two runs of one job never work on it at once. The run ends Failed when nothing could be
nested, and when it was asked to push but the job did not reach the machine whole.

The flow's parameters are checked together once, then each step is given the part it needs:
the drawings go to the intake, the engine names to the nesting, the push choices to the
destination, and the ledger's plan makes the round.
"""

# No ``from __future__ import annotations`` here: Prefect builds the parameter model from this
# signature when a deployment loads the file by path, where string annotations do not resolve.

from collections import Counter
from dataclasses import replace

from prefect import flow, get_run_logger
from prefect.filesystems import WritableFileSystem

from nestflow.blocks.settings import SheetFormat
from nestflow.engines.base import EngineContext
from nestflow.flows.engines import FlowEngine, engine_runs, read_drawings
from nestflow.flows.outputs import (
    NothingNested,
    PushIncomplete,
    PushInDoubt,
    finish,
    in_doubt_reason,
    nothing_nested_reason,
    push_incomplete_reason,
    write_layouts,
)
from nestflow.flows.parameters import (
    DEFAULT_ENGINES,
    BlockNames,
    DrawingSource,
    EngineName,
    InDoubt,
    MaterialSpec,
    Mode,
    NestingSettings,
    NestToCncParameters,
    PushEngine,
    TargetKind,
    Units,
)
from nestflow.ledger import cut_elsewhere
from nestflow.report import RunSummary, price_run, rejected_progress, sheets_engine
from nestflow.tasks.leases import job_lease
from nestflow.tasks.ledger import cut_by_other_jobs, file_away_cut
from nestflow.tasks.push_protocol import (
    Destination,
    find_destination,
    open_job,
    plan_round,
    push_round,
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


def _priced_engine(runs: list[FlowEngine], recommended: str | None) -> FlowEngine | None:
    """The engine a quote prices: the recommended one, so that both name the same engine.

    With no recommendation (no engine placed every part), the first quoting engine that nested.
    """
    chosen = next((run for run in runs if run.name == recommended), None)
    return chosen or next((run for run in runs if run.quotes and run.summary.nested), None)


@flow(
    name="Nest to CNC",
    flow_run_name="nest {job_name}",
    task_runner=RunTaskRunner(max_workers=4),
)
def nest_to_cnc(
    job_name: str,
    drawings: DrawingSource | None = None,
    manifest: str | None = None,
    mode: Mode = Mode.PRODUCTION,
    push: PushEngine = PushEngine.NONE,
    target: TargetKind = TargetKind.AUTO,
    engines: list[EngineName] = list(DEFAULT_ENGINES),  # noqa: B006, B008
    material: MaterialSpec = MaterialSpec(),  # noqa: B008 - pydantic defaults render the UI form
    sheets: list[SheetFormat] = [SheetFormat()],  # noqa: B006, B008
    nesting: NestingSettings = NestingSettings(),  # noqa: B008
    blocks: BlockNames = BlockNames(),  # noqa: B008
    wait_production: bool = False,
    units: Units = Units.AUTO,
    recut: bool = False,
    file_away: bool = False,
    in_doubt: InDoubt = InDoubt.REFUSE,
) -> RunSummary:
    """Nest drawings with the engines asked for, compare, and push the chosen layouts.

    Args:
        job_name: CloudNest job name and output folder; ``{date}`` becomes the run's day.
        drawings: Folder or glob, files, and/or URLs of the DXF drawings.
        manifest: Order manifest CSV (quantities, material, rotations, flip per drawing); alone,
            its files are the drawings.
        mode: ``production`` (full result, DXF files, push) or ``quote`` (statistics only).
        push: Whose layouts go to the machine: ``cloudnest``, ``almacam`` or ``none``.
        target: How they get there: ``auto``, ``server_push`` (CloudNest layouts, gmid),
            ``upload_cut`` (any layout DXF, the machine's IoT card id) or ``drop_folder``.
        engines: Which engines nest: ``cloudnest``, ``almacam``, ``local`` (our solver, no
            vendor account), all at once.
        material: Material, thickness, gas and density of every drawing.
        sheets: Sheet formats in stock (replaced by ``blocks.sheet_stock`` when set).
        nesting: Optimisation time, spacing, default rotations and flip, longest wait.
        blocks: Names of the credentials, stock, machine and output storage blocks.
        wait_production: Wait until the machine reports the pushed layouts cut.
        units: Default units of drawings that carry none ($INSUNITS) and whose manifest line
            gives none: ``auto`` (mm), ``mm`` or ``inch``. A default answers for no single
            drawing: a unitless drawing under 60 mm read as mm, or of 60 in and more read as
            inches, is refused in production until its manifest line's ``units`` answers (a
            manifest line's units also override a drawing's header).
        recut: Cut the order once more: each drawing whose earlier cut is whole (a recut
            stopped half way is finished by the next run, not ordered a third time).
        file_away: Inbox semantics: skip drawings another job cut already, then move each
            drawing cut whole to ``processed/`` and each rejected one to ``rejected/`` (with a
            ``.txt`` giving the reason) in the drawings' folder.
        in_doubt: A push an earlier run sent but never saw answered (it was stopped), which the
            target cannot look up: ``refuse`` (stop, naming it), ``landed`` (a person saw it on
            the machine) or ``resend`` (a person saw it is not there).

    Returns:
        The run summary (also written as ``summary.json`` next to the layout files).

    Raises:
        NothingNested: No engine produced a layout; the message says why.
        PushIncomplete: Asked to push, the run left layouts, parts or rejected drawings off
            the machine.
        PushInDoubt: An earlier push may be on the machine and nobody can tell; nothing done.
        JobBusy: Another run of the job held it longer than ``nesting.lease_wait_s``.
    """
    # The rules between the parameters (push needs a machine, file_away a folder, ...), checked
    # before anything is read; each step below is then given only the parameters it needs.
    NestToCncParameters(
        job_name=job_name,
        drawings=drawings,
        manifest=manifest,
        mode=mode,
        push=push,
        target=target,
        engines=engines,
        material=material,
        sheets=sheets,
        nesting=nesting,
        blocks=blocks,
        wait_production=wait_production,
        units=units,
        recut=recut,
        file_away=file_away,
        in_doubt=in_doubt,
    )
    intake = read_drawings(drawings, manifest, material, nesting, units, mode, blocks)
    job = resolve_job_name(job_name, intake)
    storage = load_filesystem(blocks.output_storage, DEFAULT_OUTPUT_FOLDER)
    get_run_logger().info("job %s: %s run, push %s", job, mode.value, push.value)
    summary = new_summary(job, mode, push.value, material, intake)
    inbox = drawings.folder if file_away and drawings is not None else None
    if inbox and not intake.drawings and not intake.rejected:
        # An unattended run over an empty inbox did what it was asked: nothing.
        note = f"no drawing in {inbox}: nothing to do"
        return finish(summary.model_copy(update={"notes": [note]}), storage)
    stock = stock_sheets(blocks.sheet_stock, sheets)
    ctx = EngineContext(job, intake, material, stock, nesting, mode, in_doubt)
    names = [name.value for name in engines]
    destination = None
    if push is not PushEngine.NONE:
        destination = find_destination(
            push.value,
            target.value,
            blocks.machine or "",
            blocks.gateway,
            in_doubt=in_doubt,
            wait_production=wait_production,
        )
    with job_lease(job, nesting.lease_wait_s):
        elsewhere = cut_by_other_jobs(job, inbox, intake.drawings) if inbox and not recut else {}
        summary = _run_job(summary, ctx, names, blocks, storage, destination, elsewhere, recut)
        if inbox and not summary.pushes_in_doubt:
            notes = file_away_cut(job, inbox, intake, summary.parts, elsewhere)
            summary = summary.model_copy(update={"notes": [*summary.notes, *notes]})
        summary = finish(summary, storage)
    reason = in_doubt_reason(summary)
    if reason is not None:
        raise PushInDoubt(reason)
    reason = nothing_nested_reason(summary)
    if reason is not None:
        raise NothingNested(reason)
    reason = push_incomplete_reason(summary)
    if reason is not None:
        raise PushIncomplete(reason)
    return summary


def _run_job(
    summary: RunSummary,
    ctx: EngineContext,
    engines: list[str],
    blocks: BlockNames,
    storage: WritableFileSystem,
    destination: Destination | None,
    elsewhere: dict[str, str],
    recut: bool,
) -> RunSummary:
    """Under the job's lease: read the ledger, nest and push what is missing.

    Pushes an earlier run sent but never saw answered are settled first; while one is in doubt
    nothing is nested or pushed.

    Args:
        summary: The run's summary so far.
        ctx: The whole job: its name, checked drawings, material, stock, nesting, mode.
        engines: The names of the engines that nest.
        blocks: The run's block names (the engines' credentials, cutting parameters).
        storage: Where the run's files go.
        destination: Where the layouts are pushed; None when the run does not push.
        elsewhere: sha256 -> the other job that cut that drawing whole (not nested again).
        recut: Cut the order once more.
    """
    job, intake = ctx.job, ctx.intake
    opened = open_job(job, destination)
    notes = [*summary.notes, *opened.settled]
    summary = summary.model_copy(update={"notes": notes, "pushes_in_doubt": opened.doubts})
    if opened.doubts:
        return summary
    nestable = [d for d in intake.drawings if d.sha256 not in elsewhere]
    round_ = plan_round(opened.ledger, nestable, ctx.material, recut=recut)
    plan = round_.plan
    skipped = [d for d in intake.drawings if d.sha256 in elsewhere]
    notes = [
        f"{d.ref.file}: every copy already cut by job {elsewhere[d.sha256]}; not nested"
        for d in skipped
    ] + plan.notes
    for note in notes:
        get_run_logger().info("job %s: %s", job, note)
    summary = summary.model_copy(update={"notes": [*summary.notes, *notes]})
    this_round = replace(
        ctx, job=round_.job, intake=intake.model_copy(update={"drawings": plan.drawings})
    )
    runs, files, summary = _nest(summary, this_round, engines, blocks, storage)
    if destination is not None:
        records, notes = push_round(round_, runs, files, destination)
        summary = summary.model_copy(update={"pushes": records, "notes": [*summary.notes, *notes]})
    parts = round_.ledger.progress(Counter(plan.before), plan.keys) + cut_elsewhere(skipped)
    parts += rejected_progress(intake.rejected, intake.rejected_orders)  # ordered, not cut
    return summary.model_copy(update={"parts": parts})


def _nest(
    summary: RunSummary,
    ctx: EngineContext,
    engines: list[str],
    blocks: BlockNames,
    storage: WritableFileSystem,
) -> tuple[list[FlowEngine], dict[str, bytes], RunSummary]:
    """The engines asked for nest this round, priced, their layout files written.

    Args:
        summary: The run's summary so far.
        ctx: This round: its job name and the drawings the ledger says are missing.
        engines: The names of the engines that nest.
        blocks: The run's block names (the engines' credentials, cutting parameters).
        storage: Where the layout files go.

    Returns:
        The engines (their gated layouts), the files written, the summary with both.
    """
    runs = engine_runs(engines, blocks)
    if ctx.intake.drawings:
        # All engines compute at once: those whose start only submits go first, so they compute
        # while the others' start waits on its service; they are collected in the same order.
        ordered = sorted(runs, key=lambda run: run.waits_in_start)
        for run in ordered:
            run.start(ctx)
        for run in ordered:
            run.finish(ctx)
        summary = summary.model_copy(update={"engines": [run.summary for run in runs]})
    files = {name: data for run in runs for name, data in run.files().items()}
    if ctx.mode is Mode.QUOTE:
        quoting = _priced_engine(runs, summary.recommended)
        priced = quoting.name if quoting is not None else None
    else:  # production prices what it cuts: the engine pushed, else the sheet report's
        priced = cut.engine if (cut := sheets_engine(summary)) is not None else None
    if priced is not None:
        pricing = pricing_of(blocks.cutting, ctx.material)
        summary = price_run(summary, priced, pricing, ctx.intake.parts_by_name())
    return runs, files, write_layouts(summary, storage, files)
