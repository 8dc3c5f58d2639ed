"""Settings of the CloudNest sandbox: accounts, limits, machines, simulated durations.

Credentials come from the environment with development defaults, so a first run needs no setup.
``*_from_env`` flags record where a value came from: the runner prints the defaults, never a value
read from the environment. The app secret is a :class:`~pydantic.SecretStr` and never appears in a
repr, a log line or an answer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

APP_ID_ENV = "NESTFLOW_SANDBOX_CLOUDNEST_APP_ID"
APP_SECRET_ENV = "NESTFLOW_SANDBOX_CLOUDNEST_APP_SECRET"
ORG_CODE_ENV = "NESTFLOW_SANDBOX_CLOUDNEST_ORG_CODE"
RATE_LIMIT_ENV = "NESTFLOW_SANDBOX_RATE_LIMIT"
MACHINES_ENV = "NESTFLOW_SANDBOX_MACHINES"

#: Development credentials accepted when the environment sets none (printed by the runner).
DEFAULT_APP_ID = "op5a9d0c3e71b2f486"
DEFAULT_APP_SECRET = "sandbox-cloudnest-dev-secret"
DEFAULT_ORG_CODE = "TEAM001"

#: Requests per second per app and endpoint when ``NESTFLOW_SANDBOX_RATE_LIMIT`` is not set.
DEFAULT_RATE_LIMIT = 10.0

#: Largest JSON request body accepted (multipart uploads have their own limit).
DEFAULT_MAX_JSON_BYTES = 8 * 1024 * 1024
#: Largest multipart (upload) request body accepted: one DXF of the largest size accepted
#: (``max_upload_bytes``, 20 MiB, as nestflow reads at most 20 MiB per drawing) and 1 MiB of form
#: fields. Above JSON's 8 MiB so such a drawing can be sent at all; several large drawings go in
#: several requests.
DEFAULT_MAX_MULTIPART_BYTES = 21 * 1024 * 1024

#: The machine of the vendor's documented example (§8.2), cutting at 6 m/min.
DEFAULT_MACHINES = "165192"
DEFAULT_CUTTING_SPEED = 6000.0


class AppAccount(BaseModel):
    """One open-platform application the sandbox knows.

    Attributes:
        app_id: The ``app-id`` header value.
        app_secret: Secret joined into the MD5 signature; never sent by clients.
        org_codes: Team OrgCodes this app may access (``X-FS-Orgcode``).
        expired: Answer 1002 (app expired) to every call.
        disabled_endpoints: Endpoint names (route-table names) answered with 1007.
    """

    model_config = ConfigDict(frozen=True)

    app_id: str
    app_secret: SecretStr
    org_codes: frozenset[str]
    expired: bool = False
    disabled_endpoints: frozenset[str] = frozenset()


class MachineSettings(BaseModel):
    """A simulated laser cutter.

    Attributes:
        gmid: Machine id on the Bochu cloud.
        cutting_speed: Feed rate in mm/min along every cut contour.
        pierce_seconds: Time per pierce (one per contour).
        sheet_change_seconds: Loading/unloading time per sheet.
    """

    model_config = ConfigDict(frozen=True)

    gmid: int = Field(gt=0)
    cutting_speed: float = Field(default=DEFAULT_CUTTING_SPEED, gt=0.0)
    pierce_seconds: float = Field(default=0.5, ge=0.0)
    sheet_change_seconds: float = Field(default=30.0, ge=0.0)

    @property
    def card_id(self) -> str:
        """The machine's 12-digit card id on the IoT API (spec §Q.2): its gmid, zero-padded."""
        return f"{self.gmid:012d}"


def parse_machines(text: str) -> tuple[MachineSettings, ...]:
    """Read ``NESTFLOW_SANDBOX_MACHINES``: comma-separated ``gmid`` or ``gmid:mm_per_min``.

    Args:
        text: For example ``"165192"`` or ``"165192:6000,165193:12000"``.

    Returns:
        One :class:`MachineSettings` per entry.

    Raises:
        ValueError: An entry is not an integer gmid with an optional positive speed.
    """
    machines: list[MachineSettings] = []
    for entry in filter(None, (e.strip() for e in text.split(","))):
        gmid, _, speed = entry.partition(":")
        try:
            machine = MachineSettings(
                gmid=int(gmid),
                cutting_speed=float(speed) if speed else DEFAULT_CUTTING_SPEED,
            )
        except ValueError as exc:
            raise ValueError(
                f"{MACHINES_ENV}: entry {entry!r} is not 'gmid' or 'gmid:mm_per_min' ({exc})"
            ) from exc
        machines.append(machine)
    if not machines:
        raise ValueError(f"{MACHINES_ENV} names no machine (example: '165192:6000')")
    return tuple(machines)


