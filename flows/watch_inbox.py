"""Flow ``watch_inbox``: announce the new DXF files of a folder in one event.

The event starts the ``on-arrival`` deployment of ``nest_to_cnc`` (see ``prefect.yaml``); any
other system can post the same event to the Prefect events API instead.
"""

# No ``from __future__ import annotations`` here: Prefect builds the parameter model from this
# signature when a deployment loads the file by path, where string annotations do not resolve.

from pathlib import Path

from prefect import flow, get_run_logger

from nestflow.tasks.inbox import (
    announce_arrival,
    arrival_batches,
    arrival_job_name,
    find_new_drawings,
    load_state,
    save_state,
)
from nestflow.tasks.run_scope import RunTaskRunner
from nestflow.tasks.storage import load_filesystem


@flow(name="Watch inbox", task_runner=RunTaskRunner())
def watch_inbox(
    inbox: str = "inbox",
    state_storage: str | None = None,
    job_prefix: str = "inbox",
    settle_s: float = 5.0,
) -> list[str]:
    """Find new DXF files in ``inbox`` and announce them in one event (one job).

    A drop too large for one event (more than :data:`~tasks.inbox.ARRIVAL_FILES` files, or
    very long paths) is announced in several, each its own job.

    Args:
        inbox: Folder watched (top level, ``*.dxf`` in any case).
        state_storage: Filesystem block keeping the watcher's memory (``"type-slug/name"`` or a
            LocalFileSystem name); empty keeps it in the inbox as ``.nestflow-inbox.json``.
        job_prefix: Prefix of the job name proposed to the pipeline.
        settle_s: Files modified more recently than this are left for the next look.

    Returns:
        The paths announced (empty when nothing is new).
    """
    storage = load_filesystem(state_storage, Path(inbox))
    state = load_state(storage)
    new = find_new_drawings(inbox, state, settle_s)
    if not new:
        return []
    jobs = []
    for batch in arrival_batches(new):
        jobs.append(arrival_job_name(job_prefix, batch))
        announce_arrival(inbox, batch, jobs[-1])
    # Remember only after announcing: a crash in between re-announces with the same job names,
    # which the pipeline de-duplicates, instead of losing the files.
    save_state(storage, state.with_files(new))
    get_run_logger().info("announced %d file(s) as job(s) %s", len(new), ", ".join(jobs))
    return [f.path for f in new]
