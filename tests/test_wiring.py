"""Engines and machine targets are wired only in their own modules and the two registries.

Adding an engine touches its core module (``nestflow/engines/<name>.py``), its steps as tasks
(``tasks/<name>.py``) and its block when it reaches a service, and one registry entry
(``nestflow/engines/registry.py``); adding a target touches its module
(``nestflow/targets/<kind>.py``) and one registry entry (``nestflow/targets/registry.py``).
These scans fail when a vendor is named anywhere else.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "tasks", "blocks", "nestflow", "cli")

#: Where every target is named: the registry and the package's exports.
TARGET_REGISTRY = ("nestflow/targets/registry.py", "nestflow/targets/__init__.py")

#: What may appear where: each pattern, and the only files allowed to contain it.
WIRING = {
    # A target is named only in its module, its registry entry and the package's exports (it
    # builds itself, found through the registry); its machine-reaching calls are in its module.
    r"\bCloudNestServerPush\b": {"nestflow/targets/cloudnest_push.py", *TARGET_REGISTRY},
    r"\bUploadCutTarget\b": {"nestflow/targets/upload_cut.py", *TARGET_REGISTRY},
    r"\bDropFolderTarget\b": {"nestflow/targets/drop_folder.py", *TARGET_REGISTRY},
    r"\.device_upload_cut\(": {"nestflow/targets/upload_cut.py"},
    r"\bpush_layout\(\s*self\.client": {"nestflow/targets/cloudnest_push.py"},
    r"\.production_push\(": {"nestflow/cloudnest/jobs.py"},
    # A core engine is imported or built by no other module: the adapter builds it from its
    # registry entry (which names it by import path).
    r"import\b.*\bAlmaCamEngine\b|\bAlmaCamEngine\(": {"nestflow/engines/almacam.py"},
    r"import\b.*\bCloudNestEngine\b|\bCloudNestEngine\(": {"nestflow/engines/cloudnest.py"},
    r"import\b.*\bLocalEngine\b|\bLocalEngine\(": {"nestflow/engines/local.py"},
    # An engine's tasks are imported by no other module: the adapter finds its steps by its name.
    r"from nestflow\.tasks import almacam|from nestflow\.tasks\.almacam import": set(),
    r"from nestflow\.tasks import cloudnest|from nestflow\.tasks\.cloudnest import": set(),
    r"from nestflow\.tasks import local|from nestflow\.tasks\.local import": set(),
}

#: Vendor credentials: the engines' tasks, the clients, the gateway of the targets, the
#: demo that saves the sandbox's blocks, and ``nestflow doctor``, which checks them read-only.
CREDENTIALS = {
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


def test_every_registered_engine_is_a_core_engine_in_its_own_module() -> None:
    from nestflow.engines import ENGINES, Engine

    for name, entry in ENGINES.items():
        engine = entry.load()
        assert issubclass(engine, Engine) and engine.__module__ == f"nestflow.engines.{name}"
        assert engine.entry is entry
