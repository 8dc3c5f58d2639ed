"""A busy machine on demand: processes that spin on the CPU until they are stopped.

The first hour of a user is often on a loaded machine (a shared office PC, a CI box): the tests of
what must hold there load this one with :func:`busy_processes` (or the :func:`busy_machine`
fixture) rather than assume a quiet box.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

#: As many busy processes as the issue's measurements (load 8-20 on 2 cores) started with.
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


@pytest.fixture
def busy_machine() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The machine loaded by :data:`DEFAULT_BUSY` busy processes for the test's duration."""
    with busy_processes() as processes:
        yield processes
