"""The CloudNest sandbox with a state file: a restarted sandbox keeps jobs, drawings, layouts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from conftest import CloudNestSandboxFactory, RectangleDxf, SignedApiFactory


def test_restarted_sandbox_keeps_jobs_drawings_and_layouts(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
    cloudnest_api_for: SignedApiFactory,
    rectangle_dxf: RectangleDxf,
    tmp_path: Path,
) -> None:
    state = tmp_path / "sandbox.db"
    first = cloudnest_api_for(cloudnest_sandbox_factory(state_file=state))
    job_id = first.data("job_add", {"job_name": "kept"})["job_id"]
    first.data(
        "drawing_upload",
        data={"job_id": str(job_id)},
        files=[("file", ("kept.dxf", rectangle_dxf(100, 50)))],
    )
    first.wait_for(
        "job_drawing_status", {"job_id": job_id}, lambda ds: ds[0]["status"] == "success"
    )
    first.data("job_boost", {"job_id": job_id, "time_limit": 1})
    before = first.wait_for(
        "job_nest_detail", {"job_id": job_id}, lambda d: d["status"] == "finished", timeout=60
    )
    first.sandbox.stop()

    second = cloudnest_api_for(cloudnest_sandbox_factory(state_file=state))
    assert second.data("job_search", {"job_name": "kept"})[0]["job_id"] == job_id
    [drawing] = second.data("job_drawing_status", {"job_id": job_id})
    assert (drawing["filename"], drawing["status"]) == ("kept.dxf", "success")
    after = second.data("job_nest_detail", {"job_id": job_id})
    assert [r["result_guid"] for r in after["results"]] == [
        r["result_guid"] for r in before["results"]
    ]
    assert httpx.get(after["results"][0]["dxf_url"]).status_code == 200
    assert second.data("job_add", {"job_name": "next"})["job_id"] == job_id + 1


def test_drawing_left_processing_by_a_stop_is_finished_after_restart(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
    cloudnest_api_for: SignedApiFactory,
    rectangle_dxf: RectangleDxf,
    tmp_path: Path,
) -> None:
    state = tmp_path / "sandbox.db"
    first = cloudnest_api_for(
        cloudnest_sandbox_factory(state_file=state, speed=1.0, processing_seconds=1.0)
    )
    job_id = first.data("job_add", {"job_name": "interrupted"})["job_id"]
    first.data(
        "drawing_upload",
        data={"job_id": str(job_id)},
        files=[("file", ("late.dxf", rectangle_dxf(40, 40)))],
    )
    first.sandbox.stop()

    second = cloudnest_api_for(cloudnest_sandbox_factory(state_file=state))
    [drawing] = second.wait_for(
        "job_drawing_status", {"job_id": job_id}, lambda ds: ds[0]["status"] == "success"
    )
    assert drawing["part_count"] == 1


def test_state_is_not_shared_without_a_state_file(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    first = cloudnest_api_for(cloudnest_sandbox_factory())
    first.data("job_add", {"job_name": "ephemeral"})
    first.sandbox.stop()
    second = cloudnest_api_for(cloudnest_sandbox_factory())
    assert second.data("job_search", {"job_name": "ephemeral"}) == []
