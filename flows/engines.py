"""The steps the flows share: reading the drawings, and each engine's run in two halves.

Each engine runs in two halves (start, finish) so that the flow can start both nestings before
waiting on either: AlmaCAM computes while CloudNest processes drawings and Boosts. An engine that
fails records why in its summary and leaves the other engine going; the flow decides at the end
whether anything was nested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from prefect import get_run_logger, unmapped
from prefect.utilities.annotations import quote
from pydantic import BaseModel, Field

from blocks.credentials import AlmaCamCredentials, CloudNestCredentials
from blocks.loading import load_block
from blocks.settings import SheetFormat
from flows.parameters import BlockNames, DrawingSource, MaterialSpec, NestingSettings
from nestflow.almacam.errors import AlmaCamValidationError
from nestflow.almacam.layouts import gated_almacam_layouts, unknown_references
from nestflow.almacam.models import FullResult, StatsResult, View
from nestflow.almacam.orders import OrderBundle
from nestflow.almacam.summary import almacam_summary
from nestflow.batching import batches
from nestflow.cloudnest.jobs import UploadItem
from nestflow.cloudnest.layouts import gate_cloudnest_layouts
from nestflow.cloudnest.models import DrawingRef, DrawingStatus, NestLayout
from nestflow.cloudnest.summary import cloudnest_summary
from nestflow.engines import PartOrder
from nestflow.gate import UnsafeLayouts, check_layouts, dxf_outlines, ordered_parts, used_length
from nestflow.geometry.layout import SheetLayout, write_layout_dxf
from nestflow.geometry.reader import DrawingFailure, ReadOptions
from nestflow.intake import CheckedDrawing, DrawingToCheck, OrderTerms, order_lines, terms_for
from nestflow.report import EngineKey, EngineSummary, layouts_summary
from tasks import almacam, cloudnest, local
from tasks.drawings import CHECK_BATCH, check_drawings, find_drawings, load_manifest


class Intake(BaseModel):
    """The drawings of a run after reading: those that will be nested and those rejected."""

    drawings: list[CheckedDrawing] = Field(default_factory=list)
    rejected: list[DrawingFailure] = Field(default_factory=list)

    @property
    def files(self) -> list[str]:
        """File names of the drawings that will be nested."""
        return [d.ref.file for d in self.drawings]

    def part_areas(self) -> dict[str, float]:
        """Part name -> net area, for measuring layouts that name parts."""
        return {p.name: p.area for d in self.drawings for p in d.parts}


def read_drawings(
    drawings: DrawingSource | None,
    manifest: str | None,
    material: MaterialSpec,
    nesting: NestingSettings,
) -> Intake:
    """Find, read and check every drawing; bad ones are rejected one by one, named."""
    lines = load_manifest(manifest)
    if drawings is None:
        refs, duplicates = find_drawings(None, [], [], lines)
    else:
        refs, duplicates = find_drawings(drawings.folder, drawings.files, drawings.urls, lines)
    default = OrderTerms(rotations=nesting.rotations, flip=nesting.allow_flip)
    items = [
        DrawingToCheck(
            ref=ref, terms=terms_for(ref, lines, default, material.name, material.thickness)
        )
        for ref in refs
    ]
    checks = check_drawings.map(batches(items, CHECK_BATCH), unmapped(ReadOptions())).result()
    checked = [drawing for batch in checks for drawing in batch]
    good = [c for c in checked if c.ok]
    rejected = duplicates + [c.failure for c in checked if c.failure is not None]
    get_run_logger().info("%d drawing(s) to nest, %d rejected", len(good), len(rejected))
    return Intake(drawings=good, rejected=rejected)


@dataclass(frozen=True)
class RunContext:
    """What every engine of a run is given: the job, the checked drawings, stock and settings."""

    job: str
    intake: Intake
    material: MaterialSpec
    sheets: list[SheetFormat]
    nesting: NestingSettings
    view: View = "full"


def layout_name(index: int, extension: str) -> str:
    """``layout-01.dxf``: the file name of layout number ``index`` (0-based)."""
    return f"layout-{index + 1:02d}.{extension}"


def describe_failure(exc: Exception) -> list[str]:
    """An engine's failure as lines a person can act on (AlmaCAM errors name parts and files)."""
    if isinstance(exc, AlmaCamValidationError):
        return [f"{exc.endpoint}: {exc.message}", *exc.describe()]
    if isinstance(exc, UnsafeLayouts):
        return [f"{exc.engine}: layouts refused by the safety gate", *exc.lines()]
    return [str(exc)]


