"""AlmaCAM as an engine: submit the order early, collect the gated layouts later.

:class:`AlmaCamEngine` is AlmaCAM's part of a run (:class:`~nestflow.engines.base.Engine`). Its
calls to the service go through :class:`AlmaCamSteps`, which ``nestflow/tasks/almacam.py``
implements with Prefect tasks (the order submitted at most once per content, its submit written
down before it is sent, retries, progress); this module decides what to do with their answers.
The vendor's specifics live here:

- **Parts refused for their geometry**: when AlmaCAM refuses an order only for some of its parts,
  those are left out (each named in ``unplaced``, so the run does not end green) and the order of
  the others is submitted.
- **Remembered orders**: an order id the steps remember from an earlier run may belong to another
  job after a vendor restart (AlmaCAM numbers orders from 1 again). It is checked at the start
  (:func:`remembered_order_reasons`) and, when it was still computing then, once more on its
  finished result; another job's order is submitted afresh, never used.
- **In-doubt submits**: a submit an earlier run sent but never saw answered may have created a
  billed order nobody can find; the steps refuse to send it again unless the run says
  ``in_doubt=resend``.
- **Pictures**: in production we draw the gated layouts ourselves (parts named, sheet titled);
  a quote has no layouts, so AlmaCAM's own previews are fetched. Either is best effort.

AlmaCAM's view of a result is ``stats`` in a quote (counts, lengths: what a price needs) and
``full`` in production (every placement).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar, Protocol

from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.errors import AlmaCamNotFound, AlmaCamValidationError
from nestflow.almacam.layouts import gated_almacam_layouts, unknown_references
from nestflow.almacam.models import FullResult, StatsResult, View
from nestflow.almacam.orders import OrderBundle, foreign_result_reasons
from nestflow.almacam.previews import MissingPreview, Previews
from nestflow.almacam.summary import almacam_summary
from nestflow.engines import results
from nestflow.engines.base import Engine, EngineContext, EngineSettings
from nestflow.engines.registry import ENGINES, EngineEntry
from nestflow.gate import UnsafeLayouts
from nestflow.geometry.layout import SheetLayout, write_layout_dxf
from nestflow.intake import CheckedDrawing, without_parts
from nestflow.report import EngineSummary
from nestflow.run_options import InDoubt, Mode
from nestflow.stock import SheetFormat
from nestflow.targets import LayoutToCut

LOG = logging.getLogger(__name__)

#: One result of the service: ``full`` (placements) or ``stats`` (counts only).
AlmaCamResult = FullResult | StatsResult


class AlmaCamSteps(Protocol):
    """What the engine asks of the service (the account is the steps'; each call may raise)."""

    def build_order(
        self, drawings: list[CheckedDrawing], sheets: list[SheetFormat], settings: EngineSettings
    ) -> OrderBundle:
        """The order of the drawings' parts on ``sheets`` (raises ``ValueError`` for no part)."""

    def submit(self, bundle: OrderBundle, resend: bool) -> int:
        """The order's id: submitted once per content, a remembered id reused.

        Raises ``AlmaCamValidationError`` when the service refuses it, and refuses to send again
        a submit an earlier run never saw answered unless ``resend``.
        """

    def resubmit(self, bundle: OrderBundle, resend: bool, replacing: int) -> int:
        """Submit the order afresh, the id ``replacing`` being found another order's."""

    def answered_since(self, bundle: OrderBundle, order_id: int, since: datetime) -> bool:
        """Whether ``order_id`` answered a submit of this order sent at or after ``since``."""

    def order_is_current(self, order_id: int, bundle: OrderBundle) -> bool:
        """Whether a remembered ``order_id`` still holds this order.

        See :func:`remembered_order_reasons`; an order still computing counts as current.
        """

    def wait_result(
        self, order_id: int, view: View, bundle: OrderBundle, deadline_s: float
    ) -> AlmaCamResult:
        """Wait until the order is no longer computing and read its ``view``."""

    def fetch_previews(self, order_id: int, count: int) -> Previews:
        """The PNG previews of the order's ``count`` nestings, best effort (never raises)."""


def remembered_order_reasons(
    client: AlmaCamClient, order_id: int, bundle: OrderBundle
) -> list[str]:
    """Why the order AlmaCAM holds under ``order_id`` is not ``bundle`` (empty when it is).

    Read from the cheap ``stats`` view (ids, counts, areas:
    :func:`~nestflow.almacam.orders.foreign_result_reasons`). An order still computing, or one that
    failed while being solved, cannot be told apart here and gives no reason: its finished result
    is checked before any use, and the wait reports a failure in the user's terms.
    """
    try:
        answer = client.result(order_id, "stats", index=bundle.index)
    except AlmaCamNotFound:
        return ["the service does not know it"]
    except AlmaCamValidationError:
        return []
    if isinstance(answer, StatsResult):
        return foreign_result_reasons(answer, bundle)
    return []


def view_of(ctx: EngineContext) -> View:
    """AlmaCAM's view of the result: ``stats`` prices a quote, ``full`` gives the layouts."""
    return "stats" if ctx.mode is Mode.QUOTE else "full"


@dataclass(eq=False)
class AlmaCamEngine(Engine):
    """AlmaCAM's part of a run: submit early (``start``), collect later (``finish``).

    Args:
        steps: The calls to the service (``nestflow.tasks.almacam.steps(credentials)`` in a run).
    """

    entry: ClassVar[EngineEntry] = ENGINES["almacam"]

    steps: AlmaCamSteps
    summary: EngineSummary = field(default_factory=lambda: EngineSummary(engine="almacam"))
    bundle: OrderBundle | None = None
    order_id: int | None = None
    result: AlmaCamResult | None = None
    layouts: list[SheetLayout] = field(default_factory=list)
    #: Pictures by 0-based nesting number (those that could be had): drawn by us from the gated
    #: layouts (``full`` view), else AlmaCAM's own PNG previews (``stats`` view).
    images: dict[int, bytes] = field(default_factory=dict, repr=False)
    #: Previews that could not be fetched: each is also a line of the summary's ``errors``.
    missing_previews: list[MissingPreview] = field(default_factory=list)
    #: Parts AlmaCAM refused for their geometry, left out of the order (one sentence each).
    left_out: list[str] = field(default_factory=list)
    #: Whether ``order_id`` was submitted by this run (else remembered from an earlier one).
    fresh: bool = False

    def start(self, ctx: EngineContext) -> None:
        """Build the order from the checked drawings and submit it (once per content).

        A remembered order id is checked against the service first: after a restart it may
        belong to another job, and then the order is submitted again. An earlier submit never
        answered stops the engine unless the run says ``in_doubt=resend``.
        """
        try:
            since = datetime.now(UTC)
            self.order_id = self._submit(ctx, ctx.intake.drawings)
            assert self.bundle is not None  # built by _submit
            self.fresh = self.steps.answered_since(self.bundle, self.order_id, since)
            if not self.fresh and not self.steps.order_is_current(self.order_id, self.bundle):
                self._submit_again(ctx)
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self._fail(exc)

    def _submit_again(self, ctx: EngineContext) -> None:
        """Submit the order afresh, the remembered id being another order's (billed again)."""
        assert self.bundle is not None and self.order_id is not None
        resend = ctx.in_doubt is InDoubt.RESEND
        self.order_id = self.steps.resubmit(self.bundle, resend, replacing=self.order_id)
        self.fresh = True

    def _submit(self, ctx: EngineContext, drawings: list[CheckedDrawing]) -> int:
        """Build the order of ``drawings`` and submit it; once more without parts AlmaCAM refused.

        When AlmaCAM refuses the order only for the geometry of some of its parts, those parts
        are left out (each named with AlmaCAM's reason in the engine's ``unplaced``, so the run
        does not end green) and the order of the others is submitted.
        """
        settings = EngineSettings(time_s=ctx.nesting.time_s, spacing=ctx.nesting.spacing)
        self.bundle = self.steps.build_order(drawings, ctx.sheets, settings)
        try:
            return self.steps.submit(self.bundle, ctx.in_doubt is InDoubt.RESEND)
        except AlmaCamValidationError as exc:
            rejected = exc.rejected_parts(self.bundle.index)
            if rejected is None or self.left_out:
                raise
            parts = self.bundle.index.parts
            self.left_out = [
                f"{parts[part].quantity} x {parts[part].label()} not nested: {reason}; left out"
                for part, reason in rejected.items()
            ]
            kept = without_parts(drawings, {(parts[p].source, parts[p].name) for p in rejected})
            if not kept:
                raise
            LOG.warning(
                "AlmaCAM: %s; the order is submitted again without them", "; ".join(self.left_out)
            )
            return self._submit(ctx, kept)

    def finish(self, ctx: EngineContext) -> None:
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
                LOG.warning(
                    "AlmaCAM order %s remembered for these drawings is not theirs (%s), as its "
                    "finished result shows; submitting the order again",
                    self.order_id,
                    "; ".join(reasons[:5]),
                )
                self._submit_again(ctx)
                self.result = self._wait(ctx)
            self._summarise(ctx, self.result, self.bundle, self.order_id)
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self._fail(exc)
            return
        if self.layouts:
            self._draw_pictures()
        else:
            self._previews(self.order_id, len(self.result.nestings))

    def _wait(self, ctx: EngineContext) -> AlmaCamResult:
        assert self.bundle is not None and self.order_id is not None
        deadline_s = ctx.nesting.max_wait_s
        return self.steps.wait_result(self.order_id, view_of(ctx), self.bundle, deadline_s)

    def _summarise(
        self, ctx: EngineContext, result: AlmaCamResult, bundle: OrderBundle, order_id: int
    ) -> None:
        """The gated layouts (``full`` view) and the summary; raises when the gate refuses.

        A ``stats`` result has no placements to gate, but a part or sheet id this order does not
        have still refuses it (another order's result).
        """
        if isinstance(result, FullResult):
            self.layouts = gated_almacam_layouts(result, bundle, ctx.job)
        elif problems := unknown_references(result, bundle):
            raise UnsafeLayouts("almacam", problems)
        summary = almacam_summary(order_id, result, bundle)
        summary = summary.model_copy(update={"unplaced": self.left_out + summary.unplaced})
        self.summary = results.identified(summary, ctx)

    def _draw_pictures(self) -> None:
        """The gated layouts drawn by us, each part named and the sheet titled.

        What goes to the machine is the gated layout, so its picture is drawn from it rather than
        taken from AlmaCAM's unlabelled preview (which is then not asked for).
        """
        count = len(self.layouts)
        self.summary, self.images = results.drawn_pictures(
            self.summary, count, self.layouts.__getitem__
        )

    def _previews(self, order_id: int, count: int) -> None:
        """Fetch AlmaCAM's previews (a quote has no layouts to draw); nothing fails for them.

        Those missing are named in the summary. The steps never raise for a preview; should
        anything else go wrong in them, the previews are all missing for that reason.
        """
        try:
            previews = self.steps.fetch_previews(order_id, count)
            self.images, self.missing_previews = previews.images, previews.missing
        except Exception as exc:  # noqa: BLE001 - a picture never costs the engine its layouts
            self.images = {}
            self.missing_previews = [
                MissingPreview(
                    order_id=order_id,
                    index=index,
                    endpoint=f"GET /result/{order_id}/image/{index}",
                    reason=f"{type(exc).__name__}: {exc}",
                )
                for index in range(count)
            ]
            for missing in self.missing_previews:
                LOG.warning("%s", missing.sentence())
        if self.missing_previews:
            errors = self.summary.errors + [m.sentence() for m in self.missing_previews]
            self.summary = self.summary.model_copy(update={"errors": errors})

    def _fail(self, exc: Exception) -> None:
        reference = f"order {self.order_id}" if self.order_id is not None else None
        if isinstance(exc, AlmaCamValidationError):
            lines = [f"{exc.endpoint}: {exc.message}", *exc.describe()]  # names parts and files
        else:
            lines = results.failure_lines(exc)
        self.summary = results.failed(self.name, reference, lines)
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
        pictures = {
            results.file_name(self.summary, i, "png"): png for i, png in self.images.items()
        }
        return pictures | results.named_files(self.summary, "dxf", dxf)

    def layouts_to_cut(self, job: str, files: dict[str, bytes]) -> list[LayoutToCut]:
        """The gated layouts (nested DXF files) as they go to a machine."""
        return results.cut_list(self.summary, job, files)
