"""Idempotency and retry policy shared by the tasks: business keys and retry conditions."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from prefect.cache_policies import NO_CACHE

RetryCondition = Callable[[Any, Any, Any], bool]


def business_key(kind: str, *parts: object) -> str:
    """A cache or transaction key: a readable kind plus a hash of the business identity.

    Hashed because keys become file names in the result storage (URLs have slashes) and so that
    no identifying value is written in clear.
    """
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return f"nestflow-{kind}-{digest[:40]}"


def retry_when(should_retry: Callable[[BaseException], bool]) -> RetryCondition:
    """A Prefect ``retry_condition_fn`` retrying when ``should_retry(exception)`` holds.

    Args:
        should_retry: Decides from the task's exception; anything it refuses ends the task.
    """

    def condition(task: Any, task_run: Any, state: Any) -> bool:
        try:
            state.result()
        except Exception as exc:  # noqa: BLE001 - the predicate decides
            return should_retry(exc)
        return False

    return condition


def read_only(
    *transient: type[BaseException],
    delays: Sequence[float] = (2, 10),
    never: tuple[type[BaseException], ...] = (),
) -> dict[str, Any]:
    """``@task`` options of a read-only step (poll, download): retried, never cached.

    Retrying cannot duplicate anything there, so failures of the ``transient`` kinds are retried
    after each of ``delays``, except those of the ``never`` kinds (a service that gave no answer
    for its whole ``unreachable_after_s``: retrying would only wait that long again); the result
    is not cached, so every run sees the current state.
    """
    return {
        "cache_policy": NO_CACHE,
        "retries": len(delays),
        "retry_delay_seconds": list(delays),
        "retry_condition_fn": retry_when(
            lambda exc: isinstance(exc, transient) and not isinstance(exc, never)
        ),
    }
