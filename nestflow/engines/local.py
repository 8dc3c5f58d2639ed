"""The local engine: our own solver (:func:`nestflow.nesting.solve`) in this process.

A shop can nest with no vendor account at all; it is also a fallback when a service is down and
a yardstick for the vendors' results. The solve runs in a thread (spyrrow releases the GIL), so
the flow can trigger it next to the other engines and collect it later.
"""

from __future__ import annotations

import threading

from nestflow.engines.base import EngineResult, EngineSettings, PartOrder, SheetSpec
from nestflow.geometry.layout import Placement, SheetLayout
from nestflow.nesting.models import NestItem, NestRequest, NestResult, NestSheet, Orientation
from nestflow.nesting.solver import solve


class LocalEngineRun:
    """A nesting running in a thread of this process."""

    def __init__(self, lines: list[PartOrder], sheets: list[SheetSpec], request: NestRequest):
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


class LocalEngine:
    """Our solver as an engine."""

    name = "local"

    def trigger(
        self, lines: list[PartOrder], sheets: list[SheetSpec], settings: EngineSettings
    ) -> LocalEngineRun:
        """Start solving in a thread; returns at once."""
        return LocalEngineRun(lines, sheets, nest_request(lines, sheets, settings))


def nest_request(
    lines: list[PartOrder], sheets: list[SheetSpec], settings: EngineSettings
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
    result: NestResult, lines: list[PartOrder], sheets: list[SheetSpec]
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
