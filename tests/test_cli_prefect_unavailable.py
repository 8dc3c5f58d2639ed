"""A run that finds no Prefect to run against says so in one line (exit 1), traceback logged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_server_that_cannot_start_is_one_error_line_and_exit_1(tmp_path: Path) -> None:
    # No API configured, and a database the server cannot open: its start fails, not the run.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(tmp_path / "home"),
        PREFECT_SERVER_DATABASE_CONNECTION_URL=(
            f"sqlite+aiosqlite:///{tmp_path / 'no-such-folder' / 'prefect.db'}"
        ),
        NESTFLOW_LOG_DIR=str(tmp_path / "logs"),
    )
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from nestflow.cli.app import main; sys.exit(main())",
         "run", "quote", "--job", "no-server", "--drawings", "examples/gusset.dxf",
         "--engines", "local"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    *progress, line = done.stderr.rstrip().splitlines()
    # On a busy machine a slow start is said first, as a progress line ("Starting Prefect's...").
    assert all(shown.startswith("  Starting Prefect's local server") for shown in progress)
    assert line.startswith("Error: Prefect's local server stopped while starting")
    assert "unable to open database file" in line
    server_log = Path(line.rsplit("Its log: ", 1)[1])
    assert server_log.is_file()  # kept for the user to read; this test's copy is removed
    server_log.unlink()
    (log,) = (tmp_path / "logs").glob("*-quote-no-server.log")
    assert "PrefectUnavailable" in log.read_text(encoding="utf-8")
