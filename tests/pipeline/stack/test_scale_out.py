"""Scale-out on the production stack: different jobs at once, twin runs of one job.

Runs go through the ``manual`` deployment, picked up by either of two workers (conftest.py);
runs killed mid-job are in test_kills_around_the_push.py.
"""

from __future__ import annotations

import uuid

from tests.pipeline.stack.conftest import assert_one_of_everything


def test_five_different_jobs_at_once_all_complete(production, cloudnest) -> None:
    jobs = [f"scale-{uuid.uuid4().hex[:8]}" for _ in range(5)]
    ids = [production.start(job) for job in jobs]

    states = production.wait(ids)

    assert list(states.values()) == ["COMPLETED"] * 5
    for job in jobs:
        assert_one_of_everything(cloudnest, job)


def test_twin_runs_of_one_job_cut_it_once_in_ten_trials(production, cloudnest) -> None:
    jobs = [f"twins-{uuid.uuid4().hex[:8]}" for _ in range(10)]
    for wave in (jobs[:5], jobs[5:]):  # five trials at a time, each two runs started together
        ids = [run for job in wave for run in (production.start(job), production.start(job))]
        states = production.wait(ids)
        assert list(states.values()) == ["COMPLETED"] * len(ids)
    for job in jobs:
        assert_one_of_everything(cloudnest, job)
