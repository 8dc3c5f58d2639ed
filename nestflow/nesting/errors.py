"""Exceptions of the nesting solver."""

from __future__ import annotations


class NestingError(Exception):
    """The solver failed (engine panic, invalid layout produced, internal error)."""


class NestingInputError(NestingError):
    """The request cannot be nested as given; names the offending items and sheets.

    Args:
        message: What is wrong, in words a person can act on.
        item_ids: Ids of the items concerned (caller's ids).
        sheet_ids: Ids of the sheets concerned (caller's ids).
    """

    def __init__(
        self,
        message: str,
        item_ids: list[int] | None = None,
        sheet_ids: list[int] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.item_ids = list(item_ids or [])
        self.sheet_ids = list(sheet_ids or [])

    def __str__(self) -> str:
        details = []
        if self.item_ids:
            details.append(f"items {self.item_ids}")
        if self.sheet_ids:
            details.append(f"sheets {self.sheet_ids}")
        return f"{self.message} ({'; '.join(details)})" if details else self.message
