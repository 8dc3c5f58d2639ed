"""What every endpoint handler is given and returns: the call's context, the answer's data.

A handler receives the call's context and the request already validated with the client's request
model (``nestflow.cloudnest.models.ENDPOINT_MODELS``) and returns the ``data`` of the answer as the
client's response model(s). Handlers live in the modules of this package, one per vendor section;
:mod:`sandbox.cloudnest.endpoints.handlers` says which answers which route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from pydantic import BaseModel

from nestflow.cloudnest.errors import JOB_NOT_FOUND
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal
from nestflow.sandbox.cloudnest.simulation.vendor import CloudNestSandbox
from nestflow.sandbox.cloudnest.state.records import JobRecord


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Call:
    """What a handler knows about the call besides its body.

    Attributes:
        sandbox: The sandbox's services.
        base_url: Scheme, host and port the client used (for links such as ``dxf_url``).
        zone: Time zone of the ``zoneId`` header.
        app_id: The calling app.
        files: File parts of a multipart request.
    """

    sandbox: CloudNestSandbox
    base_url: str
    zone: tzinfo
    app_id: str
    files: tuple[UploadedFile, ...] = field(default_factory=tuple)

    def job(self, job_id: int) -> JobRecord:
        """The job ``job_id``; refuses (2000) an unknown one."""
        job = self.sandbox.store.get(JobRecord, job_id)
        if job is None:
            raise ApiRefusal(JOB_NOT_FOUND, f"job_id {job_id}")
        return job

    def now(self) -> float:
        """The sandbox's clock in epoch seconds."""
        return self.sandbox.clock.now()


Handler = Callable[[Call, Any], Any]


def dump(data: Any) -> Any:
    """Answer data as JSON-ready values in the vendor's casing (models, lists of models, None)."""
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", by_alias=True)
    if isinstance(data, list):
        return [dump(item) for item in data]
    return data
