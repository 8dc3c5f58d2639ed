"""Per-app, per-endpoint rate limits and daily quotas (spec §4, §P.3).

Rate limit: a token bucket per (app, endpoint) holding at most ``rate`` tokens (one second's worth)
and refilled at ``rate`` per second; a call finding it empty gets 1009 "too frequent" and consumes
nothing, as a vendor's gateway would. Daily quota: a counter per (app, endpoint, day) in the store
(so a restart keeps it), the day running in Beijing time like the vendor's; the call that would
exceed it gets 1008. Rate limiting runs first, so refused bursts do not eat the quota.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from nestflow.cloudnest.errors import DAILY_QUOTA_EXCEEDED, TOO_FREQUENT
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal
from nestflow.sandbox.cloudnest.settings import CloudNestSandboxSettings
from nestflow.sandbox.cloudnest.state.clock import DEFAULT_ZONE
from nestflow.sandbox.cloudnest.state.store import Store


class RateLimiter:
    """Token buckets per (app, endpoint).

    Args:
        settings: Requests per second per endpoint (``None`` = unlimited).
        monotonic: Clock for refills (tests may inject one).
    """

    def __init__(
        self,
        settings: CloudNestSandboxSettings,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, app_id: str, endpoint: str) -> None:
        """Spend one token, or refuse with 1009.

        Raises:
            ApiRefusal: The bucket is empty; the message says the limit and when to retry.
        """
        rate = self._settings.rate_limit_for(endpoint)
        if rate is None:
            return
        capacity = max(rate, 1.0)
        now = self._monotonic()
        with self._lock:
            tokens, last = self._buckets.get((app_id, endpoint), (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[(app_id, endpoint)] = (tokens, now)
                wait = (1.0 - tokens) / rate
                raise ApiRefusal(
                    TOO_FREQUENT,
                    f"{endpoint} allows {rate:g} requests/s per app; retry in {wait:.2f} s",
                )
            self._buckets[(app_id, endpoint)] = (tokens - 1.0, now)


class QuotaCounter:
    """Calls per (app, endpoint, day), counted in the store.

    Args:
        settings: Quota per endpoint (``None`` = unlimited).
        store: Where the counters live.
        clock: Epoch seconds (the sandbox's clock).
    """

    _day_zone = ZoneInfo(DEFAULT_ZONE)

    def __init__(
        self, settings: CloudNestSandboxSettings, store: Store, clock: Callable[[], float]
    ) -> None:
        self._settings = settings
        self._store = store
        self._clock = clock

    def spend(self, app_id: str, endpoint: str) -> None:
        """Count one call, or refuse with 1008 when today's quota is used up."""
        quota = self._settings.quota_for(endpoint)
        if quota is None:
            return
        day = datetime.fromtimestamp(self._clock(), self._day_zone).date().isoformat()
        name = f"quota:{app_id}:{endpoint}:{day}"
        with self._store.transaction():
            if self._store.counter(name) >= quota:
                raise ApiRefusal(
                    DAILY_QUOTA_EXCEEDED,
                    f"{endpoint} allows {quota} calls per day for app {app_id!r}; "
                    f"used up for {day} (Beijing time)",
                )
            self._store.increment(name)
