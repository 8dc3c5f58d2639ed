"""``--target`` takes a push kind or a Machine Target block name, and ``nestflow blocks
--drop-folder`` makes a drop-folder machine from a path, against the session's Prefect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prefect.filesystems import LocalFileSystem
from typer.testing import CliRunner

from nestflow.blocks import MachineTarget
from nestflow.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(autouse=True)
def _logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NESTFLOW_LOG_DIR", str(tmp_path / "logs"))


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The parameters ``nestflow run`` starts the flow with, recorded instead of run."""
    seen: dict[str, Any] = {}

    def fake_run(name: str, parameters: dict[str, Any]) -> list[str]:
        seen.update(flow=name, parameters=parameters)
        return []

    monkeypatch.setattr("nestflow.cli.runner.run_flow", fake_run)
    return seen


def _no_vendor(pipeline_blocks, machine: str | None = None) -> str:
    names = pipeline_blocks.names.model_copy(
        update={"cloudnest": "never-saved", "almacam": "never-saved", "machine": machine}
    )
    return f'{{"blocks": {names.model_dump_json()}}}'


def _push_run(params: str, *targets: str) -> Any:
    gusset = str(ROOT / "examples" / "gusset.dxf")
    options = [option for target in targets for option in ("--target", target)]
    return runner.invoke(
        app,
        ["run", "nest-to-cnc", "--job", "cli-target", "--drawings", gusset, "--engines", "local",
         "--push", "local", "--material", "S235JR", "--thickness", "3", "--time", "1",
         "--params", params, *options],
    )  # fmt: skip


def test_target_a_block_name_names_the_machine(recorded, pipeline_blocks) -> None:
    machine = pipeline_blocks.names.machine
    result = _push_run(_no_vendor(pipeline_blocks), machine)
    assert result.exit_code == 0, result.output
    assert recorded["parameters"]["blocks"]["machine"] == machine
    assert "target" not in recorded["parameters"]


def test_target_a_kind_sets_how_the_layouts_reach_the_machine(recorded, pipeline_blocks) -> None:
    machine = pipeline_blocks.names.machine
    result = _push_run(_no_vendor(pipeline_blocks, machine), "drop_folder")
    assert result.exit_code == 0, result.output
    assert recorded["parameters"]["target"] == "drop_folder"
    assert recorded["parameters"]["blocks"]["machine"] == machine


def test_target_neither_a_kind_nor_a_block_is_one_line_exit_2(pipeline_blocks) -> None:
    result = _push_run(_no_vendor(pipeline_blocks), "laser-nowhere")
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: --target: no Machine Target block named 'laser-nowhere'")
    assert line.endswith("nor is it a push kind (auto, server_push, upload_cut, drop_folder)")


def test_blocks_drop_folder_makes_a_machine_a_run_pushes_to(
    tmp_path: Path, pipeline_blocks
) -> None:
    drop = tmp_path / "laser-inbox"
    drop.mkdir()
    result = runner.invoke(app, ["blocks", "--name", "cli-drop", "--drop-folder", str(drop)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Local File System 'cli-drop': created (basepath): {drop.resolve()}",
        "Machine Target 'cli-drop': created (drop_folder_block): local-file-system/cli-drop",
    ]
    assert LocalFileSystem.load("cli-drop").basepath == str(drop.resolve())
    assert MachineTarget.load("cli-drop").drop_folder_block == "local-file-system/cli-drop"
    run = _push_run(_no_vendor(pipeline_blocks), "cli-drop", "drop_folder")
    assert run.exit_code == 0, run.output
    assert list(drop.rglob("*.dxf")), "the layout reached the drop folder"


def test_blocks_drop_folder_keeps_the_machines_other_fields(tmp_path: Path) -> None:
    MachineTarget(gmid=4242).save("cli-drop-kept", overwrite=True)
    result = runner.invoke(
        app, ["blocks", "--name", "cli-drop-kept", "--drop-folder", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "Machine Target 'cli-drop-kept': updated (drop_folder_block)" in result.output
    machine = MachineTarget.load("cli-drop-kept")
    assert (machine.gmid, machine.drop_folder_block) == (4242, "local-file-system/cli-drop-kept")


def test_blocks_drop_folder_refuses_a_missing_folder_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = runner.invoke(app, ["blocks", "--name", "cli-drop-x", "--drop-folder", str(missing)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: --drop-folder {missing}: no such folder (create it first)"
    )
