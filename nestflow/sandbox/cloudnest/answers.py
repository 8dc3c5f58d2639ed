"""The vendor's answer envelope (spec §3.1) and the refusals the sandbox answers with.

Every answer is ``{"status": 0, "msg": "OK", "data": ...}``; a refusal carries a non-zero status
from the one status table shared with the client (:mod:`nestflow.cloudnest.errors`) and a message
naming what is wrong (job id, file name, field).
"""

from __future__ import annotations

from email.utils import formatdate
from typing import Any

from fastapi.responses import JSONResponse

from nestflow.cloudnest.errors import STATUS_CODES


class ApiRefusal(Exception):
    """A non-zero envelope status with its message.

    Args:
        status: Code from :data:`nestflow.cloudnest.errors.STATUS_CODES`.
        detail: What exactly is wrong; appended to the code's standard text.
    """

    def __init__(self, status: int, detail: str = "") -> None:
        row = STATUS_CODES.get(status)
        base = row.text if row else "error"
        self.status = status
        self.msg = f"{base}: {detail}" if detail else base
        super().__init__(f"status {status}: {self.msg}")


def envelope(status: int, msg: str, data: Any) -> dict[str, Any]:
    """The answer body."""
    return {"status": status, "msg": msg, "data": data}


def answer(
    body: dict[str, Any], *, http_status: int = 200, clock_seconds: float | None = None
) -> JSONResponse:
    """A JSON answer carrying the sandbox's own ``Date`` (the client reads clock skew from it)."""
    headers = (
        {"Date": formatdate(clock_seconds, usegmt=True)} if clock_seconds is not None else None
    )
    return JSONResponse(body, status_code=http_status, headers=headers)
