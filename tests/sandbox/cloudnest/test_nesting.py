"""The CloudNest sandbox's Boost: real nesting, layouts, layout DXF files, documented shapes."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import ezdxf
import httpx
import pytest

if TYPE_CHECKING:
    from conftest import CloudNestSandboxHandle, RectangleDxf, SignedApi

#: Keys of the documented examples (spec §8.1, §8.3), exactly.
PLATE_USED_KEYS = {
    "guid",
    "amount",
    "material",
    "thickness",
    "plate_name",
    "plate_type",
    "file_url",
    "thumbnail_url",
    "width",
    "height",
}
LOC_INFO_KEYS = {"guid", "nest_result", "task_name"}
LOC_RESULT_KEYS = {"guid", "library_plate_guid", "part_list", "plate_idx", "plate_name"}


def _job_with_parts(
    api: SignedApi, rectangle_dxf: RectangleDxf, name: str = "boost", **job: Any
) -> int:
    job_id = api.data("job_add", {"job_name": name, **job})["job_id"]
    datas = [
        {"filename": "holed.dxf", "amount": 4},
        {"filename": "plain.dxf", "amount": 3, "rotate_lock": 1},
    ]
    api.data(
        "drawing_upload",
        data={"job_id": str(job_id), "datas": json.dumps(datas)},
        files=[
            ("file", ("holed.dxf", rectangle_dxf(300, 200, hole_radius=40))),
            ("file", ("plain.dxf", rectangle_dxf(500, 120))),
        ],
    )
    api.wait_for(
        "job_drawing_status",
        {"job_id": job_id},
        lambda ds: all(d["status"] == "success" for d in ds),
    )
    return job_id


def _boosted(api: SignedApi, job_id: int, **boost: Any) -> dict[str, Any]:
    api.data("job_boost", {"job_id": job_id, "time_limit": 1, **boost})
    return api.wait_for(
        "job_nest_detail", {"job_id": job_id}, lambda d: d["status"] != "nesting", timeout=60
    )


def test_boost_nests_every_part_on_the_standard_plate(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job_with_parts(cloudnest_api, rectangle_dxf)
    detail = _boosted(cloudnest_api, job_id, gap=5)
    assert (detail["status"], detail["msg"]) == ("finished", "OK")
    [layout] = detail["results"]
    names = sorted(p["part_name"] for p in layout["parts"])
    assert names == ["holed"] * 4 + ["plain"] * 3
    assert (layout["width"], layout["height"], layout["amount"]) == (3000.0, 1500.0, 1)


def test_layout_utilisation_is_the_part_area_over_the_plate_area(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job_with_parts(cloudnest_api, rectangle_dxf)
    [layout] = _boosted(cloudnest_api, job_id)["results"]
    areas = {p["part_name"]: p["area"] for p in cloudnest_api.data("job_parts", {"job_id": job_id})}
    placed = sum(areas[p["part_name"]] for p in layout["parts"])
    assert layout["utilization"] == pytest.approx(placed / (3000 * 1500), abs=1e-4)


def test_part_serial_numbers_count_placed_parts_from_one(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job_with_parts(cloudnest_api, rectangle_dxf)
    [layout] = _boosted(cloudnest_api, job_id)["results"]
    assert sorted(p["serial_no"] for p in layout["parts"]) == list(range(1, 8))


def test_rotation_locked_parts_stay_unrotated(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job_with_parts(cloudnest_api, rectangle_dxf)
    [layout] = _boosted(cloudnest_api, job_id)["results"]
    assert {p["angle"] for p in layout["parts"] if p["part_name"] == "plain"} == {0.0}


def test_layout_dxf_link_serves_a_dxf_ezdxf_reads_back(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job_with_parts(cloudnest_api, rectangle_dxf)
    [layout] = _boosted(cloudnest_api, job_id)["results"]
    response = httpx.get(layout["dxf_url"])
    assert response.status_code == 200
    doc = ezdxf.read(io.StringIO(response.content.decode()))
    msp = doc.modelspace()
    assert len(msp.query('*[layer=="CUT"]')) == 7
    assert len(msp.query('*[layer=="CUT_INNER"]')) == 4
    assert len(msp.query('LWPOLYLINE[layer=="SHEET"]')) == 1


def test_unknown_layout_file_answers_404(cloudnest_sandbox: CloudNestSandboxHandle) -> None:
    response = httpx.get(f"{cloudnest_sandbox.base_url}/cn-api/files/layout/NOPE.dxf")
    assert response.status_code == 404


def test_nest_detail_before_any_boost_gives_2002(cloudnest_api: SignedApi) -> None:
    job_id = cloudnest_api.data("job_add", {"job_name": "not boosted"})["job_id"]
    envelope = cloudnest_api.call("job_nest_detail", {"job_id": job_id})
    assert envelope["status"] == 2002
    assert "job_boost" in envelope["msg"]


def test_boost_of_a_job_without_parts_gives_2103(cloudnest_api: SignedApi) -> None:
    job_id = cloudnest_api.data("job_add", {"job_name": "empty"})["job_id"]
    envelope = cloudnest_api.call("job_boost", {"job_id": job_id})
    assert envelope["status"] == 2103
    assert str(job_id) in envelope["msg"]


def test_boost_without_a_plate_of_the_job_material_gives_2005(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job_with_parts(cloudnest_api, rectangle_dxf, material="304", thickness=2.0)
    envelope = cloudnest_api.call("job_boost", {"job_id": job_id})
    assert envelope["status"] == 2005
    assert "'304'" in envelope["msg"] and "plate_add" in envelope["msg"]


def test_boost_uses_a_plate_added_for_the_material(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    materials = cloudnest_api.data("material_list")
    steel_304 = next(m for m in materials if m["material_name"] == "304")
    plate = {
        "plate_type": 0,
        "plate_name": "304 sheet",
        "remain_amount": 5,
        "width": 2000.0,
        "height": 1000.0,
        "material_id": steel_304["material_id"],
        "thickness": 2.0,
        "gap": 5.0,
    }
    plate_guid = cloudnest_api.data("plate_add", plate)["plate_guid"]
    job_id = _job_with_parts(cloudnest_api, rectangle_dxf, material="304", thickness=2.0)
    [layout] = _boosted(cloudnest_api, job_id)["results"]
    assert (layout["plate_guid"], layout["material"], layout["thickness"]) == (
        plate_guid,
        "304",
        2.0,
    )


def test_second_boost_while_one_runs_gives_2104(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job_with_parts(cloudnest_api, rectangle_dxf)
    cloudnest_api.data("job_boost", {"job_id": job_id, "time_limit": 1})
    assert cloudnest_api.call("job_boost", {"job_id": job_id})["status"] == 2104


def test_plate_used_has_the_documented_keys(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job_with_parts(cloudnest_api, rectangle_dxf)
    _boosted(cloudnest_api, job_id)
    [used] = cloudnest_api.data("job_plate_used", {"job_id": [job_id]})
    assert set(used) == PLATE_USED_KEYS
    assert (used["plate_name"], used["plate_type"], used["amount"]) == ("Standard Plate", 0, 1)


def test_loc_info_lists_one_guid_per_placed_part_in_x_order(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job_with_parts(cloudnest_api, rectangle_dxf)
    [layout] = _boosted(cloudnest_api, job_id)["results"]
    body = {"type": "SingleResult", "guid": layout["result_guid"], "order_by": "x"}
    info = cloudnest_api.data("part_loc_info", body)
    assert set(info) == LOC_INFO_KEYS
    [nest] = info["nest_result"]
    assert set(nest) == LOC_RESULT_KEYS
    by_serial = sorted(layout["parts"], key=lambda p: p["serial_no"])
    assert nest["part_list"] == [p["part_guid"] for p in by_serial]
    xs = [round(p["x"]) for p in by_serial]
    assert xs == sorted(xs)


def test_delete_nest_empties_the_job_layouts(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job_with_parts(cloudnest_api, rectangle_dxf)
    [layout] = _boosted(cloudnest_api, job_id)["results"]
    cloudnest_api.data("job_delete_nest", {"job_id": job_id})
    assert cloudnest_api.data("job_layouts", {"job_id": job_id}) == []
    assert httpx.get(layout["dxf_url"]).status_code == 404
