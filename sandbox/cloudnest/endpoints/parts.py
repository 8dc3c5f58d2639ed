"""Part endpoints (vendor section "part"): generate parts, list them, edit them, locate them.

Generating parts from a DXF (§8.7) goes through the same drawing processing as an upload.
SmartDraw (§8.6) draws simple shapes from the template arguments the sandbox understands (the
vendor's template catalogue is unknown): ``L1`` x ``W1`` rectangle (``W1`` defaults to ``L1``),
or ``D1`` circle. NC1 (DSTV) files and JS templates are not interpreted by the sandbox and are
refused with a message saying so.
"""

from __future__ import annotations

from typing import Any

from nestflow.cloudnest import models as m
from nestflow.cloudnest.errors import INVALID_PARAMETER, LAYOUT_NOT_FOUND, UNSUPPORTED_FILE
from nestflow.geometry.models import Contour, Part, Vertex
from nestflow.sandbox.cloudnest.endpoints import views
from nestflow.sandbox.cloudnest.endpoints.drawings import accept_files
from nestflow.sandbox.cloudnest.endpoints.table import Call
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal
from nestflow.sandbox.cloudnest.state import queries
from nestflow.sandbox.cloudnest.state.records import JobRecord, ResultRecord, StoredPart, new_guid

EDITABLE_PART_FIELDS = {
    "part_name",
    "material",
    "thickness",
    "gas",
    "amount",
    "rotate_lock",
    "fill_color",
}


def part_import_dxf(call: Call, req: m.PartImportDxfRequest) -> list[m.DrawingRef]:
    """§8.7: DXF files with their ``datas`` per file name, all into one job."""
    items = req.root
    if not items:
        raise ApiRefusal(INVALID_PARAMETER, "the data array names no file")
    job_ids = {item.job_id for item in items}
    if len(job_ids) != 1:
        raise ApiRefusal(INVALID_PARAMETER, f"all files must go to one job, got jobId {job_ids}")
    job = call.job(job_ids.pop())
    datas = {item.filename: item.datas for item in items}
    names = {f.filename for f in call.files}
    missing = sorted(set(datas) - names)
    if missing:
        raise ApiRefusal(INVALID_PARAMETER, f"no 'file' part for {missing}")
    return accept_files(call, job, call.files, datas)


def part_import_nc1(call: Call, req: m.UploadForm) -> list[m.DrawingRef]:
    """NC1 (DSTV) import: not interpreted by the sandbox."""
    call.job(req.job_id)
    raise _not_interpreted(UNSUPPORTED_FILE, "read NC1 (DSTV) files", "convert them to DXF")


def part_import_js_template(call: Call, req: m.JsTemplateRequest) -> list[m.PartRef]:
    """JS template parts: the sandbox runs no JavaScript."""
    call.job(req.job_id)
    raise _not_interpreted(
        INVALID_PARAMETER, "run JS templates", "use part_smart_draw (L1/W1 or D1)"
    )


def _not_interpreted(code: int, what: str, instead: str) -> ApiRefusal:
    return ApiRefusal(code, f"the sandbox does not {what}; {instead} or upload a DXF")


def part_smart_draw(call: Call, req: m.SmartDrawRequest) -> list[m.PartRef]:
    """§8.6: a rectangle (``L1``, ``W1``) or circle (``D1``) part in the job."""
    job = call.job(req.job_id)
    geometry = smart_shape(req.part_name, req.argument or {})
    part = StoredPart(
        part_guid=new_guid(),
        job_id=job.job_id,
        part_name=req.part_name,
        material=req.material or job.material,
        thickness=req.thickness if req.thickness is not None else job.thickness,
        gas=req.gas or job.gas,
        amount=_positive(req.amount, "amount"),
        rotate_lock=req.rotate_lock or 0,
        fill_color=req.fill_color,
        props=dict(req.props or {}),
        geometry=geometry,
    )
    call.sandbox.store.save(part)
    return [m.PartRef(part_guid=part.part_guid, part_name=part.part_name)]


def part_list(call: Call, req: m.PartListRequest) -> list[m.PartInfo]:
    """Parts of one job, or of every job, paged."""
    if req.page < 1 or req.page_size < 1:
        raise ApiRefusal(INVALID_PARAMETER, "page and page_size must be at least 1")
    store = call.sandbox.store
    if req.job_id is not None:
        call.job(req.job_id)
    parts = store.all(StoredPart, job_id=req.job_id)
    first = (req.page - 1) * req.page_size
    return [
        views.part_info(p, store.get(JobRecord, p.job_id))
        for p in parts[first : first + req.page_size]
    ]


