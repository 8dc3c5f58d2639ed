"""The command line gives a local Prefect server a start budget that holds on a busy machine."""

import os
import subprocess
import sys

from nestflow.cli.prefect_api import DEFAULT_START_BUDGET_S, START_BUDGET_VARIABLE

#: ``nestflow --help`` (the command's main sets Prefect's environment), then what Prefect reads.
_SHOW_BUDGET = (
    "import sys; sys.argv = ['nestflow', '--help']\n"
    "from nestflow.cli.app import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "from prefect.settings import get_current_settings\n"
    "print(get_current_settings().server.ephemeral.startup_timeout_seconds)"
)


def _budget_seen_by_prefect(env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, "-c", _SHOW_BUDGET], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]


def test_the_cli_gives_a_temporary_prefect_server_600_s_to_start_not_20() -> None:
    env = {k: v for k, v in os.environ.items() if k != START_BUDGET_VARIABLE}
    assert _budget_seen_by_prefect(env) == str(DEFAULT_START_BUDGET_S) == "600"


def test_a_start_budget_the_user_exported_wins() -> None:
    assert _budget_seen_by_prefect({**os.environ, START_BUDGET_VARIABLE: "45"}) == "45"
