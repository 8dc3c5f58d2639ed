"""The local engine's part of a run: our solver, in a worker thread beside the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from prefect.utilities.annotations import quote

from flows.engines.base import (
    RunContext,
    cut_list,
    drawn_pictures,
    failed,
    failure_lines,
    file_name,
    identified,
    named_files,
)
from flows.parameters import BlockNames
from nestflow.engines import PartOrder
from nestflow.gate import UnsafeLayouts, check_layouts, ordered_parts
from nestflow.geometry.layout import SheetLayout, write_layout_dxf
from nestflow.intake import order_lines
from nestflow.ledger import order_digest, part_key
from nestflow.report import EngineSummary, layouts_summary
from nestflow.targets import LayoutToCut
from tasks import local


@dataclass
class LocalRun:
    """The local engine's part of a run: our solver, submitted beside the services."""

    name: ClassVar[str] = "local"
    waits_in_start: ClassVar[bool] = False
    #: Its layouts price a job as well as a vendor's (no account needed).
    quotes: ClassVar[bool] = True
    lines: list[PartOrder] = field(default_factory=list)
    future: Any = None
    layouts: list[SheetLayout] = field(default_factory=list)
    #: The layouts' pictures by index (drawn once the summary is known; best effort).
    pictures: dict[int, bytes] = field(default_factory=dict)
    summary: EngineSummary = field(default_factory=lambda: EngineSummary(engine="local"))

    @classmethod
    def from_blocks(cls, blocks: BlockNames) -> LocalRun:
        """The local engine needs no block."""
        return cls()

    def start(self, ctx: RunContext) -> None:
        """Submit the solve (it runs in a worker thread while the services compute)."""
        self.lines = order_lines(ctx.intake.drawings)
        self.future = local.nest_locally.submit(
            quote(self.lines),
            [s.spec() for s in ctx.sheets],
            ctx.nesting.time_s,
            ctx.nesting.spacing,
            ctx.nesting.max_wait_s,
        )

    def finish(self, ctx: RunContext) -> None:
        """Collect the layouts, pass them through the safety gate, draw their pictures."""
        if self.future is None:
            return
        try:
            result = self.future.result()
            ordered = ordered_parts((line.part, line.quantity) for line in self.lines)
            problems = check_layouts(result.layouts, ordered)
            if problems:
                raise UnsafeLayouts("local", problems)
            self.layouts = result.layouts
            names = {(s.length, s.height): s.label for s in ctx.sheets}
            # Layout ids name the order's content: a later round of the job (other drawings or
            # quantities) never reuses an id, so its pushes are never taken for earlier ones.
            content = order_digest(
                {part_key(x.part.sha256, x.part.name): x.quantity for x in self.lines}
            )
            summary = EngineSummary(
                engine="local",
                reference=f"local {ctx.job}",
                layouts=layouts_summary("local", f"local-{content}", result.layouts, names),
                unplaced=result.unplaced,
            )
            self.summary = identified(summary, ctx)
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self.summary = failed("local", None, failure_lines(exc))
            self.layouts = []
            return
        count = len(self.layouts)
        self.summary, self.pictures = drawn_pictures(self.summary, count, self.layouts.__getitem__)

    def files(self) -> dict[str, bytes]:
        """The layout DXF files (gated, what the sheet is in their header) and their pictures."""
        rows = self.summary.layouts
        dxf = [
            write_layout_dxf(layout, info=row.info)
            for layout, row in zip(self.layouts, rows, strict=True)
        ]
        png = {file_name(self.summary, i, "png"): data for i, data in self.pictures.items()}
        return named_files(self.summary, "dxf", dxf) | png

    def layouts_to_cut(self, job: str, files: dict[str, bytes]) -> list[LayoutToCut]:
        """The gated layouts (DXF files) as they go to a machine."""
        return cut_list(self.summary, job, files)