def failed(
    engine: EngineKey, reference: str | None, exc: Exception, earlier: list[str]
) -> EngineSummary:
    """The summary of an engine that stopped on ``exc`` (logged), after ``earlier`` errors."""
    get_run_logger().error("%s failed: %s", engine, exc)
    errors = [*earlier, *describe_failure(exc)]
    return EngineSummary(engine=engine, status="failed", reference=reference, errors=errors)


@dataclass
class AlmaCamRun:
    """AlmaCAM's half of a run: submit early, collect later."""

    credentials: AlmaCamCredentials
    bundle: OrderBundle | None = None
    order_id: int | None = None
    result: FullResult | StatsResult | None = None
    layouts: list[SheetLayout] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)
    summary: EngineSummary = field(default_factory=lambda: EngineSummary(engine="almacam"))

    name: ClassVar[str] = "almacam"
    #: ``start`` only submits: started before the engines whose start waits on the service.
    waits_in_start: ClassVar[bool] = False

    @classmethod
    def from_blocks(cls, blocks: BlockNames) -> AlmaCamRun:
        """The run with the credentials block the run names."""
        return cls(load_block(AlmaCamCredentials, blocks.almacam))

    def start(self, ctx: RunContext) -> None:
        """Build the order from the checked drawings and submit it (once per content)."""
        intake, sheets, nesting = ctx.intake, ctx.sheets, ctx.nesting
        try:
            # quote(): big geometry inputs are passed as they are, not walked by Prefect.
            self.bundle = almacam.build_order(
                quote(intake.drawings), sheets, nesting.time_s, nesting.spacing
            )
            self.order_id = almacam.submit_order(self.credentials, quote(self.bundle))
            if not almacam.order_is_current(self.credentials, self.order_id, quote(self.bundle)):
                resubmit = almacam.submit_order.with_options(refresh_cache=True)
                self.order_id = resubmit(self.credentials, quote(self.bundle))
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the other going
            self._fail(exc)

    def finish(self, ctx: RunContext) -> None:
        """Wait for the result, pass it through the safety gate, read the previews, measure.

        A result that fails the gate fails the engine: no file of it is written, nothing pushed.
        """
        view, nesting, job_name = ctx.view, ctx.nesting, ctx.job
        if self.bundle is None or self.order_id is None:
            return
        try:
            self.result = almacam.wait_result(
                self.credentials, self.order_id, view, quote(self.bundle), nesting.max_wait_s
            )
            if isinstance(self.result, FullResult):
                self.layouts = gated_almacam_layouts(self.result, self.bundle, job_name)
            elif problems := unknown_references(self.result, self.bundle):
                raise UnsafeLayouts("almacam", problems)
            self.images = almacam.fetch_images(
                self.credentials, self.order_id, len(self.result.nestings)
            )
            self.summary = almacam_summary(self.order_id, self.result, self.bundle)
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the other going
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        reference = f"order {self.order_id}" if self.order_id is not None else None
        self.summary = failed("almacam", reference, exc, [])
        self.layouts, self.images = [], []

    def files(self) -> dict[str, bytes]:
        """Nested DXF files (full result, gated) and PNG previews of AlmaCAM's layouts."""
        files = {f"almacam/{layout_name(i, 'png')}": png for i, png in enumerate(self.images)}
        for i, layout in enumerate(self.layouts):
            files[f"almacam/{layout_name(i, 'dxf')}"] = write_layout_dxf(layout)
        return files


