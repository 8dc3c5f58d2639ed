"""The vendor's answer envelope (spec §3.1) and the refusals the sandbox answers with.

Every answer is ``{"status": 0, "msg": "OK", "data": ...}``; a refusal carries a non-zero status
from the one status table shared with the client (:mod:`nestflow.cloudnest.errors`) and a message
naming what is wrong (job id, file name, field).
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import formatdate
from typing import Any

from fastapi.responses import JSONResponse

from nestflow.cloudnest.errors import STATUS_CODES


class ApiRefusal(Exception):
    """A non-zero envelope status with its message.

    Args:
        status: Code from :data:`nestflow.cloudnest.errors.STATUS_CODES`.
        detail: What exactly is wrong; appended to the code's standard text.
        http_status: HTTP status of the answer when it must not be the sandbox's usual one
            (``error_http_status``), e.g. 413 for a body over the size limit.
    """

    def __init__(self, status: int, detail: str = "", *, http_status: int | None = None) -> None:
        row = STATUS_CODES.get(status)
        base = row.text if row else "error"
        self.status = status
        self.http_status = http_status
        self.msg = f"{base}: {detail}" if detail else base
        super().__init__(f"status {status}: {self.msg}")


def envelope(status: int, msg: str, data: Any) -> dict[str, Any]:
    """The answer body."""
    return {"status": status, "msg": msg, "data": data}


def answer(
    body: dict[str, Any],
    *,
    http_status: int = 200,
    clock_seconds: float | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A JSON answer carrying the sandbox's own ``Date`` (the client reads clock skew from it)."""
    sent = dict(headers or {})
    if clock_seconds is not None:
        sent["Date"] = formatdate(clock_seconds, usegmt=True)
    return JSONResponse(body, status_code=http_status, headers=sent)
