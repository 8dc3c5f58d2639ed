"""AlmaCAM wire models: documented examples read and write back exactly; schema rules hold."""

from typing import Any

import pytest
from pydantic import ValidationError

from nestflow.almacam.models import (
    ArcVertex,
    ErrorBody,
    FullResult,
    Instance,
    Order,
    PartSpec,
    PreNesting,
    Sheet,
    StatsResult,
    StatusMessage,
    SubmitResponse,
)

SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1]]

#: The doc's sample full result (getting-started, docs/specs/almacam-api.md §4).
FULL_SAMPLE = {
    "message": "successfully completed",
    "nestings": [
        {
            "length": 1.0,
            "sheet": 123,
            "nested_parts": [{"id": 42, "position": [0.0, 0.0], "angle": 0.0, "flip": False}],
            "quantity": 1,
        }
    ],
}

#: The error examples of section A and §9 of the spec.
ORIENTATIONS_TOO_SHORT = {
    "message": "An error occured.",
    "errors": [
        {
            "path": ["parts", 0, "instances", 0, "orientations"],
            "message": "[] is too short",
            "error_code": -3000,
        }
    ],
}
SELF_INTERSECTING = {
    "message": "An error occured",
    "errors": [
        {"message": "Outline description is self intersecting", "parts": [1], "error_code": -979}
    ],
}
ALL_FIELDS_ERROR = {
    "message": "An error occured",
    "errors": [
        {
            "error_code": -3000,
            "message": "<human readable>",
            "path": ["parts", 0, "instances", 0, "orientations"],
            "parts": [42],
            "sheets": [123],
        }
    ],
}


def _as_sent(order: Order) -> dict[str, Any]:
    """What was set, as JSON: the exact shape of the order we were given."""
    return order.model_dump(mode="json", exclude_none=True, exclude_unset=True)


def _order(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "parts": [{"geometry": [SQUARE], "instances": [{"id": 1}]}],
        "sheets": [{"id": 1, "length": 10, "height": 5}],
        "time": 1,
    }
    return base | changes


def test_hello_world_order_round_trips_exactly(hello_world_order) -> None:
    assert _as_sent(Order.model_validate(hello_world_order)) == hello_world_order


def test_constructed_example_round_trips_exactly(constructed_order) -> None:
    assert _as_sent(Order.model_validate(constructed_order)) == constructed_order


def test_payload_leaves_out_unset_optional_keys(hello_world_order) -> None:
    payload = Order.model_validate(hello_world_order).to_payload()
    assert set(payload) == {"parts", "sheets", "time"}
    assert "holes" not in payload["parts"][0]
    assert "orientations" not in payload["parts"][0]["instances"][0]
    assert not {"contour", "border_gap", "defects"} & set(payload["sheets"][0])


def test_compact_is_sent_when_set(hello_world_order) -> None:
    payload = Order.model_validate(hello_world_order | {"compact": "left"}).to_payload()
    assert payload["compact"] == "left"


def test_plain_vertices_stay_lists_and_arc_vertices_stay_objects(constructed_order) -> None:
    payload = Order.model_validate(constructed_order).to_payload()
    assert payload["sheets"][2]["contour"][0] == [0, 0]
    assert payload["parts"][0]["geometry"][0][1] == {"x": 10, "y": 0, "bul": 0.41421356}


def test_a_vertex_takes_at_most_one_arc_key() -> None:
    with pytest.raises(ValidationError, match="at most one of sag, bul, cir"):
        ArcVertex.model_validate({"x": 0, "y": 0, "sag": 1, "bul": 1})


def test_a_plain_vertex_has_exactly_two_numbers() -> None:
    with pytest.raises(ValidationError):
        PartSpec.model_validate(
            {"geometry": [[[0, 0, 0], [1, 0], [1, 1]]], "instances": [{"id": 1}]}
        )


@pytest.mark.parametrize("time", [0, -1, 300.5])
def test_time_must_be_above_0_and_at_most_300(time: float) -> None:
    with pytest.raises(ValidationError, match="time"):
        Order.model_validate(_order(time=time))


