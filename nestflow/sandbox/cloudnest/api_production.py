"""Production endpoints: push a layout to a machine, follow the task, list what was cut (§8.4)."""

from __future__ import annotations

from nestflow.cloudnest import models as m
from nestflow.cloudnest.errors import INVALID_PARAMETER, MACHINE_NOT_FOUND
from nestflow.sandbox.cloudnest import catalogue, queries, views
from nestflow.sandbox.cloudnest.answers import ApiRefusal
from nestflow.sandbox.cloudnest.clock import parse_time
from nestflow.sandbox.cloudnest.endpoints import Call, handles
from nestflow.sandbox.cloudnest.records import JobRecord


@handles("production_push")
def production_push(call: Call, req: m.PushRequest) -> m.PushResult:
    """Queue ``amount`` sheets of a layout on machine ``gmid``; every push is a new task."""
    plan = call.sandbox.machines.push(req.result_guid, req.gmid, req.amount)
    return m.PushResult(plan_guid=plan.plan_guid)


@handles("production_detail")
def production_detail(call: Call, req: m.PlanGuidRequest) -> m.PlanTask:
    """One production task, shaped like a §8.2 element."""
    store = call.sandbox.store
    plan = queries.plan(store, req.plan_guid)
    return views.plan_task(plan, queries.layout(store, plan.result_guid), call.now(), call.zone)


@handles("machine_result_list")
def machine_result_list(call: Call, req: m.MachineResultListRequest) -> list[m.MachineResult]:
    """§8.4: layouts the machine finished between ``start_time`` and ``end_time`` (inclusive)."""
    if not call.sandbox.machines.known(req.gmid):
        raise ApiRefusal(MACHINE_NOT_FOUND, f"gmid {req.gmid}")
    start = parse_time(req.start_time, call.zone, "start_time")
    end = parse_time(req.end_time, call.zone, "end_time")
    if end < start:
        raise ApiRefusal(INVALID_PARAMETER, "end_time is before start_time")
    store = call.sandbox.store
    now = call.now()
    answer = []
    for plan in call.sandbox.machines.plans(gmid=req.gmid):
        finished = plan.scheduled_finish
        if finished > now or not start <= finished <= end:
            continue
        layout = queries.layout(store, plan.result_guid)
        job = store.get(JobRecord, plan.job_id)
        density = catalogue.density_of(store, layout.material)
        answer.append(views.machine_result(plan, layout, job.job_name if job else None, density))
    return answer
