"""The faulty network of the chaos runs.

:func:`chaos_plan` is the fault mix measured by issue 12 (through a proxy on loopback): on every
route, 10 % HTTP 503, 5 % HTTP 429 (``Retry-After: 1``), 2 % connections dropped before the
request is handled, 2 % dropped after it was handled, 2 % answers slower than the client's timeout
(rules tried in that order, so each later share is of what the earlier ones let through).
"""

from __future__ import annotations

from nestflow.sandbox.faults import FaultKind, FaultPlan, FaultRule


def chaos_plan(seed: int, slow_s: float) -> FaultPlan:
    """The issue's fault mix on every route, seeded; slow answers take ``slow_s`` seconds."""

    def rule(kind: FaultKind, probability: float, **options: object) -> FaultRule:
        return FaultRule(route=".*", kind=kind, probability=probability, **options)

    return FaultPlan(
        seed=seed,
        rules=[
            rule(FaultKind.ERROR, 0.10, status=503),
            rule(FaultKind.ERROR, 0.05, status=429, headers={"Retry-After": "1"}),
            rule(FaultKind.DROP, 0.02),
            rule(FaultKind.DROP_AFTER, 0.02),
            rule(FaultKind.DELAY, 0.02, seconds=slow_s),
        ],
    )
