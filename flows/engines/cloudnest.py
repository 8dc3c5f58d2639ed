"""CloudNest's part of a run: plates, job, uploads and Boost first, gated layouts later."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

from shapely.geometry import Polygon

from blocks.credentials import CloudNestCredentials
from blocks.loading import load_block
from flows.engines.base import (
    RunContext,
    cut_list,
    drawn_pictures,
    failed,
    failure_lines,
    file_name,
    identified,
)
from flows.parameters import BlockNames
from nestflow.batching import batches
from nestflow.cloudnest.errors import CloudNestJobFailed
from nestflow.cloudnest.jobs import UPLOAD_REQUEST_BYTES, upload_items
from nestflow.cloudnest.layouts import gate_cloudnest_layouts
from nestflow.cloudnest.models import DrawingRef, DrawingStatus, FailedPart, NestDetail, NestLayout
from nestflow.cloudnest.summary import cloudnest_summary
from nestflow.gate import dxf_outlines, used_length
from nestflow.geometry.layout import SheetLayout
from nestflow.intake import Intake, order_lines
from nestflow.report import EngineSummary, outline_sheet, tag_dxf_header
from nestflow.targets import LayoutToCut
from tasks import cloudnest


@dataclass
class CloudNestRun:
    """CloudNest's part of a run: job, drawings and Boost first, layouts later."""

    credentials: CloudNestCredentials
    job_id: int | None = None
    boosted: bool = False
    layouts: list[NestLayout] = field(default_factory=list)
    dxf: dict[str, bytes] = field(default_factory=dict)
    #: Result GUID -> the part outlines the gate read from its file (to draw its picture).
    outlines: dict[str, list[Polygon]] = field(default_factory=dict)
    #: Part name -> net area: names each outline of a picture after its part.
    part_areas: dict[str, float] = field(default_factory=dict)
    summary: EngineSummary = field(default_factory=lambda: EngineSummary(engine="cloudnest"))
    #: The layouts' pictures by index (drawn once the summary is known; best effort).
    pictures: dict[int, bytes] = field(default_factory=dict)
    #: The Boost's arguments after the job: drawing GUIDs, plate GUIDs (to Boost it again).
    boost_inputs: tuple[list[str], list[str]] = field(default_factory=lambda: ([], []))
    #: Parts CloudNest refused for their geometry, left out of the job (one sentence each).
    left_out: list[str] = field(default_factory=list)

    name: ClassVar[str] = "cloudnest"
    #: ``start`` waits for the drawings to be processed before it Boosts.
    waits_in_start: ClassVar[bool] = True
    #: Quotes come from the engines that nest without creating a job.
    quotes: ClassVar[bool] = False

    @classmethod
    def from_blocks(cls, blocks: BlockNames) -> CloudNestRun:
        """The run with the credentials block the run names."""
        return cls(load_block(CloudNestCredentials, blocks.cloudnest))

    def start(self, ctx: RunContext) -> None:
        """Plates, job (a remembered id is checked first), uploads, processing, then Boost."""
        job_name, material = ctx.job, ctx.material
        try:
            plates = cloudnest.prepare_plates(
                self.credentials, material.name, material.thickness, material.density, ctx.sheets
            )
            job = (self.credentials, job_name, material.name, material.thickness, material.gas)
            job_id = cloudnest.ensure_job(*job)
            if not cloudnest.job_is_current(self.credentials, job_id, job_name):
                job_id = cloudnest.ensure_job.with_options(refresh_cache=True)(*job)
            self.job_id = job_id
            guids, added = self._upload(job_id, ctx)
            if not guids:
                return
            self.boost_inputs = (guids, plates)
            self._boost(ctx, added)
            self.boosted = True
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self._fail(exc)

    def _upload(self, job_id: int, ctx: RunContext) -> tuple[list[str], bool]:
        """Upload what the job lacks and wait for processing.

        Returns:
            The GUIDs of the drawings processed into parts, and whether this run added drawings.
        """
        refs, added = self._upload_missing(job_id, ctx.intake, ctx)
        drawings = cloudnest.wait_drawings(self.credentials, job_id, refs, ctx.nesting.max_wait_s)
        refused = [d for d in drawings if d.status == DrawingStatus.FAILED]
        errors = [f"CloudNest could not process {d.filename}: {d.msg}" for d in refused]
        processed = [d.drawing_guid for d in drawings if d.status == DrawingStatus.SUCCESS]
        self.summary = EngineSummary(
            engine="cloudnest",
            status="ok" if processed else "failed",
            reference=f"job {job_id}",
            errors=errors,
        )
        return processed, added

    def _upload_missing(
        self, job_id: int, intake: Intake, ctx: RunContext
    ) -> tuple[list[DrawingRef], bool]:
        """Upload the drawings in stable batches; each batch is cached on its files' hashes.

        A batch holds at most ``UPLOAD_BATCH`` drawings and ``UPLOAD_REQUEST_BYTES`` of them, so
        each task's upload is one request a gateway's body limit lets through.
        """
        material = ctx.material
        states = [
            cloudnest.upload_drawings(
                self.credentials,
                job_id,
                batch,
                material.name,
                material.thickness,
                material.gas,
                return_state=True,
            )
            for batch in batches(
                upload_items(intake.drawings),
                cloudnest.UPLOAD_BATCH,
                key=lambda i: i.file,
                weight=lambda i: len(i.content),
                max_weight=UPLOAD_REQUEST_BYTES,
            )
        ]
        outcomes = [state.result() for state in states]
        # A cached batch was uploaded by an earlier run: only batches that ran now add drawings.
        added = any(o.uploaded for s, o in zip(states, outcomes, strict=True) if s.name != "Cached")
        return [ref for outcome in outcomes for ref in outcome.refs], added

    def _boost(self, ctx: RunContext, added: bool, *, again: bool = False) -> None:
        """Start the job's Boost (``again``: a new one, not the cached answer of the first)."""
        assert self.job_id is not None
        guids, plates = self.boost_inputs
        start = cloudnest.start_boost.with_options(refresh_cache=again)
        nesting = ctx.nesting
        start(
            self.credentials,
            self.job_id,
            guids,
            plates,
            nesting.spacing,
            math.ceil(nesting.time_s),
            added,
        )

    def _nested(self, ctx: RunContext) -> NestDetail:
        """The finished nesting; once more without the parts CloudNest refused, if any.

        A Boost that fails on some parts' geometry fails for the whole job. Those parts are
        deleted from the job and named in the engine's ``unplaced`` (so the run does not end
        green), and the job is Boosted again without them.
        """
        assert self.job_id is not None
        nesting = ctx.nesting
        wait = (self.credentials, self.job_id, nesting.time_s, nesting.max_wait_s)
        try:
            return cloudnest.wait_nesting(*wait)
        except CloudNestJobFailed:
            refused = cloudnest.refused_parts(self.credentials, self.job_id)
            if not refused or self.left_out:
                raise
        self.left_out = _left_out(refused, ctx.intake)
        cloudnest.leave_out_parts(self.credentials, self.job_id, refused)
        self._boost(ctx, True, again=True)
        return cloudnest.wait_nesting(*wait)

    def finish(self, ctx: RunContext) -> None:
        """Wait for the Boost, download each layout's DXF, pass them through the gate, measure.

        The pictures are drawn last, best effort (one that cannot be drawn is named in the
        summary's ``errors``).
        """
        intake = ctx.intake
        if not self.boosted or self.job_id is None:
            return
        try:
            detail = self._nested(ctx)
            self.layouts = detail.results
            self.dxf = {
                layout.result_guid: cloudnest.download_layout(self.credentials, layout)
                for layout in self.layouts
            }
            part_layout = cloudnest.read_part_layout(self.credentials, self.job_id)
            layers = self.credentials.layout_layers
            outlines = {guid: dxf_outlines(data, layers) for guid, data in self.dxf.items()}
            specs = [s.spec() for s in ctx.sheets]
            gate_cloudnest_layouts(self.layouts, outlines, order_lines(intake.drawings), specs)
            lengths = {guid: used_length(shapes) for guid, shapes in outlines.items()}
            errors = self.summary.errors
            self.outlines, self.part_areas = outlines, intake.part_areas()
            summary = cloudnest_summary(
                self.job_id, self.layouts, lengths, self.part_areas, part_layout, specs
            )
            summary = summary.model_copy(
                update={"errors": errors, "unplaced": self.left_out + summary.unplaced}
            )
            self.summary = identified(summary, ctx)
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self._fail(exc)
            return
        count = len(self.summary.layouts)
        self.summary, self.pictures = drawn_pictures(self.summary, count, self._sheet)

    def _fail(self, exc: Exception) -> None:
        reference = f"job {self.job_id}" if self.job_id is not None else None
        self.summary = failed("cloudnest", reference, failure_lines(exc), self.summary.errors)
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
