"""What the CloudNest sandbox stores: jobs, materials, plates, drawings, parts, nestings, tasks.

Times are epoch seconds (UTC); answers format them in the caller's ``zoneId``. GUIDs are
uppercase 8-4-4-4-12 strings (spec §P rule 3). Part geometry is the core
:class:`~nestflow.geometry.models.Part` with its bounding box at (0, 0), so a placement's ``x, y``
is where that corner lands.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from nestflow.cloudnest import models as m
from nestflow.cloudnest.models import DrawingStatus, NestStatus
from nestflow.geometry.models import Part
from nestflow.sandbox.cloudnest.state.store import Record

PropValue = str | int | float


def new_guid() -> str:
    """A fresh GUID in the vendor's usual form (uppercase 8-4-4-4-12)."""
    return str(uuid.uuid4()).upper()


class JobRecord(Record):
    """A job: the container of drawings, parts and nestings."""

    kind: ClassVar[str] = "job"
    key_field: ClassVar[str] = "job_id"

    job_id: int
    job_name: str
    material: str | None = None
    thickness: float | None = None
    gas: str | None = None
    comments: str | None = None
    create_time: float


class MaterialRecord(Record):
    """A material of the team's library; ``density`` in g/cm³ gives part weights (§8.4)."""

    kind: ClassVar[str] = "material"
    key_field: ClassVar[str] = "material_id"

    material_id: int
    material_name: str
    density: float


class PlateRecord(m.PlateAddRequest, Record):
    """A plate of the plate library: the §8.5 fields plus its GUID."""

    kind: ClassVar[str] = "plate"
    key_field: ClassVar[str] = "plate_guid"

    plate_guid: str


class StoredPartAttributes(BaseModel):
    """Attributes a caller gives a part (§8.7 ``datas``, whose ``prop`` is ``props`` here)."""

    part_name: str | None = None
    material: str | None = None
    thickness: float | None = None
    gas: str | None = None
    amount: int = Field(default=1, ge=1)
    rotate_lock: int = 0
    fill_color: str | None = None
    props: dict[str, PropValue] = Field(default_factory=dict)


class DrawingRecord(Record):
    """An uploaded (or to-be-downloaded) DXF drawing and its processing state."""

    kind: ClassVar[str] = "drawing"
    key_field: ClassVar[str] = "drawing_guid"

    drawing_guid: str
    job_id: int
    filename: str
    status: DrawingStatus = DrawingStatus.WAITING
    msg: str = ""
    part_count: int = 0
    size: int = 0
    source_url: str | None = None
    attributes: StoredPartAttributes = Field(default_factory=StoredPartAttributes)
    create_time: float

    @property
    def blob_key(self) -> str:
        """Where the file's bytes are stored."""
        return f"drawing:{self.drawing_guid}"


class StoredPart(StoredPartAttributes, Record):
    """A part of a job: its attributes and its geometry (normalised to its bounding box corner)."""

    kind: ClassVar[str] = "part"
    key_field: ClassVar[str] = "part_guid"

    part_guid: str
    job_id: int
    part_name: str
    drawing_guid: str | None = None
    drawing_name: str | None = None
    geometry: Part


class LayoutInstance(m.NestPart):
    """One placed instance on a layout (the answer's fields plus the solver's flip).

    ``serial_no`` numbers the instances from 1 in the machine's reading order.
    """

    flip: bool = False


class ResultRecord(Record):
    """A layout (one nested sheet pattern, cut ``amount`` times)."""

    kind: ClassVar[str] = "result"
    key_field: ClassVar[str] = "result_guid"

    result_guid: str
    job_id: int
    nest_task_guid: str
    plate_idx: int
    layout_name: str
    plate_guid: str
    plate_name: str
    material: str
    thickness: float
    width: float
    height: float
    border_gap: float = 0.0
    amount: int
    used_length: float
    utilization: float
    placements: list[LayoutInstance]
    parts: dict[str, StoredPart] = Field(
        default_factory=dict, description="The parts on the layout as they were when nested."
    )
    removed: bool = Field(
        default=False,
        description="Deleted from the job but kept because a production task refers to it.",
    )

    @property
    def dxf_blob_key(self) -> str:
        """Where the rendered layout DXF is cached."""
        return f"layout-dxf:{self.result_guid}"

    def counts(self) -> Counter[str]:
        """How many of each part GUID lie on one sheet of the layout (first placed first)."""
        return Counter(p.part_guid for p in self.placements)


class NestTaskRecord(Record):
    """One Boost run of a job; its layouts are the results whose ``nest_task_guid`` is this."""

    kind: ClassVar[str] = "nest_task"
    key_field: ClassVar[str] = "nest_task_guid"

    nest_task_guid: str
    job_id: int
    status: NestStatus = NestStatus.NESTING
    msg: str = ""
    failed_parts: list[m.FailedPart] = Field(default_factory=list)
    plate_guids: list[str]
    gap: float
    time_limit: float
    create_time: float
    finish_time: float | None = None


class CutTaskRecord(Record):
    """A layout file handed to a machine by the IoT "upload cut task" (spec §Q.2).

    Cut like a production task: it starts at ``scheduled_start`` and each of its ``amount`` sheets
    takes ``seconds_per_sheet``. A bare file names no material: what its header says is kept.
    """

    kind: ClassVar[str] = "cut_task"
    key_field: ClassVar[str] = "task_uuid"

    task_uuid: str
    card_id: str
    gmid: int
    task_name: str
    file_name: str
    amount: int
    width: float
    height: float
    material: str = ""
    thickness: float = 0.0
    push_time: float
    scheduled_start: float
    seconds_per_sheet: float

    @property
    def scheduled_finish(self) -> float:
        """When the machine finishes the last sheet of this task."""
        return self.scheduled_start + self.seconds_per_sheet * self.amount


class PlanRecord(Record):
    """A production task: a layout pushed to a machine for ``total_plate_amount`` sheets.

    The simulated machine cuts its tasks one after the other: this task starts at
    ``scheduled_start`` and each sheet takes ``seconds_per_sheet`` (already scaled by the speed
    factor), so its progress at any moment follows from the clock alone and survives a restart.
    """

    kind: ClassVar[str] = "plan"
    key_field: ClassVar[str] = "plan_guid"

    plan_guid: str
    job_id: int
    result_guid: str
    gmid: int
    total_plate_amount: int
    comments: str = ""
    push_time: float
    scheduled_start: float
    seconds_per_sheet: float

    @property
    def scheduled_finish(self) -> float:
        """When the machine finishes the last sheet of this task."""
        return self.scheduled_start + self.seconds_per_sheet * self.total_plate_amount

    def finished_sheets(self, now: float) -> int:
        """Sheets cut by ``now``."""
        if now < self.scheduled_start:
            return 0
        if self.seconds_per_sheet <= 0:
            return self.total_plate_amount
        done = int((now - self.scheduled_start) // self.seconds_per_sheet)
        return min(done, self.total_plate_amount)


class TextRecognitionRecord(Record):
    """The team's text-recognition settings (the vendor's rule format is unknown; stored as is)."""

    kind: ClassVar[str] = "text_recognition"
    key_field: ClassVar[str] = "scope"

    scope: str
    enable: bool = False
    rules: list[dict[str, Any]] = Field(default_factory=list)
