"""The local engine's step as a Prefect task: our solver in this worker, no vendor account needed.

:class:`LocalTaskSteps` is the engine's :class:`~nestflow.engines.local.LocalSteps` in a run: the
solve is submitted as a task, so it runs in a worker thread beside the services' tasks.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from nestflow.engines.base import EngineResult, EngineSettings, PartOrder
from nestflow.engines.local import InProcessSteps, LocalOrder, LocalSteps, Solving
from nestflow.stock import SheetFormat


@task(name="Nest locally", cache_policy=NO_CACHE)
def nest_locally(
    lines: list[PartOrder],
    sheets: list[SheetFormat],
    time_s: float,
    spacing: float,
    deadline_s: float,
) -> EngineResult:
    """Nest with our own solver in this process (submitted, so it runs beside the services)."""
    settings = EngineSettings(time_s=time_s, spacing=spacing)
    return InProcessSteps().solve(LocalOrder(lines, sheets, settings, deadline_s)).result()


class LocalTaskSteps:
    """The solve as a submitted :func:`nest_locally` task (its future is the :class:`Solving`)."""

    def solve(self, order: LocalOrder) -> Solving:
        """Submit the solve; returns at once."""
        settings = order.settings
        # quote(): the parts' geometry is passed as it is, not walked by Prefect.
        lines = quote(order.lines)
        return nest_locally.submit(
            lines, order.sheets, settings.time_s, settings.spacing, order.deadline_s
        )


def steps(credentials: None = None) -> LocalSteps:
    """The local engine's steps in a run (it needs no credentials)."""
    return LocalTaskSteps()
