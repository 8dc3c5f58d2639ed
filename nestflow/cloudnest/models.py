"""Pydantic models of every CloudNest request and response ``data``, plus the envelope.

Shapes of the four documented endpoints (spec §8.1-8.4) and the documented request bodies
(§8.5-8.7) are exact, including the vendor's casing: most fields are snake_case, but SmartDraw and
the DXF import use camelCase (``partName``, ``jobId``...), modelled with aliases. Everything else
follows the provisional contract of spec section P. All models accept unknown fields
(``extra="allow"``) so a real server's extra data never breaks a run, accept both the field name and
the alias on input, and serialise by alias so ``model_dump()`` gives the wire casing back.

``ENDPOINT_MODELS`` maps every route name of :mod:`nestflow.cloudnest.routes` to its request model
and its ``data`` type; the client and the sandbox both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, TypeAdapter

PropValue = str | int | float


class CloudNestModel(BaseModel):
    """Base of all CloudNest models: unknown fields kept, names or aliases accepted."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, serialize_by_alias=True)

    def wire(self) -> dict[str, Any]:
        """Return the JSON-ready body: vendor casing, unset optional fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


#: A job id from the server: 64-bit and not negative (an id of -7 names no job; 0 stays
#: valid, the provisional contract's examples use it).
JobId = Annotated[int, Field(ge=0, le=2**63 - 1)]
#: A count the server reports (parts, sheets, drawings): never negative, never absurd.
Count = Annotated[int, Field(ge=0, le=10**9)]
#: Most sheets one layout is cut on, as taken from the server: far above any real stock, so
#: that only absurd answers (10**12 sheets) are refused.
MAX_LAYOUT_AMOUNT = 1_000_000


class Envelope(CloudNestModel):
    """Every answer: ``{"status": 0, "msg": "OK", "data": ...}`` (spec §3.1); 0 means success."""

    #: A 32-bit code: the vendor's table has 4-digit codes, so anything wider is not an envelope.
    status: int = Field(ge=-(2**31), lt=2**31)
    msg: str = ""
    data: Any = None

    @property
    def ok(self) -> bool:
        """True when ``status`` is 0."""
        return self.status == 0


class EmptyRequest(CloudNestModel):
    """No parameters (GET endpoints without a query, config reads)."""


# --------------------------------------------------------------------------------------------
# Status values (provisional: the vendor's data dictionary was not readable, spec §6)


class DrawingStatus(StrEnum):
    """Drawing processing status (spec §P.1, provisional values)."""

    WAITING = "waiting"
    PROCESSING = "processing"
    SUCCESS = "success"
    FAILED = "failed"


class NestStatus(StrEnum):
    """Nesting status of a job (spec §P.1, provisional values)."""

    NESTING = "nesting"
    FINISHED = "finished"
    FAILED = "failed"


class PlanStatus(StrEnum):
    """Production task status; only ``uncompleted`` is documented (§8.2), ``completed`` is ours."""

    UNCOMPLETED = "uncompleted"
    COMPLETED = "completed"


class LocInfoType(StrEnum):
    """``part/loc_info`` ``type`` (§8.3): layout GUID (software 2.0) or nesting task GUID (1.0)."""

    SINGLE_RESULT = "SingleResult"
    TASK = "task"


# --------------------------------------------------------------------------------------------
# Shared pieces


class PropEntry(CloudNestModel):
    """One custom part property as listed in §8.2 ``props``."""

    prop_name: str
    prop_value: PropValue


class PartAttributes(CloudNestModel):
    """Part attributes of a drawing, snake_case as in §8.7 ``datas``.

    ``amount`` is the quantity to cut; ``rotate_lock`` 1 forbids rotation; ``fill_color`` is a
    6-hex RGB string without ``#``; ``prop`` maps custom property names to values.
    """

    part_name: str | None = None
    material: str | None = None
    thickness: float | None = None
    gas: str | None = None
    amount: int | None = None
    rotate_lock: int | None = None
    fill_color: str | None = None
    prop: dict[str, PropValue] | None = None


class DrawingDatas(PartAttributes):
    """One element of the multipart ``datas`` field: attributes of the file named ``filename``."""

    filename: str


# --------------------------------------------------------------------------------------------
# Requests keyed by one id


class JobIdRequest(CloudNestModel):
    """``{"job_id": int}`` (most job endpoints, provisional)."""

    job_id: int


class JobIdsRequest(CloudNestModel):
    """``{"job_id": [int, ...]}`` (§8.1 plate_used and §8.2 plan_detail, documented)."""

    job_id: list[int]


class DrawingGuidRequest(CloudNestModel):
    """``{"drawing_guid": str}``."""

    drawing_guid: str


class PartGuidRequest(CloudNestModel):
    """``{"part_guid": str}``."""

    part_guid: str


class LayoutGuidRequest(CloudNestModel):
    """``{"guid": str}``: a layout (result) GUID (the ``others/*`` endpoints, spec §P.2)."""

    guid: str


class PlanGuidRequest(CloudNestModel):
    """``{"plan_guid": str}`` (production detail, spec §P.1)."""

    plan_guid: str


# --------------------------------------------------------------------------------------------
# Job


class JobAddRequest(CloudNestModel):
    """Create a job (spec §P.1 ``job.add``)."""

    job_name: str
    material: str | None = None
    thickness: float | None = None
    gas: str | None = None
    comments: str | None = None


class JobRef(CloudNestModel):
    """``data`` of job_add."""

    job_id: JobId
    job_name: str


class JobSearchRequest(CloudNestModel):
    """Search jobs by name (spec §P.1). Treat the answer as possibly partial matches."""

    job_name: str


class JobSummary(CloudNestModel):
    """One job in a search or list answer."""

    job_id: JobId
    job_name: str
    status: str | None = None
    create_time: str | None = None


class JobListRequest(CloudNestModel):
    """List the team's jobs, newest first (provisional); ``job_name`` filters by substring."""

    page: int = 1
    page_size: int = 100
    job_name: str | None = None
    start_time: str | None = None
    end_time: str | None = None


class JobInfo(JobSummary):
    """``data`` of job_info (spec §P.1)."""

    material: str | None = None
    thickness: float | None = None
    drawing_count: Count = 0
    part_count: Count = 0


class JobDeleteNestRequest(CloudNestModel):
    """Delete the job's nesting: one layout when ``result_guid`` is given, else all of them."""

    job_id: int
    result_guid: str | None = None


class BoostRequest(CloudNestModel):
    """Start a Boost (fast nesting) of the job's parts (spec §P.1).

    ``plate_guids`` restricts the plates used (plate library GUIDs); ``gap`` is the part spacing
    in mm; ``time_limit`` is the solver budget in seconds.
    """

    job_id: int
    plate_guids: list[str] | None = None
    gap: float | None = None
    time_limit: int | None = None


class BoostResult(CloudNestModel):
    """``data`` of job_boost: the nesting runs asynchronously, poll job_nest_detail."""

    nest_task_guid: str


class NestPart(CloudNestModel):
    """A placed part on a layout: reference point ``x, y`` (mm) and ``angle`` (degrees CCW)."""

    part_guid: str
    part_name: str
    serial_no: int
    x: float
    y: float
    angle: float = 0.0


class LayoutSummary(CloudNestModel):
    """One layout (nested sheet); ``amount`` is how many identical sheets it stands for.

    ``utilization`` is the fraction 0-1 of the plate area covered by parts.
    """

    result_guid: str
    plate_name: str
    plate_guid: str | None = None
    material: str | None = None
    thickness: float | None = None
    width: float
    height: float
    amount: int = Field(default=1, ge=1, le=MAX_LAYOUT_AMOUNT)
    utilization: float | None = None


class NestLayout(LayoutSummary):
    """A layout with its DXF download URL and placed parts (job_nest_detail, job_layout_detail)."""

    dxf_url: str | None = None
    parts: list[NestPart] = Field(default_factory=list)


class FailedPart(CloudNestModel):
    """A part a nesting could not take as it is (its geometry refused)."""

    part_guid: str
    part_name: str
    drawing_guid: str | None = None


class NestDetail(CloudNestModel):
    """``data`` of job_nest_detail (spec §P.1).

    Two fields are nestflow's additions to the provisional contract; a server that does not
    send them leaves them empty. ``nest_task_guid`` names the Boost the detail is about, so that
    a client whose Boost answer was lost can tell a new Boost from an earlier one.
    ``failed_parts`` names, for a failed nesting, the parts it could not take, so that the job
    can be nested again without them.
    """

    nest_task_guid: str | None = None
    status: str
    msg: str = ""
    results: list[NestLayout] = Field(default_factory=list)
    failed_parts: list[FailedPart] = Field(default_factory=list)


class PlanSummary(CloudNestModel):
    """One production task of a job (job_plan_list, provisional)."""

    guid: str
    result_guid: str
    plate_name: str | None = None
    gmid: int | None = None
    total_plate_amount: Count = 0
    finish_plate_amount: Count = 0
    status: str


class PartLayout(CloudNestModel):
    """How many of a part are nested and on which layouts (job_part_layout, provisional)."""

    part_guid: str
    part_name: str
    amount: Count
    nested_amount: Count
    result_guids: list[str] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Documented: job/plate_used (§8.1), job/plan_detail (§8.2)


class PlateUsed(CloudNestModel):
    """One plate used by a job (§8.1); ``file_url``/``thumbnail_url`` only for remnants."""

    guid: str
    amount: Count
    material: str
    thickness: float
    plate_name: str
    plate_type: int
    file_url: str | None = None
    thumbnail_url: str | None = None
    width: float
    height: float


class PlanPart(CloudNestModel):
    """A part of a production task (§8.2 ``parts[]``)."""

    guid: str
    material: str
    thickness: float
    amount: Count
    part_name: str
    props: list[PropEntry] = Field(default_factory=list)
    drawing_name: str | None = None
    drawing_guid: str | None = None
    job_id: int | None = None


class PlanTask(CloudNestModel):
    """A production task (§8.2); also the ``data`` of production_detail (spec §P.1)."""

    guid: str
    result_guid: str
    plate_name: str
    gmid: int
    width: float
    height: float
    material: str
    thickness: float
    part_amount: Count
    total_plate_amount: Count
    finish_plate_amount: Count
    comments: str = ""
    start_time: str | None = None
    finish_time: str | None = None
    status: str
    parts: list[PlanPart] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Part


class PartInfo(CloudNestModel):
    """A part of a job (part_list, job_parts; provisional). Sizes in mm, area in mm²."""

    part_guid: str
    part_name: str
    job_id: int | None = None
    material: str | None = None
    thickness: float | None = None
    amount: int = 1
    width: float | None = None
    height: float | None = None
    area: float | None = None
    drawing_guid: str | None = None
    drawing_name: str | None = None
    props: list[PropEntry] = Field(default_factory=list)


class PartListRequest(CloudNestModel):
    """List parts, optionally of one job (provisional)."""

    job_id: int | None = None
    page: int = 1
    page_size: int = 100


class PartRef(CloudNestModel):
    """A created or changed part."""

    part_guid: str
    part_name: str | None = None


class LocInfoRequest(CloudNestModel):
    """``part/loc_info`` request (§8.3, documented)."""

    type: str
    guid: str
    order_by: str = "x"


class LocNestResult(CloudNestModel):
    """One layout in ``part/loc_info``: ``part_list`` has one part GUID per placed instance."""

    guid: str
    library_plate_guid: str | None = None
    part_list: list[str] = Field(default_factory=list)
    plate_idx: int
    plate_name: str


class LocInfo(CloudNestModel):
    """``data`` of part_loc_info (§8.3, documented)."""

    guid: str
    nest_result: list[LocNestResult] = Field(default_factory=list)
    task_name: str | None = None


class SmartDrawRequest(CloudNestModel):
    """Generate a part from a SmartDraw template (§8.6, documented body, camelCase)."""

    part_name: str = Field(alias="partName")
    material: str | None = None
    thickness: float | None = None
    gas: str | None = None
    amount: int | None = None
    fill_color: str | None = Field(default=None, alias="fillColor")
    rotate_lock: int | None = Field(default=None, alias="rotateLock")
    job_id: int = Field(alias="jobId")
    props: dict[str, PropValue] | None = None
    argument: dict[str, str] | None = None


class JsTemplateRequest(SmartDrawRequest):
    """Generate a part from a JS template (provisional; SmartDraw's body plus ``script``)."""

    script: str


class OptimizationParm(CloudNestModel):
    """One ``optimization_parm`` entry (§8.7): ``type`` plus free keys (layer/colour/optimize)."""

    type: str


class DxfImportItem(CloudNestModel):
    """One element of the §8.7 body (documented): attributes of the file ``filename``."""

    datas: PartAttributes
    filename: str
    job_id: int = Field(alias="jobId")
    optimization_parm: list[OptimizationParm] | None = None


class PartImportDxfRequest(RootModel[list[DxfImportItem]]):
    """The §8.7 JSON array. Sent as the multipart form field ``data`` next to ``file`` parts."""

    def wire(self) -> list[dict[str, Any]]:
        """Return the JSON-ready array in vendor casing."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class UploadForm(CloudNestModel):
    """Form fields of a multipart upload (drawing_upload, part_import_nc1; spec §P.1).

    The files go in ``file`` parts; ``datas`` travels as a JSON array string.
    """

    job_id: int
    datas: list[DrawingDatas] | None = None


#: File kinds the IoT "upload cut task" takes (spec §Q.2).
CUT_FILE_KINDS = frozenset({"dxf", "lxds", "lxd", "nrp", "nrp2", "zx", "nc", "cnc", "plt", "slp"})
#: Largest file the IoT "upload cut task" takes (spec §Q.2: 100 MB).
CUT_FILE_MAX_BYTES = 100 * 1024 * 1024


class UploadCutForm(CloudNestModel):
    """Form fields of the IoT "upload cut task" (spec §Q.2, documented; camelCase on the wire).

    The file travels in the ``file`` part; the answer's ``data`` is the task UUID.
    """

    card_id: str = Field(alias="cardId", pattern=r"^\d{12}$", description="12-digit card id.")
    task_name: str = Field(alias="taskName", min_length=1, max_length=200)
    task_amount: int = Field(alias="taskAmount", ge=1, description="Sheets to cut.")


class PartCopyRequest(CloudNestModel):
    """Copy a part, optionally into another job (provisional)."""

    part_guid: str
    amount: int | None = None
    job_id: int | None = None


class PartUpdateRequest(CloudNestModel):
    """Update a part's attributes, or delete it with ``delete=True`` (provisional)."""

    part_guid: str
    delete: bool | None = None
    part_name: str | None = None
    material: str | None = None
    thickness: float | None = None
    gas: str | None = None
    amount: int | None = None
    rotate_lock: int | None = None
    fill_color: str | None = None


class PartPropsRequest(CloudNestModel):
    """Replace a part's custom properties (provisional; entries shaped as in §8.2)."""

    part_guid: str
    props: list[PropEntry]


# --------------------------------------------------------------------------------------------
# Plate and material


class PlateAddRequest(CloudNestModel):
    """Add a plate (§8.5, documented fields): ``plate_type`` 0 standard, 1 remnant.

    ``remain_amount`` -1 means unlimited; ``gap`` is the plate margin in mm.
    """

    plate_type: int = 0
    plate_name: str
    remain_amount: int = -1
    width: float
    height: float
    material_id: int
    thickness: float
    gap: float = 0.0


class PlateRef(CloudNestModel):
    """``data`` of plate_add/plate_update (provisional)."""

    plate_guid: str


class PlateInfo(PlateAddRequest):
    """A plate of the plate library (provisional)."""

    plate_guid: str
    material: str | None = None
    file_url: str | None = None
    thumbnail_url: str | None = None


class PlateListRequest(CloudNestModel):
    """Filter the plate library (provisional)."""

    plate_type: int | None = None
    material_id: int | None = None
    thickness: float | None = None


class PlateUpdateRequest(CloudNestModel):
    """Change a plate (provisional); fields left ``None`` are kept."""

    plate_guid: str
    plate_type: int | None = None
    plate_name: str | None = None
    remain_amount: int | None = None
    width: float | None = None
    height: float | None = None
    material_id: int | None = None
    thickness: float | None = None
    gap: float | None = None


class ScrapTreeQuery(CloudNestModel):
    """Query string of plate_scrap_tree (GET, provisional)."""

    material_id: int | None = None
    thickness: float | None = None


class ScrapNode(CloudNestModel):
    """Remnant plates grouped by material and thickness (provisional)."""

    material_id: int | None = None
    material: str
    thickness: float
    plates: list[PlateInfo] = Field(default_factory=list)


class MaterialAddRequest(CloudNestModel):
    """Add a material; ``density`` in g/cm³ (provisional)."""

    material_name: str
    density: float | None = None


class MaterialInfo(CloudNestModel):
    """A material (provisional)."""

    material_id: int
    material_name: str
    density: float | None = None


# --------------------------------------------------------------------------------------------
# Drawing


class DrawingRef(CloudNestModel):
    """An accepted drawing; parts are extracted asynchronously (poll job_drawing_status)."""

    drawing_guid: str
    filename: str


class UrlFile(CloudNestModel):
    """A file the server downloads itself (drawing_upload_url)."""

    url: str
    filename: str
    datas: PartAttributes | None = None


class DrawingUploadUrlRequest(CloudNestModel):
    """``{"job_id", "files": [...]}`` (spec §P.1 ``drawing.upload_url``)."""

    job_id: int
    files: list[UrlFile]


class DrawingState(CloudNestModel):
    """Processing state of a drawing (spec §P.1); ``msg`` says why when ``failed``."""

    drawing_guid: str
    filename: str
    status: str
    msg: str = ""
    part_count: int = 0


class DrawingInfo(DrawingState):
    """``data`` of drawing_info (provisional)."""

    job_id: int | None = None
    create_time: str | None = None


class JobInfoFlat(JobInfo):
    """``data`` of job_info_flat: the job with its drawings, parts and layouts (provisional)."""

    drawings: list[DrawingInfo] = Field(default_factory=list)
    parts: list[PartInfo] = Field(default_factory=list)
    layouts: list[LayoutSummary] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Production


class PushRequest(CloudNestModel):
    """Push a layout to a machine for ``amount`` sheets (spec §P.1 ``production.push``)."""

    result_guid: str
    gmid: int
    amount: int = 1


class PushResult(CloudNestModel):
    """``data`` of production_push."""

    plan_guid: str


class MachineResultListRequest(CloudNestModel):
    """§8.4 request (documented); times as ``YYYY-MM-DD HH:mm:ss`` in the ``zoneId`` zone."""

    gmid: int
    start_time: str
    end_time: str


class MachineResultPart(CloudNestModel):
    """A cut part (§8.4 ``parts[]``): sizes mm, area mm², weight kg."""

    uuid: str
    name: str
    width: float
    height: float
    amount: int
    area: float | None = None
    weight: float | None = None


class Remnant(CloudNestModel):
    """A remnant produced by a cut layout (§8.4 ``abnor_info[]``)."""

    name: str
    width: float
    height: float
    area: float | None = None


class MachineResult(CloudNestModel):
    """A completed layout on a machine (§8.4, documented)."""

    uuid: str
    plate_name: str
    nest_name: str | None = None
    width: float
    height: float
    thickness: float
    material: str
    amount: int
    parts: list[MachineResultPart] = Field(default_factory=list)
    abnor_info: list[Remnant] = Field(default_factory=list)
    part_weight: float | None = None


# --------------------------------------------------------------------------------------------
# Text recognition and others


class TextRecognitionConfig(CloudNestModel):
    """Text-recognition settings used while processing drawings (provisional).

    ``rules`` are free objects (the vendor's rule format is unknown).
    """

    enable: bool = False
    rules: list[dict[str, Any]] = Field(default_factory=list)


class TextRecognitionDrawingConfigRequest(TextRecognitionConfig):
    """Set the text-recognition settings for the drawings of a job (provisional)."""

    job_id: int


class LayoutJobMaterial(CloudNestModel):
    """Job and material of a layout (others_layout_job_material, provisional)."""

    job_id: int
    job_name: str
    material: str | None = None
    thickness: float | None = None


class LayoutPart(CloudNestModel):
    """A part on a layout with its count (others_layout_parts, provisional)."""

    part_guid: str
    part_name: str
    amount: int


class ServerVersion(CloudNestModel):
    """``data`` of ``server_version`` on CloudNest's own host (spec §Q.3, third-party code)."""

    version: str = Field(description="Release, e.g. '3.43.0'.")
    ver_date: str = Field(description="Release date as yyyyMMdd, e.g. '20230321'.")
    server_env: str = Field(description="Environment: 'prod' at the vendor, 'sandbox' here.")


# --------------------------------------------------------------------------------------------
# Endpoint -> models


@dataclass(frozen=True)
class EndpointModels:
    """Request model and ``data`` type of one endpoint.

    Attributes:
        request: The request model (JSON body, GET query, or the multipart form fields).
        response: The type of ``data`` on success (a model, ``list[model]``, or ``None``).
    """

    request: type[BaseModel]
    response: Any

    @cached_property
    def adapter(self) -> TypeAdapter[Any]:
        """Validator for ``data``."""
        return TypeAdapter(self.response)

    def parse(self, data: Any) -> Any:
        """Validate ``data`` into the response type."""
        return self.adapter.validate_python(data)


def _m(request: type[BaseModel], response: Any) -> EndpointModels:
    return EndpointModels(request, response)


ENDPOINT_MODELS: MappingProxyType[str, EndpointModels] = MappingProxyType(
    {
        # part
        "part_import_nc1": _m(UploadForm, list[DrawingRef]),
        "part_import_js_template": _m(JsTemplateRequest, list[PartRef]),
        "part_import_dxf": _m(PartImportDxfRequest, list[DrawingRef]),
        "part_smart_draw": _m(SmartDrawRequest, list[PartRef]),
        "part_list": _m(PartListRequest, list[PartInfo]),
        "part_loc_info": _m(LocInfoRequest, LocInfo),
        "part_copy": _m(PartCopyRequest, PartRef),
        "part_update": _m(PartUpdateRequest, PartRef),
        "part_update_props": _m(PartPropsRequest, PartRef),
        # plate
        "plate_scrap_tree": _m(ScrapTreeQuery, list[ScrapNode]),
        "plate_add": _m(PlateAddRequest, PlateRef),
        "plate_list": _m(PlateListRequest, list[PlateInfo]),
        "plate_update": _m(PlateUpdateRequest, PlateRef),
        # drawing
        "drawing_info": _m(DrawingGuidRequest, DrawingInfo),
        "drawing_upload": _m(UploadForm, list[DrawingRef]),
        "device_upload_cut": _m(UploadCutForm, str),
        "drawing_upload_url": _m(DrawingUploadUrlRequest, list[DrawingRef]),
        "drawing_force_delete": _m(DrawingGuidRequest, None),
        "drawing_delete": _m(DrawingGuidRequest, None),
        # material
        "material_add": _m(MaterialAddRequest, MaterialInfo),
        "material_list": _m(EmptyRequest, list[MaterialInfo]),
        # job
        "job_info": _m(JobIdRequest, JobInfo),
        "job_add": _m(JobAddRequest, JobRef),
        "job_list": _m(JobListRequest, list[JobSummary]),
        "job_parts": _m(JobIdRequest, list[PartInfo]),
        "job_layouts": _m(JobIdRequest, list[LayoutSummary]),
        "job_layout_detail": _m(JobIdRequest, list[NestLayout]),
        "job_plan_list": _m(JobIdRequest, list[PlanSummary]),
        "job_part_layout": _m(JobIdRequest, list[PartLayout]),
        "job_plate_used": _m(JobIdsRequest, list[PlateUsed]),
        "job_plan_detail": _m(JobIdsRequest, list[PlanTask]),
        "job_search": _m(JobSearchRequest, list[JobSummary]),
        "job_delete": _m(JobIdRequest, None),
        "job_drawing_status": _m(JobIdRequest, list[DrawingState]),
        "job_nest_detail": _m(JobIdRequest, NestDetail),
        "job_boost": _m(BoostRequest, BoostResult),
        "job_info_flat": _m(JobIdRequest, JobInfoFlat),
        "job_delete_nest": _m(JobDeleteNestRequest, None),
        # production
        "machine_result_list": _m(MachineResultListRequest, list[MachineResult]),
        "production_detail": _m(PlanGuidRequest, PlanTask),
        "production_push": _m(PushRequest, PushResult),
        # text recognition
        "text_recognition_config": _m(EmptyRequest, TextRecognitionConfig),
        "text_recognition_drawing_config": _m(TextRecognitionDrawingConfigRequest, None),
        # others
        "others_layout_job_material": _m(LayoutGuidRequest, LayoutJobMaterial),
        "others_layout_parts": _m(LayoutGuidRequest, list[LayoutPart]),
        # CloudNest's own host
        "server_version": _m(EmptyRequest, ServerVersion),
    }
)
"""Route name -> request model and ``data`` type, for every route of the route table."""

UPLOAD_FILE_FIELD = "file"
"""Multipart field name of each DXF file part (drawing_upload, part_import_nc1, part_import_dxf)."""
UPLOAD_DATAS_FIELD = "datas"
"""Multipart field with the JSON array of :class:`DrawingDatas` (drawing_upload, import_nc1)."""
IMPORT_DXF_DATA_FIELD = "data"
"""Multipart field of part_import_dxf holding the §8.7 JSON array."""
