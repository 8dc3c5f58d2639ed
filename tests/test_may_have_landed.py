"""Each service's errors say whether the failed request may still have taken effect.

One property per error family (``may_have_landed``) is what every retry and push policy asks:
an answer with an error code refused the request; a server failure or a missing answer after the
request left does not say so.
"""

from __future__ import annotations

import pytest

from nestflow.almacam import errors as alma
from nestflow.cloudnest import errors as cn

CLOUDNEST = "job_add (POST /cn-api/api/job/add)"


@pytest.mark.parametrize(
    ("error", "landed"),
    [
        (cn.CloudNestValidationError(2200, "bad field", CLOUDNEST), False),
        (cn.CloudNestConflict(2100, "name taken", CLOUDNEST), False),
        (cn.CloudNestRateLimited(1009, "too frequent", CLOUDNEST), False),
        (cn.CloudNestAuthError(1005, "wrong signature", CLOUDNEST), False),
        (cn.CloudNestNotFound(2000, "no job", CLOUDNEST), False),
        (cn.CloudNestServerError(503, "gateway down", CLOUDNEST), True),
        (cn.CloudNestUnreadableAnswer(None, "corrupt gzip", CLOUDNEST), True),
        (cn.CloudNestTransportError(None, "read timeout", CLOUDNEST), True),
        (cn.CloudNestAnswerTooSlow(None, "cut off", CLOUDNEST), True),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_a_cloudnest_error_says_whether_its_request_may_have_landed(
    error: cn.CloudNestError, landed: bool
) -> None:
    assert error.may_have_landed is landed


@pytest.mark.parametrize(
    ("error", "landed"),
    [
        (alma.AlmaCamValidationError("refused", errors=[], endpoint="POST /new"), False),
        (alma.AlmaCamAuthError("no token", status=401, endpoint="POST /new"), False),
        (
            alma.AlmaCamRateLimited("429", endpoint="POST /new", retry_after=1.0, answers=6),
            False,
        ),
        (alma.AlmaCamServerError("boom", status=500, endpoint="POST /new"), True),
        (alma.AlmaCamProtocolError("odd body", status=200, endpoint="POST /new"), True),
        (alma.AlmaCamTransportError("reset", endpoint="POST /new", request_sent=True), True),
        (alma.AlmaCamTransportError("refused", endpoint="POST /new", request_sent=False), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_an_almacam_error_says_whether_its_request_may_have_landed(
    error: alma.AlmaCamError, landed: bool
) -> None:
    assert error.may_have_landed is landed
