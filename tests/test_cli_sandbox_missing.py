"""A production install has no sandbox (its own distribution): the commands needing it say so."""

import subprocess
import sys

import pytest

#: Runs the command line in an interpreter where ``nestflow.sandbox`` cannot be imported.
_WITHOUT_SANDBOX = """
import sys
from importlib.abc import MetaPathFinder

class NoSandbox(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "nestflow.sandbox" or name.startswith("nestflow.sandbox."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoSandbox())
from nestflow.cli.app import app
app(sys.argv[1:], prog_name="nestflow")
"""


@pytest.mark.parametrize("command", [["sandbox"], ["demo", "--out", "unused"]])
def test_a_command_needing_the_sandbox_names_its_distribution_when_it_is_missing(
    command: list[str], tmp_path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_SANDBOX, *command],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "nestflow-sandbox" in lines[0] and "pip install -e ./sandbox" in lines[0]
    assert not (tmp_path / "unused").exists()  # refused before anything was started
