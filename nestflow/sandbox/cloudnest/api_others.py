"""Text-recognition settings and the "others" look-ups by layout GUID.

The text-recognition rule format of the vendor is unknown: the sandbox stores the team's and each
job's settings and answers them back, but does not read text out of drawings with them.
"""

from __future__ import annotations

from nestflow.cloudnest import models as m
from nestflow.sandbox.cloudnest import queries, views
from nestflow.sandbox.cloudnest.endpoints import Call, handles
from nestflow.sandbox.cloudnest.records import TextRecognitionRecord

TEAM_SCOPE = "team"


@handles("text_recognition_config")
def text_recognition_config(call: Call, req: m.EmptyRequest) -> m.TextRecognitionConfig:
    """The team's text-recognition settings (disabled until a job sets some)."""
    record = call.sandbox.store.get(TextRecognitionRecord, TEAM_SCOPE)
    if record is None:
        return m.TextRecognitionConfig()
    return m.TextRecognitionConfig(enable=record.enable, rules=record.rules)


@handles("text_recognition_drawing_config")
def text_recognition_drawing_config(call: Call, req: m.TextRecognitionDrawingConfigRequest) -> None:
    """Store the text-recognition settings of a job's drawings (and as the team's latest)."""
    job = call.job(req.job_id)
    for scope in (f"job:{job.job_id}", TEAM_SCOPE):
        call.sandbox.store.save(
            TextRecognitionRecord(scope=scope, enable=req.enable, rules=req.rules)
        )


@handles("others_layout_job_material")
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


@handles("others_layout_parts")
def others_layout_parts(call: Call, req: m.LayoutGuidRequest) -> list[m.LayoutPart]:
    """The distinct parts on one sheet of a layout with their counts."""
    return views.layout_parts(queries.layout(call.sandbox.store, req.guid))
