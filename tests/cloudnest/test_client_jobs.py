"""The high-level helpers (nestflow.cloudnest.jobs) on the cases the sandbox cannot produce:
partial search matches, answers lost after a create landed, deadlines on a fake clock."""

import json

import httpx
import pytest

from nestflow.cloudnest import CloudNestClient, jobs
from nestflow.cloudnest.errors import (
    CloudNestJobFailed,
    CloudNestTransportError,
    CloudNestValidationError,
    CloudNestWaitTimeout,
)
from nestflow.cloudnest.models import DrawingRef, NestLayout


def ok(data):
    return httpx.Response(200, json={"status": 0, "msg": "OK", "data": data})


class FakeGateway:
    """Answers by route path from per-path scripts; records (path, body) of every call."""

    def __init__(self, **scripts):
        self.scripts = {f"/cn-api/api/{k.replace('__', '/')}": list(v) for k, v in scripts.items()}
        self.calls: list[tuple[str, object]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        is_json = request.headers.get("content-type") == "application/json"
        body = json.loads(request.content) if is_json else None
        self.calls.append((request.url.path, body))
        script = self.scripts[request.url.path]
        answer = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def paths(self) -> list[str]:
        return [path.removeprefix("/cn-api/api/") for path, _ in self.calls]


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(gateway) -> CloudNestClient:
    return CloudNestClient(
        "http://cloudnest.test",
        "op1",
        "secret-for-tests",
        "TEAM001",
        default_rate=None,
        transport=httpx.MockTransport(gateway),
        sleep=lambda s: None,
    )


def job(job_id, name):
    return {"job_id": job_id, "job_name": name, "status": "created", "create_time": None}


def test_ensure_job_ignores_partial_matches_of_the_search():
    gateway = FakeGateway(
        job__search=[ok([job(1, "order-47110"), job(2, "order-4711"), job(3, "x-order-4711")])]
    )
    assert jobs.ensure_job(make_client(gateway), "order-4711").job_id == 2
    assert gateway.paths() == ["job/search"]


def test_ensure_job_creates_when_only_partial_matches_exist():
    gateway = FakeGateway(
        job__search=[ok([job(1, "order-47110")])], job__add=[ok({"job_id": 9, "job_name": "A"})]
    )
    assert jobs.ensure_job(make_client(gateway), "A", material="Q235").job_id == 9
    assert gateway.calls[-1] == ("/cn-api/api/job/add", {"job_name": "A", "material": "Q235"})


def test_ensure_job_looks_again_instead_of_creating_twice_after_a_lost_answer():
    gateway = FakeGateway(
        job__search=[ok([]), ok([job(5, "A")])], job__add=[httpx.ReadTimeout("lost")]
    )
    assert jobs.ensure_job(make_client(gateway), "A").job_id == 5
    assert gateway.paths() == ["job/search", "job/add", "job/search"]


def test_ensure_job_reraises_when_the_lost_create_did_not_land():
    gateway = FakeGateway(job__search=[ok([])], job__add=[httpx.ReadTimeout("lost")])
    with pytest.raises(CloudNestTransportError, match="may have reached the server"):
        jobs.ensure_job(make_client(gateway), "A")


def test_ensure_job_after_a_concurrent_create_returns_the_other_job():
    exists = httpx.Response(200, json={"status": 2100, "msg": "'A' is job_id 7"})
    gateway = FakeGateway(job__search=[ok([]), ok([job(7, "A")])], job__add=[exists])
    assert jobs.ensure_job(make_client(gateway), "A").job_id == 7


def test_upload_refuses_repeated_file_names_before_sending():
    gateway = FakeGateway()
    with pytest.raises(CloudNestValidationError, match="a.dxf"):
        jobs.upload_drawings(make_client(gateway), 1, [("a.dxf", b"x"), ("a.dxf", b"y")])
    assert gateway.calls == []


def test_upload_sends_files_in_batches_and_urls_by_active_download():
    gateway = FakeGateway(
        drawing__upload=[ok([{"drawing_guid": "G", "filename": "x.dxf"}])],
        drawing__upload_url=[ok([{"drawing_guid": "U", "filename": "u.dxf"}])],
    )
    files = [(f"f{i}.dxf", b"0\nSECTION\n") for i in range(5)]
    jobs.upload_drawings(
        make_client(gateway),
        1,
        [*files, "http://127.0.0.1:9/u.dxf"],
        attributes={"amount": 3},
        per_file={"u.dxf": {"amount": 7}},
        batch_size=2,
    )
    assert gateway.paths() == ["drawing/upload"] * 3 + ["drawing/upload_url"]
    url_body = gateway.calls[-1][1]
    assert url_body["files"][0]["datas"] == {"part_name": "u", "amount": 7}


def states(*pairs):
    return ok(
        [
            {
                "drawing_guid": f"G{i}",
                "filename": name,
                "status": status,
                "msg": "",
                "part_count": 0,
            }
            for i, (name, status) in enumerate(pairs)
        ]
    )


def test_wait_drawings_backs_off_until_every_drawing_is_final():
    gateway = FakeGateway(
        job__drawing_status=[
            states(("a.dxf", "waiting"), ("b.dxf", "processing")),
            states(("a.dxf", "success"), ("b.dxf", "processing")),
            states(("a.dxf", "success"), ("b.dxf", "processing")),
            states(("a.dxf", "success"), ("b.dxf", "failed")),
        ]
    )
    t = FakeTime()
    outcome = jobs.wait_drawings(make_client(gateway), 1, 60, sleep=t.sleep, clock=t.clock)
    assert t.sleeps == [0.5, 0.75, 1.125]
    assert [d.filename for d in outcome.failed] == ["b.dxf"] and not outcome.ok


def test_wait_drawings_deadline_names_the_pending_drawings():
    gateway = FakeGateway(job__drawing_status=[states(("a.dxf", "success"), ("b.dxf", "waiting"))])
    t = FakeTime()
    with pytest.raises(CloudNestWaitTimeout, match=r"b.dxf \(waiting\)") as info:
        jobs.wait_drawings(make_client(gateway), 1, 10, sleep=t.sleep, clock=t.clock)
    assert "a.dxf" not in str(info.value)
    assert t.now == pytest.approx(10.0)


def test_wait_drawings_flags_an_uploaded_drawing_missing_from_the_job():
    gateway = FakeGateway(job__drawing_status=[states(("a.dxf", "success"))])
    ref = DrawingRef(drawing_guid="OTHER", filename="z.dxf")
    with pytest.raises(CloudNestValidationError, match="OTHER"):
        jobs.wait_drawings(make_client(gateway), 1, 10, drawings=[ref])


def test_wait_nesting_raises_the_servers_reason_when_it_failed():
    failed = ok({"status": "failed", "msg": "no plate fits part-07", "results": []})
    gateway = FakeGateway(job__nest_detail=[ok({"status": "nesting", "msg": ""}), failed])
    t = FakeTime()
    with pytest.raises(CloudNestJobFailed, match="no plate fits part-07"):
        jobs.wait_nesting(make_client(gateway), 1, 60, sleep=t.sleep, clock=t.clock)


def test_wait_nesting_polls_on_through_the_vendors_server_side_failures():
    backend_failure = httpx.Response(200, json={"status": 2201, "msg": "backend internal error"})
    finished = ok({"status": "finished", "msg": "", "results": []})
    gateway = FakeGateway(job__nest_detail=[backend_failure] * 6 + [finished])
    t = FakeTime()
    detail = jobs.wait_nesting(make_client(gateway), 1, 600, sleep=t.sleep, clock=t.clock)
    assert detail.status == "finished" and len(gateway.calls) == 7


def plan(result_guid="R1", gmid=165192):
    return {
        "guid": "P1",
        "result_guid": result_guid,
        "plate_name": "Layout 1",
        "gmid": gmid,
        "width": 3000,
        "height": 1500,
        "material": "Q235",
        "thickness": 1.0,
        "part_amount": 3,
        "total_plate_amount": 1,
        "finish_plate_amount": 0,
        "status": "uncompleted",
        "parts": [],
    }


def test_push_after_a_lost_answer_returns_the_task_that_landed():
    gateway = FakeGateway(
        job__plan_detail=[ok([]), ok([plan("r1")])],
        open_platform__plan__push=[httpx.RemoteProtocolError("dropped")],
    )
    result = jobs.push_layout(make_client(gateway), "R1", 165192, 1, job=4)
    assert result.plan_guid == "P1"
    assert gateway.paths() == ["job/plan_detail", "open_platform/plan/push", "job/plan_detail"]


def test_push_without_job_is_not_guarded_and_reports_the_lost_answer():
    gateway = FakeGateway(open_platform__plan__push=[httpx.RemoteProtocolError("dropped")])
    with pytest.raises(CloudNestTransportError, match="check before repeating"):
        jobs.push_layout(make_client(gateway), "R1", 165192, 1)
    assert gateway.paths() == ["open_platform/plan/push"]


def test_wait_production_stops_when_every_sheet_is_cut():
    cut = {**plan(), "finish_plate_amount": 1, "status": "completed"}
    gateway = FakeGateway(open_platform__plan__detail=[ok(plan()), ok(cut)])
    t = FakeTime()
    done = jobs.wait_production(make_client(gateway), "P1", 60, sleep=t.sleep, clock=t.clock)
    assert done.finish_plate_amount == 1 and t.sleeps == [0.5]


def test_layout_without_dxf_url_cannot_be_downloaded():
    layout = NestLayout(result_guid="R1", plate_name="L", width=1, height=1)
    with pytest.raises(CloudNestValidationError, match="no dxf_url"):
        jobs.download_layout_dxf(make_client(FakeGateway()), layout)


def test_upload_refuses_strings_that_are_not_urls():
    gateway = FakeGateway()
    with pytest.raises(CloudNestValidationError, match="not http"):
        jobs.upload_drawings(make_client(gateway), 1, ["C:/drawings/a.dxf"])
    assert gateway.calls == []
