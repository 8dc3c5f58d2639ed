"""The local engine: our own solver (:func:`nestflow.nesting.solve`) beside the services.

A shop can nest with no vendor account at all; it is also a fallback when a service is down and
a yardstick for the vendors' results. The solve runs in a thread (spyrrow releases the GIL), so
the run starts it next to the other engines and collects it later. How the solve is run is the
engine's one step (:class:`LocalSteps`): in a run it is a submitted Prefect task
(``nestflow/tasks/local.py``), elsewhere :class:`InProcessSteps`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import ClassVar, Protocol

from nestflow.engines.base import Engine, EngineContext, EngineResult, EngineSettings, PartOrder
from nestflow.engines.registry import ENGINES, EngineEntry
from nestflow.engines.results import (
    cut_list,
    drawn_pictures,
    failed,
    failure_lines,
    file_name,
    identified,
    named_files,
)
from nestflow.gate import UnsafeLayouts, check_layouts, ordered_parts
from nestflow.geometry.layout import Placement, SheetLayout, write_layout_dxf
from nestflow.intake import order_lines
from nestflow.ledger import order_digest, part_key
from nestflow.nesting.models import NestItem, NestRequest, NestResult, NestSheet, Orientation
from nestflow.nesting.solver import solve
from nestflow.report import EngineSummary, layouts_summary
from nestflow.stock import SheetFormat
from nestflow.targets import LayoutToCut


class Solving(Protocol):
    """A solve under way (a Prefect future is one)."""

    def result(self) -> EngineResult:
        """Wait for the solve; its layouts, or the solver's error raised."""


@dataclass(frozen=True)
class LocalOrder:
    """What the local engine solves: the order's lines onto the sheets, and how long to wait.

    Attributes:
        lines: The parts as ordered.
        sheets: The sheet formats in stock.
        settings: The solver's time and the spacing between parts.
        deadline_s: The longest wait for the solve; beyond it ``TimeoutError``.
    """

    lines: list[PartOrder]
    sheets: list[SheetFormat]
    settings: EngineSettings
    deadline_s: float


class LocalSteps(Protocol):
    """How the local engine's solve is run (``nestflow/tasks/local.py`` submits a task)."""

    def solve(self, order: LocalOrder) -> Solving:
        """Start solving ``order``; returns at once (its result waits ``order.deadline_s``)."""


class LocalSolve:
    """A nesting running in a thread of this process."""

    def __init__(self, lines: list[PartOrder], sheets: list[SheetFormat], request: NestRequest):
        self.lines = lines
        self.sheets = sheets
        self._result: NestResult | None = None
        self._error: BaseException | None = None
        # Not a daemon: a process ending while spyrrow still runs would abort in its Rust code
        # (the interpreter is gone under it); at exit Python waits for the solve, which its own
        # time limit bounds.
        self._thread = threading.Thread(target=self._solve, args=(request,), daemon=False)
        self._thread.start()

    def _solve(self, request: NestRequest) -> None:
        try:
            self._result = solve(request)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in fetch_result
            self._error = exc

    def wait_for_completion(self, timeout_s: float) -> None:
        """Wait for the solver thread.

        Raises:
            TimeoutError: The solver did not finish within ``timeout_s``.
        """
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            raise TimeoutError(f"the local solver did not finish within {timeout_s:g} s")

    def fetch_result(self) -> EngineResult:
        """The layouts, with the parts as ordered; copies left out named with the reason.

        Raises:
            NestingError: The solver refused the input or failed (the message says why).
        """
        self.wait_for_completion(0.0)
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return to_engine_result(self._result, self.lines, self.sheets)


def start_solve(
    lines: list[PartOrder], sheets: list[SheetFormat], settings: EngineSettings
) -> LocalSolve:
    """Start solving ``lines`` onto ``sheets`` in a thread; returns at once."""
    return LocalSolve(lines, sheets, nest_request(lines, sheets, settings))


@dataclass
class _Waited:
    """A thread's solve, waited for at most ``deadline_s`` when its result is asked for."""

    solve: LocalSolve
    deadline_s: float

    def result(self) -> EngineResult:
        self.solve.wait_for_completion(self.deadline_s)
        return self.solve.fetch_result()


class InProcessSteps:
    """The solve in a thread of this process, no Prefect (what the task runs, and tests)."""

    def solve(self, order: LocalOrder) -> Solving:
        """Start the solver thread; its result is waited for at most ``order.deadline_s``."""
        return _Waited(start_solve(order.lines, order.sheets, order.settings), order.deadline_s)


