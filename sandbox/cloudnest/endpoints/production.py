"""Production endpoints: push a layout to a machine, follow the task, list what was cut (§8.4)."""

from __future__ import annotations

from nestflow.cloudnest import models as m
from nestflow.cloudnest.errors import (
    INVALID_PARAMETER,
    TIME_RANGE_TOO_LONG,
    UNCONTROLLABLE_MACHINE,
    UNSUPPORTED_FILE,
)
from nestflow.sandbox.cloudnest.endpoints import views
from nestflow.sandbox.cloudnest.endpoints.table import Call
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal
from nestflow.sandbox.cloudnest.state import catalogue, queries
from nestflow.sandbox.cloudnest.state.clock import months_later, parse_time
from nestflow.sandbox.cloudnest.state.records import JobRecord


def production_push(call: Call, req: m.PushRequest) -> m.PushResult:
    """Queue ``amount`` sheets of a layout on machine ``gmid``; every push is a new task."""
    plan = call.sandbox.machines.push(req.result_guid, req.gmid, req.amount)
    return m.PushResult(plan_guid=plan.plan_guid)


def device_upload_cut(call: Call, req: m.UploadCutForm) -> str:
    """§Q.2: hand the machine with card ``cardId`` one layout file; answers the task UUID."""
    if len(call.files) != 1:
        raise ApiRefusal(INVALID_PARAMETER, f"send exactly one file, got {len(call.files)}")
    upload = call.files[0]
    kind = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    if kind not in m.CUT_FILE_KINDS:
        raise ApiRefusal(
            UNSUPPORTED_FILE,
            f"{upload.filename}: file kind {kind or '(none)'!r} not one of "
            + ", ".join(sorted(m.CUT_FILE_KINDS)),
        )
    if len(upload.data) > m.CUT_FILE_MAX_BYTES:
        raise ApiRefusal(INVALID_PARAMETER, f"{upload.filename}: larger than 100 MB")
    task = call.sandbox.machines.upload_cut(req.card_id, req.task_name, req.task_amount, upload)
    return task.task_uuid


def production_detail(call: Call, req: m.PlanGuidRequest) -> m.PlanTask:
    """One production task, shaped like a §8.2 element."""
    store = call.sandbox.store
    plan = queries.plan(store, req.plan_guid)
    return views.plan_task(plan, queries.layout(store, plan.result_guid), call.now(), call.zone)


def machine_result_list(call: Call, req: m.MachineResultListRequest) -> list[m.MachineResult]:
    """§8.4: layouts the machine finished between ``start_time`` and ``end_time`` (inclusive)."""
    if not call.sandbox.machines.known(req.gmid):
        raise ApiRefusal(UNCONTROLLABLE_MACHINE, f"gmid {req.gmid} is not a machine of this team")
    start = parse_time(req.start_time, call.zone, "start_time")
    end = parse_time(req.end_time, call.zone, "end_time")
    if end < start:
        raise ApiRefusal(INVALID_PARAMETER, "end_time is before start_time")
    months = call.sandbox.settings.result_range_months
    if months is not None and end > months_later(start, months, call.zone):
        raise ApiRefusal(
            TIME_RANGE_TOO_LONG,
            f"{req.start_time} to {req.end_time} is longer than {months} months; split the range",
        )
    store = call.sandbox.store
    now = call.now()
    answer = []
    for task in call.sandbox.machines.cut_tasks(req.gmid):
        if task.scheduled_finish <= now and start <= task.scheduled_finish <= end:
            answer.append(views.cut_task_result(task))
    for plan in call.sandbox.machines.plans(gmid=req.gmid):
        finished = plan.scheduled_finish
        if finished > now or not start <= finished <= end:
            continue
        layout = queries.layout(store, plan.result_guid)
        job = store.get(JobRecord, plan.job_id)
        density = catalogue.density_of(store, layout.material)
        answer.append(views.machine_result(plan, layout, job.job_name if job else None, density))
    return answer
