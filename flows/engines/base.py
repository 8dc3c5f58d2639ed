"""What every engine's part of a run shares: what it is given, how it fails, what it can cut.

Each engine runs in two halves (start, finish) so that the flow can start every nesting before
waiting on any: AlmaCAM and the local solver compute while CloudNest processes drawings and
Boosts. An engine that fails records why in its summary and leaves the others going; the flow
decides at the end whether anything was nested.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol, Self

from prefect import get_run_logger

from blocks.settings import SheetFormat
from flows.engines.intake import Intake
from flows.parameters import BlockNames, InDoubt, MaterialSpec, NestingSettings
from nestflow.almacam.models import View
from nestflow.gate import UnsafeLayouts
from nestflow.geometry.layout import LayoutInfo, SheetLayout, stock_label
from nestflow.geometry.preview import render_layout_png
from nestflow.report import EngineKey, EngineSummary, LayoutRow, layout_file, picture_title
from nestflow.targets import LayoutToCut


@dataclass(frozen=True)
class RunContext:
    """What every engine of a run is given: the job, the checked drawings, stock and settings."""

    job: str
    intake: Intake
    material: MaterialSpec
    sheets: list[SheetFormat]
    nesting: NestingSettings
    view: View = "full"
    #: What to do with a request an earlier run sent but never saw answered (``InDoubt``).
    in_doubt: InDoubt = InDoubt.REFUSE


class FlowEngine(Protocol):
    """One engine's part of a run (registered in :data:`flows.engines.ENGINES`)."""

    #: The engine's name in parameters, summaries, file folders and push records.
    name: ClassVar[EngineKey]
    #: ``start`` waits on its service (started after the engines whose start only submits).
    waits_in_start: ClassVar[bool]
    #: Its summary prices a job (sheets and used length per format) in quote mode.
    quotes: ClassVar[bool]
    summary: EngineSummary

    @classmethod
    def from_blocks(cls, blocks: BlockNames) -> Self:
        """The run with the blocks the run names (credentials)."""

    def start(self, ctx: RunContext) -> None:
        """Trigger the nesting (failures are recorded in ``summary``, never raised)."""

    def finish(self, ctx: RunContext) -> None:
        """Wait, fetch, pass every layout through the safety gate, summarise."""

    def files(self) -> dict[str, bytes]:
        """The gated layout files and their pictures, by :func:`file_name` (what the sheet is)."""

    def layouts_to_cut(self, job: str, files: dict[str, bytes]) -> list[LayoutToCut]:
        """The gated layouts as they go to a machine."""


def sheet_info(ctx: RunContext, row: LayoutRow) -> LayoutInfo:
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


def identified(summary: EngineSummary, ctx: RunContext) -> EngineSummary:
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
        get_run_logger().warning("%s", sentence)
    if missing:
        summary = summary.model_copy(update={"errors": summary.errors + missing})
    return summary, pictures


def failure_lines(exc: Exception) -> list[str]:
    """An engine's failure as lines a person can act on (gate refusals list every problem)."""
    if isinstance(exc, UnsafeLayouts):
        return [f"{exc.engine}: layouts refused by the safety gate", *exc.lines()]
    return [str(exc)]


def failed(
    engine: EngineKey,
    reference: str | None,
    lines: list[str],
    earlier: list[str] | None = None,
) -> EngineSummary:
    """The summary of an engine that stopped (logged), after ``earlier`` errors."""
    get_run_logger().error("%s failed: %s", engine, lines[0] if lines else "no reason given")
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
