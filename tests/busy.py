"""A busy machine on demand: processes that spin on the CPU until they are stopped.

The first hour of a user is often on a loaded machine (a shared office PC, a CI box): the tests of
what must hold there load this one with :func:`busy_processes` (or the :func:`busy_machine`
fixture) rather than assume a quiet box.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

#: The load the issue's measurements started from (8-20 runnable processes on 2 cores).
DEFAULT_BUSY = 8

#: A process that does nothing but compute; it never ends by itself.
_SPIN = "while True:\n    pass\n"


@contextmanager
def busy_processes(count: int = DEFAULT_BUSY) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start ``count`` processes that each keep one CPU busy; stop them all on the way out.

    They run at normal priority, as other users' work would. Each is stopped by its own id
    (SIGTERM, then SIGKILL if it lingers) whatever happens in the block, and reaped.

    Args:
        count: How many busy processes to start.

    Yields:
        The processes, running.
    """
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-c", _SPIN],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def loaded_to(load: int = DEFAULT_BUSY) -> AbstractContextManager[list[subprocess.Popen[bytes]]]:
    """Busy processes enough to bring the machine to ``load`` runnable processes, for a block.

    Counts what already runs (the one-minute load average): on a quiet box that is ``load`` busy
    processes; beside a test suite that keeps the CPUs busy itself, fewer, so the scene is the
    same load and the suite is not slowed twice over.
    """
    running = math.floor(os.getloadavg()[0])
    return busy_processes(max(0, load - running))


@pytest.fixture
def busy_machine() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The machine loaded by :data:`DEFAULT_BUSY` busy processes for the test's duration."""
    with busy_processes() as processes:
        yield processes
