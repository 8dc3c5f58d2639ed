"""The CloudNest main sequence end to end against the sandbox, with the high-level helpers."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import ezdxf
import pytest

from nestflow.cloudnest import jobs
from nestflow.cloudnest.models import DrawingStatus, NestStatus, PlanStatus

SIZES = [
    (120, 80),
    (90, 60),
    (200, 40),
    (75, 75),
    (150, 100),
    (60, 30),
    (110, 45),
    (95, 85),
    (50, 50),
]


@pytest.fixture
def drawings(tmp_path, rectangle_dxf, open_contour_dxf):
    """Nine good part drawings (some with a hole) and one with an open outline."""
    paths = []
    for index, (width, height) in enumerate(SIZES):
        path = tmp_path / f"part-{index:02d}.dxf"
        path.write_bytes(rectangle_dxf(width, height, hole_radius=10 if index % 2 else None))
        paths.append(path)
    broken = tmp_path / "broken-open-outline.dxf"
    broken.write_bytes(open_contour_dxf)
    return [*paths, broken]


def test_ensure_job_twice_gives_one_job(cloudnest_client):
    first = jobs.ensure_job(cloudnest_client, "order-4711", material="Q235", thickness=1.0)
    second = jobs.ensure_job(cloudnest_client, "order-4711", material="Q235", thickness=1.0)
    assert first.job_id == second.job_id
    assert [j.job_id for j in cloudnest_client.job_search("order-4711")] == [first.job_id]


def test_main_sequence_from_drawings_to_a_completed_production_task(
    cloudnest_client, cloudnest_sandbox, drawings
):
    client = cloudnest_client
    job = jobs.ensure_job(client, "main-sequence", material="Q235", thickness=1.0)
    assert jobs.ensure_job(client, "main-sequence").job_id == job.job_id

    refs = jobs.upload_drawings(
        client, job, drawings, attributes={"amount": 2, "material": "Q235", "thickness": 1.0}
    )
    assert [r.filename for r in refs] == [p.name for p in drawings]

    polls: list[int] = []
    outcome = jobs.wait_drawings(client, job, 30.0, polls.append, drawings=refs)
    assert polls
    states = outcome.by_filename()
    assert len(outcome.succeeded) == 9 and [d.filename for d in outcome.failed] == [
        "broken-open-outline.dxf"
    ]
    assert states["broken-open-outline.dxf"].status == DrawingStatus.FAILED
    assert states["broken-open-outline.dxf"].msg  # the reader's reason
    assert all(states[p.name].part_count == 1 for p in drawings[:-1])

    started = jobs.boost(client, job, gap=5.0, time_limit=20)
    assert started
    detail = jobs.wait_nesting(client, job, 90.0)
    assert detail.status == NestStatus.FINISHED and detail.results
    placed = sum(len(layout.parts) * layout.amount for layout in detail.results)
    assert placed == 9 * 2

    for layout in detail.results:
        content = jobs.download_layout_dxf(client, layout)
        doc = ezdxf.read(io.StringIO(content.decode()))
        assert len(doc.modelspace()) >= len(layout.parts)

    layout = detail.results[0]
    gmid = cloudnest_sandbox.gmids[0]
    plan = jobs.push_layout(client, layout.result_guid, gmid, layout.amount, job=job)
    again = jobs.push_layout(client, layout.result_guid, gmid, layout.amount, job=job)
    assert again.plan_guid == plan.plan_guid  # the same layout is not pushed twice
    assert len(client.job_plan_list(job.job_id)) == 1

    done = jobs.wait_production(client, plan, 120.0)
    assert done.status == PlanStatus.COMPLETED
    assert done.finish_plate_amount == done.total_plate_amount == layout.amount
    assert done.result_guid.upper() == layout.result_guid.upper()

    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    window = [(now + timedelta(hours=h)).strftime("%Y-%m-%d %H:%M:%S") for h in (-1, 1)]
    finished = client.machine_result_list(gmid, *window)
    assert layout.result_guid.upper() in {r.uuid.upper() for r in finished}


def test_drawings_given_by_url_are_fetched_by_the_server(
    cloudnest_client, static_files, rectangle_dxf
):
    (static_files.folder / "bracket.dxf").write_bytes(rectangle_dxf(80, 40, hole_radius=8))
    job = jobs.ensure_job(cloudnest_client, "by-url")
    refs = jobs.upload_drawings(
        cloudnest_client, job, [static_files.url("bracket.dxf")], attributes={"amount": 3}
    )
    outcome = jobs.wait_drawings(cloudnest_client, job, 30.0, drawings=refs)
    assert [(d.filename, d.status) for d in outcome.drawings] == [("bracket.dxf", "success")]
    (part,) = cloudnest_client.job_parts(job.job_id)
    assert (part.part_name, part.amount) == ("bracket", 3)
