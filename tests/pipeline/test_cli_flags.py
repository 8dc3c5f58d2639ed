"""``nestflow run``'s flags and ``nestflow blocks --list``, through the command line itself."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nestflow.blocks.environment import FIELDS
from nestflow.cli.app import app
from tests.pipeline.conftest import copy_examples

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(autouse=True)
def _run_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs log into the test's folder, not the user's ~/.nestflow/logs."""
    monkeypatch.setenv("NESTFLOW_LOG_DIR", str(tmp_path / "logs"))


def _one_line_error(result: Any) -> str:
    """The user error's single stderr line, checking exit code 2, no traceback, no stdout."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The flow and parameters ``nestflow run`` starts, recorded instead of run."""
    seen: dict[str, Any] = {}

    def fake_run(name: str, parameters: dict[str, Any]) -> list[str]:
        seen.update(flow=name, parameters=parameters)
        return []

    monkeypatch.setattr("nestflow.cli.runner.run_flow", fake_run)
    # Nothing runs, so nothing is loaded: the blocks the run would load are not looked up, nor
    # is where the drawings lie checked (these tests' drawings are in a temporary folder; the
    # check has tests of its own below).
    monkeypatch.setattr("nestflow.cli.runner.check_blocks", lambda flow, values, flags=None: None)
    monkeypatch.setattr("nestflow.cli.runner.check_places", lambda values, roots: None)
    return seen


@pytest.fixture
def drawings(tmp_path: Path) -> Path:
    return copy_examples(tmp_path / "drawings", "gusset.dxf", "bracket.dxf")


