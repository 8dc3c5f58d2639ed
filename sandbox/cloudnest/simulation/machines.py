"""Simulated laser cutters: a push becomes a production task the machine cuts in time.

Each machine cuts its tasks one after the other in push order. A sheet takes the cut length of
all contours on the layout at the machine's feed rate, plus one pierce per contour and a sheet
change, all multiplied by the speed factor. The schedule is fixed at push time, so a task's
progress (sheets finished, start and finish times) follows from the clock alone and is the same
after a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import ezdxf
from ezdxf import bbox

from nestflow.cloudnest.errors import (
    INVALID_PARAMETER,
    LAYOUT_NOT_FOUND,
    UNCONTROLLABLE_MACHINE,
    UNSUPPORTED_FILE,
)
from nestflow.gate import layout_outlines, read_layout_dxf
from nestflow.geometry.models import Part
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal
from nestflow.sandbox.cloudnest.settings import CloudNestSandboxSettings, MachineSettings
from nestflow.sandbox.cloudnest.state.records import (
    CutTaskRecord,
    PlanRecord,
    ResultRecord,
    new_guid,
)
from nestflow.sandbox.cloudnest.state.store import Store


class MachineShop:
    """The machines reachable by push, and their production tasks.

    Args:
        store: Layouts and production tasks.
        settings: Machines and speed factor.
        clock: Epoch seconds (the sandbox's clock).
    """

    def __init__(
        self, store: Store, settings: CloudNestSandboxSettings, clock: Callable[[], float]
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._machines = {m.gmid: m for m in settings.machines}

    def push(self, result_guid: str, gmid: int, amount: int) -> PlanRecord:
        """Queue ``amount`` sheets of a layout on machine ``gmid``.

        Raises:
            ApiRefusal: A machine this team cannot control (1010), an unknown layout (2002),
                or ``amount`` below 1 (2200).
        """
        if amount < 1:
            raise ApiRefusal(INVALID_PARAMETER, f"amount must be at least 1, got {amount}")
        machine = self._machines.get(gmid)
        if machine is None:
            known = ", ".join(str(g) for g in self._machines)
            raise ApiRefusal(
                UNCONTROLLABLE_MACHINE,
                f"gmid {gmid} is not a machine this team controls; its machines: {known}",
            )
        layout = self._store.get(ResultRecord, result_guid)
        if layout is None:
            raise ApiRefusal(LAYOUT_NOT_FOUND, f"result_guid {result_guid}")
        with self._store.transaction():
            now = self._clock()
            busy_until = self._busy_until(gmid, now)
            plan = PlanRecord(
                plan_guid=new_guid(),
                job_id=layout.job_id,
                result_guid=layout.result_guid,
                gmid=gmid,
                total_plate_amount=amount,
                push_time=now,
                scheduled_start=max(now, busy_until),
                seconds_per_sheet=self._settings.scaled(sheet_seconds(layout, machine)),
            )
            self._store.save(plan)
        return plan

    def upload_cut(
        self, card_id: str, task_name: str, amount: int, file: UploadedCut
    ) -> CutTaskRecord:
        """Queue ``amount`` sheets of a layout file on the machine with card ``card_id``.

        Raises:
            ApiRefusal: A card this account cannot control (1010), or a file the machine cannot
                read (2300).
        """
        machine = next((m for m in self._machines.values() if m.card_id == card_id), None)
        if machine is None:
            raise ApiRefusal(
                UNCONTROLLABLE_MACHINE,
                f"card {card_id} is not a machine this account controls",
            )
        sheet = read_cut_file(file.filename, file.data)
        with self._store.transaction():
            now = self._clock()
            task = CutTaskRecord(
                task_uuid=new_guid().lower(),
                card_id=card_id,
                gmid=machine.gmid,
                task_name=task_name,
                file_name=file.filename,
                amount=amount,
                width=sheet.width,
                height=sheet.height,
                push_time=now,
                scheduled_start=max(now, self._busy_until(machine.gmid, now)),
                seconds_per_sheet=self._settings.scaled(
                    sheet.cut_length / (machine.cutting_speed / 60.0)
                    + sheet.pierces * machine.pierce_seconds
                    + machine.sheet_change_seconds
                ),
            )
            self._store.save(task)
        return task

    def _busy_until(self, gmid: int, now: float) -> float:
        """When machine ``gmid`` finishes what it was given (production and cut tasks)."""
        finishes = [p.scheduled_finish for p in self._store.all(PlanRecord) if p.gmid == gmid]
        finishes += [t.scheduled_finish for t in self._store.all(CutTaskRecord) if t.gmid == gmid]
        return max(finishes, default=now)

    def cut_tasks(self, gmid: int) -> list[CutTaskRecord]:
        """The layout files handed to machine ``gmid``, oldest first."""
        return [t for t in self._store.all(CutTaskRecord) if t.gmid == gmid]

    def plans(self, *, gmid: int | None = None, job_id: int | None = None) -> list[PlanRecord]:
        """Production tasks, oldest first, filtered by machine and/or job."""
        return [
            p for p in self._store.all(PlanRecord, job_id=job_id) if gmid is None or p.gmid == gmid
        ]

    def known(self, gmid: int) -> bool:
        """Whether ``gmid`` is one of the simulated machines."""
        return gmid in self._machines


class UploadedCut(Protocol):
    """A file part of the upload-cut request."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class CutSheet:
    """What the simulated machine reads from a layout file (a bare DXF names no material)."""

    width: float
    height: float
    cut_length: float
    pierces: int


def read_cut_file(name: str, data: bytes) -> CutSheet:
    """The sheet (its ``SHEET`` layer, else the drawing's extents), cut length and pierces.

    Raises:
        ApiRefusal: The file is not a DXF the machine can read (2300).
    """
    if not name.lower().endswith(".dxf"):
        raise ApiRefusal(UNSUPPORTED_FILE, f"{name}: the simulated machine reads DXF files only")
    try:
        doc = read_layout_dxf(data)
        outlines = layout_outlines(doc)
    except (ezdxf.DXFError, UnicodeError, ValueError) as exc:
        raise ApiRefusal(UNSUPPORTED_FILE, f"{name}: not a readable DXF ({exc})") from None
    sheet = [e for e in doc.modelspace() if e.dxf.layer.upper() == "SHEET"]
    box = bbox.extents(sheet or doc.modelspace())
    rings = [ring for g in outlines for ring in (g.exterior, *g.interiors)]
    return CutSheet(
        width=float(box.size.x) if box.has_data else 0.0,
        height=float(box.size.y) if box.has_data else 0.0,
        cut_length=sum(ring.length for ring in rings),
        pierces=len(rings),
    )


def sheet_seconds(layout: ResultRecord, machine: MachineSettings) -> float:
    """Unscaled time to cut one sheet of ``layout`` on ``machine``."""
    length = 0.0
    pierces = 0
    for placed in layout.placements:
        part = layout.parts[placed.part_guid].geometry
        length += cut_length(part)
        pierces += 1 + len(part.holes)
    return (
        length / (machine.cutting_speed / 60.0)
        + pierces * machine.pierce_seconds
        + machine.sheet_change_seconds
    )


def cut_length(part: Part) -> float:
    """Length of the cut path of one part (outer contour plus holes), in mm."""
    return part.outer.to_shapely().exterior.length + sum(
        hole.to_shapely().exterior.length for hole in part.holes
    )