@dataclass
class CloudNestRun:
    """CloudNest's half of a run: job, drawings and Boost first, layouts later."""

    credentials: CloudNestCredentials
    job_id: int | None = None
    boosted: bool = False
    layouts: list[NestLayout] = field(default_factory=list)
    dxf: dict[str, bytes] = field(default_factory=dict)
    summary: EngineSummary = field(default_factory=lambda: EngineSummary(engine="cloudnest"))

    name: ClassVar[str] = "cloudnest"
    #: ``start`` waits for the drawings to be processed before it Boosts.
    waits_in_start: ClassVar[bool] = True

    @classmethod
    def from_blocks(cls, blocks: BlockNames) -> CloudNestRun:
        """The run with the credentials block the run names."""
        return cls(load_block(CloudNestCredentials, blocks.cloudnest))

    def start(self, ctx: RunContext) -> None:
        """Plates, job, uploads, drawing processing, then Boost."""
        job_name, intake, material = ctx.job, ctx.intake, ctx.material
        sheets, nesting = ctx.sheets, ctx.nesting
        try:
            plates = cloudnest.prepare_plates(
                self.credentials, material.name, material.thickness, material.density, sheets
            )
            job = (self.credentials, job_name, material.name, material.thickness, material.gas)
            job_id = cloudnest.ensure_job(*job)
            if not cloudnest.job_is_current(self.credentials, job_id, job_name):
                job_id = cloudnest.ensure_job.with_options(refresh_cache=True)(*job)
            self.job_id = job_id
            guids, added = self._upload(job_id, intake, material, nesting)
            if not guids:
                return
            cloudnest.start_boost(
                self.credentials,
                job_id,
                guids,
                plates,
                nesting.spacing,
                math.ceil(nesting.time_s),
                added,
            )
            self.boosted = True
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the other going
            self._fail(exc)

    def _upload(
        self, job_id: int, intake: Intake, material: MaterialSpec, nesting: NestingSettings
    ) -> tuple[list[str], bool]:
        """Upload what the job lacks and wait for processing.

        Returns:
            The GUIDs of the drawings processed into parts, and whether this run added drawings.
        """
        refs, added = self._upload_missing(job_id, intake, material)
        drawings = cloudnest.wait_drawings(self.credentials, job_id, refs, nesting.max_wait_s)
        failed = [d for d in drawings if d.status == DrawingStatus.FAILED]
        errors = [f"CloudNest could not process {d.filename}: {d.msg}" for d in failed]
        processed = [d.drawing_guid for d in drawings if d.status == DrawingStatus.SUCCESS]
        self.summary = EngineSummary(
            engine="cloudnest",
            status="ok" if processed else "failed",
            reference=f"job {job_id}",
            errors=errors,
        )
        return processed, added

    def _upload_missing(
        self, job_id: int, intake: Intake, material: MaterialSpec
    ) -> tuple[list[DrawingRef], bool]:
        """Upload the drawings in stable batches; each batch is cached on its files' hashes."""
        items = [
            UploadItem(
                file=d.ref.file,
                path=d.ref.path,
                url=d.ref.url,
                sha256=d.sha256,
                content=d.content,
                quantity=d.terms.quantity,
                rotate_lock=set(d.terms.rotations) == {0.0},
            )
            for d in intake.drawings
        ]
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
            for batch in batches(items, cloudnest.UPLOAD_BATCH, key=lambda i: i.file)
        ]
        outcomes = [state.result() for state in states]
        # A cached batch was uploaded by an earlier run: only batches that ran now add drawings.
        added = any(o.uploaded for s, o in zip(states, outcomes, strict=True) if s.name != "Cached")
        return [ref for outcome in outcomes for ref in outcome.refs], added

    def finish(self, ctx: RunContext) -> None:
        """Wait for the Boost, download each layout's DXF, pass them through the gate, measure."""
        intake, sheets, nesting = ctx.intake, ctx.sheets, ctx.nesting
        if not self.boosted or self.job_id is None:
            return
        try:
            detail = cloudnest.wait_nesting(
                self.credentials, self.job_id, nesting.time_s, nesting.max_wait_s
            )
            self.layouts = detail.results
            self.dxf = {
                layout.result_guid: cloudnest.download_layout(self.credentials, layout)
                for layout in self.layouts
            }
            part_layout = cloudnest.read_part_layout(self.credentials, self.job_id)
            layers = self.credentials.layout_layers
            outlines = {guid: dxf_outlines(data, layers) for guid, data in self.dxf.items()}
            specs = [s.spec() for s in sheets]
            gate_cloudnest_layouts(self.layouts, outlines, order_lines(intake.drawings), specs)
            lengths = {guid: used_length(shapes) for guid, shapes in outlines.items()}
            errors = self.summary.errors
            self.summary = cloudnest_summary(
                self.job_id, self.layouts, lengths, intake.part_areas(), part_layout, specs
            ).model_copy(update={"errors": errors})
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the other going
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        reference = f"job {self.job_id}" if self.job_id is not None else None
        self.summary = failed("cloudnest", reference, exc, self.summary.errors)
        self.layouts, self.dxf = [], {}

    def files(self) -> dict[str, bytes]:
        """CloudNest's layout DXF files as downloaded (and gated)."""
        return {
            f"cloudnest/{layout_name(i, 'dxf')}": self.dxf[layout.result_guid]
            for i, layout in enumerate(self.layouts)
            if layout.result_guid in self.dxf
        }


