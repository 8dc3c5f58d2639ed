"""Flow ``nest_to_cnc``: DXF drawings to nested layouts on the laser, through the engines asked for.

Sequence: read and check the drawings (bad ones rejected by name, the rest go on); start every
engine asked for (see :mod:`flows.engines`), then collect each one's layouts through the safety
gate; compare; write the layout files; push the chosen engine's layouts exactly once through the
chosen machine target; optionally wait for the machine; write ``summary.json`` and the artifacts.
Everything from the engines to the push runs under the job's lease, so two runs of one job never
work on it at once. The run ends Failed when nothing could be nested, and when it was asked to
push but the job did not reach the machine whole.
"""

# No ``from __future__ import annotations`` here: Prefect builds the parameter model from this
# signature when a deployment loads the file by path, where string annotations do not resolve.

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.filesystems import WritableFileSystem
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from blocks.loading import load_block
from blocks.settings import CuttingParameters, MachineTarget, SheetFormat, SheetStock
from flows.engines import FlowEngine, RunContext, engine_runs, read_drawings
from flows.outputs import (
    NothingNested,
    PushIncomplete,
    PushInDoubt,
    Round,
    finish,
    in_doubt_reason,
    nothing_nested_reason,
    push_incomplete_reason,
    push_layouts,
    settle_pending,
    wait_for_production,
    write_layouts,
)
from flows.parameters import (
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
from nestflow.intake import Intake
from nestflow.ledger import cut_elsewhere, drawings_cut, plan_cut
from nestflow.report import (
    Pricing,
    PushRecord,
    RunSummary,
    price_run,
    rejected_progress,
    sheets_engine,
)
from nestflow.targets import LayoutToCut, Target
from tasks.inbox import file_away
from tasks.leases import job_lease
from tasks.ledger import jobs_that_cut, read_ledger, remember_cut, write_ledger
from tasks.storage import load_filesystem
from tasks.targets import machine_target

DEFAULT_OUTPUT_FOLDER = Path("out")


def resolve_job_name(name: str, intake: Intake | None = None) -> str:
    """Replace ``{date}`` by the run's scheduled day and ``{content}`` by the drawings' digest.

    ``{content}`` names a job after what it holds (the checked drawings' sha256): a scheduled run
    over the same drawings is the same job, whose ledger knows what was cut.
    """
    if "{date}" in name:
        scheduled = flow_run.scheduled_start_time or datetime.now(UTC)
        name = name.replace("{date}", scheduled.strftime("%Y-%m-%d"))
    if "{content}" in name:
        shas = sorted(d.sha256 for d in intake.drawings) if intake is not None else []
        digest = hashlib.sha256("\n".join(shas).encode()).hexdigest()[:12] if shas else "empty"
        name = name.replace("{content}", digest)
    return name


def stock_sheets(blocks: BlockNames, sheets: list[SheetFormat]) -> list[SheetFormat]:
    """The sheet formats of the Sheet Stock block when one is named, else ``sheets``."""
    return load_block(SheetStock, blocks.sheet_stock).sheets if blocks.sheet_stock else sheets


def _priced_engine(runs: list[FlowEngine], recommended: str | None) -> FlowEngine | None:
    """The engine a quote prices: the recommended one, so that both name the same engine.

    With no recommendation (no engine placed every part), the first quoting engine that nested.
    """
    chosen = next((run for run in runs if run.name == recommended), None)
    return chosen or next((run for run in runs if run.quotes and run.summary.nested), None)


def pricing_of(blocks: BlockNames, material: MaterialSpec) -> Pricing:
    """What quotes price with: the Cutting Parameters block when one is named, else defaults."""
    rates = load_block(CuttingParameters, blocks.cutting) if blocks.cutting else None
    return Pricing(
        material=material.name,
        thickness=material.thickness,
        gas=material.gas,
        density=material.density,
        **({"table": rates.table, "costs": rates.costs} if rates is not None else {}),
    )


@dataclass(frozen=True)
class Destination:
    """The machine a run pushes to (its block) and the target that reaches it (or why none)."""

    machine: MachineTarget
    target: Target | str


def _destination(params: NestToCncParameters) -> Destination | None:
    """The run's machine and target; None when the run does not push."""
    if params.push is PushEngine.NONE:
        return None
    name = params.blocks.machine or ""
    machine = load_block(MachineTarget, name)
    engine = params.push.value
    target = machine_target(params.target.value, engine, machine, name, params.blocks.gateway)
    return Destination(machine, target)


@flow(
    name="Nest to CNC",
    flow_run_name="nest {job_name}",
    task_runner=ThreadPoolTaskRunner(max_workers=4),
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
    params = NestToCncParameters(
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
    intake = read_drawings(
        params.drawings, params.manifest, material, nesting, params.units, mode, blocks
    )
    job = resolve_job_name(params.job_name, intake)
    storage = load_filesystem(blocks.output_storage, DEFAULT_OUTPUT_FOLDER)
    get_run_logger().info("job %s: %s run, push %s", job, mode.value, push.value)
    summary = RunSummary(
        job_name=job,
        mode=mode.value,
        push_engine=push.value,
        material=material.name,
        thickness=material.thickness,
        density=material.density,
        drawings=intake.files,
        rejected=intake.rejected,
        warnings=intake.warnings,
    )
    if params.file_away and not intake.drawings and not intake.rejected:
        # An unattended run over an empty inbox did what it was asked: nothing.
        note = f"no drawing in {params.drawings.folder}: nothing to do"
        return finish(summary.model_copy(update={"notes": [note]}), storage)
    with job_lease(job, nesting.lease_wait_s):
        summary = finish(_run_job(params, job, summary, intake, storage), storage)
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
    params: NestToCncParameters,
    job: str,
    summary: RunSummary,
    intake: Intake,
    storage: WritableFileSystem,
) -> RunSummary:
    """Under the job's lease: read the ledger, nest and push what is missing, file away.

    Pushes an earlier run sent but never saw answered are settled first; while one is in doubt
    nothing is nested or pushed.
    """
    ledger = read_ledger(job)
    destination = _destination(params)
    if ledger.pending and destination is not None:
        settled, doubts = settle_pending(job, ledger, destination.target, params.in_doubt)
        summary = summary.model_copy(
            update={"notes": [*summary.notes, *settled], "pushes_in_doubt": doubts}
        )
        for line in [*settled, *doubts]:
            get_run_logger().warning("job %s: %s", job, line)
        if doubts:
            return summary
    inbox = params.drawings.folder if params.file_away and params.drawings else None
    nestable, elsewhere = intake.drawings, {}
    if inbox and not params.recut:
        found = jobs_that_cut(inbox, [d.sha256 for d in nestable])
        elsewhere = {sha: other for sha, other in found.items() if other != job}
        nestable = [d for d in nestable if d.sha256 not in elsewhere]
    material = params.material
    plan = plan_cut(ledger, nestable, material.name, material.thickness, recut=params.recut)
    write_ledger(ledger)
    skipped = [d for d in intake.drawings if d.sha256 in elsewhere]
    notes = [
        f"{d.ref.file}: every copy already cut by job {elsewhere[d.sha256]}; not nested"
        for d in skipped
    ] + plan.notes
    for note in notes:
        get_run_logger().info("job %s: %s", job, note)
    summary = summary.model_copy(update={"notes": [*summary.notes, *notes]})
    to_nest = intake.model_copy(update={"drawings": plan.drawings})
    round_ = Round(ledger, plan)
    summary = _nest_and_push(params, job, summary, to_nest, storage, round_, destination)
    parts = ledger.progress(Counter(plan.before), plan.keys) + cut_elsewhere(skipped)
    parts += rejected_progress(intake.rejected, intake.rejected_orders)  # ordered, not cut
    summary = summary.model_copy(update={"parts": parts})
    if inbox:
        cut = drawings_cut(parts)
        remember_cut(job, inbox, sorted(cut - set(elsewhere)))
        summary = _file_away(summary, intake, cut, inbox)
    return summary


def _file_away(summary: RunSummary, intake: Intake, cut: set[str], inbox: str) -> RunSummary:
    """Move the drawings cut whole to ``processed/``, the rejected ones to ``rejected/``."""
    done = [d.ref.path for d in intake.drawings if d.sha256 in cut and d.ref.path]
    rejected = {
        str(Path(inbox) / f.file): f"{f.file} ({f.kind}): {f.message}" for f in intake.rejected
    }
    filed = file_away(done, rejected, inbox)
    notes = [f"filed {len(filed.processed)} in processed/, {len(filed.rejected)} in rejected/"]
    notes += [f"left in place: {why}" for why in filed.left]
    return summary.model_copy(update={"notes": [*summary.notes, *notes]})


def _nest_and_push(
    params: NestToCncParameters,
    job: str,
    summary: RunSummary,
    intake: Intake,
    storage: WritableFileSystem,
    round_: Round,
    destination: Destination | None,
) -> RunSummary:
    """The engines asked for, the layout files, the push and the wait (under the job's lease).

    The engines nest this round's drawings (what the ledger says is missing) under the round's
    job name; pushes are checked against and recorded in the ledger.
    """
    blocks, mode, push = params.blocks, params.mode, params.push
    material, nesting = params.material, params.nesting
    stock = stock_sheets(blocks, params.sheets)
    view = "stats" if mode is Mode.QUOTE else "full"
    ctx = RunContext(
        round_.plan.engine_job, intake, material, stock, nesting, view, params.in_doubt
    )
    runs = engine_runs([name.value for name in params.engines], blocks)
    if intake.drawings:
        # All engines compute at once: those whose start only submits go first, so they compute
        # while the others' start waits on its service; they are collected in the same order.
        ordered = sorted(runs, key=lambda run: run.waits_in_start)
        for run in ordered:
            run.start(ctx)
        for run in ordered:
            run.finish(ctx)
        summary = summary.model_copy(update={"engines": [run.summary for run in runs]})
    files = {name: data for run in runs for name, data in run.files().items()}
    if mode is Mode.QUOTE:
        quoting = _priced_engine(runs, summary.recommended)
        priced = quoting.name if quoting is not None else None
    else:  # production prices what it cuts: the engine pushed, else the sheet report's
        priced = cut.engine if (cut := sheets_engine(summary)) is not None else None
    if priced is not None:
        summary = price_run(summary, priced, pricing_of(blocks, material), intake.parts_by_name())
    summary = write_layouts(summary, storage, files)
    if destination is None:
        return summary
    chosen = next((run for run in runs if run.name == push.value), None)
    layouts = chosen.layouts_to_cut(job, files) if chosen is not None else []
    layouts = [layout.model_copy(update={"round": ctx.job}) for layout in layouts]
    return _push(params, job, summary, layouts, round_, destination)


def _push(
    params: NestToCncParameters,
    job: str,
    summary: RunSummary,
    layouts: list[LayoutToCut],
    round_: Round,
    destination: Destination,
) -> RunSummary:
    """Push the chosen engine's gated layouts through the chosen target; wait when asked."""
    machine, target = destination.machine, destination.target
    notes = list(summary.notes)
    records: list[PushRecord] = []
    engine = params.push.value
    if isinstance(target, str):
        notes.append(f"nothing pushed: {target}")
    else:
        records = push_layouts(job, layouts, target, round_)
        if not layouts:
            notes.append(f"nothing pushed: {engine} produced no layout to push")
        if params.wait_production and target.reports_progress:
            records = wait_for_production(records, target, machine.production_timeout_s)
        elif params.wait_production:
            notes.append(f"{target.label} reports no production progress; not waited for")
    return summary.model_copy(update={"pushes": records, "notes": notes})
