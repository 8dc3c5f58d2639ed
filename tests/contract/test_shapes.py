"""The shape comparison the contract tests rely on finds what it must find."""

from __future__ import annotations

from .shapes import shape_differences

EXAMPLE = {"guid": "A", "width": 1500, "file_url": None, "parts": [{"id": 1, "flip": False}]}


def test_same_keys_and_types_with_other_values_is_the_same_shape() -> None:
    answer = {"guid": "B", "width": 3000.5, "file_url": None, "parts": [{"id": 7, "flip": True}]}
    assert shape_differences(EXAMPLE, answer) == []


def test_a_missing_key_and_an_extra_key_are_differences() -> None:
    answer = {"guid": "B", "width": 1, "file_url": None, "parts": [], "extra": 1}
    del answer["guid"]
    assert shape_differences(EXAMPLE, answer) == [
        "$: key 'extra' not in the example",
        "$: key 'guid' missing",
    ]


def test_a_boolean_is_not_a_number_and_an_int_is_a_number() -> None:
    answer = {**EXAMPLE, "width": True, "parts": [{"id": 2.5, "flip": 0}]}
    assert shape_differences(EXAMPLE, answer) == [
        "$['parts'][0]['flip']: number where the example has boolean",
        "$['width']: boolean where the example has number",
    ]


def test_every_array_element_is_compared_with_the_example_element() -> None:
    answer = {**EXAMPLE, "parts": [{"id": 1, "flip": False}, {"id": 2}]}
    assert shape_differences(EXAMPLE, answer) == ["$['parts'][1]: key 'flip' missing"]


def test_null_matches_a_value_only_for_nullable_keys() -> None:
    answer = {**EXAMPLE, "file_url": "http://x/y.dxf"}
    assert shape_differences(EXAMPLE, answer) == [
        "$['file_url']: string where the example has null"
    ]
    assert shape_differences(EXAMPLE, answer, nullable={"file_url"}) == []


def test_optional_keys_may_be_missing_on_either_side() -> None:
    answer = {key: value for key, value in EXAMPLE.items() if key != "file_url"}
    assert shape_differences(EXAMPLE, answer, optional={"file_url"}) == []
    assert shape_differences(answer, EXAMPLE, optional={"file_url"}) == []


def test_mixed_arrays_compare_each_element_with_an_example_element_of_its_type() -> None:
    path = ["parts", 0, "instances"]
    assert shape_differences(path, ["sheets", 3]) == []
    assert shape_differences(path, [None]) == [
        "$[0]: null where the example's elements are number or string"
    ]
