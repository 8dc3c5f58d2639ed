"""Waits that can be cancelled: the process's cancel flag, and sleeps that watch it.

A run waits on the vendors for minutes (an AlmaCAM order's ``time``, a CloudNest Boost, a machine
cutting). Every such sleep goes through :func:`interruptible_sleep`: it sleeps in slices of at
most :data:`SLICE_S` seconds and raises :class:`WaitCancelled` as soon as :func:`cancel_waits` was
called, whichever thread sleeps.

Why a flag of its own: a signal reaches only the main thread (Ctrl-C's ``KeyboardInterrupt``,
Prefect's ``TerminationSignal`` for SIGTERM or a cancelled flow run), but a run's waits mostly
sleep in the threads of its task runner, which the interpreter, or the flow engine leaving the
task runner, joins before the process can end: one forgotten wait holds the process up for as
long as it waits. So each wait looks at one flag, and whoever sees the interruption sets it.

The flag is an object, :class:`Waits`, with one instance per process, :data:`WAITS`; the functions
of this module are its methods (``cancel_waits`` is ``WAITS.cancel``). One per process on purpose:
a cancelled run, SIGTERM or Ctrl-C ends the whole process, and the waits of every thread must end
with it; the vendor clients look it up here rather than being handed it through every call.
Nothing sets it at import. Who sets it:

* a flow run's task runner (``tasks/run_scope.py``), when the run is interrupted: it sets the
  flag before it joins the run's threads;
* :func:`install_cancellation`, called by a program that waits outside a flow run: its SIGTERM
  and SIGINT handlers set the flag (with :meth:`Waits.cancel_from_signal`, which takes no lock;
  sleepers then notice within one slice);
* :func:`waiting_for`, when an interrupt is raised in the waiting thread itself;
* any embedding program (:func:`cancel_waits`).

A wait runs its loop inside :func:`waiting_for`, which names the vendor object the wait leaves
running: a cancellation becomes a :class:`WaitCancelled` whose message says what is still running
at the vendor (also logged as a warning), and an interrupt raised in the waiting thread itself
(Ctrl-C's ``KeyboardInterrupt``, ``SystemExit``, Prefect's ``TerminationSignal``) is logged the
same way, tells the other waits to stop, and is re-raised unchanged.

The flag stays set: the process is expected to end. :func:`reset_waits` clears it (tests, or a
long-lived program that handled the interruption and goes on).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: Longest single sleep (s): a wait looks at the cancel flag at least this often.
SLICE_S = 1.0

#: Marks a signal handler installed by :meth:`Waits.install_signal_handlers`.
_MARK = "_nestflow_stops_waits"


class WaitCancelled(BaseException):  # noqa: N818 - reads as what happened, like KeyboardInterrupt
    """A wait was stopped because the run is being cancelled or the process stopped.

    A ``BaseException`` like ``KeyboardInterrupt``: a cancellation must not be taken for a failed
    step by ``except Exception`` handlers that carry on with the next step.

    Attributes:
        reason: Why waits were cancelled (``"SIGTERM"``, ``"SIGINT"``, ``"cancelled"``...).
        left_running: The vendor object still running that the wait was for (``None`` when the
            sleep was not part of a named wait).
    """

    def __init__(self, message: str, *, reason: str, left_running: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.left_running = left_running

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (str(self), self.reason, self.left_running))


def _rebuild(message: str, reason: str, left_running: str | None) -> WaitCancelled:
    """A :class:`WaitCancelled` unpickled (its constructor takes keyword arguments)."""
    return WaitCancelled(message, reason=reason, left_running=left_running)


class Silence:
    """How long a service has given no answer at all; any answer (even a 5xx) ends a silence.

    A silence starts when the first request after the last answer was sent, so its length is how
    long the service was tried without a word back. Thread-safe enough to be shared by the
    threads of one client (each update is one assignment).

    Args:
        limit: Seconds of silence after which the service counts as unreachable (> 0).
        clock: Monotonic clock in seconds.
    """

    def __init__(self, limit: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit <= 0:
            raise ValueError(f"the unreachable limit must be > 0 seconds, got {limit}")
        self.limit = limit
        self._clock = clock
        self._since: float | None = None
        self.attempts = 0
        self.last = ""

    def answered(self) -> None:
        """The service answered: the silence is over."""
        self._since = None
        self.attempts = 0

    def unanswered(self, sent_at: float, failure: str) -> None:
        """A request sent at ``sent_at`` (on this silence's clock) got no answer.

        Args:
            sent_at: When that request was sent.
            failure: What happened (``"ConnectError: ..."``), for the error message.
        """
        if self._since is None:
            self._since = sent_at
        self.attempts += 1
        self.last = failure

    def seconds(self) -> float:
        """How long the service has given no answer (0 when it answered last)."""
        since = self._since
        return 0.0 if since is None else max(0.0, self._clock() - since)

    def left(self) -> float:
        """Seconds of silence still allowed before the service counts as unreachable."""
        return self.limit - self.seconds() if self._since is not None else self.limit

    def exceeded(self) -> bool:
        """Whether the service has given no answer for the whole limit."""
        return self._since is not None and self.seconds() >= self.limit


class Waits:
    """A cancel flag that stops waits, the sleeps that watch it, and the count of running waits.

    The process's waits share one instance, :data:`WAITS` (see the module's docstring for why);
    another instance is independent of it (tests build their own).
    """

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._reason: str | None = None
        self._active = 0
        self._active_lock = threading.Lock()

    def cancel(self, reason: str = "cancelled") -> None:
        """Stop every wait: sleeping ones wake at once, later ones stop at once.

        Not for signal handlers (it takes a lock): use :meth:`cancel_from_signal` there.

        Args:
            reason: Why, for the messages (the first reason given is kept).
        """
        self.cancel_from_signal(reason)
        self._wake.set()

    def cancel_from_signal(self, reason: str) -> None:
        """Like :meth:`cancel`, but safe inside a signal handler (sets a flag, takes no lock).

        Sleepers notice within one :data:`SLICE_S` slice instead of at once.

        Args:
            reason: Why, for the messages (the first reason given is kept).
        """
        if self._reason is None:
            self._reason = reason

    def cancelled(self) -> bool:
        """Whether the waits were cancelled."""
        return self._reason is not None

    def reason(self) -> str | None:
        """Why the waits were cancelled (``None`` when they were not)."""
        return self._reason

    def active(self) -> int:
        """How many :meth:`waiting_for` blocks are running now, in all threads (no lock taken)."""
        return self._active

    def reset(self) -> None:
        """Clear the flag (tests, or a program that handled the interruption and goes on)."""
        self._reason = None
        self._wake.clear()

    def check(self) -> None:
        """Raise :class:`WaitCancelled` if the waits were cancelled; otherwise return at once.

        Raises:
            WaitCancelled: The waits were cancelled (the message names no vendor object; the
                enclosing :meth:`waiting_for` adds it).
        """
        reason = self._reason
        if reason is not None:
            raise WaitCancelled(f"wait cancelled ({reason})", reason=reason)

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds``, waking at least every :data:`SLICE_S` s to look at the flag.

        A signal interrupts it in the main thread as it would ``time.sleep``.

        Raises:
            WaitCancelled: The waits were cancelled before or during the sleep.
        """
        end = time.monotonic() + max(0.0, seconds)
        while True:
            self.check()
            left = end - time.monotonic()
            if left <= 0:
                return
            self._wake.wait(min(left, SLICE_S))

    @contextmanager
    def waiting_for(self, what: str, left_running: str, logger: logging.Logger) -> Iterator[None]:
        """Run a wait's loop; a cancellation or an interrupt names what it leaves running.

        Args:
            what: What is waited for (``"nesting of job 12"``).
            left_running: The vendor object that goes on running when the wait stops
                (``"AlmaCAM order 12 at http://..."``).
            logger: Where the warning goes.

        Raises:
            WaitCancelled: The wait was cancelled; its message names ``left_running``.
            BaseException: ``KeyboardInterrupt``, ``SystemExit`` or another interrupt raised in
                the waiting thread, unchanged after the warning (other waits are told to stop).
        """
        with self._active_lock:
            self._active += 1
        try:
            yield
        except WaitCancelled as exc:
            if exc.left_running is not None:
                raise  # an inner wait already named what it left running
            message = left_running_message(what, left_running, exc.reason)
            logger.warning(message)
            raise WaitCancelled(message, reason=exc.reason, left_running=left_running) from None
        except Exception:
            raise
        except BaseException as exc:  # KeyboardInterrupt, SystemExit, Prefect's TerminationSignal
            reason = self._reason or type(exc).__name__  # the signal's name when a handler set it
            self.cancel(reason)
            message = left_running_message(what, left_running, reason)
            logger.warning(message)
            exc.add_note(message)
            raise
        finally:
            with self._active_lock:
                self._active -= 1

    def install_signal_handlers(self) -> None:
        """Have SIGTERM and Ctrl-C (SIGINT) set this flag, then do what they did before.

        For a program that waits outside a flow run (a script, an embedding program); a flow run
        needs none: its task runner sets the flag when the run is interrupted. Idempotent. A
        handler installed by Prefect (a flow run is going on) is left alone: Prefect checks that
        its own handler is installed before it accepts a runner's cancel, and the run's task
        runner stops the waits. Does nothing outside the main thread (signal handlers can only be
        installed there) and for a signal that is ignored.
        """
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(signum)
            if previous in (signal.SIG_IGN, None) or getattr(previous, _MARK, False):
                continue
            if getattr(previous, "__module__", "").partition(".")[0] == "prefect":
                continue
            signal.signal(signum, self._handler(previous))

    def _handler(self, previous: Any) -> Callable[[int, Any], Any]:
        """A handler that sets the flag, then does what ``previous`` did.

        With the default action of SIGTERM (end the process at once), a SIGTERM that arrives
        while a wait runs raises ``SystemExit(143)`` in the main thread instead, so that the
        waits log what they leave running and the process ends with the usual status; a second
        SIGTERM, or one that arrives while nothing waits, ends the process at once as before.
        """

        def handle(sig_num: int, frame: Any) -> Any:
            again = self.cancelled()
            self.cancel_from_signal(_signal_name(sig_num))
            if callable(previous):
                return previous(sig_num, frame)
            if sig_num == signal.SIGINT:
                raise KeyboardInterrupt
            if again or not self.active():  # a second SIGTERM, or nothing waits: end now
                signal.signal(sig_num, signal.SIG_DFL)
                os.kill(os.getpid(), sig_num)
                return None
            raise SystemExit(128 + sig_num)

        setattr(handle, _MARK, True)
        return handle


