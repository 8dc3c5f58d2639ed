"""The result tasks: files written through a storage block, and the run's artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect.filesystems import LocalFileSystem

from nestflow.tasks.results import publish_report, write_outputs
from tests.pipeline.tasks.support import parameter_model, unique


def _summary(job_name: str, outputs: dict[str, str] | None = None) -> Any:
    """A production run's summary: the local engine nested one layout, CloudNest failed."""
    row = {
        "engine": "local",
        "layout_id": "local-0",
        "name": "Layout 1",
        "sheet": "tasks 1000x500",
        "sheet_length": 1000.0,
        "sheet_height": 500.0,
        "quantity": 2,
        "used_length": 320.0,
        "parts": 3,
        "parts_area": 61000.0,
    }
    return parameter_model(publish_report, "summary").model_validate(
        {
            "job_name": job_name,
            "mode": "production",
            "push_engine": "none",
            "material": "S235JR",
            "thickness": 3.0,
            "density": 7.85,
            "drawings": ["gusset.dxf", "bracket.dxf"],
            "engines": [
                {"engine": "local", "reference": f"local {job_name}", "layouts": [row]},
                {"engine": "cloudnest", "status": "failed", "errors": ["gateway down"]},
            ],
            "outputs": outputs or {},
        }
    )


def test_write_outputs_writes_each_file_under_the_folder_and_says_where(tmp_path: Path) -> None:
    storage = LocalFileSystem(basepath=str(tmp_path))
    files = {"summary.json": b"{}", "local/layout-01.dxf": b"0\nEOF\n"}

    written = write_outputs(storage, "job-7", files)

    assert set(written) == set(files)
    for name, content in files.items():
        assert Path(written[name]) == tmp_path / "job-7" / name
        assert Path(written[name]).read_bytes() == content


def test_publish_report_creates_a_markdown_artifact_naming_the_job(latest_artifact) -> None:
    job = unique("report")
    publish_report(_summary(job))
    report = latest_artifact(f"nestflow-{job}-report")
    assert report is not None and report["type"] == "markdown"
    assert report["data"].startswith(f"# {job}: production run")
    assert job in report["description"]


def test_publish_report_adds_a_layout_table_for_each_engine_that_nested(latest_artifact) -> None:
    job = unique("tables")
    publish_report(_summary(job))
    table = latest_artifact(f"nestflow-{job}-local-layouts")
    assert table is not None and table["type"] == "table"
    assert '"id": "local-0"' in table["data"]
    assert latest_artifact(f"nestflow-{job}-cloudnest-layouts") is None


def test_publish_report_links_a_summary_on_web_storage(latest_artifact) -> None:
    job = unique("web")
    url = f"https://files.example.com/{job}/summary.json"
    publish_report(_summary(job, {"summary.json": url}))
    link = latest_artifact(f"nestflow-{job}-summary")
    assert link is not None  # Prefect keeps a link artifact as a markdown link
    assert link["data"] == f"[{job} summary.json]({url})"


def test_publish_report_does_not_link_a_summary_on_a_workers_disk(
    latest_artifact, tmp_path: Path
) -> None:
    job = unique("disk")
    publish_report(_summary(job, {"summary.json": str(tmp_path / job / "summary.json")}))
    assert latest_artifact(f"nestflow-{job}-report") is not None
    assert latest_artifact(f"nestflow-{job}-summary") is None