class CloudNestSandboxSettings(BaseModel):
    """Everything the CloudNest sandbox enforces and simulates.

    Attributes:
        apps: Accounts accepted; the first is the one built from the environment.
        credentials_from_env: Which of app id / secret / org code came from the environment.
        rate_limit: Requests per second per app and endpoint (``None`` = unlimited).
        endpoint_rate_limits: Per-endpoint overrides of ``rate_limit``.
        daily_quota: Calls per app, endpoint and day (``None`` = unlimited).
        endpoint_quotas: Per-endpoint overrides of ``daily_quota``.
        error_http_status: HTTP status of envelope errors (the vendor answers 200, §3.2).
        clock_offset_seconds: Added to the sandbox's clock, to test a client's skew correction.
        timestamp_window_ms: Accepted distance of ``time-stamp`` from the sandbox's clock.
        machines: Simulated machines reachable by push.
        speed: Factor applied to every simulated duration (solver budget, processing, cutting).
        processing_seconds: Simulated drawing-processing time per drawing (before ``speed``).
        default_boost_seconds: Solver budget of a Boost that names none (before ``speed``).
        max_upload_bytes: Largest accepted DXF file.
        max_files_per_request: Most files in one upload.
        max_json_bytes: Largest JSON request body; a larger one gets HTTP 413 and 2200.
        max_multipart_bytes: Largest multipart (upload) request body, all files and fields; a
            larger one gets HTTP 413 and 2200, as a JSON body over its limit.
        result_range_months: Longest time range of ``machine_result_list`` in months; a longer
            one gets 1014, as the vendor answers beyond 3 months (spec §Q.1). ``None``: any
            range; the default until the pipeline tests stop querying a century of results.
        min_hole_web_mm: Least web between two holes of one part, in mm. A Boost of a job with
            a part whose holes are closer fails naming it in ``failed_parts``, as for a part
            the solver cannot take, the way real CAM software refuses parts nestflow's reader
            accepts (see :mod:`sandbox.hole_webs`). 0, the default, checks nothing.
        state_file: SQLite file keeping jobs across restarts; ``None`` keeps state in memory.
    """

    model_config = ConfigDict(frozen=True)

    apps: tuple[AppAccount, ...] = Field(
        default=(
            AppAccount(
                app_id=DEFAULT_APP_ID,
                app_secret=SecretStr(DEFAULT_APP_SECRET),
                org_codes=frozenset({DEFAULT_ORG_CODE}),
            ),
        ),
        min_length=1,
    )
    credentials_from_env: frozenset[str] = frozenset()
    rate_limit: float | None = Field(default=DEFAULT_RATE_LIMIT, gt=0.0)
    endpoint_rate_limits: dict[str, float] = Field(default_factory=dict)
    daily_quota: int | None = Field(default=None, ge=0)
    endpoint_quotas: dict[str, int] = Field(default_factory=dict)
    error_http_status: int = Field(default=200, ge=200, le=599)
    clock_offset_seconds: float = 0.0
    timestamp_window_ms: int = Field(default=600_000, gt=0)
    machines: tuple[MachineSettings, ...] = Field(
        default_factory=lambda: parse_machines(DEFAULT_MACHINES), min_length=1
    )
    speed: float = Field(default=1.0, gt=0.0)
    processing_seconds: float = Field(default=0.5, ge=0.0)
    default_boost_seconds: float = Field(default=10.0, gt=0.0)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_files_per_request: int = Field(default=50, gt=0)
    max_json_bytes: int = Field(default=DEFAULT_MAX_JSON_BYTES, gt=0)
    max_multipart_bytes: int = Field(default=DEFAULT_MAX_MULTIPART_BYTES, gt=0)
    result_range_months: int | None = Field(default=None, gt=0)
    min_hole_web_mm: float = Field(default=0.0, ge=0.0)
    state_file: Path | None = None

    @field_validator("machines")
    @classmethod
    def _distinct_gmids(cls, machines: tuple[MachineSettings, ...]) -> tuple[MachineSettings, ...]:
        gmids = [m.gmid for m in machines]
        if len(set(gmids)) != len(gmids):
            raise ValueError(f"machine gmids repeat: {gmids}")
        return machines

    @property
    def app(self) -> AppAccount:
        """The primary account (the one the runner and the test fixture hand out)."""
        return self.apps[0]

    @property
    def gmids(self) -> tuple[int, ...]:
        """Ids of the simulated machines."""
        return tuple(m.gmid for m in self.machines)

    def scaled(self, seconds: float) -> float:
        """A simulated duration after the speed factor."""
        return seconds * self.speed

    def rate_limit_for(self, endpoint: str) -> float | None:
        """Requests per second allowed on ``endpoint`` (``None`` = unlimited)."""
        return self.endpoint_rate_limits.get(endpoint, self.rate_limit)

    def quota_for(self, endpoint: str) -> int | None:
        """Calls per day allowed on ``endpoint`` (``None`` = unlimited)."""
        return self.endpoint_quotas.get(endpoint, self.daily_quota)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> CloudNestSandboxSettings:
        """Build settings from the ``NESTFLOW_SANDBOX_*`` variables and explicit overrides.

        Args:
            environ: Variables to read instead of ``os.environ`` (tests).
            **overrides: Any field (``rate_limit=5.0``, ``speed=0.05``, ``state_file=...``).

        Returns:
            The settings; overrides win over the environment, the environment over defaults.
        """
        env = os.environ if environ is None else environ
        names = (APP_ID_ENV, APP_SECRET_ENV, ORG_CODE_ENV)
        read = {name: env.get(name, "").strip() for name in names}
        account = AppAccount(
            app_id=read[APP_ID_ENV] or DEFAULT_APP_ID,
            app_secret=SecretStr(read[APP_SECRET_ENV] or DEFAULT_APP_SECRET),
            org_codes=frozenset({read[ORG_CODE_ENV] or DEFAULT_ORG_CODE}),
        )
        values: dict[str, Any] = {
            "apps": (account,),
            "credentials_from_env": frozenset(name for name, value in read.items() if value),
        }
        if rate := env.get(RATE_LIMIT_ENV, "").strip():
            values["rate_limit"] = None if rate.lower() in {"0", "none", "off"} else float(rate)
        if machines := env.get(MACHINES_ENV, "").strip():
            values["machines"] = parse_machines(machines)
        values.update(overrides)
        return cls(**values)