def _signal_name(sig_num: int) -> str:
    try:
        return signal.Signals(sig_num).name
    except ValueError:
        return f"signal {sig_num}"


#: The process's waits: every vendor client's sleeps look at this flag.
WAITS = Waits()

# The process's flag as functions (the vendor clients and the tests call these); one bound
# method each, so ``sleep is interruptible_sleep`` holds.
cancel_waits = WAITS.cancel
cancel_waits_from_signal = WAITS.cancel_from_signal
cancelled = WAITS.cancelled
cancel_reason = WAITS.reason
active_waits = WAITS.active
reset_waits = WAITS.reset
check_cancelled = WAITS.check
interruptible_sleep = WAITS.sleep
waiting_for = WAITS.waiting_for
install_cancellation = WAITS.install_signal_handlers


def cancellable(sleep: Callable[[float], None]) -> Callable[[float], None]:
    """``sleep`` with ``time.sleep`` swapped for :func:`interruptible_sleep`.

    The swap changes nothing until waits are cancelled. Other sleep functions (tests' fakes,
    progress reporters) are kept: the waits look at the cancel flag after each call to them.
    """
    return interruptible_sleep if sleep is time.sleep else sleep


def left_running_message(what: str, left_running: str, reason: str) -> str:
    """The one sentence that says a wait stopped and what it left running at the vendor."""
    return (
        f"stopped waiting for {what} ({reason}); left running at the vendor: {left_running} "
        f"(it was not stopped there)"
    )


__all__ = [
    "SLICE_S",
    "WAITS",
    "Silence",
    "WaitCancelled",
    "Waits",
    "active_waits",
    "cancel_reason",
    "cancellable",
    "cancel_waits",
    "cancel_waits_from_signal",
    "cancelled",
    "check_cancelled",
    "install_cancellation",
    "interruptible_sleep",
    "left_running_message",
    "reset_waits",
    "waiting_for",
]
