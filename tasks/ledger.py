"""Where the job ledgers live: the result storage every worker shares, next to the push records.

A ledger is read at the start of a run and written after each change, by the run that holds the
job's lease only (:mod:`tasks.leases`), so two runs never write one ledger at once. Each write
replaces the file atomically (a crash leaves the previous ledger, never half of one).

Next to them, per inbox, the drawings a job cut whole (inbox semantics, ``file_away``): a run
skips what another job cut, and files away what it cut itself (:func:`file_away_cut`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from nestflow.intake import CheckedDrawing, Intake
from nestflow.ledger import JobLedger, drawings_cut
from nestflow.report import PartProgress, slug
from nestflow.tasks.inbox import file_away
from nestflow.tasks.leases import require_lease
from nestflow.tasks.storage import shared_folder, write_atomically


def ledger_root() -> Path:
    """``<result storage>/nestflow-ledger``: shared by every worker, like the push records."""
    return shared_folder("nestflow-ledger")


def ledger_path(job: str) -> Path:
    """``<result storage>/nestflow-ledger/<job slug>-<hash>.json``.

    The hash tells apart job names that slug alike.
    """
    root = ledger_root()
    digest = hashlib.sha256(job.encode()).hexdigest()[:8]
    return root / f"{slug(job)}-{digest}.json"


@task(name="Read the job ledger", task_run_name="read the ledger of {job}", cache_policy=NO_CACHE)
def read_ledger(job: str) -> JobLedger:
    """The job's ledger, or an empty one for a job never run."""
    path = ledger_path(job)
    if not path.exists():
        return JobLedger(job=job)
    ledger = JobLedger.model_validate_json(path.read_bytes())
    get_run_logger().info(
        "job %s: %d part(s) ordered, %d push(es) on record",
        job,
        len(ledger.parts),
        len(ledger.pushes),
    )
    return ledger


@task(
    name="Write the job ledger",
    task_run_name="write the ledger of {ledger.job}",
    cache_policy=NO_CACHE,
)
def write_ledger(ledger: JobLedger) -> str:
    """Replace the job's ledger file atomically; only the lease holder may write it.

    Raises:
        LeaseNotHeld: The run does not hold the job's lease.
    """
    require_lease(ledger.job)
    path = ledger_path(ledger.job)
    write_atomically(path, ledger.model_dump_json(indent=2).encode())
    return str(path)


def _marker(inbox: str, sha256: str) -> Path:
    scope = hashlib.sha256(str(Path(inbox).expanduser().resolve()).encode()).hexdigest()[:12]
    return ledger_root() / "inboxes" / scope / f"{sha256}.json"


@task(name="Look up drawings already cut", cache_policy=NO_CACHE)
def jobs_that_cut(inbox: str, sha256s: list[str]) -> dict[str, str]:
    """sha256 -> the job that cut every ordered copy of that drawing from ``inbox``.

    One small file per inbox and drawing (``nestflow-ledger/inboxes/<inbox>/<sha256>.json``):
    runs of different jobs write different files, so no two runs write the same one at once.
    """
    found = {}
    for sha in sha256s:
        path = _marker(inbox, sha)
        if path.exists():
            found[sha] = str(json.loads(path.read_text())["job"])
    return found


@task(name="Remember drawings cut", cache_policy=NO_CACHE)
def remember_cut(job: str, inbox: str, sha256s: list[str]) -> None:
    """Record that ``job`` cut every ordered copy of these drawings from ``inbox``."""
    require_lease(job)
    for sha in sha256s:
        record = {"job": job, "inbox": inbox, "sha256": sha}
        write_atomically(_marker(inbox, sha), json.dumps(record).encode())


def cut_by_other_jobs(job: str, inbox: str, drawings: list[CheckedDrawing]) -> dict[str, str]:
    """sha256 -> the other job that cut every ordered copy of that drawing from ``inbox``.

    Inbox semantics: a drawing another job cut whole is not nested again (the run notes it).
    """
    found = jobs_that_cut(inbox, [d.sha256 for d in drawings])
    return {sha: other for sha, other in found.items() if other != job}


def file_away_cut(
    job: str,
    inbox: str,
    intake: Intake,
    parts: list[PartProgress],
    elsewhere: dict[str, str],
) -> list[str]:
    """Remember the drawings ``job`` cut whole, then file the inbox's drawings away.

    The drawings cut whole go to ``processed/``, the rejected ones to ``rejected/``; one cut by
    another job (``elsewhere``) is that job's to remember.

    Returns:
        What was filed and what was left in place, one sentence each.
    """
    cut = drawings_cut(parts)
    remember_cut(job, inbox, sorted(cut - set(elsewhere)))
    done = [d.ref.path for d in intake.drawings if d.sha256 in cut and d.ref.path]
    rejected = {
        str(Path(inbox) / f.file): f"{f.file} ({f.kind}): {f.message}" for f in intake.rejected
    }
    filed = file_away(done, rejected, inbox)
    notes = [f"filed {len(filed.processed)} in processed/, {len(filed.rejected)} in rejected/"]
    return notes + [f"left in place: {why}" for why in filed.left]
