"""Settings of the local sandbox: where it listens, how fast it nests, where it keeps state.

One :class:`SandboxConfig` drives every sandboxed service. Shared settings (host, speed factor,
state file) live at the top level with one port per service; each service's credentials live in
its own sub-model (:class:`AlmaCamSandboxSettings`; a CloudNest sub-model is added next to it the
same way). Credentials come from the environment, with development defaults so that a first run
needs no setup; :attr:`AlmaCamSandboxSettings.token_from_env` records which, so that a value read
from the environment is never printed. Fault plans active from start-up (see
:mod:`sandbox.faults`) can come from ``NESTFLOW_SANDBOX_FAULTS``. CAM rules a real vendor may
enforce beyond what nestflow's reader checks (``min_hole_web_mm``, see :mod:`sandbox.hole_webs`)
are set per service, in code, and are off by default.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError

from nestflow.sandbox.cloudnest.settings import CloudNestSandboxSettings
from nestflow.sandbox.faults import FaultPlan

#: Environment variable holding the Bearer token the AlmaCAM sandbox accepts.
ALMACAM_TOKEN_ENV = "NESTFLOW_SANDBOX_ALMACAM_TOKEN"

#: Environment variable holding the fault plans active from start-up: a JSON object mapping a
#: service name to a :class:`~sandbox.faults.FaultPlan`.
FAULTS_ENV = "NESTFLOW_SANDBOX_FAULTS"

#: Token accepted when the environment sets none (development only; printed at start).
DEFAULT_ALMACAM_TOKEN = "sandbox-almacam-dev-token"

#: Default loopback ports (0 = any free port).
DEFAULT_ALMACAM_PORT = 8710
DEFAULT_CLOUDNEST_PORT = 8720


class AlmaCamSandboxSettings(BaseModel):
    """Credentials, capacity and CAM rules of the AlmaCAM sandbox.

    Attributes:
        token: Bearer token accepted on every endpoint.
        token_from_env: True when the token was read from the environment.
        max_concurrent_solves: Orders nested at the same time.
        min_hole_web_mm: Least web between two holes of one outline, in the order's unit (mm as
            nestflow sends it); a part with holes closer than this is refused with -981, as
            real CAM software refuses parts the reader accepts (see :mod:`sandbox.hole_webs`).
            0, the default, checks nothing.
    """

    model_config = ConfigDict(frozen=True)

    token: SecretStr = Field(
        default=SecretStr(DEFAULT_ALMACAM_TOKEN),
        description="Bearer token accepted on every endpoint.",
    )
    token_from_env: bool = Field(
        default=False, description="True when the token was read from the environment."
    )
    max_concurrent_solves: int = Field(
        default=2, ge=1, description="Orders nested at the same time (the machine has 2 cores)."
    )
    min_hole_web_mm: float = Field(
        default=0.0,
        ge=0.0,
        description="Least web between two holes of an outline (-981 when thinner; 0 = off).",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AlmaCamSandboxSettings:
        """Read the token from ``NESTFLOW_SANDBOX_ALMACAM_TOKEN``, else use the dev default."""
        env = os.environ if environ is None else environ
        token = env.get(ALMACAM_TOKEN_ENV, "").strip()
        if token:
            return cls(token=SecretStr(token), token_from_env=True)
        return cls()


_FAULT_PLANS = TypeAdapter(dict[str, FaultPlan])


def faults_from_env(environ: Mapping[str, str] | None = None) -> dict[str, FaultPlan]:
    """Read the start-up fault plans from ``NESTFLOW_SANDBOX_FAULTS`` (none when unset).

    Args:
        environ: Variables to read instead of ``os.environ``.

    Returns:
        The plan of each service named in the variable.

    Raises:
        ValueError: The variable is not a JSON object of valid fault plans.
    """
    env = os.environ if environ is None else environ
    text = env.get(FAULTS_ENV, "").strip()
    if not text:
        return {}
    try:
        return _FAULT_PLANS.validate_python(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{FAULTS_ENV} is not valid JSON: {exc}") from exc
    except ValidationError as exc:
        raise ValueError(
            f"{FAULTS_ENV} must map service names to fault plans "
            f'(example: {{"almacam": {{"rules": [{{"route": "/new$", "kind": "error"}}]}}}}): {exc}'
        ) from exc


class SandboxConfig(BaseModel):
    """Everything the sandbox runner needs to start its services.

    Attributes:
        host: Interface to bind; loopback by default (the sandbox is for development).
        almacam_port: Port of the AlmaCAM API (0 = pick a free port).
        cloudnest_port: Port of the CloudNest API (0 = pick a free port).
        speed: Factor applied to every simulated duration; an order's ``time`` budget becomes
            ``time * speed`` seconds of solving (the solver needs at least one second).
        state_file: SQLite file keeping the services' state across restarts; ``None`` keeps it in
            memory. Each service owns its own tables in it.
        almacam: AlmaCAM credentials, capacity and CAM rules (``min_hole_web_mm``).
        cloudnest: CloudNest credentials, limits, machines and CAM rules (its own ``speed`` and
            ``state_file`` are replaced by the ones above when the runner builds it).
        faults: Fault plans active from start-up, by service name (``"almacam"``); each
            service's layer works on its own copy.
    """

    model_config = ConfigDict(frozen=True)

    host: str = "127.0.0.1"
    almacam_port: int = Field(default=DEFAULT_ALMACAM_PORT, ge=0, le=65535)
    cloudnest_port: int = Field(default=DEFAULT_CLOUDNEST_PORT, ge=0, le=65535)
    speed: float = Field(default=1.0, gt=0.0)
    state_file: Path | None = None
    almacam: AlmaCamSandboxSettings = Field(default_factory=AlmaCamSandboxSettings)
    cloudnest: CloudNestSandboxSettings = Field(default_factory=CloudNestSandboxSettings)
    faults: dict[str, FaultPlan] = Field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> SandboxConfig:
        """Build a config with credentials from the environment and the given overrides.

        Args:
            environ: Variables to read instead of ``os.environ`` (tests).
            **overrides: Any field of :class:`SandboxConfig` (``almacam_port=0``, ``speed=0.1``...).

        Returns:
            The config; fields not overridden keep their defaults.

        Raises:
            ValueError: A variable holds an invalid value (the message names it).
        """
        values: dict[str, Any] = {
            "almacam": AlmaCamSandboxSettings.from_env(environ),
            "cloudnest": CloudNestSandboxSettings.from_env(environ),
        }
        if "faults" not in overrides:
            values["faults"] = faults_from_env(environ)
        values.update(overrides)
        return cls(**values)

    def solve_seconds(self, order_time: float) -> float:
        """The solving budget for an order asking for ``order_time`` seconds."""
        return order_time * self.speed
