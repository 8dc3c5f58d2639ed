"""One way to split work into batches: stable, so the same items always give the same batches.

Stable batches let a step cached per batch (an upload keyed on its files) find its cache again
on a re-run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def batches(items: Iterable[T], size: int, key: Callable[[T], Any] | None = None) -> list[list[T]]:
    """Consecutive batches of at most ``size`` items.

    Args:
        items: The items, batched in their order (or sorted by ``key`` first).
        size: Most items per batch (>= 1).
        key: Sort the items by this first (a stable sort: equal keys keep their order), so
            that the same items in any order give the same batches.

    Returns:
        The batches; every one but the last holds ``size`` items; none when there is no item.

    Raises:
        ValueError: ``size`` is smaller than 1.
    """
    if size < 1:
        raise ValueError(f"batch size must be >= 1, not {size}")
    ordered = sorted(items, key=key) if key is not None else list(items)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]
