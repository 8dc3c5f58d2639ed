"""The CloudNest sandbox as a service of the sandbox runner (``nestflow sandbox``)."""

from __future__ import annotations

from nestflow.sandbox.cloudnest.gateway.app import SERVER_OPTIONS, create_app
from nestflow.sandbox.cloudnest.settings import (
    APP_ID_ENV,
    APP_SECRET_ENV,
    ORG_CODE_ENV,
    CloudNestSandboxSettings,
)
from nestflow.sandbox.cloudnest.simulation.vendor import CloudNestSandbox
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.services import SandboxService, ServiceInstance


def cloudnest_settings(config: SandboxConfig) -> CloudNestSandboxSettings:
    """The CloudNest settings with the runner's shared speed factor and state file."""
    return config.cloudnest.model_copy(
        update={"speed": config.speed, "state_file": config.state_file}
    )


def build_cloudnest(config: SandboxConfig) -> ServiceInstance:
    """Open the store, resume unfinished work, build the app."""
    sandbox = CloudNestSandbox(cloudnest_settings(config))
    return ServiceInstance(app=create_app(sandbox=sandbox), close=sandbox.close)


def cloudnest_credentials(config: SandboxConfig) -> list[str]:
    """How to sign calls; each value only when it is the development default."""
    settings = config.cloudnest
    app = settings.app
    shown = {
        "app-id": (APP_ID_ENV, app.app_id),
        "app secret": (APP_SECRET_ENV, app.app_secret.get_secret_value()),
        "X-FS-Orgcode": (ORG_CODE_ENV, sorted(app.org_codes)[0]),
    }
    lines = []
    for label, (env, value) in shown.items():
        if env in settings.credentials_from_env:
            lines.append(f"CloudNest {label}: the value of {env}")
        else:
            lines.append(f"CloudNest {label} (development default): {value}")
    machines = ", ".join(str(g) for g in settings.gmids)
    lines.append(f"CloudNest machines (gmid): {machines}")
    return lines


CLOUDNEST = SandboxService(
    name="cloudnest",
    title="CloudNest",
    port=lambda config: config.cloudnest_port,
    build=build_cloudnest,
    credentials=cloudnest_credentials,
    server_options=SERVER_OPTIONS,
)
