"""The command line answers at once: help and refused input import no Prefect, flows or geometry.

Each case runs in a fresh interpreter (this test process has Prefect loaded already) and reports
which heavy modules it imported; how long that takes is measured by ``bench/bench_cli.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Modules a run needs and help or a refusal must not wait for.
HEAVY = ("prefect", "nestflow.flows.parameters", "nestflow.blocks", "shapely", "ezdxf")

#: Runs the command line with the given arguments and prints, as JSON, its exit code and which
#: of HEAVY it imported.
_PROBE = """
import json, sys
from nestflow.cli.app import main
try:
    main()
    code = 0
except SystemExit as exc:
    code = exc.code
heavy = {heavy!r}
print(json.dumps({{"code": code, "imported": [m for m in heavy if m in sys.modules]}}))
"""


def _probe(*args: str, cwd: Path = ROOT) -> tuple[int, list[str], str, str]:
    """Exit code, heavy modules imported, stdout and stderr of ``nestflow ARGS`` run in ``cwd``."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    *output, report = done.stdout.strip().splitlines()
    result = json.loads(report)
    return result["code"], result["imported"], "\n".join(output), done.stderr


def test_importing_the_command_line_imports_no_prefect() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, nestflow.cli.app; print([m for m in {HEAVY!r} if m in sys.modules])",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["blocks", "--help"]])
def test_help_is_printed_without_importing_prefect(args: list[str]) -> None:
    code, imported, output, _ = _probe(*args)
    assert (code, imported) == (0, [])
    assert "Usage: nestflow" in output


def test_run_help_offers_the_choices_and_the_target_kinds() -> None:
    _, _, output, _ = _probe("run", "--help")
    flat = " ".join(output.replace("│", " ").split())
    assert "cloudnest, almacam, local" in flat
    assert "auto, server_push, upload_cut, drop_folder" in flat


def test_a_refused_flag_value_is_one_line_without_importing_prefect() -> None:
    code, imported, output, stderr = _probe("run", "quote", "--job", "j", "--units", "furlongs")
    assert (code, imported, output) == (2, [], "")
    assert stderr.strip() == "Error: units: Input should be 'auto', 'mm' or 'inch'"


def test_a_refused_combination_is_one_line_without_importing_prefect() -> None:
    code, imported, _, stderr = _probe(
        "run", "nest-to-cnc", "--job", "j", "--drawings", "examples/gusset.dxf",
        "--mode", "quote", "--engines", "local", "--push", "local",
    )  # fmt: skip
    assert (code, imported) == (2, [])
    assert (
        stderr.strip()
        == "Error: a quote run never pushes: set push to 'none' or mode to 'production'"
    )


def test_a_refused_path_is_one_line_without_importing_prefect(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.dxf"
    code, imported, _, stderr = _probe("run", "quote", "--job", "j", "--drawings", str(missing))
    assert (code, imported) == (2, [])
    assert stderr.strip() == f"Error: no such file or folder: {missing}"


def test_a_missing_manifest_is_one_line_without_importing_prefect(tmp_path: Path) -> None:
    missing = tmp_path / "orders.csv"
    code, imported, _, stderr = _probe("run", "quote", "--job", "j", "--manifest", str(missing))
    assert (code, imported) == (2, [])
    assert stderr.strip() == f"Error: no such file: {missing} (the order manifest)"


def test_a_manifest_without_rotations_is_one_line_without_importing_prefect(
    tmp_path: Path,
) -> None:
    # Run from the drawings' folder: with no Drawing Roots block that is where a run may read,
    # so the manifest is checked before Prefect is imported.
    shutil.copy(ROOT / "examples" / "bracket.dxf", tmp_path / "bracket.dxf")
    (tmp_path / "orders.csv").write_text(
        "file,quantity,material,thickness\nbracket.dxf,2,S235JR,3\n", encoding="utf-8"
    )
    code, imported, output, stderr = _probe(
        "run", "quote", "--job", "j", "--manifest", "orders.csv", "--engines", "local", cwd=tmp_path
    )
    assert (code, "prefect" in imported, output) == (2, False, "")
    assert stderr.strip() == (
        "Error: orders.csv line 1: missing column(s) rotations; the header needs file, quantity, "
        "material, thickness, rotations (optional: flip, units), separated by ',' or ';'"
    )
