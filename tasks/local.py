"""The local engine as a Prefect task: our solver in this worker, no vendor account needed."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from nestflow.engines import EngineResult, EngineSettings, LocalEngine, PartOrder, SheetSpec


@task(name="Nest locally", cache_policy=NO_CACHE)
def nest_locally(
    lines: list[PartOrder],
    sheets: list[SheetSpec],
    time_s: float,
    spacing: float,
    deadline_s: float,
) -> EngineResult:
    """Nest with our own solver in this process (submitted, so it runs beside the services)."""
    run = LocalEngine().trigger(lines, sheets, EngineSettings(time_s=time_s, spacing=spacing))
    run.wait_for_completion(deadline_s)
    return run.fetch_result()
