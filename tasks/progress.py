"""Progress artifacts shown on a run's page while it waits on a service; stopping those waits.

Every task that waits on a vendor imports this module, which wires the process so that a
cancelled flow run, SIGTERM or Ctrl-C stops every wait within a second or so
(:func:`wire_cancellation`). How Prefect 3.9.1 stops a run, and why waits need their own flag:

* Cancelling a flow run: the runner (process worker or ``serve``) tells the child over its
  control channel, then sends SIGTERM to the flow-run process (``prefect/runner/
  _process_manager.py``). During a flow run Prefect's own SIGTERM handler is installed
  (``capture_sigterm`` in ``prefect/utilities/engine/__init__.py``); it raises
  ``TerminationSignal`` in the main thread.
* A task called directly in a sync flow runs in the main thread, so that exception reaches its
  sleep at once. A task started with ``.submit()``/``.map()`` runs in a ``ThreadPoolTaskRunner``
  thread, which no signal reaches: while unwinding, the flow engine leaves the task runner, whose
  ``cancel_all()`` only sets per-task events the running task cannot see and then joins the pool
  (``executor.shutdown``), so the process waits for that thread's wait to end by itself.
* Ctrl-C raises ``KeyboardInterrupt`` in the main thread only, with the same join afterwards.

So the process keeps one cancel flag (:mod:`nestflow.waiting`) that every wait looks at, and this
module sets it from the signals themselves: Prefect's SIGTERM bridge is wrapped (it stays the
handler Prefect installs and checks for), and handlers for SIGTERM and SIGINT outside flow runs
set the flag before doing what the previous handler did.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import signal
import threading
from collections.abc import Callable
from typing import Any

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from nestflow.report.escape import markdown_text
from nestflow.waiting import active_waits, cancel_waits_from_signal, cancelled, check_cancelled

log = logging.getLogger("nestflow.tasks")

#: Marks a handler of ours (wrapped Prefect bridge, or our own signal handler).
_MARK = "_nestflow_stops_waits"
_wiring_lock = threading.Lock()


def progress_key(text: str) -> str:
    """An artifact key (lowercase letters, digits, dashes) naming what is waited for."""
    return "wait-" + (re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "service")[:80]


class Progress:
    """One progress artifact (0-100 %) updated in place while a wait goes on.

    The artifact is keyed by what is waited for (``wait-cloudnest-boost-job-12``): the Prefect
    UI titles a progress card by its key, so a keyless bar reads only "Progress: 100%". Its
    description says which service is computing what, and the latest state seen.

    Every update first looks at the process's cancel flag, so a wait whose sleep reports progress
    (AlmaCAM's wait for the order's ``time``) stops when the run is cancelled.

    Args:
        service: Who is waited for ("CloudNest", "AlmaCAM", "Machine").
        what: What it is doing ("Boost nesting of job 12").
    """

    def __init__(self, service: str, what: str) -> None:
        # The description is markdown in the UI; ``what`` and notes carry vendor ids and states.
        self.description = f"Waiting for {service}: {markdown_text(what)}"
        self.key = progress_key(f"{service} {what}")
        self._last = -1.0
        self._id = create_progress_artifact(
            progress=0.0, key=self.key, description=f"{self.description} (started)"
        )

    def update(self, fraction: float, note: str | None = None) -> None:
        """Move the bar to ``fraction`` (0..1); unchanged values are not sent again.

        Raises:
            WaitCancelled: The process cancelled its waits (the wait names what it leaves).
        """
        check_cancelled()
        percent = round(100.0 * min(1.0, max(0.0, fraction)), 1)
        if percent == self._last:
            return
        self._last = percent
        text = f"{self.description}: {markdown_text(note)}" if note else self.description
        update_progress_artifact(artifact_id=self._id, progress=percent, description=text)

    def done(self, note: str = "done") -> None:
        """Fill the bar."""
        self.update(1.0, note)


# --------------------------------------------------------------------------- stopping waits


def wire_cancellation() -> None:
    """Make a cancelled flow run, SIGTERM and Ctrl-C stop every wait of this process.

    Idempotent; called when this module is imported. Signal handlers can only be installed from
    the main thread: imported elsewhere, only Prefect's SIGTERM bridge is wrapped (it is what
    flow runs install).
    """
    with _wiring_lock:
        _wrap_prefect_bridge()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                _install(signum)


def _wrap_prefect_bridge() -> None:
    """Have Prefect's SIGTERM handler set the cancel flag before it raises TerminationSignal.

    Prefect installs ``prefect.utilities.engine._prefect_sigterm_handler`` for the length of a
    flow run and compares the installed handler with that name to decide whether it may accept a
    runner's cancel intent; both look the name up when they run, so replacing it with a wrapper
    keeps them consistent. Left alone while a flow run holds the old one and this is not the main
    thread (it could not be swapped in place), and when Prefect no longer has that name.
    """
    try:
        from prefect.utilities import engine as prefect_engine
    except ImportError:  # pragma: no cover - prefect moved it; waits still stop on our signals
        return
    original = getattr(prefect_engine, "_prefect_sigterm_handler", None)
    bridge_lock = getattr(prefect_engine, "_prefect_sigterm_bridge_lock", None)
    if original is None or bridge_lock is None or getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def bridge(sig_num: int, *args: Any) -> Any:
        cancel_waits_from_signal(_name(sig_num))
        return original(sig_num, *args)

    setattr(bridge, _MARK, True)
    with bridge_lock:
        live = signal.getsignal(signal.SIGTERM) is original
        if live and threading.current_thread() is not threading.main_thread():
            log.debug("a flow run holds Prefect's SIGTERM handler; wrapped for the next one")
            return
        prefect_engine._prefect_sigterm_handler = bridge
        if live:
            signal.signal(signal.SIGTERM, bridge)


def _install(signum: signal.Signals) -> None:
    """Put our handler for ``signum`` in front of the current one (unless it is ignored)."""
    previous = signal.getsignal(signum)
    if previous in (signal.SIG_IGN, None) or getattr(previous, _MARK, False):
        return
    signal.signal(signum, _handler(signum, previous))


def _handler(signum: signal.Signals, previous: Any) -> Callable[[int, Any], Any]:
    """A handler that sets the cancel flag, then does what ``previous`` did.

    With the default action of SIGTERM (end the process at once), a SIGTERM that arrives while
    a wait runs raises ``SystemExit(143)`` in the main thread instead, so that the waits log what
    they leave running and the process ends with the usual status; a second SIGTERM, or one that
    arrives while nothing waits, ends the process at once as before.
    """

    def handle(sig_num: int, frame: Any) -> Any:
        again = cancelled()
        cancel_waits_from_signal(_name(sig_num))
        if callable(previous):
            return previous(sig_num, frame)
        if sig_num == signal.SIGINT:
            raise KeyboardInterrupt
        if again or not active_waits():  # a second SIGTERM, or Prefect re-raising it: end now
            signal.signal(sig_num, signal.SIG_DFL)
            os.kill(os.getpid(), sig_num)
            return None
        raise SystemExit(128 + sig_num)

    setattr(handle, _MARK, True)
    return handle


def _name(sig_num: int) -> str:
    try:
        return signal.Signals(sig_num).name
    except ValueError:
        return f"signal {sig_num}"


wire_cancellation()
