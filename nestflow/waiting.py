"""Waits that can be cancelled: one process-wide cancel flag, and sleeps that watch it.

A run waits on the vendors for minutes (an AlmaCAM order's ``time``, a CloudNest Boost, a machine
cutting). Every such sleep goes through :func:`interruptible_sleep`: it sleeps in slices of at
most :data:`SLICE_S` seconds and raises :class:`WaitCancelled` as soon as :func:`cancel_waits` was
called, whichever thread sleeps. The flag is process-wide on purpose: a cancelled run, SIGTERM or
Ctrl-C ends the whole process, and waits running in worker threads must end with it (a thread
pool is joined before the process exits, so one forgotten wait holds the process up for as long
as it waits).

Who calls :func:`cancel_waits`: the Prefect layer (``tasks/progress.py``) from its signal wiring,
or any embedding program. A signal handler must call :func:`cancel_waits_from_signal` instead,
which takes no lock; sleepers then notice within one slice.

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
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: Longest single sleep (s): a wait looks at the cancel flag at least this often.
SLICE_S = 1.0

_wake = threading.Event()
_reason: str | None = None
_active = 0
_active_lock = threading.Lock()


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


def cancel_waits(reason: str = "cancelled") -> None:
    """Stop every wait of this process: sleeping ones wake at once, later ones stop at once.

    Not for signal handlers (it takes a lock): use :func:`cancel_waits_from_signal` there.

    Args:
        reason: Why, for the messages (the first reason given is kept).
    """
    cancel_waits_from_signal(reason)
    _wake.set()


def cancel_waits_from_signal(reason: str) -> None:
    """Like :func:`cancel_waits`, but safe inside a signal handler (sets a flag, takes no lock).

    Sleepers notice within one :data:`SLICE_S` slice instead of at once.

    Args:
        reason: Why, for the messages (the first reason given is kept).
    """
    global _reason
    if _reason is None:
        _reason = reason


def cancelled() -> bool:
    """Whether waits of this process were cancelled."""
    return _reason is not None


def active_waits() -> int:
    """How many :func:`waiting_for` blocks are running now, in all threads (no lock taken)."""
    return _active


def cancel_reason() -> str | None:
    """Why waits were cancelled (``None`` when they were not)."""
    return _reason


def reset_waits() -> None:
    """Clear the cancel flag (tests, or a program that handled the interruption and goes on)."""
    global _reason
    _reason = None
    _wake.clear()


def check_cancelled() -> None:
    """Raise :class:`WaitCancelled` if waits were cancelled; otherwise return at once.

    Raises:
        WaitCancelled: Waits were cancelled (the message names no vendor object; the enclosing
            :func:`waiting_for` adds it).
    """
    reason = _reason
    if reason is not None:
        raise WaitCancelled(f"wait cancelled ({reason})", reason=reason)


def interruptible_sleep(seconds: float) -> None:
    """Sleep ``seconds``, waking at least every :data:`SLICE_S` s to look at the cancel flag.

    A signal interrupts it in the main thread as it would ``time.sleep``.

    Raises:
        WaitCancelled: Waits were cancelled before or during the sleep.
    """
    end = time.monotonic() + max(0.0, seconds)
    while True:
        check_cancelled()
        left = end - time.monotonic()
        if left <= 0:
            return
        _wake.wait(min(left, SLICE_S))


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


@contextmanager
def waiting_for(what: str, left_running: str, logger: logging.Logger) -> Iterator[None]:
    """Run a wait's loop; a cancellation or an interrupt names what it leaves running.

    Args:
        what: What is waited for (``"nesting of job 12"``).
        left_running: The vendor object that goes on running when the wait stops
            (``"AlmaCAM order 12 at http://..."``).
        logger: Where the warning goes.

    Raises:
        WaitCancelled: The wait was cancelled; its message names ``left_running``.
        BaseException: ``KeyboardInterrupt``, ``SystemExit`` or another interrupt raised in the
            waiting thread, unchanged after the warning (other waits are told to stop).
    """
    global _active
    with _active_lock:
        _active += 1
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
        reason = _reason or type(exc).__name__  # the signal's name when a handler set the flag
        cancel_waits(reason)
        message = left_running_message(what, left_running, reason)
        logger.warning(message)
        exc.add_note(message)
        raise
    finally:
        with _active_lock:
            _active -= 1


__all__ = [
    "SLICE_S",
    "Silence",
    "WaitCancelled",
    "active_waits",
    "cancel_reason",
    "cancellable",
    "cancel_waits",
    "cancel_waits_from_signal",
    "cancelled",
    "check_cancelled",
    "interruptible_sleep",
    "left_running_message",
    "reset_waits",
    "waiting_for",
]
