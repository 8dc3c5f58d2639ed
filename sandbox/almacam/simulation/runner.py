"""Background solving of AlmaCAM orders: a few worker threads, one order each at a time.

The workers are a thread pool. Stopping the sandbox never waits for a solve (spyrrow cannot be
interrupted): queued orders are dropped and a solve under way finishes without writing, so its
order stays ``computing`` in the store and is solved again when a sandbox restarts on the same
state file (:meth:`OrderRunner.resume`). The pool's threads are not daemons, so the *process* does
wait for that solve before it exits: a daemon thread still inside spyrrow when the interpreter
finalises is unwound through Rust frames and aborts the process ("FATAL: exception not rethrown",
exit 134).

Failures while solving are answered by the result views with HTTP 400 and these codes:

* the solver refuses the input (:class:`~nestflow.nesting.errors.NestingInputError`; validation
  at submission catches what it knows of, so this is a safety net): -996 with the instance ids in
  ``parts`` (and ``sheets`` when the solver names some), or -994 when only sheets are named;
* the solver fails in any other way (its own ``NestingError``, an invalid layout, a Rust panic
  which is a ``BaseException``): -1000, one line naming the order and its parts (in the text and
  in ``parts``) with the first line of the failure; a panic's backtrace goes to the log only;
* anything else going wrong around the solver (conversion, storage): -4000.

Copies that cannot be placed are *not* a failure: a part that fits no sheet in any allowed
orientation, or copies left when the sheets run out, come back in a 200 result listing them in
``unplaced_parts`` (see :mod:`sandbox.almacam.simulation.conversion`).

The server itself never goes down with an order: only ``KeyboardInterrupt`` and ``SystemExit``
escape a worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from nestflow.almacam.models import ErrorItem
from nestflow.nesting import solve
from nestflow.nesting.errors import NestingInputError
from nestflow.nesting.models import NestRequest, NestResult, Unplaced
from nestflow.sandbox.almacam.gateway.answers import ErrorCode, error_body, error_item, one_line
from nestflow.sandbox.almacam.simulation.conversion import full_result, order_to_request
from nestflow.sandbox.almacam.state.store import OrderStore

log = logging.getLogger(__name__)

#: The solver entry point (a parameter so that a test can make the engine fail on purpose).
Solver = Callable[[NestRequest], NestResult]


#: Instance ids named in the text of an engine failure; ``parts`` lists them all.
NAMED_PARTS = 3


class EngineFailure(Exception):
    """The nesting engine failed on an order for a reason other than its input.

    Attributes:
        part_ids: Instance ids of the parts the engine was nesting.
    """

    def __init__(self, message: str, part_ids: list[int]) -> None:
        super().__init__(message)
        self.part_ids = part_ids


def engine_error_item(order_id: int, failure: EngineFailure) -> ErrorItem:
    """The vendor error (-1000) of an engine failure: one line naming the order and its parts."""
    ids = failure.part_ids
    named = ", ".join(str(i) for i in ids[:NAMED_PARTS])
    more = f" and {len(ids) - NAMED_PARTS} more" if len(ids) > NAMED_PARTS else ""
    parts = f"part {named}" if len(ids) == 1 else f"parts {named}{more}"
    return error_item(
        ErrorCode.ENGINE_UNEXPECTED,
        f"Unexpected error in the engine on order {order_id} ({parts}): {one_line(str(failure))}",
        parts=ids,
    )


def input_error_item(exc: NestingInputError) -> ErrorItem:
    """The vendor error for an order the solver refuses."""
    sheets_only = bool(exc.sheet_ids) and not exc.item_ids
    code = ErrorCode.INVALID_SHEET if sheets_only else ErrorCode.INVALID_GEOMETRY
    return error_item(code, exc.message, parts=exc.item_ids, sheets=exc.sheet_ids)


def without_engine(request: NestRequest) -> NestResult | None:
    """The result of a request with nothing to nest or nowhere to nest it, else ``None``.

    Pre-nestings can take every copy of an order, or every sheet of it.
    """
    if not request.items:
        return NestResult(nestings=[], unplaced=[])
    if not request.sheets:
        reason = "no sheet is left once the pre-nestings are laid out"
        return NestResult(
            nestings=[],
            unplaced=[
                Unplaced(item_id=i.id, count=i.quantity, reason=reason) for i in request.items
            ],
        )
    return None


class OrderRunner:
    """Solves stored orders in the background, ``workers`` at a time.

    Args:
        store: Where orders are read from and results written to.
        time_scale: Maps an order's ``time`` to the solving budget in seconds.
        workers: Orders solved at the same time.
        solver: The nesting engine.
    """

    def __init__(
        self,
        store: OrderStore,
        time_scale: Callable[[float], float],
        workers: int = 2,
        solver: Solver = solve,
    ) -> None:
        self._store = store
        self._time_scale = time_scale
        self._solver = solver
        self._closed = False
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="almacam-solver")
        self._pending: set[Future[None]] = set()

    def submit(self, order_id: int) -> None:
        """Queue a stored, computing order for solving (ignored once closed: it stays computing)."""
        if self._closed:
            return
        try:
            future = self._pool.submit(self.run, order_id)
        except RuntimeError:  # closed between the check and the submit: the same as closed
            log.debug("AlmaCAM sandbox: order %s arrived while stopping; left computing", order_id)
            return
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def resume(self) -> list[int]:
        """Queue every order still marked computing (after a restart); return their ids."""
        ids = self._store.computing_ids()
        for order_id in ids:
            self.submit(order_id)
        return ids

    def close(self) -> None:
        """Stop taking orders and drop the queued ones; solves under way are abandoned.

        Returns at once; every order not finished stays ``computing``.
        """
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
        if solving := sum(f.running() for f in list(self._pending)):
            # Said, because the process then seems to hang: it cannot exit before they end.
            log.warning(
                "AlmaCAM sandbox stopped; %d solve(s) under way end within their time budget "
                "before the process can exit (a solve cannot be interrupted)",
                solving,
            )

    def run(self, order_id: int) -> None:
        """Solve one stored order and record its result or error; never raises."""
        try:
            stored = self._store.get(order_id)
            if stored is None:
                return
            conversion = order_to_request(stored.order, self._time_scale(stored.order["time"]))
            result = without_engine(conversion.request) or self._engine(conversion.request)
            body = full_result(result, conversion).model_dump(mode="json", exclude_none=True)
            if not self._closed:
                self._store.complete(order_id, body)
        except NestingInputError as exc:
            self._fail(order_id, input_error_item(exc))
        except EngineFailure as exc:
            log.error("AlmaCAM sandbox: the nesting engine failed on order %s: %s", order_id, exc)
            self._fail(order_id, engine_error_item(order_id, exc))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:
            log.exception("AlmaCAM sandbox: order %s failed outside the engine", order_id)
            self._fail(order_id, error_item(ErrorCode.UNEXPECTED, "Unexpected error"))

    def _engine(self, request: NestRequest) -> NestResult:
        """Run the solver; any failure but refused input becomes :class:`EngineFailure`."""
        try:
            return self._solver(request)
        except (NestingInputError, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a Rust panic is a BaseException
            ids = [item.id for item in request.items]
            raise EngineFailure(f"{type(exc).__name__}: {exc}", ids) from exc

    def _fail(self, order_id: int, error: ErrorItem) -> None:
        if self._closed:
            return
        try:
            self._store.fail(order_id, error_body([error]))
        except Exception:  # the store itself is broken: nothing left to record it in
            log.exception("AlmaCAM sandbox: order %s could not be marked failed", order_id)
