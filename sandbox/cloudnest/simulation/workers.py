"""Background threads for the sandbox's asynchronous work (drawing processing, Boost).

A crash inside a job must never take the server down: every job runs under a guard that catches
``BaseException`` except ``KeyboardInterrupt``/``SystemExit`` (spyrrow panics surface as
``BaseException`` subclasses) and hands it to the job's own failure handler, which records it on
the drawing or nesting the caller polls.

Shutting down sets :attr:`Workers.stopping`: jobs wait on it instead of sleeping and check it
before writing, so a job still running when the sandbox stops leaves its record as it was (a
restart with the same state file resumes it) instead of failing against a closed database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)

FailureHandler = Callable[[BaseException], None]


class Workers:
    """A small thread pool whose jobs cannot crash the process.

    Args:
        name: Thread name prefix (shows in stack dumps).
        threads: Pool size; the sandbox shares two cores with everything else.
    """

    def __init__(self, name: str, threads: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)
        self.stopping = threading.Event()

    def submit(self, job: Callable[[], None], on_failure: FailureHandler) -> Future[None]:
        """Run ``job`` in the pool; an exception from it goes to ``on_failure``."""
        return self._pool.submit(self._guarded, job, on_failure)

    def shutdown(self) -> None:
        """Drop queued jobs and tell running ones to stop (threads are not killed)."""
        self.stopping.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _guarded(self, job: Callable[[], None], on_failure: FailureHandler) -> None:
        try:
            job()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a worker must survive solver and geometry crashes
            if self.stopping.is_set():
                log.debug("sandbox background job ended by shutdown: %r", exc)
                return
            log.exception("sandbox background job failed")
            try:
                on_failure(exc)
            except Exception:  # the failure handler itself must not kill the worker either
                log.exception("sandbox failure handler failed")
