"""Progress artifacts shown on a run's page while it waits on a service."""

from __future__ import annotations

import re

from prefect.artifacts import create_progress_artifact, update_progress_artifact


def progress_key(text: str) -> str:
    """An artifact key (lowercase letters, digits, dashes) naming what is waited for."""
    return "wait-" + (re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "service")[:80]


class Progress:
    """One progress artifact (0-100 %) updated in place while a wait goes on.

    The artifact is keyed by what is waited for (``wait-cloudnest-boost-job-12``): the Prefect
    UI titles a progress card by its key, so a keyless bar reads only "Progress: 100%". Its
    description says which service is computing what, and the latest state seen.

    Args:
        service: Who is waited for ("CloudNest", "AlmaCAM", "Machine").
        what: What it is doing ("Boost nesting of job 12").
    """

    def __init__(self, service: str, what: str) -> None:
        self.description = f"Waiting for {service}: {what}"
        self.key = progress_key(f"{service} {what}")
        self._last = -1.0
        self._id = create_progress_artifact(
            progress=0.0, key=self.key, description=f"{self.description} (started)"
        )

    def update(self, fraction: float, note: str | None = None) -> None:
        """Move the bar to ``fraction`` (0..1); unchanged values are not sent again."""
        percent = round(100.0 * min(1.0, max(0.0, fraction)), 1)
        if percent == self._last:
            return
        self._last = percent
        text = f"{self.description}: {note}" if note else self.description
        update_progress_artifact(artifact_id=self._id, progress=percent, description=text)

    def done(self, note: str = "done") -> None:
        """Fill the bar."""
        self.update(1.0, note)
