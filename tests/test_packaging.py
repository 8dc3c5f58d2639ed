"""Installing nestflow puts one import root into site-packages, ``nestflow`` (issue 20 item 7).

The layers above the core keep their top-level folders but install as ``nestflow.<layer>``; the
sandbox is a distribution of its own (nestflow-sandbox), so a production install never carries it.
"""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The folders that install under ``nestflow.`` with nestflow itself (pyproject.toml's package-dir).
LAYERS = ("flows", "tasks", "blocks", "cli", "deploy")


def _built(project: Path, into: Path) -> Path:
    """The modules a wheel of ``project`` holds (build_py lays out exactly those, pure Python)."""
    build = [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(into)]
    subprocess.run(build, check=True, cwd=project, capture_output=True)
    return into


def test_nestflow_installs_one_import_root_with_its_layers_and_no_sandbox(tmp_path: Path) -> None:
    built = _built(ROOT, tmp_path)
    assert sorted(p.name for p in built.iterdir()) == ["nestflow"]
    for layer in LAYERS:
        assert (built / "nestflow" / layer / "__init__.py").is_file(), layer
    assert (built / "nestflow" / "flows" / "engines" / "__init__.py").is_file()
    assert not (built / "nestflow" / "sandbox").exists()


def test_the_sandbox_distribution_holds_only_nestflow_sandbox(tmp_path: Path) -> None:
    built = _built(ROOT / "sandbox", tmp_path)
    assert sorted(p.name for p in built.iterdir()) == ["nestflow"]
    assert sorted(p.name for p in (built / "nestflow").iterdir()) == ["sandbox"]
    assert (built / "nestflow" / "sandbox" / "almacam" / "__init__.py").is_file()


@pytest.mark.parametrize("layer", [*LAYERS, "sandbox"])
def test_a_layer_imported_by_its_folder_name_refuses(layer: str) -> None:
    with pytest.raises(ImportError, match=f"import nestflow.{layer}, not {layer}"):
        importlib.import_module(layer)
