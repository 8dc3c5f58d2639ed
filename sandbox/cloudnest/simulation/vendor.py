"""The CloudNest sandbox's parts wired together: store, limits, processor, Boost, machines."""

from __future__ import annotations

import logging

from nestflow.sandbox.cloudnest.gateway.limits import QuotaCounter, RateLimiter
from nestflow.sandbox.cloudnest.settings import CloudNestSandboxSettings
from nestflow.sandbox.cloudnest.simulation.boost import Booster
from nestflow.sandbox.cloudnest.simulation.machines import MachineShop
from nestflow.sandbox.cloudnest.simulation.processing import DrawingProcessor
from nestflow.sandbox.cloudnest.state.catalogue import seed
from nestflow.sandbox.cloudnest.state.clock import SandboxClock
from nestflow.sandbox.cloudnest.state.store import Store

log = logging.getLogger(__name__)


class CloudNestSandbox:
    """One sandboxed CloudNest team: its data, its gateway limits and its background work.

    Args:
        settings: Accounts, limits, machines, speed factor, state file.
    """

    def __init__(self, settings: CloudNestSandboxSettings) -> None:
        self.settings = settings
        self.clock = SandboxClock(settings.clock_offset_seconds)
        self.store = Store(settings.state_file)
        self.rate_limiter = RateLimiter(settings)
        self.quota = QuotaCounter(settings, self.store, self.clock.now)
        self.processor = DrawingProcessor(self.store, settings)
        self.booster = Booster(self.store, settings, self.clock.now)
        self.machines = MachineShop(self.store, settings, self.clock.now)
        seed(self.store)
        resumed = self.processor.resume(), self.booster.resume()
        if any(resumed):
            log.info("resumed %d drawing(s) and %d Boost run(s) from the state file", *resumed)

    def close(self) -> None:
        """Stop the background work and close the database."""
        self.processor.shutdown()
        self.booster.shutdown()
        self.store.close()
