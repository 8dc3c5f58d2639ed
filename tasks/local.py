"""The local engine as a Prefect task: our solver in this worker, no vendor account needed."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from blocks.settings import SheetFormat
from nestflow.engines import EngineResult, EngineSettings, LocalEngine, PartOrder, SheetSpec
from tasks.drawings import CheckedDrawing


def order_lines(drawings: list[CheckedDrawing]) -> list[PartOrder]:
    """One line per part of each checked drawing, with the drawing's order terms."""
    return [
        PartOrder(
            part=part,
            quantity=drawing.terms.quantity,
            rotations=tuple(drawing.terms.rotations),
            flip=drawing.terms.flip,
        )
        for drawing in drawings
        for part in drawing.parts
    ]


def sheet_specs(sheets: list[SheetFormat]) -> list[SheetSpec]:
    """The stock formats as the engines take them."""
    return [
        SheetSpec(
            name=s.label,
            length=s.length,
            height=s.height,
            quantity=s.quantity,
            border_gap=s.border_gap,
        )
        for s in sheets
    ]


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
