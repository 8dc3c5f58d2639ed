"""Drawing endpoints (vendor section "drawing"): upload a file or a URL, inspect, delete.

Uploads are checked whole before anything is stored (so one bad file refuses the request and
leaves no half-accepted batch), then each file becomes a ``waiting`` drawing processed in the
background. Part attributes come from the caller's ``datas`` entry for that file name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from nestflow.cloudnest import models as m
from nestflow.cloudnest.errors import DRAWING_BUSY, INVALID_PARAMETER
from nestflow.sandbox.cloudnest.endpoints import views
from nestflow.sandbox.cloudnest.endpoints.table import Call, UploadedFile
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal
from nestflow.sandbox.cloudnest.simulation import intake
from nestflow.sandbox.cloudnest.simulation.processing import BUSY
from nestflow.sandbox.cloudnest.state import queries
from nestflow.sandbox.cloudnest.state.records import (
    DrawingRecord,
    JobRecord,
    StoredPart,
    StoredPartAttributes,
    new_guid,
)


def drawing_upload(call: Call, req: m.UploadForm) -> list[m.DrawingRef]:
    """Accept DXF file parts into a job; attributes from ``datas`` matched by file name."""
    job = call.job(req.job_id)
    datas = {d.filename: d for d in req.datas or []}
    return accept_files(call, job, call.files, datas)


def drawing_upload_url(call: Call, req: m.DrawingUploadUrlRequest) -> list[m.DrawingRef]:
    """Accept DXF URLs into a job; the sandbox downloads them (loopback hosts only)."""
    job = call.job(req.job_id)
    if not req.files:
        raise ApiRefusal(INVALID_PARAMETER, "files must list at least one {url, filename}")
    accepted = []
    for item in req.files:
        intake.check_loopback_url(item.url)
        name = intake.safe_filename(item.filename or intake.filename_from_url(item.url))
        intake.check_dxf_name(name)
        accepted.append((item.url, name, attributes(job, item.datas)))
    drawings = [
        new_drawing(call, job, name, source_url=url, attrs=attrs) for url, name, attrs in accepted
    ]
    return [_ref(d) for d in drawings]


def drawing_info(call: Call, req: m.DrawingGuidRequest) -> m.DrawingInfo:
    """A drawing's processing state."""
    return views.drawing_info(queries.drawing(call.sandbox.store, req.drawing_guid), call.zone)


def drawing_delete(call: Call, req: m.DrawingGuidRequest) -> None:
    """Delete a drawing that was not (successfully) processed; refused (2101) otherwise."""
    store = call.sandbox.store
    with store.transaction():
        drawing = queries.drawing(store, req.drawing_guid)
        if drawing.status in BUSY:
            raise ApiRefusal(
                DRAWING_BUSY, f"{drawing.filename} ({drawing.drawing_guid}) is {drawing.status}"
            )
        if drawing.status == m.DrawingStatus.SUCCESS:
            raise ApiRefusal(
                DRAWING_BUSY,
                f"{drawing.filename} ({drawing.drawing_guid}) is processed and has parts",
            )
        _forget(call, drawing)


def drawing_force_delete(call: Call, req: m.DrawingGuidRequest) -> None:
    """Delete a drawing and its parts whatever its state (processing results are dropped)."""
    store = call.sandbox.store
    with store.transaction():
        _forget(call, queries.drawing(store, req.drawing_guid))


def accept_files(
    call: Call,
    job: JobRecord,
    files: Sequence[UploadedFile],
    datas: Mapping[str, m.PartAttributes],
) -> list[m.DrawingRef]:
    """Check every file (name, type, size), then store and queue each as a drawing."""
    if not files:
        raise ApiRefusal(INVALID_PARAMETER, "send one or more DXF files in 'file' parts")
    limit = call.sandbox.settings.max_upload_bytes
    checked = []
    for upload in files:
        name = intake.safe_filename(upload.filename)
        intake.check_dxf_name(name)
        intake.check_size(name, len(upload.data), limit)
        given = datas.get(upload.filename) or datas.get(name)
        checked.append((upload.data, name, attributes(job, given)))
    drawings = [
        new_drawing(call, job, name, data=data, attrs=attrs) for data, name, attrs in checked
    ]
    return [_ref(d) for d in drawings]


def attributes(job: JobRecord, given: m.PartAttributes | None) -> StoredPartAttributes:
    """Part attributes from the caller's ``datas``, missing material/thickness/gas from the job."""
    values = given.model_dump(exclude_none=True, by_alias=False) if given else {}
    values.pop("filename", None)
    if "prop" in values:
        values["props"] = values.pop("prop")
    values.setdefault("material", job.material)
    values.setdefault("thickness", job.thickness)
    values.setdefault("gas", job.gas)
    try:
        return StoredPartAttributes.model_validate(values)
    except ValueError as exc:
        raise ApiRefusal(INVALID_PARAMETER, f"datas: {exc}") from None


def new_drawing(
    call: Call,
    job: JobRecord,
    filename: str,
    *,
    attrs: StoredPartAttributes,
    data: bytes | None = None,
    source_url: str | None = None,
) -> DrawingRecord:
    """Store a ``waiting`` drawing (bytes or URL) and queue it for processing."""
    store = call.sandbox.store
    drawing = DrawingRecord(
        drawing_guid=new_guid(),
        job_id=job.job_id,
        filename=filename,
        size=len(data) if data is not None else 0,
        source_url=source_url,
        attributes=attrs,
        create_time=call.now(),
    )
    with store.transaction():
        if data is not None:
            store.put_blob(drawing.blob_key, data)
        store.save(drawing)
    call.sandbox.processor.submit(drawing.drawing_guid)
    return drawing


def _forget(call: Call, drawing: DrawingRecord) -> None:
    store = call.sandbox.store
    for part in store.all(StoredPart, job_id=drawing.job_id):
        if part.drawing_guid == drawing.drawing_guid:
            store.delete(StoredPart, part.part_guid)
    store.delete(DrawingRecord, drawing.drawing_guid)
    store.delete_blob(drawing.blob_key)


def _ref(drawing: DrawingRecord) -> m.DrawingRef:
    return m.DrawingRef(drawing_guid=drawing.drawing_guid, filename=drawing.filename)
