"""Every private name of Prefect and Typer that nestflow uses, and the versions it was checked on.

No other module (tests included) may import a private module or name of ``prefect``, ``typer``
or ``click``; ``tests/test_private_api.py`` scans for them and pins :data:`PINNED`. When a pinned
version changes, re-check each name below against the new source (what it is used for is said
next to it), then update :data:`PINNED`.

It lives with the command line, the highest layer that needs one of them; tests import it too.
Importing it costs nothing beyond typer (which the command line imports anyway): Prefect's
modules are imported by the functions that need them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

# typer 0.29 vendors click and re-exports none of its usage errors but ``BadParameter`` (whose
# base this is). The command line prints an unknown option or command, a missing argument, in
# one line.
from typer._click.exceptions import UsageError

#: The versions these names were read in; ``tests/test_private_api.py`` fails on any other.
PINNED = {"prefect": "3.9.1", "typer": "0.29.2"}

#: What to re-check in each pinned package when its version changes.
RECHECK = {
    "prefect": (
        "prefect.cli.deploy._models (PrefectYamlModel, DeploymentConfig, RawScheduleConfig), "
        "prefect.cli.deploy._triggers._initialize_deployment_triggers and "
        "prefect.server.events.actions.RunDeployment._upgrade_v1_templates still exist and "
        "still validate prefect.yaml as `prefect deploy` does (tests/pipeline/"
        "test_prefect_yaml.py); and that a flow run still leaves its task runner while a "
        "TerminationSignal unwinds (tests/pipeline/test_waits.py, nestflow/tasks/run_scope.py)"
    ),
    "typer": (
        "typer._click.exceptions.UsageError is still the base of the usage errors typer raises "
        "(unknown option or command, missing argument: tests/cli), or typer now re-exports it"
    ),
}


class PrefectYamlModels(NamedTuple):
    """The models ``prefect deploy`` validates ``prefect.yaml`` with (private in Prefect)."""

    file: Any
    """``PrefectYamlModel``: the whole file."""
    deployment: Any
    """``DeploymentConfig``: one deployment (it ignores keys it does not know)."""
    schedule: Any
    """``RawScheduleConfig``: one schedule of a deployment."""


def prefect_yaml_models() -> PrefectYamlModels:
    """The pydantic models ``prefect deploy`` reads ``prefect.yaml`` with."""
    from prefect.cli.deploy._models import DeploymentConfig, PrefectYamlModel, RawScheduleConfig

    return PrefectYamlModels(PrefectYamlModel, DeploymentConfig, RawScheduleConfig)


def deployment_triggers(deployment: str, specs: list[dict[str, Any]]) -> list[Any]:
    """The deployment triggers ``prefect deploy`` builds from a deployment's ``triggers`` list.

    Args:
        deployment: The deployment's name (it names the triggers that have none).
        specs: The ``triggers`` entries (completed in place with their names).

    Returns:
        One validated trigger per entry.
    """
    from prefect.cli.deploy._triggers import _initialize_deployment_triggers

    return list(_initialize_deployment_triggers(deployment, specs))


def upgrade_v1_templates(parameters: dict[str, Any]) -> None:
    """Turn a trigger's plain-string Jinja parameters into templates, in place.

    The server does so before it renders them.

    Args:
        parameters: A trigger's ``parameters``.
    """
    from prefect.server.events.actions import RunDeployment

    RunDeployment._upgrade_v1_templates(parameters)


__all__ = [
    "PINNED",
    "RECHECK",
    "PrefectYamlModels",
    "UsageError",
    "deployment_triggers",
    "prefect_yaml_models",
    "upgrade_v1_templates",
]