@dataclass
class LocalRun:
    """The local engine's part of a run: our solver, submitted beside the services."""

    name: ClassVar[str] = "local"
    waits_in_start: ClassVar[bool] = False
    lines: list[PartOrder] = field(default_factory=list)
    future: Any = None
    layouts: list[SheetLayout] = field(default_factory=list)
    summary: EngineSummary = field(default_factory=lambda: EngineSummary(engine="local"))

    @classmethod
    def from_blocks(cls, blocks: BlockNames) -> LocalRun:
        """The local engine needs no block."""
        return cls()

    def start(self, ctx: RunContext) -> None:
        """Submit the solve (it runs in a worker thread while the services compute)."""
        self.lines = order_lines(ctx.intake.drawings)
        self.future = local.nest_locally.submit(
            quote(self.lines),
            [s.spec() for s in ctx.sheets],
            ctx.nesting.time_s,
            ctx.nesting.spacing,
            ctx.nesting.max_wait_s,
        )

    def finish(self, ctx: RunContext) -> None:
        """Collect the layouts and pass them through the safety gate."""
        if self.future is None:
            return
        try:
            result = self.future.result()
            ordered = ordered_parts((line.part, line.quantity) for line in self.lines)
            problems = check_layouts(result.layouts, ordered)
            if problems:
                raise UnsafeLayouts("local", problems)
            self.layouts = result.layouts
            names = {(s.length, s.height): s.label for s in ctx.sheets}
            self.summary = EngineSummary(
                engine="local",
                reference=f"local {ctx.job}",
                layouts=layouts_summary("local", "local", result.layouts, names),
                unplaced=result.unplaced,
            )
        except Exception as exc:  # noqa: BLE001 - one engine failing leaves the others going
            self.summary = failed("local", None, exc, [])
            self.layouts = []

    def files(self) -> dict[str, bytes]:
        """The layout DXF files (gated)."""
        return {
            f"local/{layout_name(i, 'dxf')}": write_layout_dxf(layout)
            for i, layout in enumerate(self.layouts)
        }


#: Every engine a run can ask for, by name: adding one is its module, its block and this line.
ENGINES: dict[str, type[AlmaCamRun] | type[CloudNestRun] | type[LocalRun]] = {
    "cloudnest": CloudNestRun,
    "almacam": AlmaCamRun,
    "local": LocalRun,
}
