"""The AlmaCAM sandbox really nests: every copy placed, no overlap, inside the sheet, as ordered.

Placed geometry is rebuilt here from the order and the full result with the vendor's rule
(rotate about the part's own (0, 0), then mirror about the x axis, then translate), independently
of the sandbox's own conversion code.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest
from shapely.geometry import Polygon, box

from nestflow.geometry.encoding import contour_from_almacam

Order = dict[str, Any]
Poll = Callable[..., httpx.Response]

#: Numerical slack of the solver (it works in f32).
TOLERANCE = 1e-3


def plate_with_round_hole() -> dict[str, Any]:
    return {
        "geometry": [[[0, 0], [60, 0], [60, 40], [0, 40]]],
        "holes": [
            [
                {"x": 22, "y": 20, "cir": {"x": 30, "y": 20, "dir": True}},
                {"x": 38, "y": 20, "cir": {"x": 30, "y": 20, "dir": True}},
            ]
        ],
        "protection_offset": 1.0,
        "instances": [
            {
                "id": 1,
                "quantity": 10,
                "orientations": [
                    {"min_angle": 0, "max_angle": 359.9},
                    {"min_angle": 0, "max_angle": 359.9, "flip": True},
                ],
            }
        ],
    }


def l_bracket_with_rounded_corner() -> dict[str, Any]:
    return {
        "geometry": [
            [[0, 0], {"x": 50, "y": 0, "bul": 0.41421356}, [50, 15], [15, 15], [15, 50], [0, 50]]
        ],
        "instances": [
            {"id": 2, "quantity": 10, "orientations": [{"angle": 0}, {"angle": 90, "flip": True}]}
        ],
    }


def triangle() -> dict[str, Any]:
    return {
        "geometry": [[[0, 0], [40, 0], [20, 35]]],
        "protection_offset": 0.5,
        "instances": [
            {"id": 3, "quantity": 10, "orientations": [{"min_angle": 0, "max_angle": 180}]}
        ],
    }


def disc() -> dict[str, Any]:
    return {
        "geometry": [[{"x": -15, "y": 0, "bul": 1.0}, {"x": 15, "y": 0, "bul": 1.0}]],
        "instances": [{"id": 4, "quantity": 10}],
    }


def frame_off_the_origin() -> dict[str, Any]:
    return {
        "geometry": [[[100, 50], [140, 50], [140, 80], [100, 80]]],
        "holes": [[[110, 60], [110, 70], [130, 70], [130, 60]]],
        "instances": [
            {
                "id": 5,
                "quantity": 10,
                "orientations": [{"min_angle": 0, "max_angle": 90, "flip": True}],
            }
        ],
    }


@pytest.fixture(scope="module")
def fifty_part_order() -> Order:
    """50 copies of 5 parts: arcs, holes, offsets, angle ranges, flips; two 400 x 300 sheets."""
    return {
        "parts": [
            plate_with_round_hole(),
            l_bracket_with_rounded_corner(),
            triangle(),
            disc(),
            frame_off_the_origin(),
        ],
        "sheets": [{"id": 10, "length": 400, "height": 300, "quantity": 2, "border_gap": 5}],
        "time": 20,
    }


@pytest.fixture(scope="module")
def fifty_part_result(
    almacam_sandbox: Any, fifty_part_order: Order, await_result: Poll
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {almacam_sandbox.token}"}
    with httpx.Client(base_url=almacam_sandbox.base_url, headers=headers, timeout=30) as client:
        answer = client.post("/new", json=fifty_part_order)
        assert answer.status_code == 201
        result = await_result(client, answer.json()["nesting_order_id"], "full")
    assert result.status_code == 200, result.text
    return result.json()


def part_polygon(part: dict[str, Any]) -> Polygon:
    """A part of the order as a shapely polygon in its own coordinates (arcs flattened)."""
    outer = contour_from_almacam(part["geometry"][0]).points(0.05)
    holes = [contour_from_almacam(h).points(0.05) for h in part.get("holes", [])]
    return Polygon(outer, holes)


def place(shape: Polygon, angle: float, flip: bool, position: list[float]) -> Polygon:
    """The vendor's transform: p' = position + F(flip) . R(angle) . p."""
    a = math.radians(angle)
    matrix = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    if flip:
        matrix = np.array([[1.0, 0.0], [0.0, -1.0]]) @ matrix
    offset = np.array(position)

    def move(ring: Any) -> np.ndarray:
        return np.asarray(ring.coords) @ matrix.T + offset

    return Polygon(move(shape.exterior), [move(r) for r in shape.interiors])


def placed_parts(order: Order, nesting: dict[str, Any]) -> list[tuple[int, Polygon]]:
    shapes = {
        inst["id"]: (part_polygon(part), part.get("protection_offset", 0.0))
        for part in order["parts"]
        for inst in part["instances"]
    }
    return [
        (p["id"], place(shapes[p["id"]][0], p["angle"], p["flip"], p["position"]))
        for p in nesting["nested_parts"]
    ]


def test_every_ordered_copy_is_placed(fifty_part_order: Order, fifty_part_result: Order) -> None:
    placed: Counter[int] = Counter()
    for nesting in fifty_part_result["nestings"]:
        for part in nesting["nested_parts"]:
            placed[part["id"]] += nesting["quantity"]

    ordered = {i["id"]: i["quantity"] for p in fifty_part_order["parts"] for i in p["instances"]}
    assert placed == ordered
    assert "unplaced_parts" not in fifty_part_result


def test_no_two_parts_overlap(fifty_part_order: Order, fifty_part_result: Order) -> None:
    for nesting in fifty_part_result["nestings"]:
        parts = placed_parts(fifty_part_order, nesting)
        for i, (id_a, a) in enumerate(parts):
            for id_b, b in parts[i + 1 :]:
                assert a.intersection(b).area < TOLERANCE, (id_a, id_b)


def test_protection_offsets_are_kept(fifty_part_order: Order, fifty_part_result: Order) -> None:
    offsets = {
        i["id"]: p.get("protection_offset", 0.0)
        for p in fifty_part_order["parts"]
        for i in p["instances"]
    }
    for nesting in fifty_part_result["nestings"]:
        parts = placed_parts(fifty_part_order, nesting)
        for i, (id_a, a) in enumerate(parts):
            for id_b, b in parts[i + 1 :]:
                assert a.distance(b) >= max(offsets[id_a], offsets[id_b]) - TOLERANCE


def test_parts_stay_inside_the_border_gap(
    fifty_part_order: Order, fifty_part_result: Order
) -> None:
    usable = box(5 - TOLERANCE, 5 - TOLERANCE, 395 + TOLERANCE, 295 + TOLERANCE)
    for nesting in fifty_part_result["nestings"]:
        for part_id, shape in placed_parts(fifty_part_order, nesting):
            assert usable.covers(shape), part_id


def test_orientations_are_the_allowed_ones(fifty_part_result: Order) -> None:
    for nesting in fifty_part_result["nestings"]:
        for part in nesting["nested_parts"]:
            assert 0 <= part["angle"] < 360
            if part["id"] == 2:
                assert (part["angle"], part["flip"]) in {(0.0, False), (90.0, True)}
            if part["id"] == 3:
                assert part["angle"] <= 180 and not part["flip"]
            if part["id"] == 4:
                assert (part["angle"], part["flip"]) == (0.0, False)
            if part["id"] == 5:
                assert part["angle"] <= 90 and part["flip"]


def test_used_length_is_one_spacing_beyond_the_part_reaching_furthest(
    fifty_part_order: Order, fifty_part_result: Order
) -> None:
    # the offcut is cut clear of every part: each part's protection offset beyond its right edge
    offsets = {
        inst["id"]: part.get("protection_offset", 0.0)
        for part in fifty_part_order["parts"]
        for inst in part["instances"]
    }
    for nesting in fifty_part_result["nestings"]:
        reach = max(
            shape.bounds[2] + offsets[part_id]
            for part_id, shape in placed_parts(fifty_part_order, nesting)
        )
        assert nesting["length"] == pytest.approx(min(reach, 400), abs=0.1)
        assert nesting["sheet"] == 10


def test_pre_nesting_is_kept_and_filled(sandbox_http: httpx.Client, await_result: Poll) -> None:
    square = {"geometry": [[[0, 0], [10, 0], [10, 10], [0, 10]]]}
    order = {
        "parts": [{**square, "instances": [{"id": 1, "quantity": 4}]}],
        "sheets": [{"id": 5, "length": 100, "height": 50}],
        "pre_nestings": [
            {
                "sheet": 5,
                "nested_parts": [{"id": 1, "position": [50, 20], "angle": 0, "flip": False}],
            }
        ],
        "time": 1,
    }

    answer = await_result(
        sandbox_http, sandbox_http.post("/new", json=order).json()["nesting_order_id"]
    )

    [nesting] = answer.json()["nestings"]
    assert nesting["sheet"] == 5
    assert nesting["nested_parts"][0] == {"id": 1, "position": [50, 20], "angle": 0, "flip": False}
    assert len(nesting["nested_parts"]) == 4
    shapes = [
        place(part_polygon(square), p["angle"], p["flip"], p["position"])
        for p in nesting["nested_parts"]
    ]
    assert all(
        a.intersection(b).area < TOLERANCE for i, a in enumerate(shapes) for b in shapes[i + 1 :]
    )


def test_shaped_sheet_positions_are_in_its_own_coordinates(
    sandbox_http: httpx.Client, await_result: Poll
) -> None:
    triangle_sheet = [[100, 100], [300, 100], [100, 300]]
    order = {
        "parts": [
            {
                "geometry": [[[0, 0], [20, 0], [20, 20], [0, 20]]],
                "instances": [{"id": 8, "quantity": 6}],
            }
        ],
        "sheets": [{"id": 3, "contour": triangle_sheet}],
        "time": 1,
    }

    answer = await_result(
        sandbox_http, sandbox_http.post("/new", json=order).json()["nesting_order_id"]
    )

    [nesting] = answer.json()["nestings"]
    assert len(nesting["nested_parts"]) == 6
    sheet = Polygon(triangle_sheet).buffer(TOLERANCE)
    square = Polygon([(0, 0), (20, 0), (20, 20), (0, 20)])
    for part in nesting["nested_parts"]:
        assert sheet.covers(place(square, part["angle"], part["flip"], part["position"]))


def test_pre_nesting_taking_every_copy_is_the_whole_result(
    sandbox_http: httpx.Client, await_result: Poll
) -> None:
    placed = [{"id": 1, "position": [x, 0], "angle": 0, "flip": False} for x in (0, 20)]
    order = {
        "parts": [
            {
                "geometry": [[[0, 0], [10, 0], [10, 10], [0, 10]]],
                "instances": [{"id": 1, "quantity": 4}],
            }
        ],
        "sheets": [{"id": 5, "length": 100, "height": 50, "quantity": 3}],
        "pre_nestings": [{"sheet": 5, "quantity": 2, "nested_parts": placed}],
        "time": 1,
    }

    answer = await_result(
        sandbox_http, sandbox_http.post("/new", json=order).json()["nesting_order_id"]
    )

    assert answer.json()["nestings"] == [
        {"sheet": 5, "quantity": 2, "length": 30.0, "height": 10.0, "nested_parts": placed}
    ]


def test_copies_left_once_pre_nestings_take_every_sheet_are_unplaced(
    sandbox_http: httpx.Client, await_result: Poll
) -> None:
    placed = [{"id": 1, "position": [0, 0], "angle": 0, "flip": False}]
    order = {
        "parts": [
            {
                "geometry": [[[0, 0], [10, 0], [10, 10], [0, 10]]],
                "instances": [{"id": 1, "quantity": 3}],
            }
        ],
        "sheets": [{"id": 5, "length": 10, "height": 10}],
        "pre_nestings": [{"sheet": 5, "nested_parts": placed}],
        "time": 1,
    }

    answer = await_result(
        sandbox_http, sandbox_http.post("/new", json=order).json()["nesting_order_id"]
    )

    body = answer.json()
    assert [n["nested_parts"] for n in body["nestings"]] == [placed]
    assert [(u["id"], u["quantity"]) for u in body["unplaced_parts"]] == [(1, 2)]
