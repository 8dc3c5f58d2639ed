"""The whole sequence in production mode, against both sandboxed services over HTTP."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterType,
    FlowRunFilter,
    FlowRunFilterName,
)

from nestflow.blocks import DrawingRoots
from nestflow.cloudnest.jobs import find_job
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.outputs import PushIncomplete
from nestflow.flows.parameters import DrawingSource, MaterialSpec, Mode, NestingSettings, PushEngine
from nestflow.report import RunSummary
from tests.pipeline.conftest import stored_as

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=2.0, spacing=5.0, max_wait_s=120.0)


@pytest.fixture(scope="module")
def failed_run(pipeline_blocks, cloudnest) -> PushIncomplete:
    """The examples in production, the broken one included: the rest is cut, the run Failed."""
    with pytest.raises(PushIncomplete) as failed:
        nest_to_cnc(
            job_name="examples-production",
            manifest=str(EXAMPLES / "orders.csv"),
            mode=Mode.PRODUCTION,
            push=PushEngine.CLOUDNEST,
            material=MATERIAL,
            nesting=FAST,
            blocks=pipeline_blocks.names,
            wait_production=True,
        )
    return failed.value


@pytest.fixture(scope="module")
def production(failed_run, pipeline_blocks) -> RunSummary:
    """What the run did, from its summary.json (written before it ended Failed)."""
    path = pipeline_blocks.out / "examples-production" / "summary.json"
    return RunSummary.model_validate_json(path.read_bytes())


def test_a_run_with_a_rejected_drawing_cuts_the_rest_and_ends_failed_naming_it(
    failed_run, production
) -> None:
    message = str(failed_run)
    assert "drawing broken_open_contour.dxf rejected (open_contour): open contour" in message
    assert "fix it and run the job again" in message
    cut = [p for p in production.parts if p.rejected is None]  # the rejected one is missing
    assert cut and [p.missing for p in cut] == [0] * len(cut)


def test_both_engines_nest_every_readable_drawing(production) -> None:
    assert {e.engine: e.status for e in production.engines} == {"cloudnest": "ok", "almacam": "ok"}
    assert all(e.layouts and not e.unplaced for e in production.engines)
    assert len(production.drawings) == 8


def test_broken_drawing_is_reported_by_name(production) -> None:
    assert [(f.file, f.kind) for f in production.rejected] == [
        ("broken_open_contour.dxf", "open_contour")
    ]


def test_every_cloudnest_layout_is_pushed_and_cut(production, cloudnest) -> None:
    layouts = production.engine("cloudnest").layouts
    assert [p.layout_id for p in production.pushes] == [row.layout_id for row in layouts]
    assert all(p.status == "pushed" for p in production.pushes)
    assert all(p.production and p.production.startswith("completed") for p in production.pushes)


def test_outputs_are_written_through_the_storage_block(production, pipeline_blocks) -> None:
    folder = pipeline_blocks.out / "examples-production"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["job_name"] == "examples-production"
    almacam = production.engine("almacam")
    for row in almacam.layouts:
        assert Path(row.files["dxf"]).read_bytes().startswith(b"  0\nSECTION")
        assert Path(row.files["png"]).read_bytes().startswith(b"\x89PNG")


def test_report_artifact_compares_the_engines_and_names_the_files(
    production, latest_artifact, pipeline_blocks
) -> None:
    report = latest_artifact("nestflow-examples-production-report")
    assert report is not None
    markdown = report["data"]
    assert "| Engine | CloudNest | AlmaCAM |" in markdown
    assert "| Utilisation |" in markdown
    assert "| Utilisation to offcut |" in markdown
    assert "broken_open_contour.dxf" in markdown
    summary_json = pipeline_blocks.out / "examples-production" / "summary.json"
    assert f"summary.json: `{summary_json}`" in markdown
    assert f"written on worker `{socket.gethostname()}`" in markdown
    assert "file://" not in markdown  # a browser cannot open a worker's disk from the UI
    for engine in ("cloudnest", "almacam"):
        table = latest_artifact(f"nestflow-examples-production-{engine}-layouts")
        assert table is not None and "used length (mm)" in table["data"]


def test_waits_show_progress_artifacts_naming_what_is_waited_for(production) -> None:
    runs = FlowRunFilter(name=FlowRunFilterName(any_=["nest examples-production"]))
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(type=ArtifactFilterType(any_=["progress"])),
            flow_run_filter=runs,
        )
    by_key = {a.key: a.description or "" for a in found}
    boost = [d for k, d in by_key.items() if k and k.startswith("wait-cloudnest-boost-nesting")]
    order = [d for k, d in by_key.items() if k and k.startswith("wait-almacam-nesting-of-order")]
    assert boost and boost[0].startswith("Waiting for CloudNest: Boost nesting of job")
    assert order and order[0].startswith("Waiting for AlmaCAM: nesting of order")
    assert all(a.key and a.data == 100.0 for a in found)


def test_steps_emit_events_carrying_the_service_ids(production, wait_for_events) -> None:
    push = production.pushes[0]
    pushed = wait_for_events(
        "nestflow.layout.pushed", f"nestflow.layout.cloudnest.{push.layout_id}"
    )
    assert pushed and pushed[0].payload["reference"] == push.reference
    job_id = production.engine("cloudnest").reference.removeprefix("job ")
    assert wait_for_events("nestflow.job.ready", f"nestflow.job.{job_id}")
    uploaded = wait_for_events("nestflow.drawing.uploaded", "nestflow.drawing.", at_least=8)
    assert {e.resource.name for e in uploaded} >= {"bracket.dxf", "gusset.dxf"}


@pytest.fixture
def drawing_urls() -> Iterator[list[str]]:
    """Three example drawings served over HTTP on loopback, as an ERP would link them."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(EXAMPLES))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield [f"{base}/{name}" for name in ("bracket.dxf", "gusset.dxf", "tab_block.dxf")]
    finally:
        server.shutdown()
        server.server_close()


def test_drawings_given_as_urls_are_nested_by_both_engines(
    drawing_urls, pipeline_blocks, cloudnest
) -> None:
    # The ERP of this test is on loopback, which a run never fetches from unless its Drawing
    # Roots block allows the host: this one allows that server's host and port, nothing else.
    server = httpx.URL(drawing_urls[0])
    DrawingRoots(url_hosts=[f"{server.host}:{server.port}"]).save("erp-on-loopback", overwrite=True)
    summary = nest_to_cnc(
        job_name="from-urls",
        drawings=DrawingSource(urls=drawing_urls),
        material=MATERIAL,
        nesting=FAST,
        blocks=pipeline_blocks.names.model_copy(update={"drawing_roots": "erp-on-loopback"}),
    )
    assert summary.drawings == ["bracket.dxf", "gusset.dxf", "tab_block.dxf"]
    assert all(e.nested and not e.unplaced for e in summary.engines)
    job = find_job(cloudnest, "from-urls")
    states = cloudnest.job_drawing_status(job.job_id)
    assert sorted(s.filename for s in states) == stored_as(
        *(EXAMPLES / n for n in summary.drawings)
    )
