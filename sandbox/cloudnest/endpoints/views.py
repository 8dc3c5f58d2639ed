"""Stored records -> the answer shapes of the client's models (§8.1-8.4 exact, the rest §P).

The sandbox builds every ``data`` with :mod:`nestflow.cloudnest.models`, so what it answers is by
construction what the client parses; the documented shapes keep the vendor's keys and casing.
"""

from __future__ import annotations

from collections import Counter
from datetime import tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from nestflow.cloudnest import models as m
from nestflow.sandbox.cloudnest.state.clock import format_time
from nestflow.sandbox.cloudnest.state.records import (
    CutTaskRecord,
    DrawingRecord,
    JobRecord,
    MaterialRecord,
    NestTaskRecord,
    PlanRecord,
    PlateRecord,
    ResultRecord,
    StoredPart,
)

#: Offcuts narrower than this (mm) are scrap, not a remnant plate (§8.4 ``abnor_info``).
MIN_REMNANT_WIDTH = 50.0
#: Layout files are served under this path, without signature (like the vendor's file links).
LAYOUT_FILES_PATH = "/cn-api/files/layout"


class _Located(Protocol):
    x: float
    y: float


P = TypeVar("P", bound=_Located)
M = TypeVar("M", bound=BaseModel)

# Provisional job status values (the vendor's dictionary is unknown, spec §6).
JOB_CREATED = "created"
JOB_NESTING = "nesting"
JOB_NESTED = "nested"
JOB_NEST_FAILED = "nest_failed"


def round_half_up(value: float, places: int = 2) -> float:
    """Round like the vendor's worked example (7.185 -> 7.19), not Python's binary rounding."""
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def project(model: type[M], source: BaseModel, **overrides: Any) -> M:
    """A ``model`` filled from the same-named fields of ``source``, then from ``overrides``.

    Only the answer model's own fields are copied, so a record's internal fields never leak into
    an answer (the client models accept extra keys and would pass them on).
    """
    shared = set(model.model_fields) & set(type(source).model_fields)
    return model.model_validate({name: getattr(source, name) for name in shared} | overrides)


def props_list(props: dict[str, m.PropValue]) -> list[m.PropEntry]:
    """``{"name": value}`` -> ``[{"prop_name", "prop_value"}]`` (§8.2)."""
    return [m.PropEntry(prop_name=k, prop_value=v) for k, v in props.items()]


# -- jobs ----------------------------------------------------------------------------------------


def job_status(latest_task: NestTaskRecord | None) -> str:
    """The job's status from its latest Boost (provisional values)."""
    if latest_task is None:
        return JOB_CREATED
    return {"nesting": JOB_NESTING, "finished": JOB_NESTED}.get(latest_task.status, JOB_NEST_FAILED)


def job_summary(job: JobRecord, status: str, zone: tzinfo) -> m.JobSummary:
    """A job in search and list answers."""
    return project(m.JobSummary, job, status=status, create_time=format_time(job.create_time, zone))


def job_info(
    job: JobRecord,
    status: str,
    drawings: list[DrawingRecord],
    parts: list[StoredPart],
    zone: tzinfo,
) -> m.JobInfo:
    """``data`` of job_info (§P.1); ``part_count`` counts parts to cut (amounts summed)."""
    return project(
        m.JobInfo,
        job,
        status=status,
        create_time=format_time(job.create_time, zone),
        drawing_count=len(drawings),
        part_count=sum(p.amount for p in parts),
    )


# -- drawings and parts --------------------------------------------------------------------------


def drawing_state(drawing: DrawingRecord) -> m.DrawingState:
    """A drawing in job_drawing_status."""
    return project(m.DrawingState, drawing)


def drawing_info(drawing: DrawingRecord, zone: tzinfo) -> m.DrawingInfo:
    """``data`` of drawing_info."""
    return project(m.DrawingInfo, drawing, create_time=format_time(drawing.create_time, zone))


def part_info(part: StoredPart, job: JobRecord | None) -> m.PartInfo:
    """A part with its size, area and custom properties; material falls back to the job's."""
    box = part.geometry.bbox
    thickness = part.thickness if part.thickness is not None else (job and job.thickness)
    return project(
        m.PartInfo,
        part,
        material=part.material or (job.material if job else None),
        thickness=thickness,
        width=round(box.width, 3),
        height=round(box.height, 3),
        area=round(part.geometry.area, 2),
        props=props_list(part.props),
    )


# -- layouts -------------------------------------------------------------------------------------


