"""``nestflow doctor`` from the command line: blocks loaded by name, table, exit codes.

The session's sandbox and the blocks pointing at it come from tests/pipeline/conftest.py.
"""

from __future__ import annotations

import uuid

from typer.testing import CliRunner

from nestflow.blocks import CloudNestCredentials
from nestflow.cli.app import app
from nestflow.cli.doctor import DEFAULT_BLOCK_NAME
from nestflow.flows.parameters import DEFAULT_BLOCK
from nestflow.sandbox.server import RunningSandbox
from tests.pipeline.conftest import ALMACAM_TOKEN, CLOUDNEST_SECRET, PipelineBlocks

runner = CliRunner()
WRONG_SECRET = f"doctor-cli-wrong-{uuid.uuid4().hex}"


def _doctor(*args: str):
    return runner.invoke(app, ["doctor", *args])


def _assert_no_secret(output: str) -> None:
    for value in (CLOUDNEST_SECRET, ALMACAM_TOKEN, WRONG_SECRET):
        assert value not in output


def test_doctor_prints_the_table_and_exits_0_when_every_check_passes(
    pipeline_blocks: PipelineBlocks,
) -> None:
    names = pipeline_blocks.names
    result = _doctor("--cloudnest", names.cloudnest, "--almacam", names.almacam)

    assert result.exit_code == 0, result.output
    for text in ("Doctor", "reachability", "clock skew", "job_plate_used", "documented"):
        assert text in result.output
    assert "0 failed" in result.output and "all checks passed" in result.output
    _assert_no_secret(result.output)


def test_doctor_exits_1_and_names_the_auth_failure_for_a_wrong_secret(
    pipeline_blocks: PipelineBlocks, sandbox: RunningSandbox
) -> None:
    app_account = sandbox.config.cloudnest.app
    CloudNestCredentials(
        base_url=sandbox.url("cloudnest"),
        app_id=app_account.app_id,
        app_secret=WRONG_SECRET,
        org_code=sorted(app_account.org_codes)[0],
    ).save("doctor-wrong-secret", overwrite=True)

    result = _doctor("--cloudnest", "doctor-wrong-secret", "--almacam", "")

    assert result.exit_code == 1, result.output
    auth_row = next(line for line in result.output.splitlines() if "│ auth" in line)
    assert "FAILED" in auth_row
    assert "app_secret" in result.output and "some checks failed" in result.output
    _assert_no_secret(result.output)


def test_doctor_exits_2_with_one_line_for_a_missing_block(pipeline_blocks: PipelineBlocks) -> None:
    result = _doctor("--cloudnest", "no-such-doctor-block", "--almacam", "")

    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "CloudNest Credentials block 'no-such-doctor-block' not found" in lines[0]
    assert "nestflow blocks --name no-such-doctor-block" in lines[0]
    assert "Traceback" not in result.output


def test_doctor_defaults_to_the_block_name_the_flows_use() -> None:
    assert DEFAULT_BLOCK_NAME == DEFAULT_BLOCK
