"""The CloudNest sandbox's machines: push, production tasks (§8.2), completed list (§8.4)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import pytest

from nestflow.sandbox.cloudnest.settings import parse_machines

if TYPE_CHECKING:
    from conftest import CloudNestSandboxFactory, RectangleDxf, SignedApi, SignedApiFactory

#: Keys of the documented examples (spec §8.2, §8.4), exactly.
PLAN_KEYS = {
    "guid",
    "result_guid",
    "plate_name",
    "gmid",
    "width",
    "height",
    "material",
    "thickness",
    "part_amount",
    "total_plate_amount",
    "finish_plate_amount",
    "comments",
    "start_time",
    "finish_time",
    "status",
    "parts",
}
PLAN_PART_KEYS = {
    "guid",
    "material",
    "thickness",
    "amount",
    "part_name",
    "props",
    "drawing_name",
    "drawing_guid",
    "job_id",
}
RESULT_KEYS = {
    "uuid",
    "plate_name",
    "nest_name",
    "width",
    "height",
    "thickness",
    "material",
    "amount",
    "parts",
    "abnor_info",
    "part_weight",
}
RESULT_PART_KEYS = {"uuid", "name", "width", "height", "amount", "area", "weight"}
REMNANT_KEYS = {"name", "width", "height", "area"}
ALL_TIME = {"start_time": "2000-01-01 00:00:00", "end_time": "2100-01-01 00:00:00"}

#: A material whose 1000 x 1000 x 1 mm part weighs exactly the doc's 7.185 kg (§8.4 example).
DOC_DENSITY = 7.185


@pytest.fixture
def shop(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> SignedApi:
    """A sandbox whose machine 165192 cuts fast (60 m/min) and a second, slow machine 165193."""
    return cloudnest_api_for(
        cloudnest_sandbox_factory(speed=0.01, machines=parse_machines("165192:60000,165193:600"))
    )


def _nested_layout(api: SignedApi, name: str = "production") -> dict[str, Any]:
    """A finished layout of ten 1000 x 1000 mm squares of the doc-density material."""
    material = api.data("material_add", {"material_name": f"Doc alloy {name}", "density": 7.185})
    plate = {
        "plate_name": "Big sheet",
        "width": 8000.0,
        "height": 2500.0,
        "material_id": material["material_id"],
        "thickness": 1.0,
        "gap": 0.0,
    }
    plate_guid = api.data("plate_add", plate)["plate_guid"]
    job_id = api.data("job_add", {"job_name": name, "thickness": 1.0})["job_id"]
    square = {
        "partName": "Square",
        "jobId": job_id,
        "amount": 10,
        "argument": {"L1": "1000"},
        "props": {"orderCode": "20211213-0001"},
    }
    api.data("part_smart_draw", square)
    api.data("job_boost", {"job_id": job_id, "plate_guids": [plate_guid], "time_limit": 1})
    detail = api.wait_for(
        "job_nest_detail", {"job_id": job_id}, lambda d: d["status"] != "nesting", timeout=60
    )
    assert detail["status"] == "finished", detail
    return detail["results"][0] | {"job_id": job_id}


def _push(api: SignedApi, layout: dict[str, Any], gmid: int = 165192, amount: int = 1) -> str:
    body = {"result_guid": layout["result_guid"], "gmid": gmid, "amount": amount}
    return api.data("production_push", body)["plan_guid"]


def _completed(api: SignedApi, plan_guid: str) -> dict[str, Any]:
    return api.wait_for(
        "production_detail",
        {"plan_guid": plan_guid},
        lambda task: task["status"] == "completed",
        timeout=30,
    )


def test_push_creates_an_uncompleted_task_in_plan_detail(shop: SignedApi) -> None:
    layout = _nested_layout(shop)
    plan_guid = _push(shop, layout, gmid=165193, amount=2)
    [task] = shop.data("job_plan_detail", {"job_id": [layout["job_id"]]})
    assert set(task) == PLAN_KEYS
    assert (task["guid"], task["result_guid"], task["gmid"]) == (
        plan_guid,
        layout["result_guid"],
        165193,
    )
    assert (task["status"], task["total_plate_amount"], task["finish_plate_amount"]) == (
        "uncompleted",
        2,
        0,
    )
    assert task["finish_time"] is None


def test_plan_detail_parts_have_the_documented_keys_and_props(shop: SignedApi) -> None:
    layout = _nested_layout(shop)
    _push(shop, layout)
    [task] = shop.data("job_plan_detail", {"job_id": [layout["job_id"]]})
    [part] = task["parts"]
    assert set(part) == PLAN_PART_KEYS
    assert part["amount"] == len(layout["parts"])
    assert part["props"] == [{"prop_name": "orderCode", "prop_value": "20211213-0001"}]
    assert task["part_amount"] == len(layout["parts"])


def test_machine_completes_the_task_after_the_cutting_time(shop: SignedApi) -> None:
    layout = _nested_layout(shop)
    task = _completed(shop, _push(shop, layout, amount=2))
    assert task["finish_plate_amount"] == 2
    assert task["start_time"] is not None and task["finish_time"] is not None
    assert task["finish_time"] >= task["start_time"]


def test_completed_task_appears_in_the_machine_result_list(shop: SignedApi) -> None:
    layout = _nested_layout(shop)
    _completed(shop, _push(shop, layout))
    [result] = shop.data("machine_result_list", {"gmid": 165192, **ALL_TIME})
    assert set(result) == RESULT_KEYS
    assert (result["uuid"], result["plate_name"], result["nest_name"]) == (
        layout["result_guid"],
        layout["plate_name"],
        "production",
    )
    assert all(set(p) == RESULT_PART_KEYS for p in result["parts"])
    assert all(set(r) == REMNANT_KEYS for r in result["abnor_info"])


def test_machine_result_weights_follow_the_documented_rounding(shop: SignedApi) -> None:
    layout = _nested_layout(shop)
    _completed(shop, _push(shop, layout))
    [result] = shop.data("machine_result_list", {"gmid": 165192, **ALL_TIME})
    [part] = result["parts"]
    count = part["amount"]
    assert (part["width"], part["height"], part["area"]) == (1000.0, 1000.0, 1_000_000.0)
    assert part["weight"] == 7.19
    exact_total = (Decimal("7.185") * count).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert result["part_weight"] == float(exact_total)


def test_uncut_task_is_not_in_the_machine_result_list(shop: SignedApi) -> None:
    layout = _nested_layout(shop)
    _push(shop, layout, gmid=165193)
    assert shop.data("machine_result_list", {"gmid": 165193, **ALL_TIME}) == []


def test_machine_result_list_filters_by_finish_time(shop: SignedApi) -> None:
    layout = _nested_layout(shop)
    _completed(shop, _push(shop, layout))
    past = {"start_time": "2000-01-01 00:00:00", "end_time": "2001-01-01 00:00:00"}
    assert shop.data("machine_result_list", {"gmid": 165192, **past}) == []


def test_remnant_right_of_the_used_length_is_reported(shop: SignedApi) -> None:
    layout = _nested_layout(shop)
    _completed(shop, _push(shop, layout))
    [result] = shop.data("machine_result_list", {"gmid": 165192, **ALL_TIME})
    [remnant] = result["abnor_info"]
    assert remnant["height"] == 2500.0
    assert 0 < remnant["width"] < 8000.0
    assert remnant["name"].endswith("-余料板-1.00-1")


def test_push_to_a_machine_the_team_cannot_control_gives_1010(shop: SignedApi) -> None:
    layout = _nested_layout(shop)
    body = {"result_guid": layout["result_guid"], "gmid": 1, "amount": 1}
    envelope = shop.call("production_push", body)
    assert envelope["status"] == 1010
    assert "uncontrollable machine tool" in envelope["msg"] and "165192" in envelope["msg"]


def test_push_of_an_unknown_layout_gives_2002(cloudnest_api: SignedApi) -> None:
    body = {"result_guid": "3DC495FB-47A8-469E-A11F-25FD82151BC7", "gmid": 165192, "amount": 1}
    assert cloudnest_api.call("production_push", body)["status"] == 2002


def test_machine_cuts_its_tasks_one_after_the_other(shop: SignedApi) -> None:
    layout = _nested_layout(shop)
    pushed = [_push(shop, layout), _push(shop, layout)]
    first, second = (_completed(shop, plan_guid) for plan_guid in pushed)
    assert second["start_time"] >= first["finish_time"]


# --- the vendor's codes of machine queries (spec §Q.1) ------------------------------------------


def test_machine_query_on_a_machine_the_team_cannot_control_gives_1010(
    cloudnest_api: SignedApi,
) -> None:
    envelope = cloudnest_api.call("machine_result_list", {"gmid": 4242, **ALL_TIME})
    assert envelope["status"] == 1010 and "4242" in envelope["msg"]


def test_upload_cut_to_a_card_the_account_cannot_control_gives_1010(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    envelope = cloudnest_api.call(
        "device_upload_cut",
        data={"cardId": "999999999999", "taskName": "t", "taskAmount": "1"},
        files=[("file", ("layout.dxf", rectangle_dxf(100, 50)))],
    )
    assert envelope["status"] == 1010 and "999999999999" in envelope["msg"]


def test_machine_query_with_a_malformed_time_gives_1013(cloudnest_api: SignedApi) -> None:
    body = {"gmid": 165192, "start_time": "2024-01-01", "end_time": "2024-01-02 00:00:00"}
    envelope = cloudnest_api.call("machine_result_list", body)
    assert envelope["status"] == 1013 and "start_time" in envelope["msg"]


def test_machine_query_over_more_than_three_months_gives_1014(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(result_range_months=3))
    three_months = {"start_time": "2024-01-31 00:00:00", "end_time": "2024-04-30 00:00:00"}
    one_day_more = {"start_time": "2024-01-31 00:00:00", "end_time": "2024-05-01 00:00:00"}
    assert api.call("machine_result_list", {"gmid": 165192, **three_months})["status"] == 0
    envelope = api.call("machine_result_list", {"gmid": 165192, **one_day_more})
    assert envelope["status"] == 1014 and "3 months" in envelope["msg"]
