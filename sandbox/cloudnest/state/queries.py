"""Look-ups shared by the endpoint handlers, refusing unknown ids with the table's codes."""

from __future__ import annotations

from nestflow.cloudnest.errors import (
    DRAWING_NOT_FOUND,
    LAYOUT_NOT_FOUND,
    MATERIAL_NOT_FOUND,
    PART_NOT_FOUND,
    PLAN_NOT_FOUND,
    PLATE_NOT_FOUND,
)
from nestflow.sandbox.cloudnest.endpoints.views import job_status
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal
from nestflow.sandbox.cloudnest.state.records import (
    DrawingRecord,
    MaterialRecord,
    NestTaskRecord,
    PlanRecord,
    PlateRecord,
    ResultRecord,
    StoredPart,
)
from nestflow.sandbox.cloudnest.state.store import R, Store


def latest_task(store: Store, job_id: int) -> NestTaskRecord | None:
    """The job's most recent Boost run."""
    tasks = store.all(NestTaskRecord, job_id=job_id)
    return tasks[-1] if tasks else None


def current_layouts(store: Store, job_id: int) -> list[ResultRecord]:
    """The layouts of the job's latest Boost (empty while it runs or when it failed)."""
    task = latest_task(store, job_id)
    if task is None:
        return []
    return [
        r
        for r in store.all(ResultRecord, job_id=job_id)
        if r.nest_task_guid == task.nest_task_guid and not r.removed
    ]


def current_status(store: Store, job_id: int) -> str:
    """The job's status (provisional values, see :func:`views.job_status`)."""
    return job_status(latest_task(store, job_id))


def require(store: Store, cls: type[R], key: object, code: int, field: str) -> R:
    """The ``cls`` record under ``key``; refuses with ``code``, naming ``field``, when absent."""
    record = store.get(cls, key)
    if record is None:
        raise ApiRefusal(code, f"{field} {key}")
    return record


def layout(store: Store, result_guid: str) -> ResultRecord:
    """A layout by GUID; refuses (2002) an unknown one."""
    return require(store, ResultRecord, result_guid, LAYOUT_NOT_FOUND, "guid")


def plan(store: Store, plan_guid: str) -> PlanRecord:
    """A production task by GUID; refuses (2003) an unknown one."""
    return require(store, PlanRecord, plan_guid, PLAN_NOT_FOUND, "plan_guid")


def part(store: Store, part_guid: str) -> StoredPart:
    """A part by GUID; refuses (2004) an unknown one."""
    return require(store, StoredPart, part_guid, PART_NOT_FOUND, "part_guid")


def drawing(store: Store, drawing_guid: str) -> DrawingRecord:
    """A drawing by GUID; refuses (2001) an unknown one."""
    return require(store, DrawingRecord, drawing_guid, DRAWING_NOT_FOUND, "drawing_guid")


def plate(store: Store, plate_guid: str) -> PlateRecord:
    """A plate by GUID; refuses (2005) an unknown one."""
    return require(store, PlateRecord, plate_guid, PLATE_NOT_FOUND, "plate_guid")


def material(store: Store, material_id: int) -> MaterialRecord:
    """A material by id; refuses (2006) an unknown one."""
    return require(store, MaterialRecord, material_id, MATERIAL_NOT_FOUND, "material_id")
