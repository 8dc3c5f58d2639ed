"""The task runner of nestflow's flows: run-long clients; an interrupted run stops its waits.

Every flow passes ``task_runner=RunTaskRunner(...)`` to ``@flow``. Prefect enters a copy of the
flow's task runner when a run starts and leaves it when the run ends, whatever ends it (a return,
an error, a cancel), in the run's own thread: the one hook that frames a run exactly. So:

* Clients: entering opens the run's :class:`~nestflow.tasks.clients.ClientScope` (tasks
  submitted to the runner copy the run's context, so they see it; so do tasks called directly);
  leaving closes the run's clients, after its threads are done with them.
* Waits: how Prefect 3.9.1 stops a run, and why waits need their own flag
  (:mod:`nestflow.waiting`). Cancelling a flow run: the runner (process worker or ``serve``)
  tells the child over its control channel, then sends SIGTERM; during a run Prefect's SIGTERM
  handler (``capture_sigterm`` in ``prefect/utilities/engine``) raises ``TerminationSignal`` in
  the main thread, and Ctrl-C raises ``KeyboardInterrupt`` there. A task called directly runs in
  that thread and its wait sees the exception at once. A task started with ``.submit()`` or
  ``.map()`` runs in a thread of this runner, which no signal reaches; while the exception
  unwinds, the engine leaves the task runner, whose exit joins its pool (``cancel_all()`` only
  sets per-task events a running task cannot see), so the process would wait for that thread's
  wait to end by itself. This runner's exit sees the interruption first and cancels the
  process's waits (:data:`nestflow.waiting.WAITS`), then joins: each wait stops within a second,
  saying what it left running at the vendor.

Prefect's own SIGTERM handler is not touched: it stays the one Prefect checks for before it
accepts a runner's cancel. Prefect's state hooks (``on_cancellation``, ``on_crashed``) would
come too late for either: the engine calls them after it has left the task runner.
"""

from __future__ import annotations

import signal
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Self

from prefect.exceptions import TerminationSignal
from prefect.task_runners import ThreadPoolTaskRunner

from nestflow.tasks.clients import ClientScope, client_scope
from nestflow.waiting import WAITS, WaitCancelled

#: What interrupts a run (rather than failing it): the process is being stopped.
INTERRUPTS: tuple[type[BaseException], ...] = (
    KeyboardInterrupt,
    SystemExit,
    TerminationSignal,
    WaitCancelled,
)


class RunTaskRunner(ThreadPoolTaskRunner[Any]):
    """A thread-pool task runner whose run owns its clients and stops its waits if interrupted.

    The waits cancelled are the process's (:data:`nestflow.waiting.WAITS`): the one flag every
    vendor client looks at. Prefect pickles the flow's runner, before any run enters it, to send
    a run to a subprocess: it holds nothing that cannot be pickled until then.

    Args:
        max_workers: Threads running the run's tasks (Prefect's setting when ``None``).
    """

    def __init__(self, max_workers: int | None = None) -> None:
        super().__init__(max_workers=max_workers)
        self._clients: AbstractContextManager[ClientScope] | None = None

    def __enter__(self) -> Self:
        super().__enter__()
        self._clients = client_scope("this flow run")
        self._clients.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if isinstance(exc_value, INTERRUPTS):
                # Before the join below: the run's threads may be sleeping in a wait.
                WAITS.cancel(_reason(exc_value))
            super().__exit__(exc_type, exc_value, traceback)
        finally:
            clients, self._clients = self._clients, None
            if clients is not None:  # the run's clients, once its threads are done with them
                clients.__exit__(None, None, None)


def _reason(exc: BaseException) -> str:
    """The signal's name for a ``TerminationSignal``, else the exception's type."""
    if isinstance(exc, TerminationSignal):
        try:
            return signal.Signals(exc.signal).name
        except ValueError:
            return f"signal {exc.signal}"
    return type(exc).__name__
