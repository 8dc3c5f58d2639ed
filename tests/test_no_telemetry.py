"""nestflow never lets a Prefect server phone home: telemetry is off unless the user opts in."""

import os
import subprocess
import sys


def test_cli_switches_prefect_server_telemetry_off() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_SERVER_ANALYTICS_ENABLED"}
    code = (
        "import sys; sys.argv = ['nestflow', '--help']\n"
        "from nestflow.cli.app import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "from prefect.settings import get_current_settings\n"
        "print(get_current_settings().server.analytics_enabled)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_a_users_own_telemetry_choice_is_kept() -> None:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "true"}
    code = (
        "import os, sys; sys.argv = ['nestflow', '--help']\n"
        "from nestflow.cli.app import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(os.environ['PREFECT_SERVER_ANALYTICS_ENABLED'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "true"