class LocalEngine(Engine):
    """Our solver as an engine: submitted at the start, gated and drawn at the finish.

    Args:
        steps: How the solve is run (default: a thread of this process).
    """

    entry: ClassVar[EngineEntry] = ENGINES["local"]

    def __init__(self, steps: LocalSteps | None = None) -> None:
        self.steps: LocalSteps = steps or InProcessSteps()
        self.summary = EngineSummary(engine=self.name)
        self.lines: list[PartOrder] = []
        self.layouts: list[SheetLayout] = []
        #: The layouts' pictures by index (drawn once the summary is known; best effort).
        self.pictures: dict[int, bytes] = {}
        self._solving: Solving | None = None

    def start(self, ctx: EngineContext) -> None:
        """Start the solve (it runs while the services compute)."""
        nesting = ctx.nesting
        self.lines = order_lines(ctx.intake.drawings)
        settings = EngineSettings(time_s=nesting.time_s, spacing=nesting.spacing)
        order = LocalOrder(self.lines, ctx.sheets, settings, nesting.max_wait_s)
        try:
            self._solving = self.steps.solve(order)
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self.summary = failed(self.name, None, failure_lines(exc))

    def finish(self, ctx: EngineContext) -> None:
        """Collect the layouts, pass them through the safety gate, draw their pictures."""
        if self._solving is None:
            return
        try:
            result = self._solving.result()
            ordered = ordered_parts((line.part, line.quantity) for line in self.lines)
            problems = check_layouts(result.layouts, ordered)
            if problems:
                raise UnsafeLayouts(self.name, problems)
            self.layouts = result.layouts
            self.summary = identified(self._summary(ctx, result), ctx)
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self.summary = failed(self.name, None, failure_lines(exc))
            self.layouts = []
            return
        count = len(self.layouts)
        self.summary, self.pictures = drawn_pictures(self.summary, count, self.layouts.__getitem__)

    def _summary(self, ctx: EngineContext, result: EngineResult) -> EngineSummary:
        """The gated layouts measured, their ids naming the order's content."""
        names = {(s.length, s.height): s.label for s in ctx.sheets}
        # Layout ids name the order's content: a later round of the job (other drawings or
        # quantities) never reuses an id, so its pushes are never taken for earlier ones.
        content = order_digest(
            {part_key(x.part.sha256, x.part.name): x.quantity for x in self.lines}
        )
        return EngineSummary(
            engine=self.name,
            reference=f"local {ctx.job}",
            layouts=layouts_summary(self.name, f"local-{content}", result.layouts, names),
            unplaced=result.unplaced,
        )

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


def nest_request(
    lines: list[PartOrder], sheets: list[SheetFormat], settings: EngineSettings
) -> NestRequest:
    """The solver's request: item ``i`` is line ``i``, sheet ``j`` is format ``j``."""
    items = [
        NestItem(
            id=index,
            outer=line.part.outer.points(),
            holes=[hole.points() for hole in line.part.holes],
            quantity=line.quantity,
            orientations=[
                Orientation(angle=angle, flip=flip)
                for angle in line.rotations
                for flip in ((False, True) if line.flip else (False,))
            ],
            spacing=settings.spacing,
        )
        for index, line in enumerate(lines)
    ]
    stock = [
        NestSheet(
            id=index,
            length=sheet.length,
            height=sheet.height,
            quantity=sheet.quantity,
            border_gap=(sheet.border_gap,) * 4,
        )
        for index, sheet in enumerate(sheets)
    ]
    return NestRequest(items=items, sheets=stock, time_limit=settings.time_s)


def to_engine_result(
    result: NestResult, lines: list[PartOrder], sheets: list[SheetFormat]
) -> EngineResult:
    """Solver nestings as sheet layouts of the ordered parts."""
    layouts = []
    for index, nesting in enumerate(result.nestings):
        sheet = sheets[nesting.sheet_id]
        layouts.append(
            SheetLayout(
                name=f"Layout {index + 1}",
                sheet_length=sheet.length,
                sheet_height=sheet.height,
                used_length=min(nesting.length, sheet.length),
                placements=tuple(
                    Placement(part=lines[p.item_id].part, angle=p.angle, flip=p.flip, x=p.x, y=p.y)
                    for p in nesting.placements
                ),
                quantity=nesting.quantity,
                border_gap=(sheet.border_gap,) * 4,
            )
        )
    unplaced = [
        f"{u.count} x part '{lines[u.item_id].part.name}' from {lines[u.item_id].part.source} "
        f"not nested: {u.reason}"
        for u in result.unplaced
    ]
    return EngineResult(layouts=layouts, unplaced=unplaced)
