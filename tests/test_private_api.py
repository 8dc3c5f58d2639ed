"""Private names of Prefect and Typer are used in one module only, written for pinned versions.

``nestflow/cli/private_api.py`` (the folder ``cli/``) is the one place that imports a private
module or name of ``prefect``, ``typer`` or ``click``; it says what each is for and what to
re-check when a version changes. These tests fail on a private name anywhere else (tests
included) and on any other version of the pinned packages.
"""

from __future__ import annotations

import ast
from importlib.metadata import version
from pathlib import Path

import pytest

from nestflow.cli.private_api import PINNED, RECHECK

ROOT = Path(__file__).resolve().parents[1]
ADAPTER = ROOT / "cli" / "private_api.py"
FOLDERS = ("nestflow", "flows", "tasks", "blocks", "cli", "deploy", "sandbox", "tests", "bench")
#: The libraries whose private names go through the adapter (typer vendors click as typer._click).
LIBRARIES = {"prefect", "typer", "click"}


def _private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def private_uses(source: str) -> list[str]:
    """The private names of :data:`LIBRARIES` a module's source imports or reaches into."""
    found, bound = [], set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.partition(".")[0] in LIBRARIES:
                    bound.add(alias.asname or alias.name.partition(".")[0])
                    if _private(alias.name):
                        found.append(f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.partition(".")[0] in LIBRARIES:
                for alias in node.names:
                    bound.add(alias.asname or alias.name)
                    if _private(f"{node.module}.{alias.name}"):
                        found.append(f"from {node.module} import {alias.name}")
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
            and _private(node.attr)
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_the_scan_finds_private_imports_and_attributes() -> None:
    source = (
        "from typer._click.exceptions import UsageError\n"
        "from prefect.utilities import engine\n"
        "engine._prefect_sigterm_handler\n"
        "from prefect.server.events.actions import RunDeployment\n"
        "RunDeployment._upgrade_v1_templates({})\n"
        "import prefect.cli.deploy._models\n"
        "from prefect import flow\n"
        "flow.__name__\n"
    )
    assert private_uses(source) == [
        "from typer._click.exceptions import UsageError",
        "import prefect.cli.deploy._models",
        "engine._prefect_sigterm_handler",
        "RunDeployment._upgrade_v1_templates",
    ]


def test_no_module_but_the_adapter_uses_a_private_name_of_prefect_or_typer() -> None:
    offenders = {
        str(path.relative_to(ROOT)): uses
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ADAPTER and (uses := private_uses(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, f"private names outside cli/private_api.py: {offenders}"


@pytest.mark.parametrize("package", sorted(PINNED))
def test_the_private_names_were_checked_in_the_installed_version(package: str) -> None:
    installed, pinned = version(package), PINNED[package]
    assert installed == pinned, (
        f"{package} {installed} is installed; cli/private_api.py was written for {pinned}. "
        f"Re-check: {RECHECK[package]}; then set PINNED[{package!r}] = {installed!r}."
    )
