"""CloudNest steps as Prefect tasks: stock, job, uploads, processing, Boost, layouts, production.

Retry policy. The client already resends what provably did not land (connection refused) and
read-only queries; on top of that, only read-only tasks (polls, downloads) get Prefect retries.
Creating steps are never retried blindly; they are made repeatable instead:

* the job is found by exact name before being created, and the task caches on the business key
  (server + account + job name), so a re-run reuses it without even asking;
* uploads cache on the job and the files' names and sha256, and skip files the job already holds
  (a crash between the upload landing and its cache record being written cannot duplicate them);
* Boost caches on the job, its drawings and the nesting settings, and is not started again when
  the job already has a nesting and this run added no drawing.

:class:`CloudNestTaskSteps` is the engine's :class:`~nestflow.engines.cloudnest.CloudNestSteps`
in a run: what is Prefect's stays here (a remembered job id checked and the cache refreshed, an
upload batch answered from the cache told apart from one that ran, a Boost started afresh).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext

from nestflow.blocks.credentials import CloudNestCredentials
from nestflow.cloudnest import jobs
from nestflow.cloudnest.errors import (
    NOT_WORTH_RETRYING,
    CloudNestRateLimited,
    CloudNestServerError,
    CloudNestTransportError,
)
from nestflow.cloudnest.jobs import UploadItem, UploadOutcome
from nestflow.cloudnest.models import (
    DrawingRef,
    DrawingState,
    DrawingStatus,
    FailedPart,
    NestDetail,
    NestLayout,
    NestStatus,
    PartAttributes,
    PartLayout,
)
from nestflow.engines.cloudnest import Boost, CloudNestSteps
from nestflow.geometry.layout import LayoutLayers
from nestflow.run_options import MaterialSpec
from nestflow.stock import SheetFormat
from nestflow.tasks.clients import cloudnest_client, service_key
from nestflow.tasks.events import (
    as_related,
    cloudnest_drawing_resource,
    drawing_resource,
    emit,
    job_resource,
)
from nestflow.tasks.policy import business_key, read_only
from nestflow.tasks.progress import Progress

CACHE_DAYS = 30


#: Polls and downloads: what a later attempt may cure is retried; a gateway that gave no answer
#: for the whole ``unreachable_after_s`` is not (the step already tried that long).
TRANSIENT = (CloudNestTransportError, CloudNestServerError, CloudNestRateLimited)
READ_ONLY = read_only(*TRANSIENT, never=NOT_WORTH_RETRYING)


# --------------------------------------------------------------------------------- stock


@task(name="Prepare CloudNest plates", cache_policy=NO_CACHE)
def prepare_plates(
    credentials: CloudNestCredentials,
    material: str,
    thickness: float,
    density: float,
    sheets: list[SheetFormat],
) -> list[str]:
    """Find or add the material and one plate per sheet format; return the plate GUIDs.

    Find-or-add is repeatable, so a re-run adds nothing; stock quantities follow ``sheets``.
    """
    client = cloudnest_client(credentials)
    material_id = jobs.find_or_add_material(client, material, density)
    return [jobs.find_or_add_plate(client, material_id, thickness, s) for s in sheets]


# ----------------------------------------------------------------------------------- job


def _job_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    return business_key("cloudnest-job", service_key(parameters["credentials"]), parameters["name"])


@task(
    name="Find or create CloudNest job",
    cache_key_fn=_job_key,
    cache_expiration=timedelta(days=CACHE_DAYS),
)
def ensure_job(
    credentials: CloudNestCredentials, name: str, material: str, thickness: float, gas: str
) -> int:
    """The id of the job named ``name``, created only when no job has exactly that name."""
    job = jobs.ensure_job(
        cloudnest_client(credentials), name, material=material, thickness=thickness, gas=gas
    )
    emit("nestflow.job.ready", job_resource(job.job_id, name), payload={"job_name": name})
    return job.job_id


@task(name="Check the remembered CloudNest job", **READ_ONLY)
def job_is_current(credentials: CloudNestCredentials, job_id: int, name: str) -> bool:
    """Whether the (cached) job id still names the job ``name`` on the server."""
    current = jobs.job_still_named(cloudnest_client(credentials), job_id, name)
    if not current:
        get_run_logger().warning(
            "CloudNest job id %s remembered for %r is not that job on the server any more "
            "(the service lost or reassigned it); finding or creating the job again",
            job_id,
            name,
        )
    return current


# ------------------------------------------------------------------------------ drawings


def _upload_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    items = sorted((i.file, i.sha256, i.quantity, i.rotate_lock) for i in parameters["items"])
    return business_key(
        "cloudnest-upload", service_key(parameters["credentials"]), parameters["job_id"], items
    )


def _attributes(item: UploadItem, material: str, thickness: float, gas: str) -> PartAttributes:
    return PartAttributes(
        material=material,
        thickness=thickness,
        gas=gas,
        amount=item.quantity,
        rotate_lock=1 if item.rotate_lock else 0,
    )


@task(
    name="Upload drawings to CloudNest",
    cache_key_fn=_upload_key,
    cache_expiration=timedelta(days=CACHE_DAYS),
)
def upload_drawings(
    credentials: CloudNestCredentials,
    job_id: int,
    items: list[UploadItem],
    material: str,
    thickness: float,
    gas: str,
) -> UploadOutcome:
    """Upload files (multipart) or hand URLs (active download) that the job does not hold yet.

    Each goes under its upload name (:func:`nestflow.cloudnest.jobs.vendor_filename`); the
    references are named by the drawings' own file names. Emits ``nestflow.drawing.uploaded``
    per new drawing.
    """
    client = cloudnest_client(credentials)
    outcome = jobs.put_drawings(
        client, job_id, items, lambda item: _attributes(item, material, thickness, gas)
    )
    if outcome.already_there:
        get_run_logger().info(
            "job %s already holds %s; not uploaded again", job_id, ", ".join(outcome.already_there)
        )
    by_file = {i.file: i for i in items}
    for ref in outcome.refs:
        if ref.filename not in outcome.uploaded:
            continue
        emit(
            "nestflow.drawing.uploaded",
            drawing_resource(by_file[ref.filename].sha256, ref.filename),
            payload={"drawing_guid": ref.drawing_guid, "job_id": job_id},
            related=[as_related(job_resource(job_id), "job")],
        )
    return outcome


@task(
    name="Wait for CloudNest drawing processing",
    **READ_ONLY,
)
def wait_drawings(
    credentials: CloudNestCredentials, job_id: int, refs: list[DrawingRef], deadline_s: float
) -> list[DrawingState]:
    """Poll until every drawing is processed or failed; emits one event per final state."""
    progress = Progress("CloudNest", f"processing of {len(refs)} drawing(s) in job {job_id}")

    def on_poll(states: list[DrawingState]) -> None:
        final = [s for s in states if s.status in (DrawingStatus.SUCCESS, DrawingStatus.FAILED)]
        progress.update(len(final) / max(1, len(states)), f"{len(final)}/{len(states)} done")

    outcome = jobs.wait_drawings(
        cloudnest_client(credentials), job_id, deadline_s, on_poll, drawings=refs
    )
    progress.done()
    for state in outcome.drawings:
        processed = state.status == DrawingStatus.SUCCESS
        emit(
            f"nestflow.drawing.{'processed' if processed else 'failed'}",
            cloudnest_drawing_resource(state.drawing_guid, state.filename),
            payload={"status": state.status, "msg": state.msg, "part_count": state.part_count},
            related=[as_related(job_resource(job_id), "job")],
        )
    return outcome.drawings


# ------------------------------------------------------------------------------- nesting


def _boost_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    return business_key(
        "cloudnest-boost",
        service_key(parameters["credentials"]),
        parameters["job_id"],
        sorted(g.upper() for g in parameters["drawing_guids"]),
        parameters["plate_guids"],
        parameters["gap"],
        parameters["time_limit"],
    )


@task(
    name="Start CloudNest Boost",
    cache_key_fn=_boost_key,
    cache_expiration=timedelta(days=CACHE_DAYS),
)
def start_boost(
    credentials: CloudNestCredentials,
    job_id: int,
    drawing_guids: list[str],
    plate_guids: list[str],
    gap: float,
    time_limit: int,
    added_drawings: bool,
) -> str:
    """Start a Boost of the job, unless it already has one and no drawing was added since.

    Returns:
        ``"started"`` or ``"reused"`` (the nesting already on the server is kept).
    """
    client = cloudnest_client(credentials)
    latest = None if added_drawings else jobs.latest_nesting(client, job_id)
    existing = latest.status if latest is not None else None
    if existing in (NestStatus.NESTING, NestStatus.FINISHED):
        get_run_logger().info("job %s already has a nesting (%s); kept", job_id, existing)
        return "reused"
    started = jobs.boost(client, job_id, plate_guids, gap, time_limit=time_limit)
    emit(
        "nestflow.nesting.started",
        job_resource(job_id),
        payload={"engine": "cloudnest", "nest_task_guid": started or "(found running)"},
    )
    return "started"


@task(name="Read the parts CloudNest refused", **READ_ONLY)
def refused_parts(credentials: CloudNestCredentials, job_id: int) -> list[FailedPart]:
    """The parts the job's latest (failed) nesting could not take, as CloudNest names them."""
    return jobs.refused_parts(cloudnest_client(credentials), job_id)


