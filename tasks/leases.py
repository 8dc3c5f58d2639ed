"""One run per job at a time: a Prefect global concurrency limit held under a lease.

Two runs of the same job (a schedule and a hand start, or two workers picking up twin runs) would
otherwise both look at what the CloudNest job holds, both see it empty and both upload and push.
The whole engine-and-push part of a run therefore holds the job's lease: a global concurrency
limit of one slot, named after the job, taken with ``concurrency(..., strict=True)``. The slot is
granted by the Prefect server, so it is shared by every worker on every machine.

Why a lease and not a transaction lock: Prefect's transaction locks (file or Redis lock
managers) have no hold timeout, so a worker killed while holding one blocks every later run of the
job for ever (docs/specs/prefect-notes.md, "Locks that never expire"). A lease is renewed by the
holder while it lives; when the holder dies the server's repossessor revokes it after at most
``LEASE_S`` plus the repossessor's period (15 s by default), and the next run goes on. If the
holder cannot renew its lease (the Prefect API unreachable for a minute), the run is stopped
rather than going on unguarded.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from nestflow.tasks.policy import business_key

#: Lease length: the shortest the Prefect server renews (60 s). A dead holder's lease is revoked
#: this long after its last renewal (plus the repossessor's loop).
LEASE_S = 60.0

_held: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "nestflow_job_lease", default=None
)


class JobBusy(TimeoutError):
    """Another run of the same job held the job's lease for longer than this run would wait."""

    def __init__(self, job_name: str, limit: str, waited_s: float) -> None:
        self.job_name = job_name
        self.limit = limit
        self.waited_s = waited_s
        super().__init__(
            f"job {job_name!r}: another run of this job held it for {waited_s:g} s "
            f"(Prefect global concurrency limit {limit!r}); nothing was done. Re-run it when the "
            "other run has finished, or raise nesting.lease_wait_s."
        )

    def __reduce__(self) -> tuple[type[JobBusy], tuple[str, str, float]]:
        # Prefect ships exceptions between processes
        return (type(self), (self.job_name, self.limit, self.waited_s))


class LeaseNotHeld(RuntimeError):
    """A step that must run under the job's lease was called without it."""


def lease_name(job_name: str) -> str:
    """The name of the global concurrency limit that guards ``job_name``."""
    return business_key("job", job_name)


def ensure_limit(name: str) -> None:
    """Create the one-slot global concurrency limit ``name`` unless it exists."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
            return
        except ObjectNotFound:
            pass
        try:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
        except ObjectAlreadyExists:
            pass  # another run of the job created it at the same moment


@contextmanager
def job_lease(job_name: str, wait_s: float) -> Iterator[str]:
    """Hold the lease of ``job_name`` for the duration of the block.

    Args:
        job_name: The job (CloudNest job name, output folder) that only one run may work on.
        wait_s: How long to wait for another run of the job to finish.

    Yields:
        The name of the global concurrency limit held.

    Raises:
        JobBusy: The lease was not granted within ``wait_s``.
    """
    name = lease_name(job_name)
    ensure_limit(name)
    logger = get_run_logger()
    if not _free_now(name):
        logger.warning(
            "job %s is held by another run (Prefect global concurrency limit %s); waiting up to "
            "%g s for it to finish or for its lease to expire",
            job_name,
            name,
            wait_s,
        )
    granted = False
    try:
        with concurrency(
            name, occupy=1, timeout_seconds=wait_s, lease_duration=LEASE_S, strict=True
        ):
            granted = True
            token = _held.set(job_name)
            try:
                logger.info("job %s: lease %s held (one run per job at a time)", job_name, name)
                yield name
            finally:
                _held.reset(token)
    except TimeoutError as exc:
        if granted:
            raise  # a wait inside the run timed out, not the lease
        raise JobBusy(job_name, name, wait_s) from exc


def _free_now(name: str) -> bool:
    """Whether the limit ``name`` has its slot free at this moment (for the log only)."""
    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(name).active_slots == 0


def require_lease(job_name: str) -> None:
    """Refuse to go on unless this run holds the lease of ``job_name``.

    Raises:
        LeaseNotHeld: It does not (a programming error: the step would be unguarded).
    """
    held = _held.get()
    if held != job_name:
        raise LeaseNotHeld(
            f"job {job_name!r}: a push was attempted without holding the job's lease "
            f"(held: {held!r}); refused so that no layout can be pushed twice"
        )