def layout_summary(layout: ResultRecord) -> m.LayoutSummary:
    """A layout without its parts (job_layouts); ``plate_name`` is the layout's name (§8.2)."""
    return project(m.LayoutSummary, layout, plate_name=layout.layout_name)


def dxf_url(base_url: str, layout: ResultRecord) -> str:
    """Where the sandbox serves the layout's DXF."""
    return f"{base_url.rstrip('/')}{LAYOUT_FILES_PATH}/{layout.result_guid}.dxf"


def nest_layout(layout: ResultRecord, base_url: str) -> m.NestLayout:
    """A layout with its DXF link and placed parts with serial numbers."""
    return project(
        m.NestLayout,
        layout,
        plate_name=layout.layout_name,
        dxf_url=dxf_url(base_url, layout),
        parts=[project(m.NestPart, p, x=round(p.x, 3), y=round(p.y, 3)) for p in layout.placements],
    )


def nest_detail(task: NestTaskRecord, layouts: list[ResultRecord], base_url: str) -> m.NestDetail:
    """``data`` of job_nest_detail: status, message and, once finished, the layouts."""
    return m.NestDetail(
        nest_task_guid=task.nest_task_guid,
        failed_parts=task.failed_parts,
        status=task.status,
        msg=task.msg,
        results=[nest_layout(layout, base_url) for layout in layouts],
    )


def plates_used(layouts: list[ResultRecord], plates: dict[str, PlateRecord]) -> list[m.PlateUsed]:
    """§8.1: one entry per library plate, ``amount`` = sheets of it over all layouts."""
    amounts: Counter[str] = Counter()
    first: dict[str, ResultRecord] = {}
    for layout in layouts:
        amounts[layout.plate_guid] += layout.amount
        first.setdefault(layout.plate_guid, layout)
    used = []
    for guid, amount in amounts.items():
        layout = first[guid]
        plate = plates.get(guid)
        used.append(
            m.PlateUsed(
                guid=guid,
                amount=amount,
                material=layout.material,
                thickness=layout.thickness,
                plate_name=plate.plate_name if plate else layout.plate_name,
                plate_type=plate.plate_type if plate else 0,
                file_url=None,
                thumbnail_url=None,
                width=layout.width,
                height=layout.height,
            )
        )
    return used


def part_layouts(parts: list[StoredPart], layouts: list[ResultRecord]) -> list[m.PartLayout]:
    """How many of each part the current layouts nest, and on which layouts."""
    answer = []
    for part in parts:
        per_sheet = {r.result_guid: r.counts()[part.part_guid] for r in layouts}
        on = [r for r in layouts if per_sheet[r.result_guid]]
        answer.append(
            m.PartLayout(
                part_guid=part.part_guid,
                part_name=part.part_name,
                amount=part.amount,
                nested_amount=sum(r.amount * per_sheet[r.result_guid] for r in on),
                result_guids=[r.result_guid for r in on],
            )
        )
    return answer


def physical_order(placements: list[P], order_by: str = "x") -> list[P]:
    """Placements in the machine's reading order: columns by whole-mm x, then y (or rows by y).

    Coordinates are rounded to the millimetre first so parts in one column, which the solver
    leaves a few hundredths apart, are read bottom to top instead of zig-zagging.
    """
    if order_by == "x":
        return sorted(placements, key=lambda p: (round(p.x), round(p.y)))
    return sorted(placements, key=lambda p: (round(p.y), round(p.x)))


def loc_nest_result(layout: ResultRecord, order_by: str) -> m.LocNestResult:
    """§8.3: the layout's part GUIDs, one per placed instance, in physical order."""
    return m.LocNestResult(
        guid=layout.result_guid,
        library_plate_guid=layout.plate_guid,
        part_list=[p.part_guid for p in physical_order(layout.placements, order_by)],
        plate_idx=layout.plate_idx,
        plate_name=layout.layout_name,
    )


def layout_parts(layout: ResultRecord) -> list[m.LayoutPart]:
    """Each distinct part on one sheet of the layout with its count."""
    counts = layout.counts()
    return [
        m.LayoutPart(part_guid=guid, part_name=layout.parts[guid].part_name, amount=n)
        for guid, n in counts.items()
    ]


# -- production ----------------------------------------------------------------------------------


def plan_status(plan: PlanRecord, now: float) -> str:
    """``uncompleted`` (documented) until every sheet is cut, then ``completed``."""
    done = plan.finished_sheets(now) >= plan.total_plate_amount
    return m.PlanStatus.COMPLETED if done else m.PlanStatus.UNCOMPLETED


