"""Text-recognition settings, the "others" look-ups by layout GUID, and the server version.

The text-recognition rule format of the vendor is unknown: the sandbox stores the team's and each
job's settings and answers them back, but does not read text out of drawings with them.
"""

from __future__ import annotations

from nestflow.cloudnest import models as m
from nestflow.sandbox.cloudnest.endpoints import views
from nestflow.sandbox.cloudnest.endpoints.table import Call
from nestflow.sandbox.cloudnest.state import queries
from nestflow.sandbox.cloudnest.state.records import TextRecognitionRecord

TEAM_SCOPE = "team"

#: The vendor's release the sandbox follows (the one seen in spec §Q.3), and its environment.
EMULATED_VERSION = "3.43.0"
EMULATED_VERSION_DATE = "20230321"
SERVER_ENV = "sandbox"


def text_recognition_config(call: Call, req: m.EmptyRequest) -> m.TextRecognitionConfig:
    """The team's text-recognition settings (disabled until a job sets some)."""
    record = call.sandbox.store.get(TextRecognitionRecord, TEAM_SCOPE)
    if record is None:
        return m.TextRecognitionConfig()
    return m.TextRecognitionConfig(enable=record.enable, rules=record.rules)


def text_recognition_drawing_config(call: Call, req: m.TextRecognitionDrawingConfigRequest) -> None:
    """Store the text-recognition settings of a job's drawings (and as the team's latest)."""
    job = call.job(req.job_id)
    for scope in (f"job:{job.job_id}", TEAM_SCOPE):
        call.sandbox.store.save(
            TextRecognitionRecord(scope=scope, enable=req.enable, rules=req.rules)
        )


def others_layout_job_material(call: Call, req: m.LayoutGuidRequest) -> m.LayoutJobMaterial:
    """The job and material of a layout."""
    layout = queries.layout(call.sandbox.store, req.guid)
    job = call.job(layout.job_id)
    return m.LayoutJobMaterial(
        job_id=job.job_id,
        job_name=job.job_name,
        material=layout.material,
        thickness=layout.thickness,
    )


def others_layout_parts(call: Call, req: m.LayoutGuidRequest) -> list[m.LayoutPart]:
    """The distinct parts on one sheet of a layout with their counts."""
    return views.layout_parts(queries.layout(call.sandbox.store, req.guid))


def server_version(call: Call, req: m.EmptyRequest) -> m.ServerVersion:
    """§Q.3: the release the sandbox emulates, in environment ``sandbox`` (no auth needed)."""
    return m.ServerVersion(
        version=EMULATED_VERSION, ver_date=EMULATED_VERSION_DATE, server_env=SERVER_ENV
    )
