"""Job endpoints (vendor section "job"): create, find, inspect, Boost, nesting details, delete."""

from __future__ import annotations

from nestflow.cloudnest import models as m
from nestflow.cloudnest.errors import (
    INVALID_PARAMETER,
    JOB_NAME_EXISTS,
    LAYOUT_NOT_FOUND,
    NESTING_RUNNING,
)
from nestflow.sandbox.cloudnest.endpoints import views
from nestflow.sandbox.cloudnest.endpoints.table import Call
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal
from nestflow.sandbox.cloudnest.state import queries
from nestflow.sandbox.cloudnest.state.clock import parse_time
from nestflow.sandbox.cloudnest.state.records import (
    DrawingRecord,
    JobRecord,
    NestTaskRecord,
    PlanRecord,
    PlateRecord,
    ResultRecord,
    StoredPart,
)
from nestflow.sandbox.cloudnest.state.store import Store

#: The vendor's job ids are plain integers (6451, 7350 in its examples); ours start there.
JOB_COUNTER = "job_id"
JOB_IDS_START = 6451


def job_add(call: Call, req: m.JobAddRequest) -> m.JobRef:
    """Create a job; an exact name already in use is refused (2100), so creation is idempotent."""
    name = req.job_name.strip()
    if not name:
        raise ApiRefusal(INVALID_PARAMETER, "job_name must not be empty")
    store = call.sandbox.store
    with store.transaction():
        existing = _by_name(store, name)
        if existing:
            raise ApiRefusal(JOB_NAME_EXISTS, f"{name!r} is job_id {existing[0].job_id}")
        job = JobRecord(
            job_id=store.increment(JOB_COUNTER, start=JOB_IDS_START),
            job_name=name,
            material=req.material,
            thickness=req.thickness,
            gas=req.gas,
            comments=req.comments,
            create_time=call.now(),
        )
        store.save(job)
    return m.JobRef(job_id=job.job_id, job_name=job.job_name)


def job_search(call: Call, req: m.JobSearchRequest) -> list[m.JobSummary]:
    """Jobs whose name is exactly ``job_name`` (empty list when none)."""
    store = call.sandbox.store
    return [_summary(call, job) for job in _by_name(store, req.job_name.strip())]


def job_list(call: Call, req: m.JobListRequest) -> list[m.JobSummary]:
    """The team's jobs, newest first, filtered by name substring and creation time, paged."""
    if req.page < 1 or req.page_size < 1:
        raise ApiRefusal(INVALID_PARAMETER, "page and page_size must be at least 1")
    start = parse_time(req.start_time, call.zone, "start_time") if req.start_time else None
    end = parse_time(req.end_time, call.zone, "end_time") if req.end_time else None
    jobs = [
        job
        for job in reversed(call.sandbox.store.all(JobRecord))
        if (not req.job_name or req.job_name.lower() in job.job_name.lower())
        and (start is None or job.create_time >= start)
        and (end is None or job.create_time <= end)
    ]
    first = (req.page - 1) * req.page_size
    return [_summary(call, job) for job in jobs[first : first + req.page_size]]


def job_info(call: Call, req: m.JobIdRequest) -> m.JobInfo:
    """The job with its drawing and part counts."""
    return _info(call, call.job(req.job_id))


def job_info_flat(call: Call, req: m.JobIdRequest) -> m.JobInfoFlat:
    """The job with its drawings, parts and current layouts in one answer."""
    job = call.job(req.job_id)
    store = call.sandbox.store
    return m.JobInfoFlat(
        **_info(call, job).model_dump(),
        drawings=[
            views.drawing_info(d, call.zone) for d in store.all(DrawingRecord, job_id=job.job_id)
        ],
        parts=[views.part_info(p, job) for p in store.all(StoredPart, job_id=job.job_id)],
        layouts=[views.layout_summary(r) for r in queries.current_layouts(store, job.job_id)],
    )


def job_parts(call: Call, req: m.JobIdRequest) -> list[m.PartInfo]:
    """The parts extracted from the job's drawings (and made by SmartDraw/copy)."""
    job = call.job(req.job_id)
    return [views.part_info(p, job) for p in call.sandbox.store.all(StoredPart, job_id=job.job_id)]


def job_drawing_status(call: Call, req: m.JobIdRequest) -> list[m.DrawingState]:
    """Processing state of each drawing of the job."""
    job = call.job(req.job_id)
    return [
        views.drawing_state(d) for d in call.sandbox.store.all(DrawingRecord, job_id=job.job_id)
    ]


def job_boost(call: Call, req: m.BoostRequest) -> m.BoostResult:
    """Start nesting the job's parts; poll job_nest_detail for the outcome."""
    task = call.sandbox.booster.start(req.job_id, req.plate_guids, req.gap, req.time_limit)
    return m.BoostResult(nest_task_guid=task.nest_task_guid)


def job_nest_detail(call: Call, req: m.JobIdRequest) -> m.NestDetail:
    """Status of the job's latest Boost and, once finished, its layouts with DXF links."""
    job = call.job(req.job_id)
    store = call.sandbox.store
    task = queries.latest_task(store, job.job_id)
    if task is None:
        raise ApiRefusal(
            LAYOUT_NOT_FOUND, f"job_id {job.job_id} has no nesting; start one with job_boost"
        )
    return views.nest_detail(task, queries.current_layouts(store, job.job_id), call.base_url)


