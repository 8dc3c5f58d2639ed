"""The AlmaCAM sandbox's error vocabulary: vendor codes and the 400 bodies built from them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import Any

from nestflow.almacam.models import ErrorBody, ErrorItem

#: Top-level message of every 400 body (the vendor's spelling).
ERROR_MESSAGE = "An error occured"


class ErrorCode(IntEnum):
    """The vendor's error codes (specs/almacam-api.md, section A)."""

    SCHEMA = -3000
    UNEXPECTED = -4000
    JSON_PARSE = -5000
    TOO_MANY_PARTS = -6000
    DUPLICATED_PART_IDS = -7000
    DUPLICATED_SHEET_IDS = -8000
    ENGINE_UNEXPECTED = -1000
    INVALID_GEOMETRY = -996
    INVALID_SHEET = -994
    INVALID_ORIENTATION = -989
    HOLE_NOT_COMPATIBLE = -981
    SELF_INTERSECTING = -979
    BAD_USER_PARAM = -973
    INVALID_CONTOUR = -971


def error_item(
    code: ErrorCode,
    message: str,
    *,
    path: Sequence[str | int] | None = None,
    parts: Iterable[int] | None = None,
    sheets: Iterable[int] | None = None,
) -> ErrorItem:
    """One error of a 400 body; empty ``parts`` and ``sheets`` are left out, as the vendor does.

    Args:
        code: Vendor error code.
        message: What is wrong, for a person.
        path: Keys and indexes leading to the offending node of the order (``[]`` is the order
            itself; ``None`` leaves the key out).
        parts: Instance ids concerned.
        sheets: Sheet ids concerned.
    """
    part_ids = sorted(set(parts)) if parts is not None else []
    sheet_ids = sorted(set(sheets)) if sheets is not None else []
    return ErrorItem(
        error_code=int(code),
        message=message,
        path=list(path) if path is not None else None,
        parts=part_ids or None,
        sheets=sheet_ids or None,
    )


def error_body(errors: Sequence[ErrorItem]) -> dict[str, Any]:
    """The JSON body of an HTTP 400 answer carrying ``errors``."""
    body = ErrorBody(message=ERROR_MESSAGE, errors=list(errors))
    return body.model_dump(mode="json", exclude_none=True)


class OrderRejected(Exception):
    """An order that cannot be nested; carries the vendor errors to answer with.

    Raised by validation (answered by ``POST /new``) and by the solving stage (stored and answered
    by the result views).
    """

    def __init__(self, errors: Sequence[ErrorItem]) -> None:
        super().__init__("; ".join(f"{e.error_code}: {e.message}" for e in errors))
        self.errors = list(errors)
