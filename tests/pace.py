"""How busy this machine is now, for tests whose outcome depends on CPU time within a wall budget.

A solver given N seconds of wall time gets N seconds of CPU only on a quiet machine; with the box
loaded four times over (a CI machine running three test workers, the stack tests and the solver's
own threads on two cores) it gets a quarter of that, and a tiling found in 5 s quiet is not found.
Tests that check what a solver finds within a budget scale the budget by :func:`load_factor`, a
measured baseline, instead of loosening what they check.
"""

from __future__ import annotations

import os
import time

#: A budget is never stretched more than this many times (a stuck machine should still fail).
MAX_FACTOR = 8.0
#: Wall time of the spin that measures the CPU share this process gets.
SPIN_S = 0.25


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def cpu_share(spin_s: float = SPIN_S) -> float:
    """Fraction of one CPU a busy thread of this process gets right now (0 < share <= 1)."""
    wall_start, cpu_start = time.monotonic(), time.thread_time()
    while time.monotonic() - wall_start < spin_s:
        pass
    wall = time.monotonic() - wall_start
    return max(1e-3, min(1.0, (time.thread_time() - cpu_start) / wall))


def load_factor() -> float:
    """How many times over this machine's CPUs are asked for now: 1.0 on a quiet machine.

    The larger of two measures: the one-minute load average per CPU (steady load from other
    processes) and the inverse of the CPU share a spinning thread gets at this moment (a burst the
    average has not caught up with). Capped at :data:`MAX_FACTOR`.
    """
    average = os.getloadavg()[0] / _cpus()
    return min(MAX_FACTOR, max(1.0, average, 1.0 / cpu_share()))


def scaled_seconds(quiet_seconds: float) -> float:
    """A solver budget of ``quiet_seconds`` on a quiet machine, stretched by the load now."""
    return quiet_seconds * load_factor()
