"""AlmaCAM's part of a run: submit the order early, collect the gated layouts later."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar

from prefect import get_run_logger
from prefect.utilities.annotations import quote

from blocks.credentials import AlmaCamCredentials
from blocks.loading import load_block
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
from flows.parameters import BlockNames, InDoubt
from nestflow.almacam.errors import AlmaCamValidationError
from nestflow.almacam.layouts import gated_almacam_layouts, unknown_references
from nestflow.almacam.models import FullResult, StatsResult
from nestflow.almacam.orders import OrderBundle, foreign_result_reasons
from nestflow.almacam.previews import MissingPreview
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
    #: Pictures by 0-based nesting number (those that could be had): drawn by us from the gated
    #: layouts (``full`` view), else AlmaCAM's own PNG previews (``stats`` view).
    images: dict[int, bytes] = field(default_factory=dict)
    #: Previews that could not be fetched: each is also a line of the summary's ``errors``.
    missing_previews: list[MissingPreview] = field(default_factory=list)
    summary: EngineSummary = field(default_factory=lambda: EngineSummary(engine="almacam"))
    #: Parts AlmaCAM refused for their geometry, left out of the order (one sentence each).
    left_out: list[str] = field(default_factory=list)
    #: Whether ``order_id`` was submitted by this run (else remembered from an earlier one).
    fresh: bool = False

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
            since = datetime.now(UTC)
            self.order_id = self._submit(ctx, ctx.intake.drawings)
            assert self.bundle is not None  # built by _submit
            self.fresh = almacam.answered_since(self.credentials, self.bundle, self.order_id, since)
            if not self.fresh and not almacam.order_is_current(
                self.credentials, self.order_id, quote(self.bundle)
            ):
                self._submit_again(ctx)
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self._fail(exc)

    def _submit_again(self, ctx: RunContext) -> None:
        """Submit the order afresh, the remembered id being another order's (billed again)."""
        resend = ctx.in_doubt is InDoubt.RESEND
        resubmit = almacam.submit_order.with_options(refresh_cache=True)
        self.order_id = resubmit(
            self.credentials, quote(self.bundle), resend, replacing=self.order_id
        )
        self.fresh = True

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
        """Wait for the result, pass it through the safety gate, measure, picture the layouts.

        A remembered order that was still computing when it was checked at the start is checked
        again once finished: another job's result is not used, the order is submitted afresh
        and that one waited for. A result that fails the gate fails the engine: no file of it
        is written, nothing pushed. Pictures are best effort: one that cannot be drawn or
        fetched is named in the summary's ``errors`` and costs nothing else.
        """
        if self.bundle is None or self.order_id is None:
            return
        try:
            self.result = self._wait(ctx)
            if not self.fresh and (reasons := foreign_result_reasons(self.result, self.bundle)):
                get_run_logger().warning(
                    "AlmaCAM order %s remembered for these drawings is not theirs (%s), as its "
                    "finished result shows; submitting the order again",
                    self.order_id,
                    "; ".join(reasons[:5]),
                )
                self._submit_again(ctx)
                self.result = self._wait(ctx)
            if isinstance(self.result, FullResult):
                self.layouts = gated_almacam_layouts(self.result, self.bundle, ctx.job)
            elif problems := unknown_references(self.result, self.bundle):
                raise UnsafeLayouts("almacam", problems)
            summary = almacam_summary(self.order_id, self.result, self.bundle)
            summary = summary.model_copy(update={"unplaced": self.left_out + summary.unplaced})
            self.summary = identified(summary, ctx)
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self._fail(exc)
            return
        if self.layouts:
            self._draw_pictures()
        else:
            self._previews()

    def _draw_pictures(self) -> None:
        """The gated layouts drawn by us, each part named and the sheet titled.

        What goes to the machine is the gated layout, so its picture is drawn from it rather than
        taken from AlmaCAM's unlabelled preview (which is then not asked for).
        """
        count = len(self.layouts)
        self.summary, self.images = drawn_pictures(self.summary, count, self.layouts.__getitem__)

    def _wait(self, ctx: RunContext) -> FullResult | StatsResult:
        assert self.bundle is not None and self.order_id is not None
        return almacam.wait_result(
            self.credentials, self.order_id, ctx.view, quote(self.bundle), ctx.nesting.max_wait_s
        )

    def _previews(self) -> None:
        """Fetch AlmaCAM's previews (a quote has no layouts to draw); nothing fails for them.

        Those missing are named in the summary. The task never raises for a preview; should
        anything else go wrong in it, the previews are all missing for that reason.
        """
        assert self.result is not None and self.order_id is not None
        count = len(self.result.nestings)
        try:
            previews = almacam.fetch_previews(self.credentials, self.order_id, count)
            self.images, self.missing_previews = previews.images, previews.missing
        except Exception as exc:  # noqa: BLE001 - a picture never costs the engine its layouts
            self.images = {}
            self.missing_previews = [
                MissingPreview(
                    order_id=self.order_id,
                    index=index,
                    endpoint=f"GET /result/{self.order_id}/image/{index}",
                    reason=f"{type(exc).__name__}: {exc}",
                )
                for index in range(count)
            ]
            for missing in self.missing_previews:
                get_run_logger().warning("%s", missing.sentence())
        if self.missing_previews:
            errors = self.summary.errors + [m.sentence() for m in self.missing_previews]
            self.summary = self.summary.model_copy(update={"errors": errors})

    def _fail(self, exc: Exception) -> None:
        reference = f"order {self.order_id}" if self.order_id is not None else None
        if isinstance(exc, AlmaCamValidationError):
            lines = [f"{exc.endpoint}: {exc.message}", *exc.describe()]  # names parts and files
        else:
            lines = failure_lines(exc)
        self.summary = failed("almacam", reference, lines)
        self.layouts, self.images = [], {}

    def files(self) -> dict[str, bytes]:
        """The nested DXF files (``full`` view only, gated) and the pictures.

        Each DXF says in its header what the sheet is for (job, material, gas, sheet, count).
        """
        rows = self.summary.layouts
        # The ``stats`` view (a quote) has rows and previews but no layouts to write.
        dxf = [
            write_layout_dxf(layout, info=row.info)
            for layout, row in zip(self.layouts, rows, strict=False)
        ]
        pictures = {file_name(self.summary, i, "png"): png for i, png in self.images.items()}
        return pictures | named_files(self.summary, "dxf", dxf)

    def layouts_to_cut(self, job: str, files: dict[str, bytes]) -> list[LayoutToCut]:
        """The gated layouts (nested DXF files) as they go to a machine."""
        return cut_list(self.summary, job, files)
