"""The push protocol: each gated layout reaches the machine once, across crashes and re-runs.

The whole protocol runs here, by a run that holds its job's lease (:mod:`tasks.leases`), in this
order:

1. **Read and settle** (:func:`open_job`): the job's ledger (:mod:`nestflow.ledger`, stored by
   :mod:`tasks.ledger`) is read, and each push an earlier run wrote down as pending but never saw
   answered is settled first: its push record (:mod:`tasks.push`) or the target's own lookup
   says whether it landed, else the run's ``in_doubt`` (a person looked at the machine). While
   one stays in doubt the run stops before nesting anything.
2. **Plan** (:func:`plan_round`): the run's order is recorded and only what is still missing is
   nested, under the round's job name.
3. **Push** (:func:`push_round`): the safety gate is in front. The layouts come only from the
   chosen engine's ``layouts_to_cut``, which by the engine contract
   (:class:`~nestflow.engines.base.Engine`) holds only the layouts its ``finish`` passed through
   :mod:`nestflow.gate` (an engine the gate refused has none); nothing else reaches the target,
   since this module takes engines, never layouts. Each layout's parts are then checked against
   the ledger (never more copies than ordered, never a superseded drawing's part), the push is
   written down as pending, sent once inside its push transaction
   (:func:`tasks.push.exactly_once`), and recorded with the target's answer.
4. **Wait** for the machine to report the layouts cut, when asked and the target can tell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from prefect import get_run_logger
from prefect.utilities.annotations import quote

from nestflow.blocks.loading import load_block
from nestflow.blocks.settings import MachineTarget
from nestflow.intake import CheckedDrawing
from nestflow.ledger import CutPlan, JobLedger, LedgerPush, plan_cut
from nestflow.report import PushRecord
from nestflow.run_options import InDoubt, MaterialSpec
from nestflow.targets import LayoutToCut, PushLookup, Target, not_sent
from nestflow.tasks.ledger import read_ledger, write_ledger
from nestflow.tasks.push import (
    ALREADY_PUSHED,
    exactly_once,
    look_up_push,
    push_key,
    push_layout,
    wait_until_cut,
)
from nestflow.tasks.targets import machine_target


class GatedEngine(Protocol):
    """What the protocol asks of an engine: its name and its gated layouts (see the module)."""

    @property
    def name(self) -> str:
        """The engine's name, as the run's ``push`` names it."""

    def layouts_to_cut(self, job: str, files: dict[str, bytes]) -> list[LayoutToCut]:
        """The layouts the engine's ``finish`` passed through the safety gate."""


@dataclass(frozen=True)
class Destination:
    """Where a run pushes: whose layouts, the machine (its block), the target that reaches it.

    Attributes:
        engine: The engine whose layouts go to the machine.
        machine: The Machine Target block.
        target: The target that reaches the machine, or why none does (a sentence).
        in_doubt: What settles a pending push the target cannot look up.
        wait_production: Wait until the machine reports the pushed layouts cut.
    """

    engine: str
    machine: MachineTarget
    target: Target | str
    in_doubt: InDoubt
    wait_production: bool


def find_destination(
    engine: str,
    kind: str,
    machine_block: str,
    gateway_block: str,
    *,
    in_doubt: InDoubt,
    wait_production: bool,
) -> Destination:
    """The run's machine and the target of ``kind`` that reaches it with ``engine``'s layouts.

    Raises:
        BlockNotFound: ``machine_block`` names no Machine Target block.
    """
    machine = load_block(MachineTarget, machine_block)
    target = machine_target(kind, engine, machine, machine_block, gateway_block)
    return Destination(engine, machine, target, in_doubt, wait_production)


@dataclass(frozen=True)
class OpenedJob:
    """The job's ledger once the pushes an earlier run left pending are settled.

    Attributes:
        ledger: The job's ledger (written as it changes).
        settled: What was settled, one sentence each.
        doubts: What is still in doubt: the run must stop before nesting.
    """

    ledger: JobLedger
    settled: list[str]
    doubts: list[str]


@dataclass(frozen=True)
class Round:
    """This run's round of a job: its ledger (written as pushes land) and what it nests."""

    ledger: JobLedger
    plan: CutPlan

    @property
    def job(self) -> str:
        """The job name the engines use for this round (the first round's is the job's)."""
        return self.plan.engine_job


def open_job(job: str, destination: Destination | None) -> OpenedJob:
    """Read the job's ledger and settle the pushes an earlier run sent but never saw answered.

    A run that does not push settles nothing (it has no target to ask): its pending pushes stay
    for the next run that pushes.
    """
    ledger = read_ledger(job)
    if not ledger.pending or destination is None:
        return OpenedJob(ledger, [], [])
    settled, doubts = settle_pending(job, ledger, destination.target, destination.in_doubt)
    for line in [*settled, *doubts]:
        get_run_logger().warning("job %s: %s", job, line)
    return OpenedJob(ledger, settled, doubts)


def plan_round(
    ledger: JobLedger,
    drawings: list[CheckedDrawing],
    material: MaterialSpec,
    *,
    recut: bool,
) -> Round:
    """Record the run's order in the ledger (written) and keep only the copies still to cut."""
    plan = plan_cut(ledger, drawings, material.name, material.thickness, recut=recut)
    write_ledger(ledger)
    return Round(ledger, plan)


