"""Building an AlmaCAM order from geometry parts, and naming its ids back in the user's terms."""

import math

import pytest

from nestflow.almacam.errors import AlmaCamValidationError
from nestflow.almacam.models import ErrorItem, PunctualOrientation, RangeOrientation
from nestflow.almacam.orders import OrderLine, OrderSheet, build_order, orientations_for
from nestflow.geometry.encoding import contour_from_almacam
from nestflow.geometry.models import Contour, Part, Vertex
from nestflow.sandbox.almacam.endpoints.schema import ORDER_VALIDATOR

OUTER_AREA = 100 * 50 - (10 * 10 - math.pi * 10**2 / 4)  # one corner rounded, radius 10
HOLE_AREA = math.pi * 10**2

STOCK = OrderSheet(name="S235 3mm 3000x1500", length=3000, height=1500, quantity=4)


def _square(name: str, source: str, size: float = 10.0) -> Part:
    corners = [(0, 0), (size, 0), (size, size), (0, size)]
    return Part(
        name=name,
        source=source,
        outer=Contour(vertices=tuple(Vertex(x=x, y=y) for x, y in corners)),
    )


def test_each_line_becomes_one_part_with_one_instance_numbered_from_one(bracket_part) -> None:
    lines = [OrderLine(part=bracket_part, quantity=3), OrderLine(part=_square("sq", "sq.dxf"))]
    order, index = build_order(lines, [STOCK], time=5)
    assert [[i.id for i in p.instances] for p in order.parts] == [[1], [2]]
    assert order.parts[0].instances[0].quantity == 3
    assert index.part_ids == [1, 2]


def test_geometry_and_hole_round_trip_with_exact_area(bracket_part) -> None:
    order, _ = build_order([OrderLine(part=bracket_part)], [STOCK], time=5)
    payload = order.to_payload()["parts"][0]
    outer = contour_from_almacam(payload["geometry"][0])
    (hole,) = [contour_from_almacam(h) for h in payload["holes"]]
    assert outer.area == pytest.approx(OUTER_AREA, rel=1e-9)
    assert hole.area == pytest.approx(HOLE_AREA, rel=1e-9)
    assert outer.has_arcs and hole.has_arcs


def test_part_is_moved_to_its_bbox_corner_and_the_shift_is_kept(bracket_part) -> None:
    order, index = build_order([OrderLine(part=bracket_part)], [STOCK], time=5)
    box = contour_from_almacam(order.to_payload()["parts"][0]["geometry"][0]).bounds()
    assert (box.min_x, box.min_y, box.max_x, box.max_y) == pytest.approx((0, 0, 100, 50))
    assert index.parts[1].offset == (-20.0, -30.0)


def test_index_keeps_the_part_exactly_as_sent(bracket_part) -> None:
    order, index = build_order([OrderLine(part=bracket_part)], [STOCK], time=5)
    sent = contour_from_almacam(order.to_payload()["parts"][0]["geometry"][0])
    kept = index.parts[1].part
    assert kept.outer.to_shapely().symmetric_difference(sent.to_shapely()).area < 1e-9
    assert len(kept.holes) == len(bracket_part.holes)


def test_fixed_rotations_become_punctual_orientations_without_flip() -> None:
    assert orientations_for([0, 90], flip_allowed=False) == [
        PunctualOrientation(angle=0, flip=False),
        PunctualOrientation(angle=90, flip=False),
    ]


def test_full_turns_and_repeated_angles_are_folded() -> None:
    angles = [o.angle for o in orientations_for([360, -90, 270, 0, 720.0], flip_allowed=False)]
    assert angles == [0.0, 270.0]


def test_free_rotation_is_the_range_0_to_359_9() -> None:
    assert orientations_for("free", flip_allowed=False) == [
        RangeOrientation(min_angle=0, max_angle=359.9, flip=False)
    ]


def test_flip_allowed_adds_the_same_orientations_mirrored() -> None:
    orientations = orientations_for([0, 180], flip_allowed=True)
    assert [(o.angle, o.flip) for o in orientations] == [
        (0, False),
        (180, False),
        (0, True),
        (180, True),
    ]


def test_no_rotation_at_all_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one angle"):
        orientations_for([], flip_allowed=False)


def test_strip_stock_is_sent_as_length_minus_one() -> None:
    order, _ = build_order(
        [OrderLine(part=_square("a", "a.dxf"))],
        [OrderSheet(length=None, height=1250, border_gap=(5, 5, 2, 2))],
        time=5,
    )
    sheet = order.to_payload()["sheets"][0]
    assert sheet == {
        "id": 1,
        "length": -1,
        "height": 1250,
        "quantity": 1,
        "border_gap": [5, 5, 2, 2],
    }
    assert order.sheets[0].is_strip


