"""Asynchronous drawing processing: DXF bytes -> parts, with the same reader as the core.

A drawing goes ``waiting`` (queued; a URL drawing is downloaded then) -> ``processing`` (the
simulated processing time, then :func:`nestflow.geometry.reader.read_drawing`) -> ``success``
(its parts stored) or ``failed`` (``msg`` is the reader's message naming the file and the
problem, or the download failure). A drawing force-deleted meanwhile is dropped silently.
"""

from __future__ import annotations

from nestflow.cloudnest.models import DrawingStatus
from nestflow.geometry.errors import DrawingError
from nestflow.geometry.models import Part
from nestflow.geometry.reader import read_drawing
from nestflow.sandbox.cloudnest.settings import CloudNestSandboxSettings
from nestflow.sandbox.cloudnest.simulation.intake import DownloadError, download
from nestflow.sandbox.cloudnest.simulation.workers import Workers
from nestflow.sandbox.cloudnest.state.records import DrawingRecord, StoredPart, new_guid
from nestflow.sandbox.cloudnest.state.store import Store

#: Statuses in which a drawing still belongs to the processor.
BUSY = frozenset({DrawingStatus.WAITING, DrawingStatus.PROCESSING})


class DrawingProcessor:
    """Processes queued drawings in background threads.

    Args:
        store: Where drawings, their bytes and the extracted parts live.
        settings: Simulated processing time, speed factor, download size limit.
    """

    def __init__(self, store: Store, settings: CloudNestSandboxSettings) -> None:
        self._store = store
        self._settings = settings
        self._workers = Workers("cloudnest-drawing", threads=2)

    def submit(self, drawing_guid: str) -> None:
        """Queue a stored ``waiting`` drawing."""
        self._workers.submit(
            lambda: self._process(drawing_guid),
            lambda exc: self._fail(drawing_guid, _internal_error(exc)),
        )

    def resume(self) -> int:
        """Re-queue drawings a previous run left unfinished; return how many."""
        unfinished = [d for d in self._store.all(DrawingRecord) if d.status in BUSY]
        for drawing in unfinished:
            self._set(drawing.drawing_guid, DrawingStatus.WAITING, "")
            self.submit(drawing.drawing_guid)
        return len(unfinished)

    def shutdown(self) -> None:
        """Stop taking work."""
        self._workers.shutdown()

    def _process(self, drawing_guid: str) -> None:
        drawing = self._store.get(DrawingRecord, drawing_guid)
        if drawing is None or drawing.status != DrawingStatus.WAITING:
            return
        try:
            data = self._bytes_of(drawing)
        except DownloadError as exc:
            self._fail(drawing_guid, str(exc))
            return
        self._set(drawing_guid, DrawingStatus.PROCESSING, "")
        if self._workers.stopping.wait(self._settings.scaled(self._settings.processing_seconds)):
            return
        try:
            parts = read_drawing(data, name=drawing.filename)
        except DrawingError as exc:
            self._fail(drawing_guid, str(exc))
            return
        if not parts:
            self._fail(drawing_guid, f"{drawing.filename}: no part found in the drawing")
            return
        self._store_parts(drawing, parts)

    def _bytes_of(self, drawing: DrawingRecord) -> bytes:
        data = self._store.get_blob(drawing.blob_key)
        if data is not None:
            return data
        if drawing.source_url is None:
            raise DownloadError(f"{drawing.filename}: the file's bytes are missing")
        data = download(drawing.source_url, self._settings.max_upload_bytes)
        self._store.put_blob(drawing.blob_key, data)
        self._store.update(
            DrawingRecord, drawing.drawing_guid, lambda d: d.model_copy(update={"size": len(data)})
        )
        return data

    def _store_parts(self, drawing: DrawingRecord, parts: list[Part]) -> None:
        records = [_part_record(drawing, part, i, len(parts)) for i, part in enumerate(parts, 1)]
        if self._workers.stopping.is_set():
            return
        with self._store.transaction():
            current = self._store.get(DrawingRecord, drawing.drawing_guid)
            if current is None:  # force-deleted while processing
                return
            for record in records:
                self._store.save(record)
            self._store.save(
                current.model_copy(
                    update={
                        "status": DrawingStatus.SUCCESS,
                        "msg": "; ".join(w for p in parts for w in p.warnings),
                        "part_count": len(records),
                    }
                )
            )

    def _fail(self, drawing_guid: str, msg: str) -> None:
        self._set(drawing_guid, DrawingStatus.FAILED, msg)

    def _set(self, drawing_guid: str, status: DrawingStatus, msg: str) -> None:
        self._store.update(
            DrawingRecord,
            drawing_guid,
            lambda d: d.model_copy(update={"status": status, "msg": msg}),
        )


def _part_record(drawing: DrawingRecord, part: Part, index: int, count: int) -> StoredPart:
    """A job part from a part read out of ``drawing``, named from the caller's ``datas``."""
    attrs = drawing.attributes
    name = attrs.part_name or part.name
    if attrs.part_name and count > 1:
        name = f"{attrs.part_name}-{index}"
    return StoredPart(
        **attrs.model_copy(update={"part_name": name}).model_dump(),
        part_guid=new_guid(),
        job_id=drawing.job_id,
        drawing_guid=drawing.drawing_guid,
        drawing_name=drawing.filename,
        geometry=part.normalized(),
    )


def _internal_error(exc: BaseException) -> str:
    return f"internal error while processing the drawing: {type(exc).__name__}: {exc}"
