"""Progress artifacts shown on a run's page while it waits on a service.

Each update looks at the process's cancel flag (:mod:`nestflow.waiting`), so a wait whose sleep
reports progress stops when the run is interrupted. Who sets that flag, and why waits need one:
:mod:`nestflow.tasks.run_scope`. Importing this module changes nothing in the process.
"""

from __future__ import annotations

import re

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from nestflow.report.escape import markdown_text
from nestflow.waiting import check_cancelled


def progress_key(text: str) -> str:
    """An artifact key (lowercase letters, digits, dashes) naming what is waited for."""
    return "wait-" + (re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "service")[:80]


class Progress:
    """One progress artifact (0-100 %) updated in place while a wait goes on.

    The artifact is keyed by what is waited for (``wait-cloudnest-boost-job-12``): the Prefect
    UI titles a progress card by its key, so a keyless bar reads only "Progress: 100%". Its
    description says which service is computing what, and the latest state seen.

    Every update first looks at the process's cancel flag, so a wait whose sleep reports progress
    (AlmaCAM's wait for the order's ``time``) stops when the run is cancelled.

    Args:
        service: Who is waited for ("CloudNest", "AlmaCAM", "Machine").
        what: What it is doing ("Boost nesting of job 12").
    """

    def __init__(self, service: str, what: str) -> None:
        # The description is markdown in the UI; ``what`` and notes carry vendor ids and states.
        self.description = f"Waiting for {service}: {markdown_text(what)}"
        self.key = progress_key(f"{service} {what}")
        self._last = -1.0
        self._id = create_progress_artifact(
            progress=0.0, key=self.key, description=f"{self.description} (started)"
        )

    def update(self, fraction: float, note: str | None = None) -> None:
        """Move the bar to ``fraction`` (0..1); unchanged values are not sent again.

        Raises:
            WaitCancelled: The process cancelled its waits (the wait names what it leaves).
        """
        check_cancelled()
        percent = round(100.0 * min(1.0, max(0.0, fraction)), 1)
        if percent == self._last:
            return
        self._last = percent
        text = f"{self.description}: {markdown_text(note)}" if note else self.description
        update_progress_artifact(artifact_id=self._id, progress=percent, description=text)

    def done(self, note: str = "done") -> None:
        """Fill the bar."""
        self.update(1.0, note)
