"""What a job left behind at the vendors: anything created twice, and how many AlmaCAM orders.

Read through the public APIs of the sandbox (the chaos test and ``bench/bench_chaos.py`` use it).
The sandbox numbers AlmaCAM orders consecutively from 1, so the orders a run made are the
difference of two :func:`almacam_last_order` reads.
"""

from __future__ import annotations

from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.errors import AlmaCamNotFound
from nestflow.cloudnest.client import CloudNestClient


def cloudnest_duplicates(client: CloudNestClient, job_name: str) -> dict[str, int]:
    """What exists more than once for the job: jobs of its name, uploads, production tasks.

    Returns:
        ``{"cloudnest jobs": n, "drawing uploads": n, "production tasks": n}``, each the count
        beyond one (0 everywhere when nothing was created twice).
    """
    jobs = [j for j in client.job_search(job_name) if j.job_name == job_name]
    uploads = plans = 0
    for job in jobs:
        names = [d.filename for d in client.job_drawing_status(job.job_id)]
        uploads += len(names) - len(set(names))
        layouts = [(p.result_guid.upper(), p.gmid) for p in client.job_plan_detail([job.job_id])]
        plans += len(layouts) - len(set(layouts))
    return {
        "cloudnest jobs": max(0, len(jobs) - 1),
        "drawing uploads": uploads,
        "production tasks": plans,
    }


def almacam_last_order(client: AlmaCamClient) -> int:
    """The highest AlmaCAM order id the sandbox knows, 0 when none (a binary search by id)."""

    def exists(order_id: int) -> bool:
        try:
            client.result(order_id, "stats")
        except AlmaCamNotFound:
            return False
        return True

    high = 1
    while exists(high):
        high *= 2
    low = high // 2
    while low + 1 < high:  # exists(low) (or low == 0), not exists(high)
        middle = (low + high) // 2
        low, high = (middle, high) if exists(middle) else (low, middle)
    return low
