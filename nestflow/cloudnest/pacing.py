"""Client-side pacing: a token bucket per endpoint and a per-endpoint daily call counter.

The gateway limits every app per endpoint, per second and per day (spec §4). The client paces
itself so the per-second limit is met rather than hit: each endpoint has a bucket that releases
at most ``rate`` requests per second (after an initial ``burst``), shared by every thread using
the same client. Reservations are made under a lock and the waiting happens outside it, so
threads queue up fairly in arrival order without holding each other up. The waiting is
:func:`~nestflow.waiting.interruptible_sleep` by default: a cancelled run does not sit out a long
"too frequent" hold-back.

The daily quota is counted on the client too, per endpoint, for the vendor's day (Beijing time,
UTC+8, the gateway's default zone): once an endpoint's quota is used up the client refuses with
:class:`~nestflow.cloudnest.errors.CloudNestQuotaExceeded` before sending anything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone

from nestflow.cloudnest.errors import CloudNestConfigError, CloudNestQuotaExceeded
from nestflow.waiting import cancellable, interruptible_sleep

VENDOR_ZONE = timezone(timedelta(hours=8))
"""The quota day follows the gateway's default zone, Beijing time."""


class TokenBucket:
    """Thread-safe token bucket (generic cell rate algorithm).

    Args:
        rate: Requests per second, > 0.
        burst: Requests allowed back to back after an idle period, >= 1.
        clock: Monotonic clock in seconds.
        sleep: Sleep function (tests inject a fake); the default stops when waits are cancelled.
    """

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = interruptible_sleep,
    ) -> None:
        if rate <= 0:
            raise CloudNestConfigError(f"rate must be > 0 requests/second, got {rate}")
        if burst < 1:
            raise CloudNestConfigError(f"burst must be >= 1, got {burst}")
        self.rate = rate
        self.burst = burst
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = cancellable(sleep)
        self._next = -float("inf")  # theoretical arrival time of the next conforming request
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate}, burst={self.burst})"

    def reserve(self) -> float:
        """Reserve the next slot; return how long the caller must wait before sending."""
        with self._lock:
            now = self._clock()
            tat = max(self._next, now)
            start = tat - (self.burst - 1) * self._interval
            self._next = tat + self._interval
            return max(0.0, start - now)

    def acquire(self) -> float:
        """Wait for a slot; return the time waited in seconds."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def defer(self, seconds: float) -> None:
        """Push the next slot ``seconds`` into the future (after a "too frequent" answer)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


class Pacer:
    """One :class:`TokenBucket` per endpoint name, created on first use.

    Args:
        rates: Requests/second per endpoint name; others use ``default_rate``.
        default_rate: Requests/second of endpoints not in ``rates``; ``None`` = unpaced.
        burst: Burst of every bucket.
        clock: Monotonic clock.
        sleep: Sleep function.
    """

    def __init__(
        self,
        rates: Mapping[str, float] | None = None,
        default_rate: float | None = 5.0,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = interruptible_sleep,
    ) -> None:
        self._rates = dict(rates or {})
        for name, rate in self._rates.items():
            if rate <= 0:
                raise CloudNestConfigError(f"rate limit for {name!r} must be > 0, got {rate}")
        if default_rate is not None and default_rate <= 0:
            raise CloudNestConfigError(f"default_rate must be > 0, got {default_rate}")
        self.default_rate = default_rate
        self.burst = burst
        self._clock = clock
        self._sleep = cancellable(sleep)
        self._buckets: dict[str, TokenBucket | None] = {}
        self._lock = threading.Lock()

    def rate_for(self, name: str) -> float | None:
        """Requests/second allowed on endpoint ``name`` (``None`` = unpaced)."""
        return self._rates.get(name, self.default_rate)

    def bucket(self, name: str) -> TokenBucket | None:
        """The bucket of endpoint ``name`` (``None`` when unpaced)."""
        with self._lock:
            if name not in self._buckets:
                rate = self.rate_for(name)
                self._buckets[name] = (
                    None
                    if rate is None
                    else TokenBucket(rate, self.burst, clock=self._clock, sleep=self._sleep)
                )
            return self._buckets[name]

    def acquire(self, name: str) -> float:
        """Wait for a slot on endpoint ``name``; return the time waited."""
        bucket = self.bucket(name)
        return bucket.acquire() if bucket else 0.0

    def defer(self, name: str, seconds: float) -> None:
        """Hold back every thread's next request to ``name`` for ``seconds``."""
        bucket = self.bucket(name)
        if bucket:
            bucket.defer(seconds)


class DailyQuota:
    """Counts calls per endpoint and vendor day; refuses once an endpoint's quota is used up.

    Args:
        quotas: Calls per day per endpoint name; others use ``default``.
        default: Calls per day of the other endpoints; ``None`` = not tracked.
        now: Wall clock returning an aware datetime (tests inject one).
    """

    def __init__(
        self,
        quotas: Mapping[str, int] | None = None,
        default: int | None = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._quotas = dict(quotas or {})
        for name, quota in self._quotas.items():
            if quota < 0:
                raise CloudNestConfigError(f"daily quota for {name!r} must be >= 0, got {quota}")
        self.default = default
        self._now = now
        self._day = self._today()
        self._used: dict[str, int] = {}
        self._exhausted: set[str] = set()
        self._lock = threading.Lock()

    def _today(self) -> str:
        return self._now().astimezone(VENDOR_ZONE).date().isoformat()

    def _roll(self) -> None:
        today = self._today()
        if today != self._day:
            self._day, self._used, self._exhausted = today, {}, set()

    def quota_for(self, name: str) -> int | None:
        """Calls per day allowed on ``name`` (``None`` = not tracked)."""
        return self._quotas.get(name, self.default)

    def used(self, name: str) -> int:
        """Calls counted today on ``name``."""
        with self._lock:
            self._roll()
            return self._used.get(name, 0)

    def remaining(self, name: str) -> int | None:
        """Calls left today on ``name`` (``None`` = not tracked)."""
        quota = self.quota_for(name)
        if quota is None:
            return None
        with self._lock:
            self._roll()
            if name in self._exhausted:
                return 0
            return max(0, quota - self._used.get(name, 0))

    def take(self, name: str, endpoint: str) -> None:
        """Count one call to ``name``, or refuse before it is sent.

        Args:
            name: Endpoint name.
            endpoint: ``Route.describe()`` for the error message.

        Raises:
            CloudNestQuotaExceeded: The quota of ``name`` for today is used up.
        """
        quota = self.quota_for(name)
        with self._lock:
            self._roll()
            used = self._used.get(name, 0)
            if name in self._exhausted or (quota is not None and used >= quota):
                limit = "the gateway's" if quota is None else f"{quota} calls/day"
                raise CloudNestQuotaExceeded(
                    None,
                    f"daily quota ({limit}) of this endpoint is used up for {self._day} "
                    f"(UTC+8); refused before sending",
                    endpoint,
                )
            self._used[name] = used + 1

    def refund(self, name: str) -> None:
        """Uncount one call of ``name`` that the gateway did not count (never sent, 1009)."""
        with self._lock:
            self._roll()
            if self._used.get(name, 0) > 0:
                self._used[name] -= 1

    def exhaust(self, name: str) -> None:
        """Mark ``name`` used up for today (the gateway answered 1008)."""
        with self._lock:
            self._roll()
            self._exhausted.add(name)
