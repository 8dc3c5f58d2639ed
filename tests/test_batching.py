"""One batching helper: stable batches, order kept, sizes bounded."""

from __future__ import annotations

import pytest

from nestflow.batching import batches


def test_batches_keep_the_order_and_hold_at_most_size_items() -> None:
    items = list(range(7))
    assert batches(items, 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert [len(b) for b in batches(list(range(40)), 20)] == [20, 20]


def test_the_same_items_give_the_same_batches() -> None:
    items = [f"drawing-{i:02d}.dxf" for i in range(45)]
    assert batches(items, 20) == batches(list(items), 20)
    assert batches(reversed(items), 20, key=str) == batches(items, 20, key=str)


def test_a_key_sorts_first_and_equal_keys_keep_their_order() -> None:
    items = [("b", 1), ("a", 2), ("b", 3), ("a", 4)]
    by_letter = batches(items, 3, key=lambda item: item[0])
    assert by_letter == [[("a", 2), ("a", 4), ("b", 1)], [("b", 3)]]


def test_no_items_give_no_batch_and_a_size_below_one_is_refused() -> None:
    assert batches([], 5) == []
    with pytest.raises(ValueError, match="batch size"):
        batches([1, 2], 0)


def test_a_weight_bound_closes_a_batch_before_an_item_would_pass_it() -> None:
    sizes = [4, 4, 4, 9, 1, 1]
    assert batches(sizes, 20, weight=int, max_weight=10) == [[4, 4], [4], [9, 1], [1]]


def test_an_item_heavier_than_the_bound_is_a_batch_of_its_own() -> None:
    assert batches([3, 25, 3], 20, weight=int, max_weight=10) == [[3], [25], [3]]


def test_a_weight_bound_keeps_the_count_bound_too() -> None:
    assert [len(b) for b in batches([1] * 45, 20, weight=int, max_weight=1000)] == [20, 20, 5]


def test_a_weight_without_its_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="together"):
        batches([1, 2], 5, weight=int)