@task(name="Leave parts out of the CloudNest job")
def leave_out_parts(
    credentials: CloudNestCredentials, job_id: int, parts: list[FailedPart]
) -> None:
    """Delete the parts from the job, so that its next Boost nests the others."""
    client = cloudnest_client(credentials)
    for part in parts:
        jobs.remove_part(client, part.part_guid)
    get_run_logger().warning(
        "job %s: parts %s left out (CloudNest refused their geometry)",
        job_id,
        ", ".join(repr(p.part_name) for p in parts),
    )


@task(
    name="Wait for CloudNest nesting",
    **READ_ONLY,
)
def wait_nesting(
    credentials: CloudNestCredentials, job_id: int, expected_s: float, deadline_s: float
) -> NestDetail:
    """Poll the job's nesting until finished; a failed nesting raises with the server's reason."""
    progress = Progress("CloudNest", f"Boost nesting of job {job_id}")
    started = time.monotonic()

    def on_poll(detail: NestDetail) -> None:
        elapsed = time.monotonic() - started
        progress.update(min(0.95, elapsed / max(expected_s, 1.0)), f"{detail.status}")

    detail = jobs.wait_nesting(cloudnest_client(credentials), job_id, deadline_s, on_poll)
    progress.done(f"{len(detail.results)} layout(s)")
    emit(
        "nestflow.nesting.finished",
        job_resource(job_id),
        payload={"engine": "cloudnest", "layouts": [r.result_guid for r in detail.results]},
    )
    return detail


