"""prefect.yaml is what ``prefect deploy`` accepts, checked with Prefect's own models.

An invalid file is not an error for ``prefect deploy``: it prints a warning and skips the whole
file. Unknown deployment keys are even dropped silently (the model ignores extras), so the keys
are checked against the model's fields too.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint
from prefect.utilities.schema_tools.hydration import HydrationContext, hydrate
from pydantic import ValidationError

from nestflow.cli.private_api import deployment_triggers, prefect_yaml_models, upgrade_v1_templates

ROOT = Path(__file__).resolve().parents[2]
RAW: dict[str, Any] = yaml.safe_load((ROOT / "prefect.yaml").read_text())
DEPLOYMENTS = {d["name"]: d for d in RAW["deployments"]}
#: ``prefect deploy``'s own models of the file, a deployment and a schedule (private in Prefect).
PrefectYamlModel, DeploymentConfig, RawScheduleConfig = prefect_yaml_models()


def test_file_validates_with_prefects_model() -> None:
    model = PrefectYamlModel.model_validate(RAW)
    assert [d.name for d in model.deployments] == list(DEPLOYMENTS)


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_deployment_uses_only_keys_prefect_reads(name: str) -> None:
    assert set(DEPLOYMENTS[name]) <= set(DeploymentConfig.model_fields)


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_schedules_are_valid(name: str) -> None:
    for schedule in DEPLOYMENTS[name].get("schedules") or []:
        RawScheduleConfig.model_validate(schedule)


def test_the_expected_deployments_exist() -> None:
    assert DEPLOYMENTS["nightly"]["schedules"][0]["cron"]
    assert DEPLOYMENTS["inbox-watcher"]["schedules"][0]["interval"]
    assert DEPLOYMENTS["on-arrival"]["triggers"][0]["expect"] == ["nestflow.drawings.arrived"]
    assert "schedules" not in DEPLOYMENTS["manual"]
    assert DEPLOYMENTS["quote"]["entrypoint"] == "flows/quote.py:quote"


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_triggers_are_valid_deployment_triggers(name: str) -> None:
    specs = copy.deepcopy(DEPLOYMENTS[name].get("triggers") or [])
    triggers = deployment_triggers(name, specs)
    assert len(triggers) == len(specs)


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_fixed_parameters_are_accepted_by_the_flow(name: str) -> None:
    deployment = DEPLOYMENTS[name]
    flow = load_flow_from_entrypoint(deployment["entrypoint"])
    parameters = dict(deployment.get("parameters") or {})
    if "job_name" in flow.parameters.required and "job_name" not in parameters:
        parameters["job_name"] = "filled-in-by-the-form-or-the-event"
    flow.validate_parameters(parameters)


def test_arrival_event_renders_parameters_the_flow_accepts() -> None:
    deployment = DEPLOYMENTS["on-arrival"]
    templated = copy.deepcopy(deployment["triggers"][0]["parameters"])
    upgrade_v1_templates(templated)  # what the server does before rendering
    event = {
        "event": "nestflow.drawings.arrived",
        "resource": {"prefect.resource.id": "nestflow.inbox./srv/inbox"},
        "payload": {"job_name": "inbox-0123456789ab", "drawings": {"files": ["/srv/a.dxf"]}},
    }
    rendered = hydrate(
        templated,
        HydrationContext(render_jinja=True, raise_on_error=True, jinja_context={"event": event}),
    )
    assert rendered == {"job_name": "inbox-0123456789ab", "drawings": {"files": ["/srv/a.dxf"]}}
    flow = load_flow_from_entrypoint(deployment["entrypoint"])
    accepted = flow.validate_parameters({**deployment["parameters"], **rendered})
    assert accepted["drawings"].files == ["/srv/a.dxf"]


def test_the_check_catches_a_bad_schedule_key() -> None:
    broken = copy.deepcopy(RAW)
    broken["deployments"][0]["schedules"][0]["max_scheduled_runs"] = 3
    with pytest.raises(ValidationError):
        PrefectYamlModel.model_validate(broken)
