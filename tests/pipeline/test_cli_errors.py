"""``nestflow run`` says every user error in one line: input errors before the run (exit 2),
a failed run after it (exit 1, its log and traceback in a file named in the line)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import nestflow.cli.runner
from nestflow.cli.app import app
from tests.pipeline.conftest import copy_examples

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
HEADER = "file,quantity,material,thickness,rotations"


@pytest.fixture(autouse=True)
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The run logs' folder of this test (``NESTFLOW_LOG_DIR``), never ~/.nestflow/logs."""
    folder = tmp_path / "logs"
    monkeypatch.setenv("NESTFLOW_LOG_DIR", str(folder))
    return folder


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The flows ``nestflow run`` started (they do run)."""
    calls: list[str] = []
    real = nestflow.cli.runner.run_flow

    def recording(name: str, parameters: dict[str, Any]) -> Any:
        calls.append(name)
        return real(name, parameters)

    monkeypatch.setattr("nestflow.cli.runner.run_flow", recording)
    return calls


@pytest.fixture
def local_params(pipeline_blocks) -> str:
    """``--params`` of a local-engine run: the session's roots and storage, no vendor, no push."""
    names = pipeline_blocks.names.model_copy(
        update={"cloudnest": "never-saved", "almacam": "never-saved", "machine": None}
    )
    return f'{{"blocks": {names.model_dump_json()}}}'


@pytest.fixture
def drawings(tmp_path: Path) -> Path:
    return copy_examples(tmp_path / "drawings", "gusset.dxf", "bracket.dxf")


def _run(*args: str) -> Any:
    return runner.invoke(app, ["run", *args])


def _the_one_input_error(result: Any) -> str:
    """The single stderr line of an input error: exit 2, nothing else said, no traceback."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_a_manifest_naming_a_missing_drawing_is_one_line_before_the_run(
    drawings: Path, local_params: str, started: list[str], log_dir: Path
) -> None:
    manifest = drawings / "orders.csv"
    manifest.write_text(f"{HEADER}\nbrackt.dxf,2,S235JR,3,0;90\n", encoding="utf-8")
    result = _run(
        "quote", "--job", "typo", "--manifest", str(manifest), "--engines", "local",
        "--params", local_params,
    )  # fmt: skip
    line = _the_one_input_error(result)
    assert "line 2" in line and "brackt.dxf" in line and "did you mean bracket.dxf" in line
    assert started == []


def test_a_production_manifest_not_matching_the_drawings_is_one_line_before_the_run(
    drawings: Path, local_params: str, started: list[str], log_dir: Path
) -> None:
    manifest = drawings / "orders.csv"
    manifest.write_text(
        f"{HEADER}\ngusset.dxf,1,S235JR,3,0\nbrackt.dxf,2,S235JR,3,0;90\n", encoding="utf-8"
    )
    result = _run(
        "nest-to-cnc", "--job", "typo-prod", "--drawings", str(drawings), "--manifest",
        str(manifest), "--engines", "local", "--params", local_params,
    )  # fmt: skip
    line = _the_one_input_error(result)
    assert "brackt.dxf" in line and "bracket.dxf" in line
    assert started == []


def test_an_empty_manifest_is_one_line_before_the_run(
    drawings: Path, local_params: str, started: list[str], log_dir: Path
) -> None:
    manifest = drawings / "orders.csv"
    manifest.write_bytes(b"")
    result = _run(
        "quote", "--job", "empty", "--manifest", str(manifest), "--engines", "local",
        "--params", local_params,
    )  # fmt: skip
    assert "orders.csv" in _the_one_input_error(result)
    assert started == []


def test_a_manifest_without_its_rotations_column_is_one_line_before_the_run(
    drawings: Path, local_params: str, started: list[str], log_dir: Path
) -> None:
    manifest = drawings / "orders.csv"
    manifest.write_text(
        "file,quantity,material,thickness\nbracket.dxf,2,S235JR,3\n", encoding="utf-8"
    )
    result = _run(
        "quote", "--job", "no-rotations", "--manifest", str(manifest), "--engines", "local",
        "--params", local_params,
    )  # fmt: skip
    line = _the_one_input_error(result)
    assert "orders.csv" in line and "rotations" in line
    assert started == []


@pytest.fixture
def rejected_only(tmp_path: Path) -> Path:
    """A folder whose only drawing is rejected (an open contour): nothing can be nested."""
    folder = tmp_path / "rejected"
    folder.mkdir()
    shutil.copy(ROOT / "examples" / "broken_open_contour.dxf", folder / "open.dxf")
    return folder


def _failed_run(local_params: str, folder: Path, *extra: str) -> Any:
    return _run(
        "nest-to-cnc", "--job", "cli-fails", "--drawings", str(folder), "--engines", "local",
        "--material", "S235JR", "--thickness", "3", "--time", "1", "--params", local_params,
        *extra,
    )  # fmt: skip


def _log_named_in(line: str) -> Path:
    assert line.endswith(")") and "(log: " in line, line
    return Path(line[line.rindex("(log: ") + len("(log: ") : -1])


def test_a_failed_run_is_one_error_line_naming_its_log_which_holds_the_traceback(
    local_params: str, rejected_only: Path, log_dir: Path
) -> None:
    result = _failed_run(local_params, rejected_only)
    assert result.exit_code == 1, result.output
    lines = result.stderr.rstrip().splitlines()
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    assert "open.dxf" in errors[0]
    # the rest is progress: short indented lines, no Prefect engine log and no traceback
    assert all(line.startswith("  ") for line in lines[:-1]), result.stderr
    assert "Traceback" not in result.stderr and "Finished in state" not in result.stderr
    log = _log_named_in(errors[0])
    assert log.parent == log_dir
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "Finished in state Failed" in text


def test_verbose_shows_the_log_and_the_traceback(
    local_params: str, rejected_only: Path, log_dir: Path
) -> None:
    result = _failed_run(local_params, rejected_only, "--verbose")
    assert result.exit_code == 1, result.output
    assert "Finished in state Failed" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and _log_named_in(last).is_file()


def test_a_run_shows_short_progress_lines_not_prefects_log(
    drawings: Path, local_params: str, log_dir: Path
) -> None:
    result = _run(
        "quote", "--job", "cli-progress", "--drawings", str(drawings / "gusset.dxf"),
        "--engines", "local", "--time", "1", "--params", local_params,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    progress = result.stderr.rstrip().splitlines()
    assert "  1 drawing(s) to read" in progress
    assert all(line.startswith("  ") for line in progress), result.stderr
    assert "Beginning flow run" not in result.stderr
    (log,) = log_dir.glob("*-quote-cli-progress.log")
    assert "Beginning flow run" in log.read_text(encoding="utf-8")