def job_layouts(call: Call, req: m.JobIdRequest) -> list[m.LayoutSummary]:
    """The job's current layouts."""
    job = call.job(req.job_id)
    return [
        views.layout_summary(r) for r in queries.current_layouts(call.sandbox.store, job.job_id)
    ]


def job_layout_detail(call: Call, req: m.JobIdRequest) -> list[m.NestLayout]:
    """The job's current layouts with their parts and DXF links."""
    job = call.job(req.job_id)
    layouts = queries.current_layouts(call.sandbox.store, job.job_id)
    return [views.nest_layout(r, call.base_url) for r in layouts]


def job_part_layout(call: Call, req: m.JobIdRequest) -> list[m.PartLayout]:
    """For each part: how many the current layouts nest and on which layouts."""
    job = call.job(req.job_id)
    store = call.sandbox.store
    return views.part_layouts(
        store.all(StoredPart, job_id=job.job_id), queries.current_layouts(store, job.job_id)
    )


def job_plate_used(call: Call, req: m.JobIdsRequest) -> list[m.PlateUsed]:
    """§8.1: the plates the jobs' current layouts use, with sheet counts."""
    store = call.sandbox.store
    layouts = [
        r for job_id in req.job_id for r in queries.current_layouts(store, call.job(job_id).job_id)
    ]
    plates = {p.plate_guid: p for p in store.all(PlateRecord)}
    return views.plates_used(layouts, plates)


def job_plan_list(call: Call, req: m.JobIdRequest) -> list[m.PlanSummary]:
    """The job's production tasks with progress."""
    job = call.job(req.job_id)
    store = call.sandbox.store
    now = call.now()
    return [
        views.plan_summary(p, store.get(ResultRecord, p.result_guid), now)
        for p in call.sandbox.machines.plans(job_id=job.job_id)
    ]


def job_plan_detail(call: Call, req: m.JobIdsRequest) -> list[m.PlanTask]:
    """§8.2: the jobs' production tasks with their parts."""
    store = call.sandbox.store
    now = call.now()
    tasks = []
    for job_id in req.job_id:
        for plan in call.sandbox.machines.plans(job_id=call.job(job_id).job_id):
            layout = queries.layout(store, plan.result_guid)
            tasks.append(views.plan_task(plan, layout, now, call.zone))
    return tasks


def job_delete_nest(call: Call, req: m.JobDeleteNestRequest) -> None:
    """Delete one layout of the job, or all its nestings; refused while a Boost runs."""
    job = call.job(req.job_id)
    store = call.sandbox.store
    if call.sandbox.booster.running_task(job.job_id) is not None:
        raise ApiRefusal(NESTING_RUNNING, f"job_id {job.job_id}")
    if req.result_guid is not None:
        layout = queries.layout(store, req.result_guid)
        if layout.job_id != job.job_id:
            raise ApiRefusal(
                INVALID_PARAMETER, f"layout {req.result_guid} is not in job_id {job.job_id}"
            )
        _remove_layout(store, layout)
        return
    for layout in store.all(ResultRecord, job_id=job.job_id):
        _remove_layout(store, layout)
    for task in store.all(NestTaskRecord, job_id=job.job_id):
        store.delete(NestTaskRecord, task.nest_task_guid)


def job_delete(call: Call, req: m.JobIdRequest) -> None:
    """Delete the job with its drawings, parts and nestings; refused while a Boost runs.

    Layouts already pushed to a machine stay as that production task's record.
    """
    job = call.job(req.job_id)
    store = call.sandbox.store
    if call.sandbox.booster.running_task(job.job_id) is not None:
        raise ApiRefusal(NESTING_RUNNING, f"job_id {job.job_id}")
    for layout in store.all(ResultRecord, job_id=job.job_id):
        _remove_layout(store, layout)
    for cls in (NestTaskRecord, StoredPart):
        for record in store.all(cls, job_id=job.job_id):
            store.delete(cls, record.key)
    for drawing in store.all(DrawingRecord, job_id=job.job_id):
        store.delete(DrawingRecord, drawing.drawing_guid)
        store.delete_blob(drawing.blob_key)
    store.delete(JobRecord, job.job_id)


def _remove_layout(store: Store, layout: ResultRecord) -> None:
    """Delete a layout, or only hide it from its job when a production task refers to it."""
    plans = store.all(PlanRecord, job_id=layout.job_id)
    if any(p.result_guid == layout.result_guid for p in plans):
        store.save(layout.model_copy(update={"removed": True}))
        return
    store.delete(ResultRecord, layout.result_guid)
    store.delete_blob(layout.dxf_blob_key)


def _by_name(store: Store, name: str) -> list[JobRecord]:
    return [job for job in store.all(JobRecord) if job.job_name == name]


def _summary(call: Call, job: JobRecord) -> m.JobSummary:
    status = queries.current_status(call.sandbox.store, job.job_id)
    return views.job_summary(job, status, call.zone)


def _info(call: Call, job: JobRecord) -> m.JobInfo:
    store = call.sandbox.store
    return views.job_info(
        job,
        queries.current_status(store, job.job_id),
        store.all(DrawingRecord, job_id=job.job_id),
        store.all(StoredPart, job_id=job.job_id),
        call.zone,
    )
