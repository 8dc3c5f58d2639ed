"""``nestflow blocks`` and ``nestflow run``: blocks from the environment, flows by name."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nestflow.blocks import AlmaCamCredentials, CloudNestCredentials
from nestflow.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
SECRET = "cli-app-secret-0f9e8d"
TOKEN = "cli-almacam-token-7a6b5c"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _run_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs log into the test's folder, not the user's ~/.nestflow/logs."""
    monkeypatch.setenv("NESTFLOW_LOG_DIR", str(tmp_path / "logs"))


def _blocks(name: str, **variables: str):
    return runner.invoke(app, ["blocks", "--name", name], env=variables)


def test_blocks_command_creates_blocks_and_never_prints_secrets() -> None:
    result = _blocks(
        "cli-test",
        NESTFLOW_CLOUDNEST_APP_ID="op-cli",
        NESTFLOW_CLOUDNEST_APP_SECRET=SECRET,
        NESTFLOW_CLOUDNEST_ORG_CODE="TEAM-CLI",
        NESTFLOW_CLOUDNEST_RATE_LIMITS='{"job_add": 1.5}',
        NESTFLOW_ALMACAM_TOKEN=TOKEN,
    )
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output and TOKEN not in result.output
    assert "CloudNest Credentials 'cli-test': created" in result.output
    assert "Machine Target 'cli-test': absent" in result.output  # never created, none of its vars
    saved = CloudNestCredentials.load("cli-test")
    assert saved.app_secret.get_secret_value() == SECRET
    assert saved.rate_limits == {"job_add": 1.5}
    assert AlmaCamCredentials.load("cli-test").token.get_secret_value() == TOKEN


def test_blocks_command_updates_only_the_variables_given() -> None:
    _blocks(
        "cli-update",
        NESTFLOW_CLOUDNEST_APP_ID="op-cli",
        NESTFLOW_CLOUDNEST_APP_SECRET=SECRET,
        NESTFLOW_CLOUDNEST_ORG_CODE="TEAM-A",
    )
    result = _blocks("cli-update", NESTFLOW_CLOUDNEST_ORG_CODE="TEAM-B")
    assert "CloudNest Credentials 'cli-update': updated (org_code)" in result.output
    saved = CloudNestCredentials.load("cli-update")
    assert (saved.org_code, saved.app_secret.get_secret_value()) == ("TEAM-B", SECRET)


def test_blocks_command_names_what_is_missing() -> None:
    result = _blocks("cli-missing", NESTFLOW_CLOUDNEST_APP_ID="op-cli")
    assert "CloudNest Credentials 'cli-missing': skipped: missing app_secret, org_code" in (
        result.output
    )


def test_blocks_command_refuses_malformed_json() -> None:
    result = _blocks("cli-bad", NESTFLOW_CLOUDNEST_ROUTE_OVERRIDES="{job_add:")
    assert result.exit_code == 2
    assert "NESTFLOW_CLOUDNEST_ROUTE_OVERRIDES is not valid JSON" in result.output


def test_run_command_starts_a_flow_by_name(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drawing = Path(shutil.copy(ROOT / "examples" / "gusset.dxf", inbox / "gusset.dxf"))
    old = time.time() - 60
    os.utime(drawing, (old, old))
    result = runner.invoke(app, ["run", "watch-inbox", "--params", f'{{"inbox": "{inbox}"}}'])
    assert result.exit_code == 0, result.output
    assert "1 new drawing(s) announced" in result.output
    assert str(drawing) in result.output


def test_run_command_refuses_parameters_that_are_not_json() -> None:
    result = runner.invoke(app, ["run", "quote", "--params", "{job_name"])
    assert result.exit_code == 2
    assert "--params is not valid JSON" in result.output


def test_run_command_reports_a_missing_block_without_a_traceback(
    tmp_path: Path, pipeline_blocks
) -> None:
    roots = pipeline_blocks.names.drawing_roots
    params = f'{{"blocks": {{"almacam": "absent-block", "drawing_roots": "{roots}"}}}}'
    result = runner.invoke(
        app, ["run", "quote", "--job", "cli-quote", "--drawings", str(tmp_path), "--params", params]
    )
    # a user error, refused before the run starts: one line, exit code 2
    assert result.exit_code == 2
    assert "blocks: no AlmaCAM Credentials block named 'absent-block'" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