def settle_pending(
    job_name: str, ledger: JobLedger, target: Target | str, in_doubt: InDoubt
) -> tuple[list[str], list[str]]:
    """Settle the pushes an earlier run sent but never saw answered, before anything else.

    Each one is looked up (its push record, else the target); what the target cannot tell is
    settled by ``in_doubt`` (a person checked the machine) or stays in doubt.

    Returns:
        What was settled (one sentence each) and what is still in doubt (the run must stop).
    """
    notes, doubts = [], []
    for push in list(ledger.pending):
        lookup = _look_up(job_name, push, target)
        landed = lookup.landed
        if landed is None and in_doubt is not InDoubt.REFUSE:
            landed = in_doubt is InDoubt.LANDED
            lookup = lookup.model_copy(
                update={"detail": f"{lookup.detail}; in_doubt={in_doubt.value} says so"}
            )
        sent = f"{push.describe()}, sent {push.at:%Y-%m-%d %H:%M:%S} UTC by a run stopped before"
        if landed:
            ledger.record(push.model_copy(update={"reference": lookup.reference or "by hand"}))
            notes.append(f"{sent} its answer: {lookup.detail}: recorded as cut")
        elif landed is False:
            ledger.forget(push)
            notes.append(f"{sent} its answer: {lookup.detail}: its parts are cut by this run")
        else:
            doubts.append(
                f"{sent} its answer may be on the machine: {lookup.detail}. Look at the "
                "machine, then run the job again with in_doubt=landed if it has the layout "
                "or in_doubt=resend if it does not"
            )
    if notes:
        write_ledger(ledger)
    return notes, doubts


def _look_up(job_name: str, push: LedgerPush, target: Target | str) -> PushLookup:
    if isinstance(target, str) or target.key != push.target:
        why = target if isinstance(target, str) else f"this run pushes to {target.key}"
        return PushLookup(landed=None, detail=f"cannot look it up ({why})")
    return look_up_push(quote(target), job_name, push)


def push_round(
    round_: Round,
    engines: Sequence[GatedEngine],
    files: dict[str, bytes],
    destination: Destination,
) -> tuple[list[PushRecord], list[str]]:
    """Push the destination's engine's gated layouts once each; wait for the cut when asked.

    Args:
        round_: The round (its ledger checks and records every push).
        engines: The run's engines; only the one the destination names is pushed.
        files: The layout files the run wrote (what a layout's DXF is).
        destination: Whose layouts, where, and whether to wait.

    Returns:
        A record per layout, and sentences for what was not pushed or not waited for.
    """
    target, engine = destination.target, destination.engine
    if isinstance(target, str):
        return [], [f"nothing pushed: {target}"]
    chosen = next((run for run in engines if run.name == engine), None)
    job = round_.ledger.job
    layouts = chosen.layouts_to_cut(job, files) if chosen is not None else []
    layouts = [layout.model_copy(update={"round": round_.job}) for layout in layouts]
    records = [_push_once(job, layout, target, round_) for layout in layouts]
    notes = [] if layouts else [f"nothing pushed: {engine} produced no layout to push"]
    if destination.wait_production and target.reports_progress:
        records = wait_for_production(records, target, destination.machine.production_timeout_s)
    elif destination.wait_production:
        notes.append(f"{target.label} reports no production progress; not waited for")
    return records, notes


def _push_once(job_name: str, layout: LayoutToCut, target: Target, round_: Round) -> PushRecord:
    """Push one layout unless the ledger has it pushed already or refuses its parts."""
    ledger, by_name = round_.ledger, round_.plan.by_name
    entry = LedgerPush(
        target=target.key,
        round=layout.round,
        engine=layout.engine,
        layout_id=layout.layout_id,
        sheets=layout.quantity,
        parts={
            by_name.get(name, f"?/{name}"): count * layout.quantity
            for name, count in layout.parts.items()
        },
        file=layout.file_name if layout.dxf else None,
        engine_job_id=layout.engine_job_id,
    )
    earlier = ledger.pushed(*entry.identity)
    if earlier is not None:
        status, reference = ALREADY_PUSHED, earlier.reference
    else:
        refused = target.accepts(layout)
        problems = [] if refused else ledger.over_order(entry.parts)
        if problems:
            refused = "refused by the job ledger: " + "; ".join(problems)
        if refused:
            get_run_logger().error("%s not pushed: %s", entry.describe(), refused)
            status, reference = "failed", refused
        else:
            status, reference = _send(job_name, layout, target, ledger, entry)
    return PushRecord(
        engine=layout.engine,
        layout_id=layout.layout_id,
        target=target.label,
        quantity=layout.quantity,
        status=status,
        reference=reference,
    )


def _send(
    job_name: str, layout: LayoutToCut, target: Target, ledger: JobLedger, entry: LedgerPush
) -> tuple[str, str]:
    """Write the push down as pending, send it once, and record how it ended."""
    ledger.begin(entry)
    write_ledger(ledger)
    try:
        status, reference = exactly_once(
            job_name, push_key(job_name, entry), partial(push_layout, quote(target), layout)
        )
    except Exception as exc:  # noqa: BLE001 - one failed push is reported, the others go on
        if not_sent(exc):
            ledger.forget(entry)
            write_ledger(ledger)
            reference = str(exc)
        else:
            reference = (
                f"{exc}; it may have reached the machine: the job's next run looks before "
                "pushing it again"
            )
        get_run_logger().error("push of %s failed: %s", entry.describe(), reference)
        return "failed", reference
    ledger.record(entry.model_copy(update={"reference": reference}))
    write_ledger(ledger)
    return status, reference


def wait_for_production(
    records: list[PushRecord], target: Target, deadline_s: float
) -> list[PushRecord]:
    """Wait until the machine reports every sheet of each layout pushed through ``target`` cut."""
    done = []
    for record in records:
        if record.status != "failed" and record.reference:
            cut = wait_until_cut(
                quote(target), record.engine, record.layout_id, record.reference, deadline_s
            )
            record = record.model_copy(update={"production": cut.describe()})
        done.append(record)
    return done
