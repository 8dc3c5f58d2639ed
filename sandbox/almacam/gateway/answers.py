"""The AlmaCAM sandbox's error vocabulary: vendor codes and the 400 bodies built from them.

Every error body the sandbox answers is bounded, whatever went wrong: each message is one line of
at most :data:`MAX_ERROR_TEXT` characters (a Rust panic's 4 KB backtrace, or jsonschema quoting a
whole oversized node, is cut), and a body lists at most :data:`MAX_ERRORS` errors (an 8 MiB order
can break the schema at every one of its hundreds of thousands of vertices).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import Any

from nestflow.almacam.models import ErrorBody, ErrorItem

#: Top-level message of every 400 body (the vendor's spelling).
ERROR_MESSAGE = "An error occured"

#: Longest message of one error (characters): room for a sentence naming paths, parts and
#: values, far below what a client would choke on.
MAX_ERROR_TEXT = 500

#: Most errors listed in one body; the top-level message says how many more were found.
MAX_ERRORS = 100


class ErrorCode(IntEnum):
    """The vendor's error codes (docs/specs/almacam-api.md, section A)."""

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
        message=one_line(message),
        path=list(path) if path is not None else None,
        parts=part_ids or None,
        sheets=sheet_ids or None,
    )


def one_line(text: str) -> str:
    """The first line of ``text``, cut to :data:`MAX_ERROR_TEXT` characters (marked with "...")."""
    lines = text.strip().splitlines()
    line = lines[0].rstrip() if lines else ""
    return line if len(line) <= MAX_ERROR_TEXT else line[: MAX_ERROR_TEXT - 3] + "..."


def error_body(errors: Sequence[ErrorItem]) -> dict[str, Any]:
    """The JSON body of a 400 (or 413) answer carrying ``errors`` (at most :data:`MAX_ERRORS`)."""
    left_out = len(errors) - MAX_ERRORS
    message = ERROR_MESSAGE if left_out <= 0 else f"{ERROR_MESSAGE} ({left_out} more not listed)"
    listed = [e.model_copy(update={"message": one_line(e.message)}) for e in errors[:MAX_ERRORS]]
    body = ErrorBody(message=message, errors=listed)
    return body.model_dump(mode="json", exclude_none=True)


class OrderRejected(Exception):
    """An order that cannot be nested; carries the vendor errors to answer with.

    Raised by validation (answered by ``POST /new``) and by the solving stage (stored and answered
    by the result views).
    """

    def __init__(self, errors: Sequence[ErrorItem]) -> None:
        super().__init__("; ".join(f"{e.error_code}: {e.message}" for e in errors))
        self.errors = list(errors)
