"""What every engine's part of a run shares: its summary, its files' names, what goes to a machine.

The helpers an :class:`~nestflow.engines.base.Engine` uses to turn its gated layouts into the
run's outputs: each layout identified (job, material, sheet), files named for what the sheet is,
pictures drawn best effort, a failure as lines a person can act on, the layouts to cut. Log lines
go to the ``nestflow.engines`` logger; the run's adapter repeats an engine's errors in the run log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from nestflow.engines.base import EngineContext
from nestflow.gate import UnsafeLayouts
from nestflow.geometry.layout import LayoutInfo, SheetLayout, stock_label
from nestflow.geometry.preview import render_layout_png
from nestflow.report import EngineSummary, LayoutRow, layout_file, picture_title
from nestflow.targets import LayoutToCut

LOG = logging.getLogger("nestflow.engines")


def sheet_info(ctx: EngineContext, row: LayoutRow) -> LayoutInfo:
    """What a layout's sheet is for: the round's job, the run's material and gas, sheet, count.

    The job is the round's (the name the engines know it by): a later round's files, written in
    the same folder, never take the names of the first round's.
    """
    material = ctx.material
    return LayoutInfo(
        job=ctx.job,
        material=material.name,
        thickness=material.thickness,
        gas=material.gas or "none",
        sheet=row.sheet or row.name,
        quantity=row.quantity,
    )


def identified(summary: EngineSummary, ctx: EngineContext) -> EngineSummary:
    """The engine's layouts, each with what its sheet is for and its parts' drawings.

    The info names the layout's files and goes into its DXF header; the drawings go into the
    pick list and the sheet report.
    """
    sources = {name: part.source for name, part in ctx.intake.parts_by_name().items()}
    rows = [
        row.model_copy(
            update={
                "info": sheet_info(ctx, row),
                "drawings": {name: sources.get(name, "") for name in row.part_counts},
            }
        )
        for row in summary.layouts
    ]
    return summary.model_copy(update={"layouts": rows})


def file_name(summary: EngineSummary, index: int, extension: str) -> str:
    """``<engine>/<what the sheet is>.<extension>`` of layout number ``index`` (0-based).

    A file beyond the summary's layouts (a preview the engine sent without a layout) keeps the
    plain ``layout-NN`` name.
    """
    rows = summary.layouts
    return layout_file(summary.engine, rows[index] if index < len(rows) else None, index, extension)


def named_files(summary: EngineSummary, extension: str, data: Sequence[bytes]) -> dict[str, bytes]:
    """Files of one kind, ``data[i]`` being layout ``i``'s, by :func:`file_name`."""
    return {file_name(summary, i, extension): content for i, content in enumerate(data)}


def drawn_pictures(
    summary: EngineSummary, count: int, layout: Callable[[int], SheetLayout]
) -> tuple[EngineSummary, dict[int, bytes]]:
    """The pictures of ``count`` layouts, ``layout(index)`` each, labelled and titled; best effort.

    Each part carries its name (or its legend number), the title says job, material and which
    sheet (:func:`~nestflow.report.picture_title`). A picture is for people: one that cannot be
    drawn is a warning naming the engine, the layout and the reason, added to the summary's
    ``errors``; it never costs the engine its layouts or the run its push.

    Returns:
        The summary (with a line per missing picture) and the pictures by layout index.
    """
    pictures: dict[int, bytes] = {}
    missing: list[str] = []
    for index in range(count):
        try:
            title = picture_title(summary.layouts, index)
            pictures[index] = render_layout_png(layout(index), labels=True, title=title)
        except Exception as exc:  # noqa: BLE001 - a picture never costs a layout
            rows = summary.layouts
            name = f" ({rows[index].name})" if index < len(rows) else ""
            missing.append(
                f"picture missing: {summary.engine} layout {index + 1}{name} could not be drawn: "
                f"{type(exc).__name__}: {exc}; the layout is not affected"
            )
    for sentence in missing:
        LOG.warning("%s", sentence)
    if missing:
        summary = summary.model_copy(update={"errors": summary.errors + missing})
    return summary, pictures


def failure_lines(exc: Exception) -> list[str]:
    """An engine's failure as lines a person can act on (gate refusals list every problem)."""
    if isinstance(exc, UnsafeLayouts):
        return [f"{exc.engine}: layouts refused by the safety gate", *exc.lines()]
    return [str(exc)]


def failed(
    engine: str,
    reference: str | None,
    lines: list[str],
    earlier: list[str] | None = None,
) -> EngineSummary:
    """The summary of an engine that stopped (logged), after ``earlier`` errors."""
    LOG.error("%s failed: %s", engine, lines[0] if lines else "no reason given")
    errors = [*(earlier or []), *lines]
    return EngineSummary(engine=engine, status="failed", reference=reference, errors=errors)


def cut_list(
    summary: EngineSummary, job: str, files: dict[str, bytes], engine_job_id: int | None = None
) -> list[LayoutToCut]:
    """An engine's gated layouts as they go to a machine (file, sheets, the engine's ids)."""
    if not summary.nested:
        return []
    return [
        LayoutToCut(
            job=job,
            engine=summary.engine,
            layout_id=row.layout_id,
            index=index,
            quantity=row.quantity,
            dxf=files.get(file_name(summary, index, "dxf")),
            engine_job_id=engine_job_id,
            parts=row.part_counts,
            stock=stock_label(row.info) if row.info else "",
        )
        for index, row in enumerate(summary.layouts)
    ]
