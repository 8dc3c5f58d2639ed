"""Creating calls survive a faulty network: looked up after a failure, sent again only if absent.

Real HTTP against the CloudNest sandbox, whose fault layer answers the creating call of each
test badly once: a 503 before the handler runs (it did not land), the connection dropped after
the handler ran (it landed, the answer is lost), or the handler run only after the client's
timeout (it lands late). Each test checks both halves of "exactly once": the step succeeds, and
the server holds one of what was created. The client's counters show what was sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nestflow.cloudnest import jobs
from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.errors import CloudNestNotFound, CloudNestServerError
from nestflow.cloudnest.models import NestLayout
from nestflow.sandbox.faults import FaultKind, FaultPlan, FaultRule
from nestflow.stock import SheetFormat

#: The client's timeout in these tests, and how late a "late" request is handled.
TIMEOUT_S = 1.0
LATE_S = 1.6


@pytest.fixture
def client(cloudnest_sandbox, cloudnest_client_for) -> CloudNestClient:
    """A client with a short timeout and back-off, so that faults cost little time."""
    return cloudnest_client_for(cloudnest_sandbox, timeout=TIMEOUT_S, retry_backoff=0.05)


@pytest.fixture
def fault_once(cloudnest_sandbox, client) -> Callable[..., None]:
    """Aim one fault at the next request to endpoint ``name``: ``fault_once(name, kind)``."""

    def aim(name: str, kind: FaultKind, times: int = 1, **fields: Any) -> None:
        route = client.routes[name]
        rule = FaultRule(
            route=re.escape(route.path) + "$", method=route.method, kind=kind, times=times, **fields
        )
        cloudnest_sandbox.faults().set(FaultPlan(seed=0, rules=[rule]))

    return aim


@pytest.fixture
def drawing(tmp_path: Path, rectangle_dxf) -> Path:
    path = tmp_path / "bracket.dxf"
    path.write_bytes(rectangle_dxf(120, 80, hole_radius=10))
    return path


def sent(client: CloudNestClient, name: str) -> int:
    return client.stats()[name].sent


def nested_layout(client: CloudNestClient, job: int, drawing: Path) -> NestLayout:
    refs = jobs.upload_drawings(client, job, [drawing], attributes={"amount": 2})
    jobs.wait_drawings(client, job, 30.0, drawings=refs)
    jobs.boost(client, job, gap=5.0, time_limit=1)
    return jobs.wait_nesting(client, job, 60.0).results[0]


FAULTS = {
    "refused before handling (503)": dict(kind=FaultKind.ERROR, status=503),
    "answer dropped after landing": dict(kind=FaultKind.DROP_AFTER),
    "handled after the client's timeout": dict(kind=FaultKind.DELAY, seconds=LATE_S),
}
LANDED = {"answer dropped after landing", "handled after the client's timeout"}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_job_add_that_failed_makes_exactly_one_job(client, fault_once, fault):
    fault_once("job_add", **FAULTS[fault])
    job = jobs.ensure_job(client, "A-17", material="Q235", thickness=2.0)
    assert [j.job_id for j in client.job_search("A-17") if j.job_name == "A-17"] == [job.job_id]
    assert sent(client, "job_add") == (1 if fault in LANDED else 2)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_an_upload_that_failed_holds_each_drawing_once(client, fault_once, drawing, fault):
    job = jobs.ensure_job(client, "A-18")
    fault_once("drawing_upload", **FAULTS[fault])
    (ref,) = jobs.upload_drawings(client, job, [drawing], attributes={"amount": 2})
    held = client.job_drawing_status(job.job_id)
    assert [(d.drawing_guid, d.filename) for d in held] == [(ref.drawing_guid, "bracket.dxf")]
    assert sent(client, "drawing_upload") == (1 if fault in LANDED else 2)


def test_a_batch_the_server_took_in_part_is_completed_not_sent_whole(
    client, fault_once, tmp_path, rectangle_dxf
):
    job = jobs.ensure_job(client, "A-19")
    first, second = tmp_path / "first.dxf", tmp_path / "second.dxf"
    first.write_bytes(rectangle_dxf(50, 40))
    second.write_bytes(rectangle_dxf(60, 30))
    jobs.upload_drawings(client, job, [first])  # as if the first half of a batch had landed
    fault_once("drawing_upload", kind=FaultKind.ERROR, status=503)
    refs = jobs._upload_batch(
        client,
        job.job_id,
        [first, second],
        lambda todo: client.drawing_upload(job.job_id, todo),
    )
    assert sorted(r.filename for r in refs) == ["first.dxf", "second.dxf"]
    held = sorted(d.filename for d in client.job_drawing_status(job.job_id))
    assert held == ["first.dxf", "second.dxf"]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_boost_that_failed_is_started_once(client, fault_once, drawing, fault):
    job = jobs.ensure_job(client, "A-20")
    refs = jobs.upload_drawings(client, job, [drawing])
    jobs.wait_drawings(client, job, 30.0, drawings=refs)
    fault_once("job_boost", **FAULTS[fault])
    jobs.boost(client, job, gap=5.0, time_limit=2)
    detail = jobs.wait_nesting(client, job, 60.0)
    assert detail.results
    # a Boost found running is not started again; one refused before handling is
    assert sent(client, "job_boost") == (1 if fault in LANDED else 2)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_push_that_failed_makes_exactly_one_production_task(
    client, cloudnest_sandbox, fault_once, drawing, fault
):
    job = jobs.ensure_job(client, "A-21")
    layout = nested_layout(client, job.job_id, drawing)
    gmid = cloudnest_sandbox.gmids[0]
    fault_once("production_push", **FAULTS[fault])
    plan = jobs.push_layout(client, layout.result_guid, gmid, layout.amount, job=job)
    tasks = client.job_plan_detail([job.job_id])
    assert [(t.guid, t.result_guid.upper()) for t in tasks] == [
        (plan.plan_guid, layout.result_guid.upper())
    ]
    assert sent(client, "production_push") == (1 if fault in LANDED else 2)


def test_a_material_and_a_plate_whose_adds_failed_exist_once(client, fault_once):
    fault_once("material_add", kind=FaultKind.DROP_AFTER)
    material = jobs.find_or_add_material(client, "S355", 7.85)
    assert [m.material_id for m in client.material_list() if m.material_name == "S355"] == [
        material
    ]
    sheet = SheetFormat(name="3000x1500", length=3000, height=1500, quantity=4, border_gap=10)
    fault_once("plate_add", kind=FaultKind.ERROR, status=503)
    plate = jobs.find_or_add_plate(client, material, 3.0, sheet)
    plates = client.plate_list(material_id=material, thickness=3.0)
    assert [p.plate_guid for p in plates] == [plate]


def test_a_plate_stock_update_that_failed_is_simply_sent_again(client, fault_once):
    material = jobs.find_or_add_material(client, "S235", 7.85)
    sheet = SheetFormat(name="2500x1250", length=2500, height=1250, quantity=4, border_gap=10)
    plate = jobs.find_or_add_plate(client, material, 2.0, sheet)
    fault_once("plate_update", kind=FaultKind.DROP_AFTER)
    again = jobs.find_or_add_plate(client, material, 2.0, sheet.model_copy(update={"quantity": 9}))
    (stocked,) = client.plate_list(material_id=material, thickness=2.0)
    assert again == plate and stocked.remain_amount == 9


def test_a_create_refused_by_the_server_is_not_sent_again(client, cloudnest_sandbox):
    gmid = cloudnest_sandbox.gmids[0]
    job = jobs.ensure_job(client, "A-22")
    with pytest.raises(CloudNestNotFound):
        jobs.push_layout(client, "00000000-0000-0000-0000-000000000000", gmid, 1, job=job)
    assert sent(client, "production_push") == 1


def test_a_create_failing_every_time_gives_up_after_the_retries_naming_it(client, fault_once):
    fault_once("job_add", kind=FaultKind.ERROR, status=503, times=None)
    with pytest.raises(CloudNestServerError, match=r"job_add .*status 503"):
        jobs.ensure_job(client, "A-23")
    assert sent(client, "job_add") == client.max_retries + 1
    assert client.job_search("A-23") == []
