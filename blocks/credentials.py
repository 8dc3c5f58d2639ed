"""Credentials blocks for the two nesting services: the only place their secrets live.

Flows receive the *names* of these blocks as parameters and load them at run time, so a secret is
never a flow parameter (Prefect stores and shows parameters in clear). Only ``SecretStr`` fields
are masked by Prefect, so every secret here is a ``SecretStr``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from prefect.blocks.abstract import CredentialsBlock
from pydantic import Field, HttpUrl, SecretStr

from nestflow.blocks.global_rate_limit import GlobalRateLimit, create_command
from nestflow.geometry.layout import LayoutLayers

if TYPE_CHECKING:
    from nestflow.almacam.client import AlmaCamClient
    from nestflow.cloudnest.client import CloudNestClient


class CloudNestCredentials(CredentialsBlock):
    """Open-platform credentials and client settings for the Bochu CloudNest API.

    The app secret signs every request; it is never sent, logged or shown in the UI.

    Example:
        ```python
        from nestflow.blocks import CloudNestCredentials
        credentials = CloudNestCredentials.load("BLOCK_NAME")
        with credentials.get_client() as client:
            jobs = client.job_search("order-42")
        ```
    """

    _block_type_name: ClassVar[str] = "CloudNest Credentials"
    _block_type_slug: ClassVar[str] = "nestflow-cloudnest-credentials"
    _documentation_url: ClassVar[HttpUrl] = HttpUrl("https://cloudopen-en.apifox.cn/")
    _description: ClassVar[str] = (
        "App id, app secret and team OrgCode for the Bochu CloudNest open platform, plus the "
        "gateway URL, time zone, route overrides and per-endpoint rate limits of the client, "
        "and the Prefect global rate limit shared by every worker."
    )

    base_url: str = Field(
        default="https://mcs-gateway.fscut.com",
        title="Gateway URL",
        description="Root URL of the CloudNest gateway (the sandbox's URL in development).",
    )
    app_id: str = Field(
        default=...,
        title="App id",
        description="The appId shown in the open-platform console.",
    )
    app_secret: SecretStr = Field(
        default=...,
        title="App secret",
        description="The app secret used to sign requests; kept encrypted and masked.",
    )
    org_code: str = Field(
        default=...,
        title="OrgCode",
        description="OrgCode of the CloudNest team whose jobs are used.",
    )
    zone_id: str | None = Field(
        default=None,
        title="Time zone",
        description="IANA time zone sent as the zoneId header; empty means Beijing time.",
    )
    route_overrides: dict[str, str] = Field(
        default_factory=dict,
        title="Route overrides",
        description=(
            'Endpoint name to "METHOD /path" or "/path", replacing a provisional route '
            "without a code change."
        ),
    )
    rate_limits: dict[str, float] = Field(
        default_factory=dict,
        title="Rate limits",
        description="Endpoint name to the calls per second your account allows.",
    )
    global_rate_limit: str | None = Field(
        default=None,
        title="Prefect global rate limit",
        description=(
            "Name of a Prefect global concurrency limit WITH slot decay, shared by every worker: "
            "each CloudNest request takes one slot of it first, so all workers together stay "
            "within the account's calls per second. Create it with "
            f"`{create_command('nestflow-cloudnest')}`. A missing or decay-less limit stops "
            "the requests with an error. Empty: only each client's own pacing."
        ),
    )
    layout_layers: LayoutLayers = Field(
        default_factory=LayoutLayers,
        title="Layers of CloudNest's layout files",
        description=(
            "Layer names of the outer and inner cut contours in the layout DXF files CloudNest "
            "delivers; the safety gate reads the parts from them (a file whose parts it cannot "
            "find is refused)."
        ),
    )
    timeout_s: float = Field(
        default=30.0,
        gt=0,
        title="HTTP timeout (s)",
        description="Timeout of every HTTP request, in seconds.",
    )
    unreachable_after_s: float = Field(
        default=120.0,
        gt=0,
        title="Give up on a silent gateway after (s)",
        description=(
            "Seconds without any answer at all from the gateway (connection refused or timed "
            "out; any HTTP answer, even an error, counts as an answer) after which a request or "
            "a wait fails with 'service unreachable' instead of waiting out its deadline."
        ),
    )

    call_budget_s: float = Field(
        default=180.0,
        gt=0,
        title="Longest time of one call (s)",
        description=(
            "Seconds one CloudNest call may take in all, every attempt, retry pause and "
            "Retry-After wait included; past it the call fails naming the endpoint, this budget "
            "and the attempts made. Each attempt is also bounded by 3 x the HTTP timeout, from "
            "its first byte sent (headers included)."
        ),
    )

    def get_client(self, timeout: float | None = None) -> CloudNestClient:
        """Return a CloudNest client configured from this block.

        With ``global_rate_limit`` set, every request first takes a slot of that Prefect
        global concurrency limit (see :mod:`blocks.global_rate_limit`); a missing or
        decay-less limit makes the request fail with
        :class:`~blocks.global_rate_limit.GlobalRateLimitError` before it is sent.

        Args:
            timeout: HTTP timeout in seconds; defaults to the block's ``timeout_s``.

        Returns:
            A new client; use it as a context manager so its connections are closed.
        """
        from nestflow.cloudnest.client import CloudNestClient

        limit_name = (self.global_rate_limit or "").strip()

        return CloudNestClient(
            self.base_url,
            self.app_id,
            self.app_secret.get_secret_value(),
            self.org_code,
            zone_id=self.zone_id,
            route_overrides=self.route_overrides or None,
            rate_limits=self.rate_limits or None,
            timeout=timeout or self.timeout_s,
            unreachable_after=self.unreachable_after_s,
            call_budget=self.call_budget_s,
            before_request=GlobalRateLimit(limit_name) if limit_name else None,
        )


class AlmaCamCredentials(CredentialsBlock):
    """Bearer token and URL for the AlmaCAM (PowerNest) nesting API.

    Example:
        ```python
        from nestflow.blocks import AlmaCamCredentials
        credentials = AlmaCamCredentials.load("BLOCK_NAME")
        with credentials.get_client() as client:
            result = client.result("ORDER_ID", view="stats")
        ```
    """

    _block_type_name: ClassVar[str] = "AlmaCAM Credentials"
    _block_type_slug: ClassVar[str] = "nestflow-almacam-credentials"
    _documentation_url: ClassVar[HttpUrl] = HttpUrl("https://doc.powernestlib.com/getting-started/")
    _description: ClassVar[str] = (
        "Bearer token and base URL of the AlmaCAM nesting API (orders, results, PNG previews)."
    )

    base_url: str = Field(
        default="https://api.nesting.almacam.com",
        title="API URL",
        description="Root URL of the AlmaCAM API (the sandbox's URL in development).",
    )
    token: SecretStr = Field(
        default=...,
        title="API token",
        description="The Bearer token of your AlmaCAM account; kept encrypted and masked.",
    )
    timeout_s: float = Field(
        default=30.0,
        gt=0,
        title="HTTP timeout (s)",
        description="Timeout of every HTTP request, in seconds.",
    )
    unreachable_after_s: float = Field(
        default=120.0,
        gt=0,
        title="Give up on a silent service after (s)",
        description=(
            "Seconds without any answer at all from the service (connection refused or timed "
            "out; any HTTP answer, even an error, counts as an answer) after which a request or "
            "a wait fails with 'service unreachable' instead of waiting out its deadline."
        ),
    )

    call_budget_s: float = Field(
        default=180.0,
        gt=0,
        title="Longest time of one call (s)",
        description=(
            "Seconds one AlmaCAM call may take in all, every attempt, retry pause and "
            "Retry-After wait included; past it the call fails naming the endpoint, this budget "
            "and the attempts made. Each attempt is also bounded by 3 x the HTTP timeout, from "
            "its first byte sent (headers included)."
        ),
    )

    def get_client(self, timeout: float | None = None) -> AlmaCamClient:
        """Return an AlmaCAM client configured from this block.

        Args:
            timeout: HTTP timeout in seconds; defaults to the block's ``timeout_s``.

        Returns:
            A new client; use it as a context manager so its connections are closed.
        """
        from nestflow.almacam.client import AlmaCamClient

        return AlmaCamClient(
            self.base_url,
            self.token.get_secret_value(),
            timeout=timeout or self.timeout_s,
            unreachable_after=self.unreachable_after_s,
            call_budget=self.call_budget_s,
        )
