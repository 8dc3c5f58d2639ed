"""CloudNest as an engine: plates, job, uploads and Boost at the start, gated layouts at the finish.

CloudNest nests the drawings of a job, not a list of parts: the engine finds or adds the
material and one plate per sheet format, finds the job by its exact name or creates it, uploads
the drawings the job does not hold yet (in stable batches, each one request a gateway lets
through, so that a re-run finds each batch done), waits until CloudNest processed them and
starts a Boost. Its start waits on the service, so a run starts it after the engines that only
submit. The finish waits for the nesting, downloads each layout's DXF, passes the files'
outlines through the safety gate and measures them.

Vendor specifics live here: a drawing CloudNest cannot process is named in the summary's
``errors`` and the others go on; a Boost that fails on some parts' geometry fails for the whole
job, so those parts are deleted from the job, named in ``unplaced`` (the run does not end green)
and the job is Boosted again without them.

Every call to the service is a step of :class:`CloudNestSteps` (in a run, Prefect tasks with
their caches and retries: ``nestflow/tasks/cloudnest.py``); which answers are remembered from an
earlier run (the job id, each upload batch, the Boost) is the steps' business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Protocol

from shapely.geometry import Polygon

from nestflow.batching import batches
from nestflow.cloudnest.errors import CloudNestJobFailed
from nestflow.cloudnest.jobs import UPLOAD_REQUEST_BYTES, UploadItem, UploadOutcome, upload_items
from nestflow.cloudnest.layouts import gate_cloudnest_layouts
from nestflow.cloudnest.models import (
    DrawingRef,
    DrawingState,
    DrawingStatus,
    FailedPart,
    NestDetail,
    NestLayout,
    PartLayout,
)
from nestflow.cloudnest.summary import cloudnest_summary
from nestflow.engines.base import Engine, EngineContext
from nestflow.engines.registry import ENGINES, EngineEntry
from nestflow.engines.results import (
    cut_list,
    drawn_pictures,
    failed,
    failure_lines,
    file_name,
    identified,
)
from nestflow.gate import dxf_outlines, used_length
from nestflow.geometry.layout import LayoutLayers, SheetLayout
from nestflow.intake import Intake, order_lines
from nestflow.report import EngineSummary, outline_sheet, tag_dxf_header
from nestflow.run_options import MaterialSpec
from nestflow.stock import SheetFormat
from nestflow.targets import LayoutToCut

#: Drawings per upload batch (batches are sorted by file name, so a re-run finds each one done).
UPLOAD_BATCH = 20


@dataclass(frozen=True)
class Boost:
    """A Boost of a job: its processed drawings on the sheets' plates.

    Attributes:
        job_id: The job.
        drawing_guids: The drawings processed into parts.
        plate_guids: One plate per sheet format.
        gap: Spacing between parts, in mm.
        time_limit: CloudNest's optimisation time, in whole seconds.
        added_drawings: This run added drawings to the job (a nesting already there is stale).
    """

    job_id: int
    drawing_guids: list[str]
    plate_guids: list[str]
    gap: float
    time_limit: int
    added_drawings: bool


class CloudNestSteps(Protocol):
    """CloudNest's calls, as the engine makes them (one account's; implemented by its tasks)."""

    #: Layer names of CloudNest's layout files (outer and inner cuts are read).
    layout_layers: LayoutLayers

    def prepare_plates(self, material: MaterialSpec, sheets: list[SheetFormat]) -> list[str]:
        """Find or add the material and one plate per sheet format; the plate GUIDs."""

    def ensure_job(self, name: str, material: MaterialSpec) -> int:
        """The id of the job named ``name`` (a remembered id is checked on the server first)."""

    def upload_drawings(
        self, job_id: int, items: list[UploadItem], material: MaterialSpec
    ) -> tuple[UploadOutcome, bool]:
        """Upload what the job lacks of one batch.

        Returns:
            What was uploaded, and whether it was uploaded now (False: an earlier run did it).
        """

    def wait_drawings(
        self, job_id: int, refs: list[DrawingRef], deadline_s: float
    ) -> list[DrawingState]:
        """Wait until every drawing is processed or refused."""

    def start_boost(self, boost: Boost, *, again: bool) -> None:
        """Start the job's Boost (``again``: a new one, not the answer of the first)."""

    def wait_nesting(self, job_id: int, expected_s: float, deadline_s: float) -> NestDetail:
        """Wait for the job's nesting; a failed nesting raises ``CloudNestJobFailed``."""

    def refused_parts(self, job_id: int) -> list[FailedPart]:
        """The parts the job's latest (failed) nesting could not take."""

    def leave_out_parts(self, job_id: int, parts: list[FailedPart]) -> None:
        """Delete ``parts`` from the job, so that its next Boost nests the others."""

    def download_layout(self, layout: NestLayout) -> bytes:
        """The layout's DXF file."""

    def read_part_layout(self, job_id: int) -> list[PartLayout]:
        """How many of each part the job's layouts hold, against how many were ordered."""


