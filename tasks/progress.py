"""Progress artifacts shown on a run's page while it waits on a service."""

from __future__ import annotations

from prefect.artifacts import create_progress_artifact, update_progress_artifact


class Progress:
    """One progress artifact (0-100 %) updated in place while a wait goes on.

    Args:
        description: What is being waited for (shown next to the bar).
    """

    def __init__(self, description: str) -> None:
        self.description = description
        self._last = -1.0
        self._id = create_progress_artifact(progress=0.0, description=description)

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
