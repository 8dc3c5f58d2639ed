"""The AlmaCAM sandbox refuses bad orders at ``POST /new`` as the vendor documents (HTTP 400).

Covers every error example of docs/specs/almacam-api.md (section A, section 9.1, the section 11
fixtures) and the sandbox's semantic checks, over real HTTP.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nestflow.sandbox.almacam.endpoints.validation import validate_order

Order = dict[str, Any]


def first_instance(order: Order) -> dict[str, Any]:
    return order["parts"][0]["instances"][0]


def refused(client: httpx.Client, order: Order | bytes) -> list[dict[str, Any]]:
    """POST the order, assert the vendor's 400 envelope, return its errors."""
    if isinstance(order, bytes):
        answer = client.post("/new", content=order, headers={"Content-Type": "application/json"})
    else:
        answer = client.post("/new", json=order)
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["message"] == "An error occured"
    return body["errors"]


def test_empty_orientations_reproduce_the_vendor_example(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    first_instance(hello_world_order)["orientations"] = []

    assert refused(sandbox_http, hello_world_order) == [
        {
            "path": ["parts", 0, "instances", 0, "orientations"],
            "message": "[] is too short",
            "error_code": -3000,
        }
    ]


def test_self_intersecting_outline_reproduces_the_vendor_example(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    hello_world_order["parts"][0]["geometry"] = [[[0, 0], [10, 10], [10, 0], [0, 10]]]
    first_instance(hello_world_order)["id"] = 1

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -979
    assert error["message"] == "Outline description is self intersecting"
    assert error["parts"] == [1]


def _drop_time(o: Order) -> None:
    del o["time"]


def _set(path: list[str | int], value: Any) -> Callable[[Order], None]:
    def mutate(order: Order) -> None:
        node: Any = order
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return mutate


ORIENTATION_0 = ["parts", 0, "instances", 0, "orientations", 0]

# (mutation of the hello-world order, expected path): the section 11 fixtures of the spec.
SCHEMA_CASES = {
    "missing time": (_drop_time, []),
    "time 0": (_set(["time"], 0), ["time"]),
    "time 301": (_set(["time"], 301), ["time"]),
    "angle 360": (
        _set(["parts", 0, "instances", 0, "orientations"], [{"angle": 360}]),
        ORIENTATION_0,
    ),
    "range with step": (
        _set(
            ["parts", 0, "instances", 0, "orientations"],
            [{"min_angle": 0, "max_angle": 90, "step": 5}],
        ),
        ORIENTATION_0,
    ),
    "sheet with contour and length": (
        _set(["sheets", 0, "contour"], [[0, 0], [10, 0], [10, 5]]),
        ["sheets", 0],
    ),
    "height 0": (_set(["sheets", 0, "height"], 0), ["sheets", 0, "height"]),
    "sag and bul on one vertex": (
        _set(["parts", 0, "geometry", 0, 0], {"x": 0, "y": 0, "sag": 1, "bul": 1}),
        ["parts", 0, "geometry", 0, 0],
    ),
    "instance id not an integer": (
        _set(["parts", 0, "instances", 0, "id"], "a"),
        ["parts", 0, "instances", 0, "id"],
    ),
}


@pytest.mark.parametrize("case", SCHEMA_CASES, ids=list(SCHEMA_CASES))
def test_schema_violation_gives_3000_at_its_path(
    sandbox_http: httpx.Client, hello_world_order: Order, case: str
) -> None:
    mutate, path = SCHEMA_CASES[case]
    mutate(hello_world_order)

    errors = refused(sandbox_http, hello_world_order)

    assert {e["error_code"] for e in errors} == {-3000}
    assert [e["path"] for e in errors][0] == path


def test_missing_time_names_the_property(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    del hello_world_order["time"]

    [error] = refused(sandbox_http, hello_world_order)

    assert error["message"] == "'time' is a required property"


@pytest.mark.parametrize("name", ["hello_world_order", "constructed_order"])
def test_documented_orders_are_accepted(
    sandbox_http: httpx.Client, request: pytest.FixtureRequest, name: str
) -> None:
    order = request.getfixturevalue(name)
    order["time"] = 1

    answer = sandbox_http.post("/new", json=order)

    assert answer.status_code == 201
    assert answer.json()["message"] == "Nesting order submitted"
    assert isinstance(answer.json()["nesting_order_id"], int)


def test_compact_is_accepted(sandbox_http: httpx.Client, hello_world_order: Order) -> None:
    hello_world_order["compact"] = "left"

    assert sandbox_http.post("/new", json=hello_world_order).status_code == 201


def test_body_that_is_not_json_gives_5000(sandbox_http: httpx.Client) -> None:
    [error] = refused(sandbox_http, b"parts: [1, 2")

    assert error["error_code"] == -5000


def test_too_many_copies_gives_6000(sandbox_http: httpx.Client, hello_world_order: Order) -> None:
    first_instance(hello_world_order)["quantity"] = 10_001

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -6000
    assert "10001" in error["message"]


def test_ten_thousand_copies_are_within_the_limit(hello_world_order: Order) -> None:
    # Checked without HTTP: an accepted order would start a 10,000-part solve in the sandbox.
    first_instance(hello_world_order)["quantity"] = 10_000

    assert validate_order(json.dumps(hello_world_order).encode()) == hello_world_order


def test_too_many_different_parts_gives_6000(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    part = hello_world_order["parts"][0]
    hello_world_order["parts"] = [
        {**copy.deepcopy(part), "instances": [{"id": i}]} for i in range(1501)
    ]

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -6000
    assert error["path"] == ["parts"]


def test_duplicated_instance_id_gives_7000_naming_it(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    hello_world_order["parts"].append(copy.deepcopy(hello_world_order["parts"][0]))

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -7000
    assert error["parts"] == [42]
    assert error["path"] == ["parts", 1, "instances", 0, "id"]


def test_duplicated_sheet_id_gives_8000_naming_it(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    hello_world_order["sheets"].append(copy.deepcopy(hello_world_order["sheets"][0]))

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -8000
    assert error["sheets"] == [123]


def test_reversed_angle_range_gives_989(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    first_instance(hello_world_order)["orientations"] = [{"min_angle": 90, "max_angle": 10}]

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -989
    assert error["path"] == ORIENTATION_0
    assert error["parts"] == [42]


def test_min_angle_of_360_gives_989(sandbox_http: httpx.Client, hello_world_order: Order) -> None:
    first_instance(hello_world_order)["orientations"] = [{"min_angle": 360, "max_angle": 10}]

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -989


def test_flat_outline_gives_971(sandbox_http: httpx.Client, hello_world_order: Order) -> None:
    hello_world_order["parts"][0]["geometry"] = [[[0, 0], [1, 0], [2, 0]]]

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -971
    assert error["path"] == ["parts", 0, "geometry", 0]
    assert error["parts"] == [42]


def test_second_outline_with_a_bad_vertex_gives_971(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    # The schema only checks the first contour of a list (draft-04 tuple form), the engine all.
    hello_world_order["parts"][0]["geometry"].append([[5, 5], [6, 5], [6, "y"]])

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -971
    assert error["path"] == ["parts", 0, "geometry", 1]


def test_hole_outside_its_outline_gives_981(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    hello_world_order["parts"][0]["holes"] = [[[2, 2], [3, 2], [3, 3]]]

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -981
    assert error["path"] == ["parts", 0, "holes", 0]
    assert error["parts"] == [42]


def test_overlapping_holes_give_981(sandbox_http: httpx.Client, hello_world_order: Order) -> None:
    part = hello_world_order["parts"][0]
    part["geometry"] = [[[0, 0], [10, 0], [10, 10], [0, 10]]]
    part["holes"] = [[[2, 2], [6, 2], [6, 6], [2, 6]], [[4, 4], [8, 4], [8, 8], [4, 8]]]

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -981
    assert error["path"] == ["parts", 0, "holes"]


def test_overlapping_outlines_of_one_part_give_996(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    hello_world_order["parts"][0]["geometry"].append([[0.5, 0.5], [2, 0.5], [2, 2], [0.5, 2]])

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -996
    assert error["path"] == ["parts", 0, "geometry", 1]


def test_border_gaps_leaving_no_room_give_994(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    hello_world_order["sheets"][0]["border_gap"] = [5, 5, 0, 0]

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -994
    assert error["sheets"] == [123]
    assert error["path"] == ["sheets", 0, "border_gap"]


def test_negative_sheet_length_other_than_strip_gives_994(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    hello_world_order["sheets"][0]["length"] = -5

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -994
    assert error["path"] == ["sheets", 0, "length"]


def test_self_intersecting_sheet_contour_gives_994(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    hello_world_order["sheets"] = [{"id": 7, "contour": [[0, 0], [10, 10], [10, 0], [0, 10]]}]

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -994
    assert error["sheets"] == [7]


def test_pre_nesting_on_an_unknown_sheet_gives_973(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    hello_world_order["pre_nestings"] = [
        {"sheet": 9, "nested_parts": [{"id": 42, "position": [0, 0], "angle": 0, "flip": False}]}
    ]

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -973
    assert error["path"] == ["pre_nestings", 0, "sheet"]
    assert error["sheets"] == [9]


def test_pre_nesting_using_more_copies_than_ordered_gives_973(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    placed = {"id": 42, "position": [0, 0], "angle": 0, "flip": False}
    hello_world_order["pre_nestings"] = [
        {"sheet": 123, "nested_parts": [placed, {**placed, "position": [2, 0]}]}
    ]

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -973
    assert error["parts"] == [42]


def test_pre_nested_parts_overlapping_give_996(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    first_instance(hello_world_order)["quantity"] = 2
    placed = {"id": 42, "position": [0, 0], "angle": 0, "flip": False}
    hello_world_order["pre_nestings"] = [
        {"sheet": 123, "nested_parts": [placed, {**placed, "position": [0.5, 0.5]}]}
    ]

    [error] = refused(sandbox_http, hello_world_order)

    assert error["error_code"] == -996
    assert error["path"] == ["pre_nestings", 0, "nested_parts", 1]
    assert error["parts"] == [42]


def test_every_semantic_error_is_reported_at_once(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    hello_world_order["sheets"].append(copy.deepcopy(hello_world_order["sheets"][0]))
    first_instance(hello_world_order)["orientations"] = [{"min_angle": 90, "max_angle": 10}]

    errors = refused(sandbox_http, hello_world_order)

    assert sorted(e["error_code"] for e in errors) == [-8000, -989]
