"""The core library never imports Prefect or the layers built on top of it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"prefect", "blocks", "tasks", "flows", "sandbox"}
#: What only the sandbox needs (its own distribution, nestflow-sandbox): production code never
#: imports it.
SANDBOX_ONLY = {"sandbox", "uvicorn", "multipart", "python_multipart", "jsonschema"}


#: The layers above the core, each a folder installed as ``nestflow.<layer>`` (pyproject.toml).
LAYERS = {"flows", "tasks", "blocks", "cli", "deploy", "sandbox"}


def _layer(module: str) -> str:
    """The layer or library a module belongs to: ``nestflow.tasks.push`` is ``tasks``."""
    parts = module.split(".")
    if parts[0] == "nestflow" and len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return parts[0]


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(_layer(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(_layer(node.module))
    return roots


CORE_FILES = sorted((ROOT / "nestflow").rglob("*.py"))


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_imports_no_prefect_nor_upper_layers(path: Path) -> None:
    assert not (_imported_roots(path) & FORBIDDEN)


SANDBOX_FILES = sorted((ROOT / "sandbox").rglob("*.py"))


@pytest.mark.parametrize("path", SANDBOX_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_sandbox_uses_no_client_internals_and_no_layer_above_the_core(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "nestflow.almacam.client" not in text
    assert "nestflow.cloudnest.client" not in text
    assert not (_imported_roots(path) & {"prefect", "blocks", "tasks", "flows", "cli"})


PRODUCTION_FILES = sorted(
    path
    for package in ("nestflow", "blocks", "tasks", "flows")
    for path in (ROOT / package).rglob("*.py")
)


@pytest.mark.parametrize("path", PRODUCTION_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_production_code_needs_nothing_of_the_sandbox_extra(path: Path) -> None:
    assert not (_imported_roots(path) & SANDBOX_ONLY)


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


def test_nothing_below_the_command_line_imports_it() -> None:
    for package in ("nestflow", "blocks", "tasks", "flows"):
        for path in sorted((ROOT / package).rglob("*.py")):
            assert "cli" not in _imported_roots(path), path


#: Modules of flows/ that hold steps of the flows rather than a flow (besides flows/engines/).
FLOW_STEP_MODULES = {"__init__.py", "engines.py", "outputs.py", "parameters.py"}


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _defines_a_flow(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return any(
        _decorator_name(decorator) == "flow"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for decorator in node.decorator_list
    )


def test_flows_package_holds_only_flows_and_their_steps() -> None:
    flows = ROOT / "flows"
    for path in sorted(flows.rglob("*.py")):
        relative = path.relative_to(flows)
        if relative.as_posix() in FLOW_STEP_MODULES or relative.parts[0] == "engines":
            continue
        assert _defines_a_flow(path), f"flows/{relative} defines no @flow: move it out of flows/"
