"""Settings of the CloudNest sandbox: environment variables, defaults, what the runner prints."""

from __future__ import annotations

import pytest

from nestflow.sandbox.cloudnest.service import cloudnest_credentials
from nestflow.sandbox.cloudnest.settings import (
    DEFAULT_APP_ID,
    DEFAULT_APP_SECRET,
    DEFAULT_ORG_CODE,
    CloudNestSandboxSettings,
)
from nestflow.sandbox.config import SandboxConfig

ENV_SECRET = "s3cr3t-from-the-environment"


def test_without_environment_the_development_credentials_apply() -> None:
    settings = CloudNestSandboxSettings.from_env({})
    assert settings.app.app_id == DEFAULT_APP_ID
    assert settings.app.app_secret.get_secret_value() == DEFAULT_APP_SECRET
    assert settings.app.org_codes == {DEFAULT_ORG_CODE}
    assert settings.gmids == (165192,)


def test_credentials_come_from_the_environment() -> None:
    settings = CloudNestSandboxSettings.from_env(
        {
            "NESTFLOW_SANDBOX_CLOUDNEST_APP_ID": "op1111111111111111",
            "NESTFLOW_SANDBOX_CLOUDNEST_APP_SECRET": ENV_SECRET,
            "NESTFLOW_SANDBOX_CLOUDNEST_ORG_CODE": "SHOP42",
        }
    )
    assert settings.app.app_id == "op1111111111111111"
    assert settings.app.org_codes == {"SHOP42"}
    assert ENV_SECRET not in repr(settings)


def test_banner_prints_defaults_but_never_an_environment_value() -> None:
    env = {"NESTFLOW_SANDBOX_CLOUDNEST_APP_SECRET": ENV_SECRET}
    lines = cloudnest_credentials(SandboxConfig.from_env(env))
    text = "\n".join(lines)
    assert ENV_SECRET not in text
    assert "NESTFLOW_SANDBOX_CLOUDNEST_APP_SECRET" in text
    assert DEFAULT_APP_ID in text and DEFAULT_ORG_CODE in text


@pytest.mark.parametrize(("value", "expected"), [("5", 5.0), ("0.5", 0.5), ("off", None)])
def test_rate_limit_comes_from_the_environment(value: str, expected: float | None) -> None:
    settings = CloudNestSandboxSettings.from_env({"NESTFLOW_SANDBOX_RATE_LIMIT": value})
    assert settings.rate_limit_for("job_add") == expected


def test_machines_come_from_the_environment_with_their_speeds() -> None:
    env = {"NESTFLOW_SANDBOX_MACHINES": "165192:12000, 165193"}
    machines = CloudNestSandboxSettings.from_env(env).machines
    assert [(m.gmid, m.cutting_speed) for m in machines] == [(165192, 12000.0), (165193, 6000.0)]


def test_malformed_machine_list_is_refused_naming_the_variable() -> None:
    with pytest.raises(ValueError, match="NESTFLOW_SANDBOX_MACHINES.*'laser:fast'"):
        CloudNestSandboxSettings.from_env({"NESTFLOW_SANDBOX_MACHINES": "laser:fast"})


def test_endpoint_overrides_win_over_the_general_limits() -> None:
    settings = CloudNestSandboxSettings.from_env(
        {},
        rate_limit=10.0,
        endpoint_rate_limits={"job_boost": 1.0},
        daily_quota=1000,
        endpoint_quotas={"job_boost": 5},
    )
    assert (settings.rate_limit_for("job_boost"), settings.rate_limit_for("job_add")) == (1.0, 10.0)
    assert (settings.quota_for("job_boost"), settings.quota_for("job_add")) == (5, 1000)