def test_every_flag_reaches_the_flow_parameters(recorded, drawings, pipeline_blocks) -> None:
    machine = pipeline_blocks.names.machine
    result = runner.invoke(
        app,
        [
            "run", "nest-to-cnc", "--job", "cli-flags", "--drawings", str(drawings),
            "--mode", "production", "--engines", "local", "--engines", "almacam",
            "--push", "local", "--target", machine, "--material", "AISI304",
            "--thickness", "1.5", "--units", "mm", "--sheet", "3000x1500x20",
            "--sheet", "2500x1250x4", "--time", "6",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    params = recorded["parameters"]
    assert recorded["flow"] == "nest-to-cnc"
    assert params["drawings"] == {"files": [], "folder": str(drawings)}
    assert (params["mode"], params["engines"], params["push"]) == (
        "production",
        ["local", "almacam"],
        "local",
    )
    assert params["blocks"] == {"machine": machine}
    assert params["material"] == {"name": "AISI304", "thickness": 1.5}
    assert params["units"] == "mm"
    assert params["sheets"] == [
        {"length": 3000.0, "height": 1500.0, "quantity": 20},
        {"length": 2500.0, "height": 1250.0, "quantity": 4},
    ]
    assert params["nesting"] == {"time_s": 6.0}


def test_flags_win_over_params(recorded, drawings) -> None:
    params = '{"material": {"name": "S355", "gas": "N2"}, "engines": ["cloudnest"]}'
    result = runner.invoke(
        app,
        ["run", "nest-to-cnc", "--job", "j", "--drawings", str(drawings), "--params", params,
         "--material", "S235JR", "--engines", "local"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert recorded["parameters"]["material"] == {"name": "S235JR", "gas": "N2"}
    assert recorded["parameters"]["engines"] == ["local"]


def test_a_run_from_flags_reads_a_glob_and_a_file(drawings, pipeline_blocks) -> None:
    (drawings / "extra").mkdir()
    shutil.copy(ROOT / "examples" / "slotted_plate.dxf", drawings / "extra" / "plate.dxf")
    no_vendor = pipeline_blocks.names.model_copy(
        update={"cloudnest": "never-saved", "almacam": "never-saved", "machine": None}
    )
    result = runner.invoke(
        app,
        ["run", "nest-to-cnc", "--job", "cli-flags-run", "--params",
         f'{{"blocks": {no_vendor.model_dump_json()}}}',
         "--drawings", str(drawings / "*.dxf"), "--drawings", str(drawings / "extra" / "plate.dxf"),
         "--engines", "local", "--material", "S235JR", "--thickness", "3",
         "--sheet", "3000x1500x5", "--time", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ("gusset.dxf", "bracket.dxf", "plate.dxf"):
        assert name in result.output


def test_drawings_a_single_file_is_accepted(recorded, drawings) -> None:
    file = str(drawings / "gusset.dxf")
    result = runner.invoke(app, ["run", "quote", "--job", "j", "--drawings", file])
    assert result.exit_code == 0, result.output
    assert recorded["parameters"]["drawings"] == {"files": [file]}


def test_drawings_a_missing_path_is_one_line_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.dxf"
    result = runner.invoke(app, ["run", "quote", "--job", "j", "--drawings", str(missing)])
    assert _one_line_error(result) == f"Error: no such file or folder: {missing}"


def test_a_missing_manifest_is_one_line_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "orders.csv"
    result = runner.invoke(app, ["run", "nest-to-cnc", "--job", "j", "--manifest", str(missing)])
    assert _one_line_error(result) == f"Error: no such file: {missing} (the order manifest)"


def test_a_bad_flag_value_is_pydantics_reason_in_one_line(drawings) -> None:
    result = runner.invoke(
        app, ["run", "nest-to-cnc", "--job", "j", "--drawings", str(drawings), "--units", "cm"]
    )
    assert _one_line_error(result).startswith("Error: units: Input should be 'auto', 'mm'")


def test_a_malformed_sheet_is_one_line_exit_2(drawings) -> None:
    result = runner.invoke(
        app, ["run", "quote", "--job", "j", "--drawings", str(drawings), "--sheet", "3000x1500"]
    )
    assert "expected LENGTHxHEIGHTxQUANTITY" in _one_line_error(result)


def test_an_unknown_target_block_is_one_line_exit_2(drawings, pipeline_blocks) -> None:
    roots = pipeline_blocks.names.drawing_roots
    result = runner.invoke(
        app,
        ["run", "nest-to-cnc", "--job", "j", "--drawings", str(drawings), "--engines", "local",
         "--push", "local", "--target", "no-such-machine",
         "--params", f'{{"blocks": {{"drawing_roots": "{roots}"}}}}'],
    )  # fmt: skip
    line = _one_line_error(result)
    assert line.startswith("Error: --target: no Machine Target block named 'no-such-machine'")


def test_blocks_list_prints_every_variable_it_reads() -> None:
    result = runner.invoke(app, ["blocks", "--list"], env={"NESTFLOW_ALMACAM_TOKEN": "tok-9f8e"})
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    variables = [spec.variable for specs in FIELDS.values() for spec in specs]
    assert [line.split()[0] for line in lines] == variables
    assert "tok-9f8e" not in result.output
    assert any("NESTFLOW_MACHINE_GMID" in line and "Machine Target gmid" in line for line in lines)


def test_blocks_without_variables_lists_them_and_saves_nothing() -> None:
    env = {spec.variable: "" for specs in FIELDS.values() for spec in specs}
    result = runner.invoke(app, ["blocks", "--name", "cli-nothing"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("No NESTFLOW_* variable is set")
    assert "NESTFLOW_SHEETS" in result.output


def test_blocks_never_says_unchanged_for_a_block_that_does_not_exist() -> None:
    result = runner.invoke(
        app, ["blocks", "--name", "cli-absent"], env={"NESTFLOW_ALMACAM_TOKEN": "tok-absent"}
    )
    assert result.exit_code == 0, result.output
    assert "AlmaCAM Credentials 'cli-absent': created (token)" in result.output
    assert "unchanged" not in result.output
    assert "Machine Target 'cli-absent': absent: not created: none of its variables is set" in (
        result.output
    )


def test_blocks_says_unchanged_for_an_existing_block_without_variables() -> None:
    runner.invoke(app, ["blocks", "--name", "cli-kept"], env={"NESTFLOW_ALMACAM_TOKEN": "t-1"})
    result = runner.invoke(
        app, ["blocks", "--name", "cli-kept"], env={"NESTFLOW_MACHINE_GMID": "42"}
    )
    assert "AlmaCAM Credentials 'cli-kept': unchanged" in result.output
    assert "Machine Target 'cli-kept': created (gmid)" in result.output


def test_an_unknown_block_in_params_is_one_line_exit_2(drawings, pipeline_blocks) -> None:
    roots = pipeline_blocks.names.drawing_roots
    result = runner.invoke(
        app,
        ["run", "quote", "--job", "j", "--drawings", str(drawings), "--engines", "local",
         "--params", f'{{"blocks": {{"cutting": "no-such-rates", "drawing_roots": "{roots}"}}}}'],
    )  # fmt: skip
    line = _one_line_error(result)
    assert line.startswith("Error: blocks.cutting: no Cutting Parameters block named")
    assert "'no-such-rates'" in line


def test_an_unknown_option_is_one_line_exit_2() -> None:
    result = runner.invoke(app, ["run", "nest-to-cnc", "--bogus"])
    line = _one_line_error(result)
    assert line.startswith("Error: nestflow run: No such option: --bogus")
    assert line.endswith("(see nestflow run --help)")


def test_a_missing_flow_name_is_one_line_exit_2_naming_the_choices() -> None:
    line = _one_line_error(runner.invoke(app, ["run"]))
    assert "Missing argument 'flow_name'" in line and "nest-to-cnc, quote, watch-inbox" in line


def test_an_unknown_command_is_one_line_exit_2() -> None:
    assert "No such command 'frob'" in _one_line_error(runner.invoke(app, ["frob"]))


def test_a_drawing_outside_the_working_folder_is_refused_before_the_run(tmp_path: Path) -> None:
    drawing = shutil.copy(ROOT / "examples" / "gusset.dxf", tmp_path / "gusset.dxf")
    result = runner.invoke(
        app, ["run", "quote", "--job", "j", "--engines", "local", "--drawings", str(drawing)]
    )
    assert result.exit_code == 2
    assert "lies outside the run's working folder" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