class CloudNestEngine(Engine):
    """CloudNest's part of a run: job, drawings and Boost first, gated layouts later.

    Args:
        steps: The account's calls (in a run, its Prefect tasks).
    """

    entry: ClassVar[EngineEntry] = ENGINES["cloudnest"]

    def __init__(self, steps: CloudNestSteps) -> None:
        self.steps = steps
        self.summary = EngineSummary(engine=self.name)
        self.job_id: int | None = None
        self.boosted = False
        self.layouts: list[NestLayout] = []
        self.dxf: dict[str, bytes] = {}
        #: Result GUID -> the part outlines the gate read from its file (to draw its picture).
        self.outlines: dict[str, list[Polygon]] = {}
        #: Part name -> net area: names each outline of a picture after its part.
        self.part_areas: dict[str, float] = {}
        #: The layouts' pictures by index (drawn once the summary is known; best effort).
        self.pictures: dict[int, bytes] = {}
        #: The Boost's arguments after the job: drawing GUIDs, plate GUIDs (to Boost it again).
        self.boost_inputs: tuple[list[str], list[str]] = ([], [])
        #: Parts CloudNest refused for their geometry, left out of the job (one sentence each).
        self.left_out: list[str] = []

    def start(self, ctx: EngineContext) -> None:
        """Plates, job (a remembered id is checked first), uploads, processing, then Boost."""
        try:
            plates = self.steps.prepare_plates(ctx.material, ctx.sheets)
            self.job_id = self.steps.ensure_job(ctx.job, ctx.material)
            guids, added = self._upload(self.job_id, ctx)
            if not guids:
                return
            self.boost_inputs = (guids, plates)
            self._boost(ctx, added)
            self.boosted = True
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self._fail(exc)

    def _upload(self, job_id: int, ctx: EngineContext) -> tuple[list[str], bool]:
        """Upload what the job lacks and wait for processing.

        Returns:
            The GUIDs of the drawings processed into parts, and whether this run added drawings.
        """
        refs, added = self._upload_missing(job_id, ctx.intake, ctx.material)
        drawings = self.steps.wait_drawings(job_id, refs, ctx.nesting.max_wait_s)
        refused = [d for d in drawings if d.status == DrawingStatus.FAILED]
        errors = [f"CloudNest could not process {d.filename}: {d.msg}" for d in refused]
        processed = [d.drawing_guid for d in drawings if d.status == DrawingStatus.SUCCESS]
        self.summary = EngineSummary(
            engine=self.name,
            status="ok" if processed else "failed",
            reference=f"job {job_id}",
            errors=errors,
        )
        return processed, added

    def _upload_missing(
        self, job_id: int, intake: Intake, material: MaterialSpec
    ) -> tuple[list[DrawingRef], bool]:
        """Upload the drawings in stable batches; each batch is remembered by its files' hashes.

        A batch holds at most :data:`UPLOAD_BATCH` drawings and ``UPLOAD_REQUEST_BYTES`` of them,
        so each upload is one request a gateway's body limit lets through.

        Returns:
            The drawings' references, and whether a batch uploaded now added drawings (a batch an
            earlier run uploaded adds none).
        """
        uploads = [
            self.steps.upload_drawings(job_id, batch, material)
            for batch in batches(
                upload_items(intake.drawings),
                UPLOAD_BATCH,
                key=lambda i: i.file,
                weight=lambda i: len(i.content),
                max_weight=UPLOAD_REQUEST_BYTES,
            )
        ]
        added = any(outcome.uploaded for outcome, now in uploads if now)
        return [ref for outcome, _ in uploads for ref in outcome.refs], added

    def _boost(self, ctx: EngineContext, added: bool, *, again: bool = False) -> None:
        """Start the job's Boost (``again``: a new one, not the remembered answer of the first)."""
        assert self.job_id is not None
        guids, plates = self.boost_inputs
        nesting = ctx.nesting
        boost = Boost(self.job_id, guids, plates, nesting.spacing, math.ceil(nesting.time_s), added)
        self.steps.start_boost(boost, again=again)

    def _nested(self, ctx: EngineContext) -> NestDetail:
        """The finished nesting; once more without the parts CloudNest refused, if any.

        A Boost that fails on some parts' geometry fails for the whole job. Those parts are
        deleted from the job and named in the engine's ``unplaced`` (so the run does not end
        green), and the job is Boosted again without them.
        """
        assert self.job_id is not None
        nesting = ctx.nesting
        wait = (self.job_id, nesting.time_s, nesting.max_wait_s)
        try:
            return self.steps.wait_nesting(*wait)
        except CloudNestJobFailed:
            refused = self.steps.refused_parts(self.job_id)
            if not refused or self.left_out:
                raise
        self.left_out = _left_out(refused, ctx.intake)
        self.steps.leave_out_parts(self.job_id, refused)
        self._boost(ctx, True, again=True)
        return self.steps.wait_nesting(*wait)

    def finish(self, ctx: EngineContext) -> None:
        """Wait for the Boost, download each layout's DXF, pass them through the gate, measure.

        The pictures are drawn last, best effort (one that cannot be drawn is named in the
        summary's ``errors``).
        """
        if not self.boosted or self.job_id is None:
            return
        try:
            self.summary = identified(self._gated(ctx, self.job_id), ctx)
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self._fail(exc)
            return
        count = len(self.summary.layouts)
        self.summary, self.pictures = drawn_pictures(self.summary, count, self._sheet)

    def _gated(self, ctx: EngineContext, job_id: int) -> EngineSummary:
        """The nesting's layout files downloaded, gated against the order and measured."""
        intake = ctx.intake
        detail = self._nested(ctx)
        self.layouts = detail.results
        self.dxf = {
            layout.result_guid: self.steps.download_layout(layout) for layout in self.layouts
        }
        part_layout = self.steps.read_part_layout(job_id)
        layers = self.steps.layout_layers
        outlines = {guid: dxf_outlines(data, layers) for guid, data in self.dxf.items()}
        gate_cloudnest_layouts(self.layouts, outlines, order_lines(intake.drawings), ctx.sheets)
        lengths = {guid: used_length(shapes) for guid, shapes in outlines.items()}
        self.outlines, self.part_areas = outlines, intake.part_areas()
        summary = cloudnest_summary(
            job_id, self.layouts, lengths, self.part_areas, part_layout, ctx.sheets
        )
        return summary.model_copy(
            update={"errors": self.summary.errors, "unplaced": self.left_out + summary.unplaced}
        )

    def _fail(self, exc: Exception) -> None:
        reference = f"job {self.job_id}" if self.job_id is not None else None
        self.summary = failed(self.name, reference, failure_lines(exc), self.summary.errors)
        self.layouts, self.dxf, self.outlines = [], {}, {}

    def files(self) -> dict[str, bytes]:
        """CloudNest's layout DXF files (gated) and pictures drawn from their outlines.

        Each file is CloudNest's, with what the sheet is added to its header
        (:func:`nestflow.report.tag_dxf_header` leaves every entity byte as it was gated).
        """
        files: dict[str, bytes] = {}
        for index, row in enumerate(self.summary.layouts):
            data = self.dxf.get(row.layout_id)
            if data is None:
                continue
            tagged = tag_dxf_header(data, row.info) if row.info is not None else None
            files[file_name(self.summary, index, "dxf")] = tagged or data
            if index in self.pictures:
                files[file_name(self.summary, index, "png")] = self.pictures[index]
        return files

    def _sheet(self, index: int) -> SheetLayout:
        """The layout as its file's outlines, each named after its part by area (to draw it)."""
        row = self.summary.layouts[index]
        sheet = SheetLayout(
            name=row.name,
            sheet_length=row.sheet_length,
            sheet_height=row.sheet_height,
            used_length=min(row.used_length, row.sheet_length),
            quantity=row.quantity,
        )
        outlines = self.outlines.get(row.layout_id, [])
        return outline_sheet(sheet, outlines, row.part_counts, self.part_areas)

    def layouts_to_cut(self, job: str, files: dict[str, bytes]) -> list[LayoutToCut]:
        """The gated layouts, with the CloudNest job (server-side push needs it)."""
        return cut_list(self.summary, job, files, self.job_id)


def _left_out(refused: list[FailedPart], intake: Intake) -> list[str]:
    """One sentence per part CloudNest refused: how many copies, which drawing, why."""
    lines = {line.part.name: line for line in order_lines(intake.drawings)}
    sentences = []
    for part in refused:
        line = lines.get(part.part_name)
        what = (
            f"{line.quantity} x part '{part.part_name}' from {line.part.source}"
            if line is not None
            else f"part '{part.part_name}'"
        )
        sentences.append(
            f"{what} not nested: CloudNest refused its geometry (the Boost failed on it); left out"
        )
    return sentences