def part_loc_info(call: Call, req: m.LocInfoRequest) -> m.LocInfo:
    """§8.3: part GUIDs per placed instance, in physical order, for a layout or a nesting task."""
    if req.order_by not in {"x", "y"}:
        raise ApiRefusal(INVALID_PARAMETER, f"order_by {req.order_by!r}: use 'x' or 'y'")
    store = call.sandbox.store
    if req.type == m.LocInfoType.SINGLE_RESULT:
        layouts = [queries.layout(store, req.guid)]
    elif req.type == m.LocInfoType.TASK:
        layouts = [
            r
            for r in store.all(ResultRecord)
            if r.nest_task_guid.upper() == req.guid.upper() and not r.removed
        ]
        if not layouts:
            raise ApiRefusal(LAYOUT_NOT_FOUND, f"no layout of a nesting task {req.guid}")
    else:
        raise ApiRefusal(INVALID_PARAMETER, f"type {req.type!r}: use 'SingleResult' or 'task'")
    job = store.get(JobRecord, layouts[0].job_id)
    return m.LocInfo(
        guid=layouts[0].nest_task_guid,
        nest_result=[views.loc_nest_result(r, req.order_by) for r in layouts],
        task_name=job.job_name if job else None,
    )


def part_copy(call: Call, req: m.PartCopyRequest) -> m.PartRef:
    """A copy of a part (new GUID), in the same or another job, with an optional new amount."""
    store = call.sandbox.store
    part = queries.part(store, req.part_guid)
    job_id = call.job(req.job_id).job_id if req.job_id is not None else part.job_id
    copy = part.model_copy(
        update={
            "part_guid": new_guid(),
            "job_id": job_id,
            "amount": _positive(req.amount, "amount") if req.amount is not None else part.amount,
        }
    )
    store.save(copy)
    return m.PartRef(part_guid=copy.part_guid, part_name=copy.part_name)


def part_update(call: Call, req: m.PartUpdateRequest) -> m.PartRef:
    """Change a part's attributes, or delete it with ``delete: true``."""
    store = call.sandbox.store
    part = queries.part(store, req.part_guid)
    if req.delete:
        store.delete(StoredPart, part.part_guid)
        return m.PartRef(part_guid=part.part_guid, part_name=part.part_name)
    changes = req.model_dump(include=EDITABLE_PART_FIELDS, exclude_none=True)
    if "amount" in changes:
        _positive(changes["amount"], "amount")
    return _save_changed(call, part, changes)


def part_update_props(call: Call, req: m.PartPropsRequest) -> m.PartRef:
    """Replace a part's custom properties."""
    part = queries.part(call.sandbox.store, req.part_guid)
    return _save_changed(call, part, {"props": {p.prop_name: p.prop_value for p in req.props}})


def _save_changed(call: Call, part: StoredPart, changes: dict[str, Any]) -> m.PartRef:
    updated = part.model_copy(update=changes)
    call.sandbox.store.save(updated)
    return m.PartRef(part_guid=updated.part_guid, part_name=updated.part_name)


def smart_shape(name: str, argument: dict[str, str]) -> Part:
    """The part a SmartDraw argument set describes (rectangle ``L1``/``W1`` or circle ``D1``)."""
    if "D1" in argument:
        radius = _dimension(argument, "D1") / 2.0
        outer = Contour(
            vertices=(Vertex(x=0.0, y=radius, bulge=1.0), Vertex(x=2 * radius, y=radius, bulge=1.0))
        )
    elif "L1" in argument:
        length = _dimension(argument, "L1")
        width = _dimension(argument, "W1") if "W1" in argument else length
        outer = Contour(
            vertices=(
                Vertex(x=0.0, y=0.0),
                Vertex(x=length, y=0.0),
                Vertex(x=length, y=width),
                Vertex(x=0.0, y=width),
            )
        )
    else:
        raise ApiRefusal(
            INVALID_PARAMETER,
            f"argument {sorted(argument)}: the sandbox draws 'L1' (+ 'W1') rectangles "
            "and 'D1' circles",
        )
    return Part(name=name, source="smart_draw", outer=outer.oriented(ccw=True)).normalized()


def _dimension(argument: dict[str, str], key: str) -> float:
    try:
        value = float(argument[key])
    except ValueError:
        raise ApiRefusal(
            INVALID_PARAMETER, f"argument {key}={argument[key]!r} is not a number"
        ) from None
    if value <= 0:
        raise ApiRefusal(INVALID_PARAMETER, f"argument {key} must be positive, got {value:g}")
    return value


def _positive(value: int | None, field: str) -> int:
    if value is None:
        return 1
    if value < 1:
        raise ApiRefusal(INVALID_PARAMETER, f"{field} must be at least 1, got {value}")
    return value
