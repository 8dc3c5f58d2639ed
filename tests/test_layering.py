"""The core library never imports Prefect or the layers built on top of it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"prefect", "blocks", "tasks", "flows"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


CORE_FILES = sorted((ROOT / "nestflow").rglob("*.py"))


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_imports_no_prefect_nor_upper_layers(path: Path) -> None:
    assert not (_imported_roots(path) & FORBIDDEN)


def test_sandbox_uses_no_client_internals() -> None:
    for path in sorted((ROOT / "nestflow" / "sandbox").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "nestflow.almacam.client" not in text, path
        assert "nestflow.cloudnest.client" not in text, path


def test_blocks_do_not_import_tasks_or_flows() -> None:
    for path in sorted((ROOT / "blocks").rglob("*.py")):
        assert not (_imported_roots(path) & {"tasks", "flows"}), path


def test_tasks_do_not_import_flows() -> None:
    for path in sorted((ROOT / "tasks").rglob("*.py")):
        assert "flows" not in _imported_roots(path), path


def test_event_resource_ids_are_built_only_in_tasks_events() -> None:
    builders = {ROOT / "tasks" / "events.py"}
    for package in ("flows", "tasks", "blocks"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path not in builders:
                assert "prefect.resource.id" not in path.read_text(encoding="utf-8"), path
