"""Scale-out on the production stack: jobs at once, twin runs of one job, a run killed mid-job.

Runs go through the ``manual`` deployment, picked up by either of two workers (conftest.py).
"""

from __future__ import annotations

import os
import signal
import time
import uuid

from nestflow.cloudnest.jobs import find_job
from tasks.leases import LEASE_S
from tests.pipeline.processes import wait_until
from tests.pipeline.stack.conftest import DRAWINGS, RUN_TIMEOUT_S


def _assert_one_of_everything(cloudnest, job_name: str) -> None:
    """One job, each drawing uploaded once, one production task per layout."""
    jobs = [job for job in cloudnest.job_search(job_name) if job.job_name == job_name]
    assert len(jobs) == 1, f"{job_name}: {len(jobs)} CloudNest jobs"
    job = find_job(cloudnest, job_name)
    drawings = sorted(d.filename for d in cloudnest.job_drawing_status(job.job_id))
    assert drawings == sorted(DRAWINGS), f"{job_name}: drawings uploaded {drawings}"
    layouts = cloudnest.job_nest_detail(job.job_id).results
    plans = cloudnest.job_plan_detail([job.job_id])
    assert layouts
    assert sorted(p.result_guid for p in plans) == sorted(r.result_guid for r in layouts), (
        f"{job_name}: {len(plans)} production task(s) for {len(layouts)} layout(s)"
    )


def test_five_different_jobs_at_once_all_complete(production, cloudnest) -> None:
    jobs = [f"scale-{uuid.uuid4().hex[:8]}" for _ in range(5)]
    ids = [production.start(job) for job in jobs]

    states = production.wait(ids)

    assert list(states.values()) == ["COMPLETED"] * 5
    for job in jobs:
        _assert_one_of_everything(cloudnest, job)


def test_twin_runs_of_one_job_cut_it_once_in_ten_trials(production, cloudnest) -> None:
    jobs = [f"twins-{uuid.uuid4().hex[:8]}" for _ in range(10)]
    for wave in (jobs[:5], jobs[5:]):  # five trials at a time, each two runs started together
        ids = [run for job in wave for run in (production.start(job), production.start(job))]
        states = production.wait(ids)
        assert list(states.values()) == ["COMPLETED"] * len(ids)
    for job in jobs:
        _assert_one_of_everything(cloudnest, job)


def test_a_run_killed_after_its_uploads_is_rerun_without_duplicates_once_its_lease_goes(
    production, cloudnest
) -> None:
    job = f"killed-{uuid.uuid4().hex[:8]}"
    first = production.start(job, time_s=20.0)  # a long Boost: killed inside the job's lease
    wait_until("the first run's uploads", lambda: production.uploads_finished(first), 240)
    pid = production.running_pid(first)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()

    second = production.start(job)
    states = production.wait([second])

    assert states[second] == "COMPLETED"
    assert any("is held by another run" in line for line in production.log_lines(second))
    waited = time.monotonic() - killed_at
    # the dead holder's lease went at its expiry plus a repossessor round, not for ever
    assert waited < LEASE_S + 15 + RUN_TIMEOUT_S / 2
    assert production.stack.run_states([first])[first] == "CRASHED"
    _assert_one_of_everything(cloudnest, job)
