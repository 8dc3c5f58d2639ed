"""Boost (飞排): really nest a job's parts on its plates with the core solver, asynchronously.

The job's processed parts become solver items (quantity = part amount, rotations in 90° steps
unless ``rotate_lock``, spacing = Boost ``gap``); the chosen plates become sheets (size, stock
``remain_amount`` with -1 as unlimited, plate ``gap`` as border). Each solver nesting becomes a
layout (``result``) with utilisation, part serial numbers in x order and a DXF written by
:func:`nestflow.geometry.layout.write_layout_dxf`, stored at once so a layout's file never
depends on parts edited or deleted later.

A Boost the solver refuses (:class:`~nestflow.nesting.errors.NestingInputError`) fails, naming
the parts concerned in ``failed_parts``. With ``min_hole_web_mm`` set, a part whose holes are
closer than that web is refused the same way before the solver runs (see
:mod:`sandbox.hole_webs`); the core solver, shared with the local engine, knows no such rule.
"""

from __future__ import annotations

from collections.abc import Callable

from nestflow.cloudnest.errors import (
    DRAWING_BUSY,
    INVALID_PARAMETER,
    JOB_NOT_FOUND,
    NESTING_RUNNING,
    NOTHING_TO_NEST,
    PLATE_NOT_FOUND,
)
from nestflow.cloudnest.models import DrawingStatus, FailedPart, NestStatus
from nestflow.geometry.layout import Placement as LayoutPlacement
from nestflow.geometry.layout import SheetLayout, write_layout_dxf
from nestflow.nesting.errors import NestingInputError
from nestflow.nesting.models import NestItem, NestRequest, NestResult, NestSheet, Orientation
from nestflow.nesting.solver import solve
from nestflow.sandbox.cloudnest.endpoints.views import physical_order, project
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal
from nestflow.sandbox.cloudnest.settings import CloudNestSandboxSettings
from nestflow.sandbox.cloudnest.simulation.processing import BUSY
from nestflow.sandbox.cloudnest.simulation.workers import Workers
from nestflow.sandbox.cloudnest.state.catalogue import material_name
from nestflow.sandbox.cloudnest.state.records import (
    DrawingRecord,
    JobRecord,
    LayoutInstance,
    NestTaskRecord,
    PlateRecord,
    ResultRecord,
    StoredPart,
    new_guid,
)
from nestflow.sandbox.cloudnest.state.store import Store
from nestflow.sandbox.hole_webs import thinnest_web

#: Sheets offered to the solver for a plate with unlimited stock (``remain_amount`` -1).
UNLIMITED_SHEETS = 1000
FREE_ROTATIONS = (0.0, 90.0, 180.0, 270.0)
#: The solver needs at least one second whatever the speed factor.
MIN_SOLVE_SECONDS = 1.0


