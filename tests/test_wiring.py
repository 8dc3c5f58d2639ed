"""Engines and machine targets are wired only in their own modules and the two registries.

Adding an engine touches its module (``flows/engines/<name>.py``, ``tasks/<name>.py``,
``nestflow/<name>/``), its block and one line of ``flows/engines/__init__.py``; adding a target
touches its class and one line of ``tasks/targets.py``. These scans fail when a vendor is named
anywhere else.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "tasks", "blocks", "nestflow", "cli")

#: What may appear where: each pattern, and the only files allowed to contain it.
WIRING = {
    # Targets are built in the target registry, their machine-reaching calls in their class.
    r"\bCloudNestServerPush\(": {"tasks/targets.py", "nestflow/targets.py"},
    r"\bUploadCutTarget\(": {"tasks/targets.py", "nestflow/targets.py"},
    r"\bDropFolderTarget\(": {"tasks/targets.py"},
    r"\.device_upload_cut\(": {"nestflow/targets.py"},
    r"\bpush_layout\(\s*self\.client": {"nestflow/targets.py"},
    r"\.production_push\(": {"nestflow/cloudnest/jobs.py"},
    # An engine's part of a run is named only in its module and the registry.
    r"\bAlmaCamRun\b": {"flows/engines/almacam.py", "flows/engines/__init__.py"},
    r"\bCloudNestRun\b": {"flows/engines/cloudnest.py", "flows/engines/__init__.py"},
    r"\bLocalRun\b": {"flows/engines/local.py", "flows/engines/__init__.py"},
    # An engine's tasks are called only by its part of a run.
    r"from tasks import almacam|from tasks\.almacam import": {"flows/engines/almacam.py"},
    r"from tasks import cloudnest|from tasks\.cloudnest import": {"flows/engines/cloudnest.py"},
    r"from tasks import local|from tasks\.local import": {"flows/engines/local.py"},
    # The core engines are triggered by their own tasks (and the local one by its own run).
    r"\bLocalEngine\(": {"nestflow/engines/local.py", "tasks/local.py"},
    r"\bAlmaCamEngine\(": {"nestflow/almacam/engine.py", "tasks/almacam.py"},
}

#: Vendor credentials: the engine's run, its tasks, the clients, the gateway of the targets, the
#: demo that saves the sandbox's blocks, and ``nestflow doctor``, which checks them read-only.
CREDENTIALS = {
    "flows/engines/almacam.py",
    "flows/engines/cloudnest.py",
    "tasks/almacam.py",
    "tasks/cloudnest.py",
    "tasks/clients.py",
    "tasks/targets.py",
    "cli/demo.py",
    "cli/doctor.py",
}


def _sources() -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "sandbox" not in path.parts
    }


SOURCES = _sources()


@pytest.mark.parametrize("pattern", sorted(WIRING))
def test_engines_and_targets_are_wired_only_in_their_modules_and_the_registry(pattern: str) -> None:
    found = {path for path, text in SOURCES.items() if re.search(pattern, text)}
    assert found <= WIRING[pattern], f"{pattern} used outside its module: {found - WIRING[pattern]}"


def test_vendor_credentials_are_loaded_only_by_their_engine_tasks_and_the_target_gateway() -> None:
    credentials = {"AlmaCamCredentials", "CloudNestCredentials"}
    found = {
        path
        for path, text in SOURCES.items()
        if credentials & _code_names(text) and not path.startswith("blocks/")
    }
    assert found <= CREDENTIALS, f"credentials used outside the engines: {found - CREDENTIALS}"


def _code_names(text: str) -> set[str]:
    """Modules imported and identifiers used by the code (docstrings and comments left out)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def test_the_flows_name_no_vendor_in_their_code() -> None:
    vendor = re.compile(r"almacam|cloudnest", re.IGNORECASE)
    for path in ("flows/nest_to_cnc.py", "flows/quote.py", "flows/outputs.py"):
        hits = sorted(name for name in _code_names(SOURCES[path]) if vendor.search(name))
        assert not hits, f"{path} names a vendor: {hits}"


def test_every_registered_engine_lives_in_its_own_module() -> None:
    from flows.engines import ENGINES

    for name, run in ENGINES.items():
        assert run.__module__ == f"flows.engines.{name}"
        assert run.name == name