def test_a_zero_border_gap_is_not_sent() -> None:
    order, _ = build_order([OrderLine(part=_square("a", "a.dxf"))], [STOCK], time=5)
    assert "border_gap" not in order.to_payload()["sheets"][0]


def test_stock_with_a_border_gap_of_null_has_none() -> None:
    stock = OrderSheet.model_validate({"length": 100, "height": 50, "border_gap": None})
    order, _ = build_order([OrderLine(part=_square("a", "a.dxf"))], [stock], time=5)

    assert stock.border_gap == 0.0
    assert "border_gap" not in order.to_payload()["sheets"][0]


def test_protection_offset_applies_to_every_part(bracket_part) -> None:
    lines = [OrderLine(part=bracket_part), OrderLine(part=_square("a", "a.dxf"))]
    order, _ = build_order(lines, [STOCK], time=5, protection_offset=2.5)
    assert [p.protection_offset for p in order.parts] == [2.5, 2.5]


def test_an_order_needs_parts_and_sheets(bracket_part) -> None:
    with pytest.raises(ValueError, match="at least one part"):
        build_order([], [STOCK], time=5)
    with pytest.raises(ValueError, match="at least one sheet"):
        build_order([OrderLine(part=bracket_part)], [], time=5)


def test_a_time_over_300_s_is_refused_before_sending(bracket_part) -> None:
    with pytest.raises(ValueError, match="time"):
        build_order([OrderLine(part=bracket_part)], [STOCK], time=301)


def test_index_names_parts_by_name_and_file_and_sheets_by_stock_name(bracket_part) -> None:
    _, index = build_order([OrderLine(part=bracket_part)], [STOCK], time=5)
    assert index.part_label(1) == "part 'bracket-2' from bracket.dxf"
    assert index.part_label(9) == "part id 9 (not in this order)"
    assert index.sheet_label(1) == "sheet 'S235 3mm 3000x1500'"


def test_index_maps_an_error_path_to_the_part_it_points_into(bracket_part) -> None:
    lines = [OrderLine(part=_square("a", "a.dxf")), OrderLine(part=bracket_part)]
    _, index = build_order(lines, [STOCK], time=5)
    assert index.path_label(["parts", 1, "instances", 0]) == "part 'bracket-2' from bracket.dxf"
    assert index.path_label(["sheets", 0, "height"]) == "sheet 'S235 3mm 3000x1500'"
    assert index.path_label(["time"]) is None


def test_a_vendor_error_on_a_part_id_reads_with_the_users_part_and_file(bracket_part) -> None:
    _, index = build_order([OrderLine(part=bracket_part)], [STOCK], time=5)
    error = AlmaCamValidationError(
        "An error occured",
        errors=[
            ErrorItem(
                error_code=-979, message="Outline description is self intersecting", parts=[1]
            )
        ],
        endpoint="POST /new",
        index=index,
    )
    assert error.describe() == [
        "code -979 (a contour intersects itself): Outline description is self intersecting; "
        "concerns part 'bracket-2' from bracket.dxf"
    ]
    assert "part 'bracket-2' from bracket.dxf" in str(error)


def test_a_vendor_error_path_reads_as_the_users_part(bracket_part) -> None:
    _, index = build_order([OrderLine(part=bracket_part)], [STOCK], time=5)
    item = ErrorItem(
        error_code=-3000,
        message="[] is too short",
        path=["parts", 0, "instances", 0, "orientations"],
    )
    error = AlmaCamValidationError("An error occured", errors=[item], endpoint="POST /new")
    assert error.describe(index) == [
        "code -3000 (the order does not satisfy the order schema) at "
        "parts[0].instances[0].orientations [part 'bracket-2' from bracket.dxf]: [] is too short"
    ]


def test_a_built_order_satisfies_the_vendors_order_schema(bracket_part) -> None:
    # The sandbox holds the vendor's schema (docs/specs/almacam-api.md §11): built orders pass it.
    lines = [
        OrderLine(part=bracket_part, quantity=2, rotations="free", flip_allowed=True),
        OrderLine(part=_square("a", "a.dxf"), rotations=[0, 90]),
    ]
    order, _ = build_order(lines, [STOCK, OrderSheet(length=None, height=800)], time=5)
    assert [e.message for e in ORDER_VALIDATOR.iter_errors(order.to_payload())] == []
