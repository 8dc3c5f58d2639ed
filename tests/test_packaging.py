"""Installing nestflow puts one import root into site-packages: ``nestflow`` (issue 20 item 7)."""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The folders that install under ``nestflow.`` (pyproject.toml's package-dir).
LAYERS = ("flows", "tasks", "blocks", "cli", "deploy", "sandbox")


def test_the_package_installs_only_the_nestflow_import_root(tmp_path: Path) -> None:
    # build_py lays out exactly the modules a wheel of this pure-Python package holds.
    build = [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path)]
    subprocess.run(build, check=True, cwd=ROOT, capture_output=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nestflow"]
    for layer in LAYERS:
        assert (tmp_path / "nestflow" / layer / "__init__.py").is_file(), layer
    assert (tmp_path / "nestflow" / "flows" / "engines" / "__init__.py").is_file()
    assert (tmp_path / "nestflow" / "sandbox" / "almacam").is_dir()


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imported_by_its_folder_name_refuses(layer: str) -> None:
    with pytest.raises(ImportError, match=f"import nestflow.{layer}, not {layer}"):
        importlib.import_module(layer)
