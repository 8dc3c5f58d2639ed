"""CloudNest as a nesting engine (:class:`nestflow.engines.Engine`): job, drawings, Boost, layouts.

CloudNest nests the drawings of a job, not a list of parts, so the engine is built with what the
trigger does not carry: the client, the job's name, the material, the checked bytes of each
drawing (by sha256: what is uploaded is what was checked, never the file read again), the layers
of the layout files and how long drawing processing may take.

``trigger`` finds or adds the material and one plate per sheet format, finds the job by its exact
name or creates it, uploads the drawings the job does not hold yet (one upload per drawing, its
quantity the line's), waits until CloudNest processed them and starts a Boost on the sheets'
plates. A drawing CloudNest could not process does not stop the others: its parts are left out
and named, with CloudNest's message, in the result's ``unplaced``; when no drawing could be
processed, :class:`~nestflow.cloudnest.errors.CloudNestJobFailed` names every file and message.

The returned :class:`CloudNestNesting` waits for the nesting, downloads each layout's DXF, reads
its outlines and passes them through the safety gate. CloudNest's answer gives no flip, so the
layouts carry no placements: the result holds each layout's file as delivered and the parts it
names (:attr:`~nestflow.engines.base.EngineResult.files`, ``part_names``).

Boost nests every part the job holds: a job with drawings of another order fails the gate
("not in the order"); one job per order.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Mapping
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field

from nestflow.cloudnest import jobs
from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.errors import CloudNestJobFailed
from nestflow.cloudnest.jobs import UploadItem
from nestflow.cloudnest.layouts import gate_cloudnest_layouts
from nestflow.cloudnest.models import NestDetail, NestLayout, PartAttributes
from nestflow.engines.base import EngineResult, EngineSettings, PartOrder, SheetSpec
from nestflow.gate import dxf_outlines, ordered_parts, used_length
from nestflow.geometry.layout import LayoutLayers, SheetLayout
from nestflow.waiting import interruptible_sleep

#: Default for how long CloudNest may take to process the uploaded drawings (s).
DRAWING_DEADLINE_S = 300.0
#: Nesting messages that say nothing about what was left out.
_NO_NEWS = ("", "OK")


class CloudNestMaterial(BaseModel):
    """The material every drawing of the job is cut from, as CloudNest knows it.

    Attributes:
        name: Material grade (found by name in any case, added when absent).
        thickness: Sheet thickness in mm.
        gas: Cutting gas (O2, N2, air).
        density: g/cm³, used only when the material is added.
    """

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    thickness: float = Field(gt=0)
    gas: str = "O2"
    density: float = Field(default=7.85, gt=0)


class CloudNestEngine:
    """The CloudNest open platform as an engine.

    Args:
        client: A client of the account.
        job_name: The job's exact name (found, or created once).
        material: The material of every drawing.
        drawings: The checked bytes of each drawing, keyed by their sha256
            (``PartOrder.part.sha256``).
        layers: Layer names of CloudNest's layout files (outer and inner cuts are read).
        drawing_deadline_s: How long drawing processing may take, in seconds.

    Raises:
        ValueError: Bytes whose sha256 is not their key (they were not the bytes checked).
    """

    name = "cloudnest"

    def __init__(
        self,
        client: CloudNestClient,
        job_name: str,
        material: CloudNestMaterial,
        drawings: Mapping[str, bytes],
        layers: LayoutLayers | None = None,
        drawing_deadline_s: float = DRAWING_DEADLINE_S,
    ) -> None:
        wrong = [key for key, data in drawings.items() if hashlib.sha256(data).hexdigest() != key]
        if wrong:
            raise ValueError(
                f"drawing bytes do not hash to their key {', '.join(wrong)}: only the checked "
                "bytes may be uploaded"
            )
        self.client = client
        self.job_name = job_name
        self.material = material
        self.drawings = MappingProxyType(dict(drawings))
        self.layers = layers or LayoutLayers()
        self.drawing_deadline_s = drawing_deadline_s

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(job_name={self.job_name!r}, material={self.material.name!r}, "
            f"drawings={len(self.drawings)})"
        )

    def upload_items(self, lines: list[PartOrder]) -> list[UploadItem]:
        """One upload per drawing: its checked bytes, its line's quantity and rotation lock.

        Raises:
            ValueError: A part whose drawing bytes the engine was not given, or two parts of one
                drawing ordered in different quantities or rotations (one upload carries one).
        """
        items: dict[str, UploadItem] = {}
        for line in lines:
            part = line.part
            content = self.drawings.get(part.sha256)
            if content is None:
                raise ValueError(
                    f"part {part.name!r} from {part.source}: the engine was not given the checked "
                    f"bytes of its drawing (sha256 {part.sha256 or 'missing'})"
                )
            item = UploadItem(
                file=part.source,
                sha256=part.sha256,
                content=content,
                quantity=line.quantity,
                rotate_lock=set(line.rotations) == {0.0},
            )
            known = items.setdefault(part.sha256, item)
            if (known.quantity, known.rotate_lock) != (item.quantity, item.rotate_lock):
                raise ValueError(
                    f"{part.source}: its parts are ordered in different quantities or rotations; "
                    "CloudNest takes one quantity and one rotation lock per drawing"
                )
        return list(items.values())

    def trigger(
        self, lines: list[PartOrder], sheets: list[SheetSpec], settings: EngineSettings
    ) -> CloudNestNesting:
        """Plates, job, uploads of what the job lacks, drawing processing, then Boost.

        Args:
            lines: The parts to nest; every part's drawing bytes were given to the engine.
            sheets: The stock formats (one CloudNest plate each, stock = quantity).
            settings: Spacing (Boost's gap) and time (Boost's limit, rounded up to seconds).

        Returns:
            The started nesting.

        Raises:
            ValueError: No part or no sheet, or a part without drawing bytes.
            CloudNestJobFailed: CloudNest could not process any drawing (each file named with
                CloudNest's message).
            CloudNestWaitTimeout: Drawings still processing after ``drawing_deadline_s``.
            CloudNestError: A call failed (the Boost is not resent).
        """
        if not lines or not sheets:
            raise ValueError("CloudNest: nothing to nest (no part or no sheet format)")
        items = self.upload_items(lines)
        client, material = self.client, self.material
        material_id = jobs.find_or_add_material(client, material.name, material.density)
        plates = [
            jobs.find_or_add_plate(client, material_id, material.thickness, s) for s in sheets
        ]
        job = jobs.ensure_job(
            client,
            self.job_name,
            material=material.name,
            thickness=material.thickness,
            gas=material.gas,
        )
        put = jobs.put_drawings(client, job.job_id, items, self._attributes)
        outcome = jobs.wait_drawings(client, job.job_id, self.drawing_deadline_s, drawings=put.refs)
        failed = {d.filename: d.msg or "(no message)" for d in outcome.failed}
        if not outcome.succeeded:
            raise CloudNestJobFailed(
                None,
                f"CloudNest could not process any drawing of job {job.job_id}: "
                + "; ".join(f"{file}: {msg}" for file, msg in failed.items()),
                client.routes["job_drawing_status"].describe(),
                hint="Fix the named drawings (CloudNest's message says why) and run again.",
            )
        jobs.boost(
            client, job.job_id, plates, settings.spacing, time_limit=math.ceil(settings.time_s)
        )
        return CloudNestNesting(
            client,
            job.job_id,
            lines,
            sheets,
            layers=self.layers,
            failed=failed,
            uploaded=put.uploaded,
        )

    def _attributes(self, item: UploadItem) -> PartAttributes:
        return PartAttributes(
            material=self.material.name,
            thickness=self.material.thickness,
            gas=self.material.gas,
            amount=item.quantity,
            rotate_lock=1 if item.rotate_lock else 0,
        )


class CloudNestNesting:
    """A Boost of a CloudNest job, started by :meth:`CloudNestEngine.trigger`.

    Args:
        client: The client of the account.
        job_id: The job's id.
        lines: The parts ordered (what the gate checks the layouts against).
        sheets: The stock formats (each layout's border gap).
        layers: Layer names of the layout files.
        failed: File name -> CloudNest's message, for drawings it could not process.
        uploaded: File names this trigger uploaded (the others the job already held).
    """

    def __init__(
        self,
        client: CloudNestClient,
        job_id: int,
        lines: list[PartOrder],
        sheets: list[SheetSpec],
        *,
        layers: LayoutLayers | None = None,
        failed: Mapping[str, str] | None = None,
        uploaded: list[str] | None = None,
    ) -> None:
        self.client = client
        self.job_id = job_id
        self.lines = lines
        self.sheets = sheets
        self.layers = layers or LayoutLayers()
        self.failed = dict(failed or {})
        self.uploaded = list(uploaded or [])
        self.detail: NestDetail | None = None

    def wait_for_completion(
        self,
        timeout_s: float,
        on_poll: Callable[[NestDetail], None] | None = None,
        sleep: Callable[[float], None] = interruptible_sleep,
    ) -> NestDetail:
        """Poll the job's nesting until it is finished.

        Raises:
            CloudNestJobFailed: CloudNest reports the nesting failed (its message included).
            CloudNestWaitTimeout: Still nesting after ``timeout_s``.
        """
        self.detail = jobs.wait_nesting(self.client, self.job_id, timeout_s, on_poll, sleep=sleep)
        return self.detail

    def fetch_result(self) -> EngineResult:
        """Each layout's DXF, read and gated: one layout per CloudNest layout, with its file.

        Layouts are named ``Layout <n> (<result GUID>)``; their used length is measured on the
        file's outlines, their border gap is the matching sheet format's.

        Raises:
            RuntimeError: Not waited for yet.
            UnsafeLayouts: A file holds parts off the sheet, overlapping, not the ones it names,
                not in the order, or more copies than ordered.
            CloudNestError: A download failed, or a file is not a DXF.
        """
        if self.detail is None:
            raise RuntimeError(
                f"CloudNest job {self.job_id}: wait_for_completion before fetching the layouts"
            )
        results = self.detail.results
        files = {r.result_guid: jobs.download_layout_dxf(self.client, r) for r in results}
        outlines = {guid: dxf_outlines(data, self.layers) for guid, data in files.items()}
        gate_cloudnest_layouts(results, outlines, self.lines, self.sheets)
        layouts, named_files, names = [], {}, {}
        for index, result in enumerate(results):
            name = f"Layout {index + 1} ({result.result_guid})"
            gap = _border_gap(self.sheets, result)
            layouts.append(
                SheetLayout(
                    name=name,
                    sheet_length=result.width,
                    sheet_height=result.height,
                    used_length=min(used_length(outlines[result.result_guid]), result.width),
                    quantity=result.amount,
                    border_gap=(gap,) * 4,
                )
            )
            named_files[name] = files[result.result_guid]
            names[name] = tuple(p.part_name for p in result.parts)
        return EngineResult(
            layouts=layouts, unplaced=self._unplaced(results), files=named_files, part_names=names
        )

    def _unplaced(self, results: list[NestLayout]) -> list[str]:
        """A sentence per ordered part nested less often than ordered, with the reason if known."""
        placed: Counter[str] = Counter()
        for result in results:
            for part in result.parts:
                placed[part.part_name] += result.amount
        message = self.detail.msg if self.detail is not None else ""
        sentences = []
        for name, part in ordered_parts((x.part, x.quantity) for x in self.lines).items():
            missing = part.quantity - placed[name]
            if missing <= 0:
                continue
            if part.source in self.failed:
                reason = f"CloudNest could not process {part.source}: {self.failed[part.source]}"
            else:
                reason = "" if message in _NO_NEWS else f"CloudNest: {message}"
            sentences.append(
                f"{missing} x part '{name}' from {part.source} not nested"
                + (f": {reason}" if reason else "")
            )
        return sentences


def _border_gap(sheets: list[SheetSpec], layout: NestLayout) -> float:
    """The border gap of the sheet format of the layout's size (0 for a size not in stock)."""
    return next(
        (
            s.border_gap
            for s in sheets
            if abs(s.length - layout.width) < 1e-6 and abs(s.height - layout.height) < 1e-6
        ),
        0.0,
    )
