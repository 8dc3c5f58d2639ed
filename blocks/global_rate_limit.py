"""Pacing CloudNest requests across workers with a Prefect global concurrency limit.

Each worker process paces its own CloudNest client, so N workers together may send N times the
account's rate. A Prefect global concurrency limit *with slot decay* is shared by every worker
through the Prefect server: each request first takes one slot, and slots free up at the decay
rate, so all workers together stay at or below ``slot_decay_per_second`` calls per second.
Prefect grants slots somewhat slower than configured (about half the rate under contention), so
set the limit to the account's rate, not below it; the client still waits out the vendor's
"too frequent" answers should they come.

Acquisition is strict: a missing or decay-less limit stops the request with
:class:`GlobalRateLimitError` instead of letting every worker run unthrottled (Prefect's default
only logs a warning). A *disabled* limit is skipped by Prefect itself: disabling it is how an
operator turns the shared pacing off without touching the blocks.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from prefect.client.orchestration import get_client
from prefect.client.schemas.responses import GlobalConcurrencyLimitResponse
from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
from prefect.concurrency.sync import rate_limit
from prefect.exceptions import ObjectNotFound

#: Suggested size of a new limit: 5 calls/second, the CloudNest client's default pacing.
SUGGESTED_RATE = 5


def create_command(name: str) -> str:
    """The shell command that creates global rate limit ``name`` with the suggested rate."""
    return (
        f"prefect gcl create {shlex.quote(name)} --limit {SUGGESTED_RATE} "
        f"--slot-decay-per-second {SUGGESTED_RATE}"
    )


class GlobalRateLimitError(RuntimeError):
    """A CloudNest request could not take a slot of the Prefect global rate limit; not sent.

    Args:
        limit: Name of the Prefect global concurrency limit.
        endpoint: CloudNest endpoint (route) name of the request that was stopped.
        problem: What went wrong.
        hint: What a person can do about it.
    """

    def __init__(self, limit: str, endpoint: str, problem: str, hint: str) -> None:
        self.limit = limit
        self.endpoint = endpoint
        self.problem = problem
        self.hint = hint
        super().__init__(f"CloudNest {endpoint}: request not sent: {problem}. {hint}")

    def __reduce__(self) -> tuple[type[GlobalRateLimitError], tuple[str, str, str, str]]:
        # keep pickling working (Prefect ships exceptions between processes)
        return (type(self), (self.limit, self.endpoint, self.problem, self.hint))


@dataclass(frozen=True)
class GlobalRateLimit:
    """``before_request`` hook of the CloudNest client: one slot of limit ``name`` per request.

    Attributes:
        name: Name of a Prefect global concurrency limit with slot decay.
    """

    name: str

    def __call__(self, endpoint: str) -> None:
        """Block until the limit grants a slot for a request to ``endpoint``.

        Raises:
            GlobalRateLimitError: The limit does not exist, has no slot decay, or the Prefect
                API could not be asked; the message names the limit and the fix.
        """
        try:
            rate_limit(self.name, strict=True)
        except ConcurrencySlotAcquisitionError as exc:
            raise self._explain(endpoint, exc) from exc

    def _explain(self, endpoint: str, exc: Exception) -> GlobalRateLimitError:
        """Look the limit up to say precisely why no slot was granted."""
        quoted = shlex.quote(self.name)
        field = (
            "or empty the 'Prefect global rate limit' field of the CloudNest Credentials block "
            "(NESTFLOW_CLOUDNEST_GLOBAL_RATE_LIMIT) to rely on the client's own pacing only"
        )
        try:
            limit = self._read()
        except ObjectNotFound:
            return GlobalRateLimitError(
                self.name,
                endpoint,
                f"Prefect global rate limit {self.name!r} does not exist on this Prefect server",
                f"Create it with `{create_command(self.name)}` (use your account's calls per "
                f"second), {field}.",
            )
        except Exception:  # the lookup must not hide the acquisition failure
            limit = None
        if limit is not None and not limit.slot_decay_per_second:
            return GlobalRateLimitError(
                self.name,
                endpoint,
                f"Prefect global concurrency limit {self.name!r} has no slot decay, so it "
                "cannot pace requests",
                f"Give it one with `prefect gcl update {quoted} --slot-decay-per-second "
                f"{SUGGESTED_RATE}`, {field}.",
            )
        return GlobalRateLimitError(
            self.name,
            endpoint,
            f"no slot of Prefect global rate limit {self.name!r} was granted ({exc})",
            f"Check that the Prefect API (PREFECT_API_URL) is reachable and "
            f"`prefect gcl inspect {quoted}` shows the limit, {field}.",
        )

    def _read(self) -> GlobalConcurrencyLimitResponse:
        with get_client(sync_client=True) as client:
            return client.read_global_concurrency_limit_by_name(self.name)
