"""The CloudNest sandbox's opt-in minimum web between holes (``min_hole_web_mm``), over HTTP.

Off by default; set, a Boost of a job holding a part whose holes are closer than the web fails
and names that part (and only it) in ``failed_parts``, as for a part the solver refuses.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tests.sandbox.close_holes import holes_too_close

if TYPE_CHECKING:
    from conftest import CloudNestSandboxFactory, RectangleDxf, SignedApi, SignedApiFactory

#: The web the strict sandbox requires between two holes, in mm.
MIN_WEB = 1.0
#: The web of the drawing with holes too close: thinner, but not nothing.
WEB = 0.5


def boosted(api: SignedApi, rectangle_dxf: RectangleDxf) -> dict[str, Any]:
    """Upload a plain plate and one with holes :data:`WEB` apart in a job, Boost, wait for it."""
    job_id = api.data("job_add", {"job_name": "webs"})["job_id"]
    datas = [{"filename": "plain.dxf", "amount": 1}, {"filename": "thin.dxf", "amount": 1}]
    api.data(
        "drawing_upload",
        data={"job_id": str(job_id), "datas": json.dumps(datas)},
        files=[
            ("file", ("plain.dxf", rectangle_dxf(200, 100))),
            ("file", ("thin.dxf", holes_too_close(WEB))),
        ],
    )
    api.wait_for(
        "job_drawing_status",
        {"job_id": job_id},
        lambda ds: all(d["status"] == "success" for d in ds),
    )
    api.data("job_boost", {"job_id": job_id, "time_limit": 1})
    return api.wait_for(
        "job_nest_detail", {"job_id": job_id}, lambda d: d["status"] != "nesting", timeout=60
    )


def test_by_default_a_part_with_holes_half_a_millimetre_apart_is_nested(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    detail = boosted(cloudnest_api, rectangle_dxf)
    assert (detail["status"], detail["failed_parts"]) == ("finished", [])
    placed = sorted(p["part_name"] for layout in detail["results"] for p in layout["parts"])
    assert placed == ["plain", "thin"]


def test_with_a_web_set_the_boost_fails_naming_only_the_part_with_holes_closer(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
    cloudnest_api_for: SignedApiFactory,
    rectangle_dxf: RectangleDxf,
) -> None:
    sandbox = cloudnest_sandbox_factory(min_hole_web_mm=MIN_WEB)

    detail = boosted(cloudnest_api_for(sandbox), rectangle_dxf)

    assert detail["status"] == "failed"
    assert [p["part_name"] for p in detail["failed_parts"]] == ["thin"]
    assert "holes closer than 1 mm" in detail["msg"] and "'thin'" in detail["msg"]
