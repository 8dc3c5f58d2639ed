"""The push's Prefect steps: send one layout, its once-only transaction, look-up, wait for the cut.

The protocol that uses them (ledger read, pending record, send, settle) is
:mod:`tasks.push_protocol`; this module holds the pieces that need Prefect's features.

Each push runs inside a Prefect transaction keyed by the job and the layout (and the target).
The transaction's record is written on commit to the result storage
(``$PREFECT_RESULTS_LOCAL_STORAGE_PATH/nestflow-push``), which every worker must share (one folder
on one machine, a shared mount across machines: see deploy/); a later run finding the record skips
the push and reports the earlier one.

Two runs never push at the same time: a push is refused unless the run holds its job's lease
(:mod:`tasks.leases`), which the Prefect server grants to one run per job. The transaction itself
therefore takes no lock: Prefect's transaction locks never expire, and a worker killed while
holding one would block the job for ever.

A crash after the push was sent but before its answer was recorded is covered by the job ledger
(:mod:`nestflow.ledger`): the push is written down as pending before it is sent, and the job's next
run settles it before anything else, through :func:`look_up_push` (this store's record, else the
target's own lookup), or by the user's word when the target cannot tell.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.filesystems import LocalFileSystem
from prefect.results import ResultStore
from prefect.serializers import JSONSerializer
from prefect.transactions import transaction

from nestflow.ledger import LedgerPush
from nestflow.targets import (
    HOPELESS_ERRORS,
    TRANSIENT_ERRORS,
    CutProgress,
    LayoutToCut,
    PushLookup,
    Target,
)
from nestflow.tasks.events import emit, layout_resource
from nestflow.tasks.leases import require_lease
from nestflow.tasks.policy import business_key, read_only
from nestflow.tasks.progress import Progress
from nestflow.tasks.storage import shared_folder

PUSHED = "pushed"
ALREADY_PUSHED = "already pushed"


def push_store() -> ResultStore:
    """The durable store of push records, in the result storage every worker shares."""
    root = shared_folder("nestflow-push")
    return ResultStore(
        result_storage=LocalFileSystem(basepath=str(root / "records")),
        serializer=JSONSerializer(),
    )


def push_key(job_name: str, push: LedgerPush) -> str:
    """The business key of one push: target, job, round, engine and layout."""
    return business_key("push", push.target, job_name, push.round, push.engine, push.layout_id)


def committed_reference(key: str) -> str | None:
    """The reference recorded by the push with this key, or None when none was committed."""
    store = push_store()
    if not store.exists(key):
        return None
    record = store.read(key).result
    return str(record.get("reference", "")) if isinstance(record, dict) else ""


def exactly_once(job_name: str, key: str, push: Callable[[], str]) -> tuple[str, str]:
    """Run ``push`` unless a push with this key was committed before.

    Args:
        job_name: The job whose lease this run must hold (see :mod:`tasks.leases`).
        key: Business key of the push (job, layout, target).
        push: Does the push and returns its reference (production task, file written).

    Returns:
        ``("pushed", reference)`` or ``("already pushed", the earlier reference)``.

    Raises:
        LeaseNotHeld: The run does not hold the job's lease; nothing was pushed.
    """
    require_lease(job_name)
    with transaction(key=key, store=push_store()) as txn:
        if txn.is_committed():
            record = txn.read()
            earlier = record.result if record is not None else {}
            get_run_logger().info("push %s was already done: %s", key, earlier)
            return ALREADY_PUSHED, str(earlier.get("reference", ""))
        reference = push()
        txn.stage({"reference": reference, "at": datetime.now(UTC).isoformat()})
        return PUSHED, reference


@task(
    name="Push layout to the machine",
    task_run_name="push {layout.engine} {layout.layout_id}",
    cache_policy=NO_CACHE,
)
def push_layout(target: Target, layout: LayoutToCut) -> str:
    """Send one checked layout to the machine through ``target``; emits nestflow.layout.pushed.

    Never retried: a push that may have landed is not sent again blindly. It was written down as
    pending in the job's ledger before it was sent, and the job's next run settles it first.
    """
    reference = target.push(layout)
    emit(
        "nestflow.layout.pushed",
        layout_resource(layout.engine, layout.layout_id),
        payload={
            "engine": layout.engine,
            "target": target.label,
            "amount": layout.quantity,
            "reference": reference,
            "file": layout.file_name,
        },
    )
    return reference


@task(
    name="Look up an interrupted push",
    task_run_name="look up {push.engine} {push.layout_id} on {target.label}",
    **read_only(*TRANSIENT_ERRORS, delays=(2, 10), never=HOPELESS_ERRORS),
)
def look_up_push(target: Target, job_name: str, push: LedgerPush) -> PushLookup:
    """Whether a push an earlier run sent (and never saw answered) reached the machine.

    The push record committed by that run answers first; else the target looks itself.
    """
    reference = committed_reference(push_key(job_name, push))
    if reference is not None:
        return PushLookup(landed=True, reference=reference, detail="its push record was committed")
    return target.find(push)


@task(
    name="Wait for the cut",
    task_run_name="wait for {engine} {layout_id} on {target.label}",
    **read_only(*TRANSIENT_ERRORS, delays=(5, 30), never=HOPELESS_ERRORS),
)
def wait_until_cut(
    target: Target, engine: str, layout_id: str, reference: str, deadline_s: float
) -> CutProgress:
    """Wait until the machine reports every sheet of a pushed layout cut; emits layout.cut.

    A progress artifact follows the sheets cut. Only targets that report progress can be waited
    for (``target.reports_progress``); the wait is bounded by ``deadline_s``.
    """
    progress = Progress("the machine", f"cutting {engine} layout {layout_id} ({reference})")

    def on_poll(state: CutProgress) -> None:
        progress.update(state.cut / max(1, state.total), state.describe())

    done = target.wait_until_cut(reference, deadline_s, on_poll)
    progress.done(done.describe())
    emit(
        "nestflow.layout.cut",
        layout_resource(engine, layout_id),
        payload={"target": target.label, "reference": reference, "sheets": done.cut},
    )
    return done