def test_time_of_exactly_300_is_allowed() -> None:
    assert Order.model_validate(_order(time=300)).time == 300


def test_an_empty_orientation_list_is_refused() -> None:
    with pytest.raises(ValidationError, match="orientations"):
        Instance.model_validate({"id": 1, "orientations": []})


@pytest.mark.parametrize(
    "orientation",
    [
        {"angle": 360},
        {"angle": -1},
        {"min_angle": 0, "max_angle": 90, "step": 5},
        {"angle": 0, "min_angle": 0},
    ],
    ids=["angle-360", "negative-angle", "step-field", "both-shapes"],
)
def test_orientations_outside_the_schema_are_refused(orientation: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Instance.model_validate({"id": 1, "orientations": [orientation]})


def test_a_quantity_below_one_is_refused() -> None:
    with pytest.raises(ValidationError, match="quantity"):
        Instance.model_validate({"id": 1, "quantity": 0})


def test_a_negative_protection_offset_is_refused() -> None:
    with pytest.raises(ValidationError, match="protection_offset"):
        PartSpec.model_validate(
            {"geometry": [SQUARE], "instances": [{"id": 1}], "protection_offset": -0.1}
        )


@pytest.mark.parametrize(
    "sheet",
    [
        {"id": 1, "length": 10, "height": 5, "contour": SQUARE},
        {"id": 1, "length": 10},
        {"id": 1},
        {"id": 1, "length": 10, "height": 0},
        {"id": 1, "length": 10, "height": 5, "border_gap": [1, 1, 1]},
        {"id": 1, "length": 10, "height": 5, "border_gap": -1},
    ],
    ids=["contour-and-length", "no-height", "no-size", "zero-height", "three-gaps", "negative-gap"],
)
def test_sheets_outside_the_schema_are_refused(sheet: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Sheet.model_validate(sheet)


@pytest.mark.parametrize(
    ("gap", "gaps"),
    [(None, (0.0,) * 4), (2.5, (2.5,) * 4), ([1, 2, 3, 4], (1.0, 2.0, 3.0, 4.0))],
    ids=["null", "one-for-all", "per-edge"],
)
def test_a_border_gap_of_null_means_none(gap: Any, gaps: tuple[float, ...]) -> None:
    sheet = Sheet.model_validate({"id": 1, "length": 10, "height": 5, "border_gap": gap})

    assert sheet.border_gaps == gaps


def test_a_null_border_gap_is_not_sent() -> None:
    sheet = Sheet.model_validate({"id": 1, "length": 10, "height": 5, "border_gap": None})
    order = Order(
        parts=[PartSpec(geometry=[SQUARE], instances=[Instance(id=1)])], sheets=[sheet], time=1
    )

    assert "border_gap" not in order.to_payload()["sheets"][0]


def test_what_we_send_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="color"):
        Instance.model_validate({"id": 1, "color": "red"})


def test_a_pre_nesting_refuses_an_angle_of_360_and_unknown_fields() -> None:
    part = {"id": 1, "position": [0, 0], "angle": 0, "flip": False}
    with pytest.raises(ValidationError, match="outside"):
        PreNesting.model_validate({"sheet": 1, "nested_parts": [part | {"angle": 360}]})
    with pytest.raises(ValidationError, match="unknown fields"):
        PreNesting.model_validate({"sheet": 1, "nested_parts": [part | {"color": 1}]})


def test_the_submit_answer_reads_the_order_id() -> None:
    answer = SubmitResponse.model_validate(
        {"message": "Nesting order submitted", "nesting_order_id": 12345}
    )
    assert answer.nesting_order_id == 12345


def test_the_documented_full_result_reads_without_height() -> None:
    result = FullResult.model_validate(FULL_SAMPLE)
    (nesting,) = result.nestings
    assert (nesting.sheet, nesting.quantity, nesting.length, nesting.height) == (123, 1, 1.0, None)
    assert nesting.nested_parts[0].model_dump() == FULL_SAMPLE["nestings"][0]["nested_parts"][0]
    assert result.model_dump(mode="json", exclude_none=True) == FULL_SAMPLE


def test_a_stats_result_carries_part_ids_only() -> None:
    stats = {
        "message": "successfully completed",
        "nestings": [
            {
                "sheet": 123,
                "quantity": 2,
                "length": 7.5,
                "height": 4.0,
                "nested_parts": [{"id": 42}],
            }
        ],
    }
    result = StatsResult.model_validate(stats)
    assert result.nestings[0].nested_parts[0].model_dump() == {"id": 42}
    assert result.model_dump(mode="json", exclude_none=True) == stats


def test_a_full_result_needs_the_placement_of_every_part() -> None:
    stats_shape = {
        "message": "ok",
        "nestings": [{"sheet": 1, "quantity": 1, "length": 1.0, "nested_parts": [{"id": 1}]}],
    }
    with pytest.raises(ValidationError, match="position"):
        FullResult.model_validate(stats_shape)


def test_answers_keep_fields_the_vendor_adds() -> None:
    stats = {
        "message": "ok",
        "efficiency": 0.82,
        "nestings": [{"sheet": 1, "quantity": 1, "length": 1.0, "nested_parts": [], "area": 9.5}],
    }
    result = StatsResult.model_validate(stats)
    assert result.model_extra == {"efficiency": 0.82}
    assert result.nestings[0].model_extra == {"area": 9.5}


@pytest.mark.parametrize(
    "body",
    [ORIENTATIONS_TOO_SHORT, SELF_INTERSECTING, ALL_FIELDS_ERROR],
    ids=["path", "parts", "all"],
)
def test_documented_error_bodies_round_trip(body: dict[str, Any]) -> None:
    assert ErrorBody.model_validate(body).model_dump(mode="json", exclude_none=True) == body


def test_an_error_path_keeps_keys_as_strings_and_indexes_as_ints() -> None:
    (item,) = ErrorBody.model_validate(ORIENTATIONS_TOO_SHORT).errors
    assert item.path == ["parts", 0, "instances", 0, "orientations"]
    assert [type(step) for step in item.path] == [str, int, str, int, str]


def test_an_error_body_without_errors_reads_as_an_empty_list() -> None:
    assert ErrorBody.model_validate({"message": "An error occured"}).errors == []


@pytest.mark.parametrize(
    "text",
    [
        "This nesting order is still computing",
        "Incorrect authentication",
        "This nesting order does not exist",
    ],
)
def test_status_bodies_carry_their_message(text: str) -> None:
    assert StatusMessage.model_validate({"message": text}).message == text


def test_every_almacam_error_pickles_with_its_attributes() -> None:
    import pickle

    from nestflow.almacam.errors import (
        AlmaCamAnswerTooLarge,
        AlmaCamNotFound,
        AlmaCamRateLimited,
        AlmaCamTimeout,
        AlmaCamTransportError,
        AlmaCamValidationError,
    )
    from nestflow.almacam.models import ErrorItem

    errors = [
        AlmaCamNotFound("unknown order", status=404, endpoint="GET /result/3/full", order_id=3),
        AlmaCamTransportError("refused", endpoint="POST /new", request_sent=False),
        AlmaCamTimeout(
            endpoint="GET /result/4/full", order_id=4, elapsed=9.0, polls=3, last_status=202
        ),
        AlmaCamValidationError(
            "refused",
            errors=[ErrorItem(error_code=-979, message="self intersecting", parts=[2])],
            endpoint="POST /new",
        ),
        AlmaCamAnswerTooLarge(endpoint="GET /result/5/full", limit=1024, order_id=5),
        AlmaCamRateLimited(
            "too many requests", endpoint="POST /new", retry_after=86400.0, answers=1
        ),
    ]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert vars(copy).keys() == vars(error).keys()
