"""One way to split work into batches: stable, so the same items always give the same batches.

Stable batches let a step cached per batch (an upload keyed on its files) find its cache again
on a re-run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def batches(
    items: Iterable[T],
    size: int,
    key: Callable[[T], Any] | None = None,
    *,
    weight: Callable[[T], int] | None = None,
    max_weight: int | None = None,
) -> list[list[T]]:
    """Consecutive batches of at most ``size`` items (and at most ``max_weight`` in weight).

    Args:
        items: The items, batched in their order (or sorted by ``key`` first).
        size: Most items per batch (>= 1).
        key: Sort the items by this first (a stable sort: equal keys keep their order), so
            that the same items in any order give the same batches.
        weight: An item's weight (e.g. a file's bytes), with ``max_weight``.
        max_weight: Most weight per batch: a batch is closed before an item would take it past
            this; an item heavier on its own is a batch of its own.

    Returns:
        The batches; without ``max_weight`` every one but the last holds ``size`` items; none
        when there is no item.

    Raises:
        ValueError: ``size`` is smaller than 1, or only one of ``weight`` and ``max_weight`` is
            given.
    """
    if size < 1:
        raise ValueError(f"batch size must be >= 1, not {size}")
    if (weight is None) != (max_weight is None):
        raise ValueError("weight and max_weight go together")
    ordered = sorted(items, key=key) if key is not None else list(items)
    if weight is None or max_weight is None:
        return [ordered[i : i + size] for i in range(0, len(ordered), size)]
    result: list[list[T]] = []
    batch: list[T] = []
    held = 0
    for item in ordered:
        heavy = weight(item)
        if batch and (len(batch) == size or held + heavy > max_weight):
            result.append(batch)
            batch, held = [], 0
        batch.append(item)
        held += heavy
    if batch:
        result.append(batch)
    return result