@task(
    name="Download CloudNest layout",
    task_run_name="download layout {layout.result_guid}",
    **READ_ONLY,
)
def download_layout(credentials: CloudNestCredentials, layout: NestLayout) -> bytes:
    """The layout's DXF file."""
    return jobs.download_layout_dxf(cloudnest_client(credentials), layout)


# ---------------------------------------------------------------------------- production


@task(
    name="Read CloudNest part counts",
    **READ_ONLY,
)
def read_part_layout(credentials: CloudNestCredentials, job_id: int) -> list[PartLayout]:
    """How many of each part the job's layouts hold, against how many were ordered."""
    return cloudnest_client(credentials).job_part_layout(job_id)


# --------------------------------------------------------------------------------- steps


class CloudNestTaskSteps:
    """CloudNest's calls for one account, each a task above (the engine's steps in a run).

    The tasks are looked up when called, so a test may stand one of them in for another.
    """

    def __init__(self, credentials: CloudNestCredentials) -> None:
        self.credentials = credentials
        self.layout_layers: LayoutLayers = credentials.layout_layers

    def prepare_plates(self, material: MaterialSpec, sheets: list[SheetFormat]) -> list[str]:
        """:func:`prepare_plates` for the run's material."""
        return prepare_plates(
            self.credentials, material.name, material.thickness, material.density, sheets
        )

    def ensure_job(self, name: str, material: MaterialSpec) -> int:
        """The cached job id, checked on the server; found or created afresh when it is stale."""
        job = (self.credentials, name, material.name, material.thickness, material.gas)
        job_id = ensure_job(*job)
        if not job_is_current(self.credentials, job_id, name):
            job_id = ensure_job.with_options(refresh_cache=True)(*job)
        return job_id

    def upload_drawings(
        self, job_id: int, items: list[UploadItem], material: MaterialSpec
    ) -> tuple[UploadOutcome, bool]:
        """:func:`upload_drawings` of one batch, and whether it ran now (not from the cache)."""
        state = upload_drawings(
            self.credentials,
            job_id,
            items,
            material.name,
            material.thickness,
            material.gas,
            return_state=True,
        )
        return state.result(), state.name != "Cached"

    def wait_drawings(
        self, job_id: int, refs: list[DrawingRef], deadline_s: float
    ) -> list[DrawingState]:
        """:func:`wait_drawings`."""
        return wait_drawings(self.credentials, job_id, refs, deadline_s)

    def start_boost(self, boost: Boost, *, again: bool) -> None:
        """:func:`start_boost`; ``again`` refreshes its cache (a new Boost, not the first's)."""
        start = start_boost.with_options(refresh_cache=again)
        start(self.credentials, **asdict(boost))

    def wait_nesting(self, job_id: int, expected_s: float, deadline_s: float) -> NestDetail:
        """:func:`wait_nesting`."""
        return wait_nesting(self.credentials, job_id, expected_s, deadline_s)

    def refused_parts(self, job_id: int) -> list[FailedPart]:
        """:func:`refused_parts`."""
        return refused_parts(self.credentials, job_id)

    def leave_out_parts(self, job_id: int, parts: list[FailedPart]) -> None:
        """:func:`leave_out_parts`."""
        leave_out_parts(self.credentials, job_id, parts)

    def download_layout(self, layout: NestLayout) -> bytes:
        """:func:`download_layout`."""
        return download_layout(self.credentials, layout)

    def read_part_layout(self, job_id: int) -> list[PartLayout]:
        """:func:`read_part_layout`."""
        return read_part_layout(self.credentials, job_id)


def steps(credentials: CloudNestCredentials) -> CloudNestSteps:
    """The CloudNest engine's steps in a run, for the account of ``credentials``."""
    return CloudNestTaskSteps(credentials)
