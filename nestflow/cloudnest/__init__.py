"""CloudNest (Bochu) open-platform client: signing, route table, models, errors, pacing, jobs."""

from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.errors import (
    CloudNestAnswerTooLarge,
    CloudNestAnswerTooSlow,
    CloudNestAuthError,
    CloudNestClockSkewError,
    CloudNestConfigError,
    CloudNestConflict,
    CloudNestError,
    CloudNestJobFailed,
    CloudNestNotFound,
    CloudNestPermissionError,
    CloudNestQuotaExceeded,
    CloudNestRateLimited,
    CloudNestServerError,
    CloudNestTransportError,
    CloudNestUnknownRoute,
    CloudNestUnreadableAnswer,
    CloudNestValidationError,
    CloudNestWaitTimeout,
)
from nestflow.cloudnest.routes import DEFAULT_ROUTES, Route, RouteTable

__all__ = [
    "DEFAULT_ROUTES",
    "CloudNestAnswerTooLarge",
    "CloudNestAnswerTooSlow",
    "CloudNestAuthError",
    "CloudNestClient",
    "CloudNestClockSkewError",
    "CloudNestConfigError",
    "CloudNestConflict",
    "CloudNestError",
    "CloudNestJobFailed",
    "CloudNestNotFound",
    "CloudNestPermissionError",
    "CloudNestQuotaExceeded",
    "CloudNestRateLimited",
    "CloudNestServerError",
    "CloudNestTransportError",
    "CloudNestUnknownRoute",
    "CloudNestUnreadableAnswer",
    "CloudNestValidationError",
    "CloudNestWaitTimeout",
    "Route",
    "RouteTable",
]