def plan_task(plan: PlanRecord, layout: ResultRecord, now: float, zone: tzinfo) -> m.PlanTask:
    """§8.2: a production task with its parts; times appear once the machine gets there."""
    counts = layout.counts()
    finished = plan.finished_sheets(now)
    return project(
        m.PlanTask,
        layout,
        guid=plan.plan_guid,
        plate_name=layout.layout_name,
        gmid=plan.gmid,
        part_amount=sum(counts.values()) * plan.total_plate_amount,
        total_plate_amount=plan.total_plate_amount,
        finish_plate_amount=finished,
        comments=plan.comments,
        start_time=format_time(plan.scheduled_start, zone) if now >= plan.scheduled_start else None,
        finish_time=format_time(plan.scheduled_finish, zone)
        if finished >= plan.total_plate_amount
        else None,
        status=plan_status(plan, now),
        parts=[
            m.PlanPart(
                guid=guid,
                material=layout.parts[guid].material or layout.material,
                thickness=layout.thickness,
                amount=n,
                part_name=layout.parts[guid].part_name,
                props=props_list(layout.parts[guid].props),
                drawing_name=layout.parts[guid].drawing_name,
                drawing_guid=layout.parts[guid].drawing_guid,
                job_id=layout.job_id,
            )
            for guid, n in counts.items()
        ],
    )


def plan_summary(plan: PlanRecord, layout: ResultRecord | None, now: float) -> m.PlanSummary:
    """A production task in job_plan_list."""
    return m.PlanSummary(
        guid=plan.plan_guid,
        result_guid=plan.result_guid,
        plate_name=layout.layout_name if layout else None,
        gmid=plan.gmid,
        total_plate_amount=plan.total_plate_amount,
        finish_plate_amount=plan.finished_sheets(now),
        status=plan_status(plan, now),
    )


def part_weight_kg(area_mm2: float, thickness_mm: float, density_g_cm3: float) -> float:
    """Unrounded weight of one part: mm³ x g/cm³ x 1e-6 = kg."""
    return area_mm2 * thickness_mm * density_g_cm3 * 1e-6


def cut_task_result(task: CutTaskRecord) -> m.MachineResult:
    """§8.4 row of a finished upload-cut task: the sheet and count; a bare file names no parts."""
    return m.MachineResult(
        uuid=task.task_uuid,
        plate_name=task.task_name,
        nest_name=task.file_name,
        width=round(task.width, 2),
        height=round(task.height, 2),
        thickness=task.thickness,
        material=task.material,
        amount=task.amount,
    )


def machine_result(
    plan: PlanRecord, layout: ResultRecord, job_name: str | None, density: float
) -> m.MachineResult:
    """§8.4: a completed layout on a machine with its parts, weights and remnants.

    Weights follow the vendor's worked example: each part's weight is shown rounded to 2 decimals
    (7.185 kg -> 7.19 kg), and ``part_weight`` is the exact total rounded once (ten such parts ->
    71.85 kg, not 10 x 7.19).
    """
    counts = layout.counts()
    parts = []
    total = 0.0
    for guid, n in counts.items():
        geometry = layout.parts[guid].geometry
        weight = part_weight_kg(geometry.area, layout.thickness, density)
        total += weight * n
        parts.append(
            m.MachineResultPart(
                uuid=guid,
                name=layout.parts[guid].part_name,
                width=round(geometry.bbox.width, 2),
                height=round(geometry.bbox.height, 2),
                amount=n,
                area=round_half_up(geometry.area),
                weight=round_half_up(weight),
            )
        )
    return project(
        m.MachineResult,
        layout,
        uuid=layout.result_guid,
        plate_name=layout.layout_name,
        nest_name=job_name,
        amount=plan.total_plate_amount,
        parts=parts,
        abnor_info=remnants(layout),
        part_weight=round_half_up(total),
    )


def remnants(layout: ResultRecord) -> list[m.Remnant]:
    """The offcut right of the used length, when wide enough to keep (vendor's naming)."""
    width = layout.width - layout.used_length
    if width < MIN_REMNANT_WIDTH:
        return []
    return [
        m.Remnant(
            name=f"{layout.material}-余料板-{layout.thickness:.2f}-1",
            width=round(width, 2),
            height=layout.height,
            area=round_half_up(width * layout.height),
        )
    ]


# -- libraries -----------------------------------------------------------------------------------


def plate_info(plate: PlateRecord, material_name: str) -> m.PlateInfo:
    """A plate of the library."""
    return project(m.PlateInfo, plate, material=material_name)


def material_info(material: MaterialRecord) -> m.MaterialInfo:
    """A material of the library."""
    return project(m.MaterialInfo, material)