class Booster:
    """Starts Boost runs and carries them out in a background thread.

    Args:
        store: Jobs, parts, plates, and where results go.
        settings: Default budget and speed factor.
        clock: Epoch seconds (the sandbox's clock).
    """

    def __init__(
        self, store: Store, settings: CloudNestSandboxSettings, clock: Callable[[], float]
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._workers = Workers("cloudnest-boost", threads=1)

    def start(
        self,
        job_id: int,
        plate_guids: list[str] | None,
        gap: float | None,
        time_limit: float | None,
    ) -> NestTaskRecord:
        """Check the job can be nested, record a ``nesting`` task and queue it.

        Raises:
            ApiRefusal: Unknown job, a Boost already running, drawings still processing, no
                processed part, unknown or unmatched plates, or negative ``gap``/``time_limit``.
        """
        job = self._store.get(JobRecord, job_id)
        if job is None:
            raise ApiRefusal(JOB_NOT_FOUND, f"job_id {job_id}")
        if (gap is not None and gap < 0) or (time_limit is not None and time_limit <= 0):
            raise ApiRefusal(INVALID_PARAMETER, "gap must be >= 0 and time_limit > 0")
        self._check_ready(job)
        plates = self._plates_for(job, plate_guids)
        budget = self._settings.scaled(time_limit or self._settings.default_boost_seconds)
        task = NestTaskRecord(
            nest_task_guid=new_guid(),
            job_id=job_id,
            plate_guids=[p.plate_guid for p in plates],
            gap=gap or 0.0,
            time_limit=max(MIN_SOLVE_SECONDS, budget),
            create_time=self._clock(),
        )
        with self._store.transaction():
            if self.running_task(job_id) is not None:
                raise ApiRefusal(NESTING_RUNNING, f"job_id {job_id}")
            self._store.save(task)
        self.submit(task.nest_task_guid)
        return task

    def submit(self, task_guid: str) -> None:
        """Queue a recorded ``nesting`` task."""
        self._workers.submit(
            lambda: self._run(task_guid),
            lambda exc: self._finish_failed(
                task_guid, f"internal solver error: {type(exc).__name__}: {exc}"
            ),
        )

    def resume(self) -> int:
        """Re-queue tasks a previous run left ``nesting``; return how many."""
        tasks = [t for t in self._store.all(NestTaskRecord) if t.status == NestStatus.NESTING]
        for task in tasks:
            self.submit(task.nest_task_guid)
        return len(tasks)

    def running_task(self, job_id: int) -> NestTaskRecord | None:
        """The job's task still ``nesting``, if any."""
        return next(
            (
                t
                for t in self._store.all(NestTaskRecord, job_id=job_id)
                if t.status == NestStatus.NESTING
            ),
            None,
        )

    def shutdown(self) -> None:
        """Stop taking work."""
        self._workers.shutdown()

    # -- checks --------------------------------------------------------------------------------

    def _check_ready(self, job: JobRecord) -> None:
        drawings = self._store.all(DrawingRecord, job_id=job.job_id)
        busy = [d.filename for d in drawings if d.status in BUSY]
        if busy:
            raise ApiRefusal(
                DRAWING_BUSY,
                f"job_id {job.job_id}: {len(busy)} drawing(s) still processing "
                f"({', '.join(busy[:5])}); poll job_drawing_status first",
            )
        if not self._store.all(StoredPart, job_id=job.job_id):
            failed = [d.filename for d in drawings if d.status == DrawingStatus.FAILED]
            detail = f"; failed drawings: {', '.join(failed[:5])}" if failed else ""
            raise ApiRefusal(NOTHING_TO_NEST, f"job_id {job.job_id} has no part{detail}")

    def _plates_for(self, job: JobRecord, plate_guids: list[str] | None) -> list[PlateRecord]:
        if plate_guids:
            plates = [self._store.get(PlateRecord, g) for g in plate_guids]
            missing = [g for g, p in zip(plate_guids, plates, strict=True) if p is None]
            if missing:
                raise ApiRefusal(PLATE_NOT_FOUND, f"plate_guids {missing}")
            chosen = [p for p in plates if p is not None and p.remain_amount != 0]
        else:
            chosen = [p for p in self._store.all(PlateRecord) if self._matches(p, job)]
        if not chosen:
            raise ApiRefusal(PLATE_NOT_FOUND, _no_plate_detail(job))
        return chosen

    def _matches(self, plate: PlateRecord, job: JobRecord) -> bool:
        if plate.plate_type != 0 or plate.remain_amount == 0:
            return False
        if job.material and material_name(self._store, plate.material_id).lower() != (
            job.material.lower()
        ):
            return False
        return job.thickness is None or abs(plate.thickness - job.thickness) < 1e-6

    # -- the run -------------------------------------------------------------------------------

    def _run(self, task_guid: str) -> None:
        task = self._store.get(NestTaskRecord, task_guid)
        if task is None or task.status != NestStatus.NESTING:
            return
        parts = self._store.all(StoredPart, job_id=task.job_id)
        plates = [p for g in task.plate_guids if (p := self._store.get(PlateRecord, g))]
        job = self._store.get(JobRecord, task.job_id)
        if job is None or not parts or not plates:
            self._finish_failed(task_guid, "the job, its parts or its plates were deleted")
            return
        try:
            refuse_thin_webs(parts, self._settings.min_hole_web_mm)
            result = solve(nest_request(parts, plates, task))
        except NestingInputError as exc:
            message = _input_error_message(exc, parts, plates)
            self._finish_failed(task_guid, message, _refused_parts(exc, parts))
            return
        if self._workers.stopping.is_set():
            return
        materials = [material_name(self._store, p.material_id) for p in plates]
        layouts = build_layouts(task, job, parts, list(zip(plates, materials, strict=True)), result)
        if not layouts:
            self._finish_failed(task_guid, "no part could be placed: " + _unplaced(result, parts))
            return
        with self._store.transaction():
            if self._store.get(NestTaskRecord, task_guid) is None:  # deleted meanwhile
                return
            for layout in layouts:
                self._store.save(layout)
                self._store.put_blob(layout.dxf_blob_key, layout_dxf(layout))
            self._store.save(
                task.model_copy(
                    update={
                        "status": NestStatus.FINISHED,
                        "msg": _unplaced(result, parts) if result.unplaced else "OK",
                        "finish_time": self._clock(),
                    }
                )
            )

    def _finish_failed(
        self, task_guid: str, msg: str, failed_parts: list[FailedPart] | None = None
    ) -> None:
        now = self._clock()
        update = {
            "status": NestStatus.FAILED,
            "msg": msg,
            "failed_parts": failed_parts or [],
            "finish_time": now,
        }
        self._store.update(NestTaskRecord, task_guid, lambda t: t.model_copy(update=update))


def refuse_thin_webs(parts: list[StoredPart], min_web: float) -> None:
    """Refuse the parts with two holes closer than ``min_web`` mm (0: refuse none).

    Args:
        parts: The job's parts; item id = index, as in :func:`nest_request`.
        min_web: Least web between two holes of a part, in mm.

    Raises:
        NestingInputError: Naming every such part, as the solver names the items it refuses,
            so the Boost fails with them in ``failed_parts``.
    """
    webs = {
        i: web
        for i, part in enumerate(parts)
        if (web := thinnest_web([hole.to_shapely() for hole in part.geometry.holes], min_web))
    }
    if webs:
        thinnest = min(web.width for web in webs.values())
        raise NestingInputError(
            f"holes closer than {min_web:g} mm cannot be cut (thinnest web {thinnest:.3f} mm)",
            item_ids=sorted(webs),
        )


def nest_request(
    parts: list[StoredPart], plates: list[PlateRecord], task: NestTaskRecord
) -> NestRequest:
    """The solver request: item id = index in ``parts``, sheet id = index in ``plates``."""
    items = [
        NestItem(
            id=i,
            outer=part.geometry.outer.points(),
            holes=[hole.points() for hole in part.geometry.holes],
            quantity=part.amount,
            orientations=[
                Orientation(angle=a) for a in ((0.0,) if part.rotate_lock else FREE_ROTATIONS)
            ],
            spacing=task.gap,
        )
        for i, part in enumerate(parts)
    ]
    sheets = [
        NestSheet(
            id=j,
            length=plate.width,
            height=plate.height,
            quantity=plate.remain_amount if plate.remain_amount > 0 else UNLIMITED_SHEETS,
            border_gap=(plate.gap,) * 4,
        )
        for j, plate in enumerate(plates)
    ]
    return NestRequest(items=items, sheets=sheets, time_limit=task.time_limit, seed=0)


def build_layouts(
    task: NestTaskRecord,
    job: JobRecord,
    parts: list[StoredPart],
    plates: list[tuple[PlateRecord, str]],
    result: NestResult,
) -> list[ResultRecord]:
    """One layout record per solver nesting, numbered ``Layout 1, 2...`` (§8.2 naming).

    ``plates`` pairs each plate (sheet id = index) with its material name.
    """
    parts_by_guid = {p.part_guid: p for p in parts}
    layouts = []
    for index, nesting in enumerate(result.nestings, 1):
        plate, material = plates[nesting.sheet_id]
        ordered = physical_order(nesting.placements)
        placed = [
            project(
                LayoutInstance,
                p,
                part_guid=parts[p.item_id].part_guid,
                part_name=parts[p.item_id].part_name,
                serial_no=serial,
            )
            for serial, p in enumerate(ordered, 1)
        ]
        area = sum(parts[p.item_id].geometry.area for p in nesting.placements)
        layouts.append(
            project(
                ResultRecord,
                plate,
                result_guid=new_guid(),
                job_id=job.job_id,
                nest_task_guid=task.nest_task_guid,
                plate_idx=index,
                layout_name=f"Layout {index}",
                material=material,
                border_gap=plate.gap,
                amount=nesting.quantity,
                used_length=nesting.length,
                utilization=round(area / (plate.width * plate.height), 4),
                placements=placed,
                parts={q.part_guid: parts_by_guid[q.part_guid] for q in placed},
            )
        )
    return layouts


def layout_dxf(layout: ResultRecord) -> bytes:
    """The layout as a DXF file (sheet outline, border, offcut line, placed contours)."""
    geometry = {guid: part.geometry for guid, part in layout.parts.items()}
    sheet = SheetLayout(
        name=layout.layout_name,
        sheet_length=layout.width,
        sheet_height=layout.height,
        used_length=min(layout.used_length, layout.width),
        placements=tuple(
            LayoutPlacement(part=geometry[p.part_guid], angle=p.angle, flip=p.flip, x=p.x, y=p.y)
            for p in layout.placements
        ),
        quantity=layout.amount,
        border_gap=(layout.border_gap,) * 4,
    )
    return write_layout_dxf(sheet)


def _unplaced(result: NestResult, parts: list[StoredPart]) -> str:
    return "; ".join(
        f"{u.count} x part {parts[u.item_id].part_name!r} not placed: {u.reason}"
        for u in result.unplaced
    )


def _refused_parts(exc: NestingInputError, parts: list[StoredPart]) -> list[FailedPart]:
    """The parts an input error is about, when it is about parts alone (not plates)."""
    if exc.sheet_ids:
        return []
    named = [parts[i] for i in exc.item_ids if 0 <= i < len(parts)]
    return [
        FailedPart(part_guid=p.part_guid, part_name=p.part_name, drawing_guid=p.drawing_guid)
        for p in named
    ]


def _input_error_message(
    exc: NestingInputError, parts: list[StoredPart], plates: list[PlateRecord]
) -> str:
    names = [repr(parts[i].part_name) for i in exc.item_ids if 0 <= i < len(parts)]
    sheets = [repr(plates[j].plate_name) for j in exc.sheet_ids if 0 <= j < len(plates)]
    where = ", ".join(
        ([f"parts {', '.join(names)}"] if names else [])
        + ([f"plates {', '.join(sheets)}"] if sheets else [])
    )
    return f"{exc.message}" + (f" ({where})" if where else "")


def _no_plate_detail(job: JobRecord) -> str:
    wanted = "any material"
    if job.material:
        thickness = f", thickness {job.thickness:g} mm" if job.thickness else ""
        wanted = f"material {job.material!r}{thickness}"
    return (
        f"job_id {job.job_id}: no standard plate in stock for {wanted}; "
        "add one with plate_add or pass plate_guids"
    )
