"""Public entry point of the nesting solver."""

from __future__ import annotations

from collections.abc import Callable

from nestflow.nesting.errors import NestingError
from nestflow.nesting.inputs import prepare_frames, prepare_items, validate_request
from nestflow.nesting.models import NestRequest, NestResult
from nestflow.nesting.sheets import Clock, SheetPlanner
from nestflow.nesting.validation import check_result


def solve(request: NestRequest, progress: Callable[[str], None] | None = None) -> NestResult:
    """Nest the request's items onto its sheets with spyrrow, within ``request.time_limit``.

    Sheets are filled in request order (see :mod:`nestflow.nesting.sheets`); a repeated layout is
    reported once with its ``quantity``. Smaller items are nested inside the holes of larger ones
    unless ``request.part_in_part`` is False (see :mod:`nestflow.nesting.holes`). Copies that fit
    no sheet, or for which no sheet is left, are listed in ``unplaced`` with a reason. The layout
    is checked with :func:`~nestflow.nesting.validation.check_result` before it is returned. Safe
    to call from several threads at once (no shared state); spyrrow releases the GIL while it
    works.

    Args:
        request: Items, sheet formats, time budget in seconds and optional seed.
        progress: Called with short human messages (e.g. "sheet 2: 34 parts, 81.2 %").

    Returns:
        The nestings (sheet layouts with multiplicity) and the unplaced copies.

    Raises:
        NestingInputError: The request is invalid (names the offending item and sheet ids).
        NestingError: The engine failed, or the layout found failed the final check.
    """
    report = progress or _ignore
    try:
        validate_request(request)
        items = prepare_items(request)
        frames = prepare_frames(request, items)
        planner = SheetPlanner(
            items,
            frames,
            Clock(request.time_limit),
            request.seed,
            report,
            part_in_part=request.part_in_part,
        )
        nestings, unplaced = planner.run()
        result = NestResult(nestings=nestings, unplaced=unplaced)
        problems = check_result(request, result)
    except NestingError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a panic or bug must never kill the caller's thread
        raise NestingError(f"nesting failed unexpectedly: {type(exc).__name__}: {exc}") from exc
    if problems:
        raise NestingError("the solver produced an invalid layout: " + "; ".join(problems))
    placed = sum(len(n.placements) * n.quantity for n in result.nestings)
    sheets = sum(n.quantity for n in result.nestings)
    missing = sum(u.count for u in result.unplaced)
    report(f"done: {placed} parts on {sheets} sheets, {missing} unplaced")
    return result


def _ignore(_message: str) -> None:
    """Progress sink used when the caller passes none."""
