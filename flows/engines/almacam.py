"""AlmaCAM's part of a run: submit the order early, collect the gated layouts later."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from prefect import get_run_logger
from prefect.utilities.annotations import quote

from blocks.credentials import AlmaCamCredentials
from blocks.loading import load_block
from flows.engines.base import (
    RunContext,
    cut_list,
    failed,
    failure_lines,
    identified,
    named_files,
)
from flows.parameters import BlockNames, InDoubt
from nestflow.almacam.errors import AlmaCamValidationError
from nestflow.almacam.layouts import gated_almacam_layouts, unknown_references
from nestflow.almacam.models import FullResult, StatsResult
from nestflow.almacam.orders import OrderBundle
from nestflow.almacam.summary import almacam_summary
from nestflow.gate import UnsafeLayouts
from nestflow.geometry.layout import SheetLayout, write_layout_dxf
from nestflow.intake import CheckedDrawing, without_parts
from nestflow.report import EngineSummary
from nestflow.targets import LayoutToCut
from tasks import almacam


@dataclass
class AlmaCamRun:
    """AlmaCAM's part of a run: submit early, collect later."""

    credentials: AlmaCamCredentials
    bundle: OrderBundle | None = None
    order_id: int | None = None
    result: FullResult | StatsResult | None = None
    layouts: list[SheetLayout] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)
    summary: EngineSummary = field(default_factory=lambda: EngineSummary(engine="almacam"))
    #: Parts AlmaCAM refused for their geometry, left out of the order (one sentence each).
    left_out: list[str] = field(default_factory=list)

    name: ClassVar[str] = "almacam"
    #: ``start`` only submits: started before the engines whose start waits on the service.
    waits_in_start: ClassVar[bool] = False
    #: The ``stats`` view is AlmaCAM's quoting view.
    quotes: ClassVar[bool] = True

    @classmethod
    def from_blocks(cls, blocks: BlockNames) -> AlmaCamRun:
        """The run with the credentials block the run names."""
        return cls(load_block(AlmaCamCredentials, blocks.almacam))

    def start(self, ctx: RunContext) -> None:
        """Build the order from the checked drawings and submit it (once per content).

        A remembered order id is checked against the service first: after a restart it may
        belong to another job, and then the order is submitted again. An earlier submit never
        answered stops the engine unless the run says ``in_doubt=resend``.
        """
        try:
            self.order_id = self._submit(ctx, ctx.intake.drawings)
            if not almacam.order_is_current(self.credentials, self.order_id, quote(self.bundle)):
                resend = ctx.in_doubt is InDoubt.RESEND
                resubmit = almacam.submit_order.with_options(refresh_cache=True)
                self.order_id = resubmit(
                    self.credentials, quote(self.bundle), resend, replacing=self.order_id
                )
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self._fail(exc)

    def _submit(self, ctx: RunContext, drawings: list[CheckedDrawing]) -> int:
        """Build the order of ``drawings`` and submit it; once more without parts AlmaCAM refused.

        When AlmaCAM refuses the order only for the geometry of some of its parts, those parts
        are left out (each named with AlmaCAM's reason in the engine's ``unplaced``, so the run
        does not end green) and the order of the others is submitted.
        """
        nesting = ctx.nesting
        # quote(): big geometry inputs are passed as they are, not walked by Prefect.
        self.bundle = almacam.build_order(
            quote(drawings), ctx.sheets, nesting.time_s, nesting.spacing
        )
        resend = ctx.in_doubt is InDoubt.RESEND
        try:
            return almacam.submit_order(self.credentials, quote(self.bundle), resend)
        except AlmaCamValidationError as exc:
            rejected = exc.rejected_parts(self.bundle.index)
            if rejected is None or self.left_out:
                raise
            parts = self.bundle.index.parts
            self.left_out = [
                f"{parts[part].quantity} x {parts[part].label()} not nested: {reason}; left out"
                for part, reason in rejected.items()
            ]
            names = {(parts[part].source, parts[part].name) for part in rejected}
            kept = without_parts(drawings, names)
            if not kept:
                raise
            get_run_logger().warning(
                "AlmaCAM: %s; the order is submitted again without them", "; ".join(self.left_out)
            )
            return self._submit(ctx, kept)

    def finish(self, ctx: RunContext) -> None:
        """Wait for the result, pass it through the safety gate, read the previews, measure.

        A result that fails the gate fails the engine: no file of it is written, nothing pushed.
        """
        if self.bundle is None or self.order_id is None:
            return
        try:
            self.result = almacam.wait_result(
                self.credentials,
                self.order_id,
                ctx.view,
                quote(self.bundle),
                ctx.nesting.max_wait_s,
            )
            if isinstance(self.result, FullResult):
                self.layouts = gated_almacam_layouts(self.result, self.bundle, ctx.job)
            elif problems := unknown_references(self.result, self.bundle):
                raise UnsafeLayouts("almacam", problems)
            self.images = almacam.fetch_images(
                self.credentials, self.order_id, len(self.result.nestings)
            )
            summary = almacam_summary(self.order_id, self.result, self.bundle)
            summary = summary.model_copy(update={"unplaced": self.left_out + summary.unplaced})
            self.summary = identified(summary, ctx)
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        reference = f"order {self.order_id}" if self.order_id is not None else None
        if isinstance(exc, AlmaCamValidationError):
            lines = [f"{exc.endpoint}: {exc.message}", *exc.describe()]  # names parts and files
        else:
            lines = failure_lines(exc)
        self.summary = failed("almacam", reference, lines)
        self.layouts, self.images = [], []

    def files(self) -> dict[str, bytes]:
        """AlmaCAM's own PNG previews and the nested DXF files (``full`` view only, gated).

        Each DXF says in its header what the sheet is for (job, material, gas, sheet, count).
        """
        rows = self.summary.layouts
        # The ``stats`` view (a quote) has rows and previews but no layouts to write.
        dxf = [
            write_layout_dxf(layout, info=row.info)
            for layout, row in zip(self.layouts, rows, strict=False)
        ]
        return named_files(self.summary, "png", self.images) | named_files(self.summary, "dxf", dxf)

    def layouts_to_cut(self, job: str, files: dict[str, bytes]) -> list[LayoutToCut]:
        """The gated layouts (nested DXF files) as they go to a machine."""
        return cut_list(self.summary, job, files)
