"""The installed environment is the one the lock describes, and its requirements agree."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_pip_check_finds_no_broken_requirement() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_server_stack_is_the_one_prefect_supports() -> None:
    # Prefect 3.9.1's scheduler fails on SQLAlchemy 2.1 and its API refuses the client's null
    # limits on FastAPI >= 0.151 (docs/specs/prefect-notes.md, "Update 2026-11-27").
    assert version("prefect") == "3.9.1"
    assert version("sqlalchemy").startswith("2.0.")
    assert version("fastapi") == "0.150.0"


def test_installed_versions_match_the_lock() -> None:
    pinned = dict(
        line.split("==", 1)
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    wrong = {name: (want, version(name)) for name, want in pinned.items() if version(name) != want}
    assert wrong == {}
