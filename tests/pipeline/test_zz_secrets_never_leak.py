"""After every other pipeline test, neither secret appears anywhere the runs left traces.

Named ``test_zz_...`` so that it runs last in the folder: it scans what the other tests wrote.
It runs one production flow itself first, so it has something to scan when run alone. Places
scanned: every log line of this process, the Prefect databases (the harness's and the real
server's, with their WAL files), result and transaction storage, outputs, drop folders and
artifacts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client

from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.outputs import PushIncomplete
from nestflow.flows.parameters import DrawingSource, MaterialSpec, NestingSettings, PushEngine

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("CloudNest app secret", "AlmaCAM token")


@pytest.fixture(scope="module")
def traces(pipeline_blocks, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("leak-scan")
    shutil.copy(ROOT / "examples" / "gusset.dxf", folder / "gusset.dxf")
    shutil.copy(ROOT / "examples" / "broken_open_contour.dxf", folder / "broken.dxf")
    with pytest.raises(PushIncomplete, match="broken.dxf rejected"):  # a failure path traced too
        nest_to_cnc(
            job_name="leak-scan",
            drawings=DrawingSource(folder=str(folder)),
            push=PushEngine.ALMACAM,
            material=MaterialSpec(name="S235JR", thickness=3.0),
            nesting=NestingSettings(time_s=1.0, max_wait_s=120.0),
            blocks=pipeline_blocks.names,
        )


def _files(*roots: Path) -> list[Path]:
    return sorted({p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()})


@pytest.mark.parametrize("label", SECRETS)
def test_no_log_line_holds_the_secret(
    traces, session_log_lines, sandbox_secrets, label: str
) -> None:
    assert session_log_lines, "no log line was recorded"
    assert not [line for line in session_log_lines if sandbox_secrets[label] in line]


@pytest.mark.parametrize("label", SECRETS)
def test_no_file_prefect_or_the_runs_wrote_holds_the_secret(
    traces, prefect_session, tmp_path_factory, sandbox_secrets, label: str
) -> None:
    files = _files(
        prefect_session.database.parent,
        prefect_session.storage,
        prefect_session.home,
        tmp_path_factory.getbasetemp(),
    )
    assert prefect_session.database in files
    assert any("nestflow-push" in str(f) for f in files)  # transaction records were scanned
    secret = sandbox_secrets[label].encode()
    assert [str(f) for f in files if secret in f.read_bytes()] == []


@pytest.mark.parametrize("label", SECRETS)
def test_no_artifact_holds_the_secret(traces, sandbox_secrets, label: str) -> None:
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(limit=200)
    assert artifacts
    secret = sandbox_secrets[label]
    assert not [a.key for a in artifacts if secret in f"{a.data} {a.description}"]
