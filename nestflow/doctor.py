"""Read-only checks of the configured vendor services: what ``nestflow doctor`` runs.

The first thing a shop with a real account runs. For CloudNest: is the service reachable (the
unsigned ``server_version`` route), how far is its clock from ours (its ``Date`` header), are the
credentials accepted (a cheap signed read), and does every read-only route answer at its
configured method and path (one read each). For AlmaCAM: is it reachable and is the token accepted
(``GET /result/<an id that cannot exist>/stats``), and do its read routes answer.

Only reads are sent. A route that creates, changes or deletes something is listed but never
called (for AlmaCAM, ``POST /new`` is also billed). Routes that need an id are called with a
made-up one: the vendor's typed "not found" proves the route is there, while
:class:`~nestflow.cloudnest.errors.CloudNestUnknownRoute` (a bare 404/405, or 9404) means nothing
answers at that path, so the row says which ``route_overrides`` entry to set.

Each call counts against the account's daily quota like any other (one call per read route).

Nothing here ever holds a secret: the clients keep them, their errors are scrubbed, and the one
request sent outside a client (the reachability probe) goes to the unsigned route with no
credentials at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.errors import (
    AlmaCamAuthError,
    AlmaCamError,
    AlmaCamNotFound,
    AlmaCamTransportError,
)
from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.errors import (
    UNCONTROLLABLE_MACHINE,
    CloudNestAuthError,
    CloudNestError,
    CloudNestNotFound,
    CloudNestServerError,
    CloudNestTransportError,
    CloudNestUnknownRoute,
    CloudNestValidationError,
)
from nestflow.cloudnest.routes import Route
from nestflow.cloudnest.signing import TIMESTAMP_WINDOW_MS, server_time_ms

#: A CloudNest job id, an AlmaCAM order id and a GUID no account holds (reads of them are refused
#: with the vendor's "not found", which proves the route is there).
MADE_UP_ID = 987_654_321
MADE_UP_GUID = "00000000-0000-4000-8000-00000000d0c7"
MADE_UP_JOB_NAME = "nestflow-doctor-no-such-job-d0c7"
#: A machine id no account controls: ``machine_result_list`` answers 1010 for it.
MADE_UP_GMID = 1

#: Clock distance (s) to the server beyond which the clock row fails: the gateway refuses a
#: ``time-stamp`` ±600 s off; the client corrects itself, but a drift this large means this
#: machine's clock is not synchronised (NTP) and may drift further.
DEFAULT_MAX_CLOCK_SKEW_S = 60.0
#: Longest wait (s) of the reachability probe: a doctor should answer quickly.
DEFAULT_PROBE_TIMEOUT_S = 10.0

#: Reads tried, in order, for the CloudNest credentials check: the first one that exists decides.
AUTH_READS = ("job_search", "material_list", "job_list")

CLOUDNEST_BLOCK = "the CloudNest credentials block"
ALMACAM_BLOCK = "the AlmaCAM credentials block"


class Service(StrEnum):
    """A vendor service the doctor checks."""

    CLOUDNEST = "CloudNest"
    ALMACAM = "AlmaCAM"


class Outcome(StrEnum):
    """How a check ended."""

    OK = "ok"
    """Answered as expected."""
    FAILED = "failed"
    """Did not: the detail says what came back, the action what to change."""
    SKIPPED = "skipped"
    """Not run: the route changes data, or an earlier check failed (the detail says which)."""


class RouteKind(StrEnum):
    """Where a route's method and path come from."""

    DOCUMENTED = "documented"
    """The vendor's pages (or, for ``server_version``, third-party client code)."""
    PROVISIONAL = "provisional"
    """The project's guess (spec §P): override it when the real path differs."""


class Check(BaseModel):
    """One row of the doctor's table.

    Attributes:
        service: The service checked.
        name: ``reachability``, ``clock skew``, ``auth``, ``configuration`` (a service not
            configured), or the route name.
        endpoint: Method and path (or URL) called, e.g. ``POST /cn-api/api/job/info``.
        kind: Documented or provisional, for route rows; ``None`` for the other checks.
        outcome: ok, failed or skipped.
        detail: What came back (never a secret).
        action: What to do about a failure (e.g. which route override to set); empty when ok.
    """

    model_config = ConfigDict(frozen=True)

    service: Service
    name: str
    endpoint: str
    kind: RouteKind | None = None
    outcome: Outcome
    detail: str
    action: str = ""


class DoctorReport(BaseModel):
    """Every check of one doctor run, in the order they were made."""

    model_config = ConfigDict(frozen=True)

    checks: tuple[Check, ...] = Field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when no check failed (skipped rows are not failures)."""
        return not self.failed

    @property
    def failed(self) -> tuple[Check, ...]:
        """The checks that failed."""
        return tuple(c for c in self.checks if c.outcome is Outcome.FAILED)

    def count(self, outcome: Outcome) -> int:
        """How many checks ended with ``outcome``."""
        return sum(1 for c in self.checks if c.outcome is outcome)

    def find(self, service: Service, name: str) -> Check:
        """The check ``name`` of ``service``.

        Raises:
            KeyError: There is no such check.
        """
        for check in self.checks:
            if check.service is service and check.name == name:
                return check
        raise KeyError(f"no check {name!r} of {service}")


def run_doctor(
    cloudnest: CloudNestClient | None,
    almacam: AlmaCamClient | None,
    *,
    max_clock_skew_s: float = DEFAULT_MAX_CLOCK_SKEW_S,
    probe_timeout_s: float = DEFAULT_PROBE_TIMEOUT_S,
    clock: Callable[[], float] = time.time,
) -> DoctorReport:
    """Check the configured services, read-only.

    Args:
        cloudnest: A CloudNest client (its route table, overrides included, is checked), or
            ``None`` when CloudNest is not configured.
        almacam: An AlmaCAM client, or ``None`` when AlmaCAM is not configured.
        max_clock_skew_s: Distance of CloudNest's clock beyond which the clock check fails.
        probe_timeout_s: Longest wait of the CloudNest reachability probe.
        clock: Local wall clock in seconds (tests inject a skewed one).

    Returns:
        One :class:`Check` per check; the clients are left open (the caller owns them).
    """
    checks: list[Check] = []
    if cloudnest is None:
        checks.append(_not_configured(Service.CLOUDNEST))
    else:
        checks += check_cloudnest(
            cloudnest,
            max_clock_skew_s=max_clock_skew_s,
            probe_timeout_s=probe_timeout_s,
            clock=clock,
        )
    checks += check_almacam(almacam) if almacam is not None else [_not_configured(Service.ALMACAM)]
    return DoctorReport(checks=tuple(checks))


def _not_configured(service: Service) -> Check:
    return Check(
        service=service,
        name="configuration",
        endpoint="-",
        outcome=Outcome.SKIPPED,
        detail=f"{service} is not configured: not checked",
    )


# --- CloudNest ----------------------------------------------------------------------------------


class _Probe(BaseModel):
    """What the unsigned reachability probe saw."""

    url: str
    http_status: int | None = None
    elapsed_s: float = 0.0
    #: Server clock minus local clock (s), from the answer's ``Date``; ``None`` without one.
    offset_s: float | None = None
    failure: str = ""


def check_cloudnest(
    client: CloudNestClient,
    *,
    max_clock_skew_s: float = DEFAULT_MAX_CLOCK_SKEW_S,
    probe_timeout_s: float = DEFAULT_PROBE_TIMEOUT_S,
    clock: Callable[[], float] = time.time,
) -> list[Check]:
    """Reachability, clock skew, credentials, then one read of each read-only route.

    Args:
        client: The client to check (never used to call a route that changes data).
        max_clock_skew_s: Distance of the server's clock beyond which the clock check fails.
        probe_timeout_s: Longest wait of the reachability probe.
        clock: Local wall clock in seconds.
    """
    version = client.routes["server_version"]
    probe = _probe(client.url_of(version), min(client.timeout, probe_timeout_s), clock)
    reach = _reachability_check(probe)
    if reach.outcome is Outcome.FAILED:
        why = "not called: the service is unreachable"
        clock_row = _cloudnest_row("clock skew", "Date header", Outcome.SKIPPED, why)
        auth_row = _cloudnest_row("auth", "signed read", Outcome.SKIPPED, why)
        return [reach, clock_row, auth_row, *_skip_routes(client, why)]
    auth, auth_failed = _auth_check(client)
    # After the signed read: the client may have corrected its clock from a refused time-stamp.
    skew = _clock_check(probe, client.signer.offset_ms, max_clock_skew_s)
    routes = [_route_check(client, route, auth_failed) for route in client.routes.values()]
    return [reach, skew, auth, *routes]


def _cloudnest_row(
    name: str,
    endpoint: str,
    outcome: Outcome,
    detail: str,
    action: str = "",
    kind: RouteKind | None = None,
) -> Check:
    return Check(
        service=Service.CLOUDNEST,
        name=name,
        endpoint=endpoint,
        kind=kind,
        outcome=outcome,
        detail=detail,
        action=action,
    )


def _probe(url: str, timeout_s: float, clock: Callable[[], float]) -> _Probe:
    """One unsigned GET of ``url``; any HTTP answer means the service is reachable.

    Sent outside the client on purpose: one attempt (the client would resend a refused
    connection for seconds), and the answer's ``Date`` header, which the client does not expose,
    is what the clock check reads. Only the headers are read.
    """
    started = time.monotonic()
    local_before = clock()
    try:
        with (
            httpx.Client(timeout=timeout_s, follow_redirects=False) as http,
            http.stream("GET", url) as response,
        ):
            local_after = clock()
            server_ms = server_time_ms(response.headers.get_list("date"))
            status = response.status_code
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return _Probe(url=url, elapsed_s=time.monotonic() - started, failure=_describe(exc))
    # The server stamped its Date somewhere between sending and receiving: compare to the middle.
    # Date is truncated to the second, so the server's time lies half a second past it on average.
    local_mid = (local_before + local_after) / 2
    offset = None if server_ms is None else server_ms / 1000 + 0.5 - local_mid
    return _Probe(
        url=url, http_status=status, elapsed_s=time.monotonic() - started, offset_s=offset
    )


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _reachability_check(probe: _Probe) -> Check:
    endpoint = f"GET {probe.url}"
    if probe.http_status is None:
        return _cloudnest_row(
            "reachability",
            endpoint,
            Outcome.FAILED,
            f"no answer from {probe.url} within {probe.elapsed_s:.1f} s ({probe.failure})",
            f"Check base_url in {CLOUDNEST_BLOCK}, that the service is up and that this "
            "machine can reach it (proxy, firewall).",
        )
    return _cloudnest_row(
        "reachability",
        endpoint,
        Outcome.OK,
        f"answered HTTP {probe.http_status} in {probe.elapsed_s * 1000:.0f} ms",
    )


def _clock_check(probe: _Probe, corrected_ms: int, max_skew_s: float) -> Check:
    endpoint = "Date header"
    if probe.offset_s is None:
        return _cloudnest_row(
            "clock skew",
            endpoint,
            Outcome.SKIPPED,
            "the answer carried no readable Date header: skew not measured",
        )
    offset = probe.offset_s
    direction = "ahead of" if offset > 0 else "behind"
    detail = (
        f"the server's clock is {abs(offset):.0f} s {direction} this machine's"
        if abs(offset) >= 1
        else "the server's clock agrees with this machine's to the second"
    )
    if corrected_ms:
        detail += f"; the client corrected its time-stamps by {corrected_ms / 1000:+.0f} s"
    if abs(offset) <= max_skew_s:
        return _cloudnest_row(
            "clock skew", endpoint, Outcome.OK, f"{detail} (within ±{max_skew_s:g} s)"
        )
    window_s = TIMESTAMP_WINDOW_MS / 1000
    return _cloudnest_row(
        "clock skew",
        endpoint,
        Outcome.FAILED,
        f"{detail}: more than ±{max_skew_s:g} s",
        f"Synchronise this machine's clock (NTP): the gateway refuses time-stamps more than "
        f"±{window_s:.0f} s off; the client corrects itself from the Date header, after one "
        "refused call per client.",
    )


def _auth_check(client: CloudNestClient) -> tuple[Check, bool]:
    """A cheap signed read; returns the row and whether the credentials were refused."""
    wrong_paths: list[str] = []
    for name in AUTH_READS:
        route = client.routes[name]
        try:
            client.request(name, _payload(name))
        except CloudNestUnknownRoute:
            wrong_paths.append(name)  # says nothing about the credentials: try the next read
            continue
        except CloudNestAuthError as exc:
            detail = f"refused (status {exc.status}): {exc.msg}"
            return _cloudnest_row(
                "auth", route.describe(), Outcome.FAILED, detail, _auth_action(exc)
            ), True
        except (CloudNestTransportError, CloudNestServerError) as exc:
            detail = f"not checked: {type(exc).__name__}: {exc.msg}"
            return _cloudnest_row("auth", route.describe(), Outcome.FAILED, detail, exc.hint), False
        except CloudNestError as exc:
            # A typed refusal past the signature checks: the credentials were accepted.
            detail = f"credentials accepted ({name} answered status {exc.status})"
            return _cloudnest_row("auth", route.describe(), Outcome.OK, detail), False
        return _cloudnest_row("auth", route.describe(), Outcome.OK, "credentials accepted"), False
    return _cloudnest_row(
        "auth",
        "signed read",
        Outcome.FAILED,
        f"not checked: nothing answers at the path of {', '.join(wrong_paths)}",
        "Fix the route overrides below (or base_url), then run the doctor again.",
    ), False


def _auth_action(exc: CloudNestAuthError) -> str:
    return f"{exc.hint} (app_id, app_secret and org_code live in {CLOUDNEST_BLOCK}.)"


def _skip_routes(client: CloudNestClient, why: str) -> list[Check]:
    return [
        _cloudnest_row(route.name, _endpoint(route), Outcome.SKIPPED, why, kind=_kind(route))
        for route in client.routes.values()
    ]


def _kind(route: Route) -> RouteKind:
    return RouteKind.DOCUMENTED if route.documented else RouteKind.PROVISIONAL


def _endpoint(route: Route) -> str:
    return f"{route.method} {route.path}"


def _override_action(route: Route) -> str:
    return (
        f'Override route "{route.name}" in {CLOUDNEST_BLOCK}\'s route_overrides '
        '("METHOD /path"), or check base_url.'
    )


def _route_check(client: CloudNestClient, route: Route, auth_failed: bool) -> Check:
    """One read of ``route``, or the reason it is not called."""
    row = _route_row_factory(route)
    if not route.read_only:
        return row(Outcome.SKIPPED, "not called: it creates, changes or deletes data")
    payload = _payload(route.name)
    if payload is _NO_PROBE:
        return row(Outcome.SKIPPED, "not called: the doctor knows no harmless read of it")
    if auth_failed and route.signed:
        return row(Outcome.SKIPPED, "not called: the credentials were refused (see auth)")
    try:
        answer = client.request(route.name, payload)
    except CloudNestError as exc:
        return _route_failure(route, exc, row)
    return row(Outcome.OK, f"answered: {_summarise(answer)}")


def _route_row_factory(route: Route) -> Callable[..., Check]:
    def row(outcome: Outcome, detail: str, action: str = "") -> Check:
        return _cloudnest_row(route.name, _endpoint(route), outcome, detail, action, _kind(route))

    return row


def _route_failure(route: Route, exc: CloudNestError, row: Callable[..., Check]) -> Check:
    """The row of a read that raised: an expected refusal of a made-up id, or a failure."""
    if isinstance(exc, CloudNestNotFound):
        return row(Outcome.OK, f"answered 'not found' (status {exc.status}) for a made-up id")
    if route.name == "machine_result_list" and exc.status == UNCONTROLLABLE_MACHINE:
        return row(
            Outcome.OK, f"answered 'uncontrollable machine' ({exc.status}) for a made-up gmid"
        )
    if isinstance(exc, CloudNestUnknownRoute):
        return row(Outcome.FAILED, f"wrong path: {exc.msg}", _override_action(route))
    if isinstance(exc, CloudNestValidationError) and exc.status == 0:
        return row(
            Outcome.FAILED,
            f"answered, but not in the expected shape: {exc.msg}",
            f'If the path is another endpoint\'s, override route "{route.name}" in '
            f"{CLOUDNEST_BLOCK}'s route_overrides; otherwise report the answer's shape.",
        )
    status = "no answer" if exc.status is None else f"status {exc.status}"
    return row(Outcome.FAILED, f"{type(exc).__name__} ({status}): {exc.msg}", exc.hint)


def _summarise(answer: Any) -> str:
    """A few words on a successful answer (never its content, which is the account's data)."""
    if isinstance(answer, list):
        return f"{len(answer)} item(s)"
    version = getattr(answer, "version", None)
    if isinstance(version, str):
        return f"version {version}"
    return type(answer).__name__


class _NoProbe:
    """Marker: no harmless payload is known for a route."""


_NO_PROBE: Any = _NoProbe()


def _payload(name: str) -> Any:
    """The request of one read of route ``name``, with made-up ids; :data:`_NO_PROBE` if none."""
    return _probe_payloads().get(name, _NO_PROBE)


def _probe_payloads() -> Mapping[str, Any]:
    job = {"job_id": MADE_UP_ID}
    jobs = {"job_id": [MADE_UP_ID]}
    layout = {"guid": MADE_UP_GUID}
    until = datetime.now(UTC).replace(microsecond=0)
    day = {
        "gmid": MADE_UP_GMID,
        "start_time": (until - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
        "end_time": until.strftime("%Y-%m-%d %H:%M:%S"),
    }
    return {
        "part_list": {"page_size": 1},
        "part_loc_info": {"type": "SingleResult", "guid": MADE_UP_GUID},
        "plate_scrap_tree": None,
        "plate_list": None,
        "drawing_info": {"drawing_guid": MADE_UP_GUID},
        "material_list": None,
        "job_info": job,
        "job_list": {"page_size": 1},
        "job_parts": job,
        "job_layouts": job,
        "job_layout_detail": job,
        "job_plan_list": job,
        "job_part_layout": job,
        "job_plate_used": jobs,
        "job_plan_detail": jobs,
        "job_search": {"job_name": MADE_UP_JOB_NAME},
        "job_drawing_status": job,
        "job_nest_detail": job,
        "job_info_flat": job,
        "machine_result_list": day,
        "production_detail": {"plan_guid": MADE_UP_GUID},
        "text_recognition_config": None,
        "others_layout_job_material": layout,
        "others_layout_parts": layout,
        "server_version": None,
    }


# --- AlmaCAM ------------------------------------------------------------------------------------


def check_almacam(client: AlmaCamClient) -> list[Check]:
    """Reachability and token with ``GET /result/<made-up id>/stats``, then the image route.

    A 404 there means the service answered and took the token (it looked the order up); a 401
    means the token was refused. ``POST /new`` is never called: it creates and bills an order.

    Args:
        client: The client to check.
    """
    reach, auth, why = _almacam_first_read(client)
    result_endpoint = "GET /result/{id}/{view}"
    if why:
        result = _almacam_row("result", result_endpoint, Outcome.SKIPPED, why)
        image = _almacam_row("image", "GET /result/{id}/image/{index}", Outcome.SKIPPED, why)
    else:
        result = _almacam_row("result", result_endpoint, Outcome.OK, "answered")
        image = _almacam_image_check(client)
    new = _almacam_row(
        "new", "POST /new", Outcome.SKIPPED, "not called: it creates (and bills) an order"
    )
    return [reach, auth, result, image, new]


def _almacam_first_read(client: AlmaCamClient) -> tuple[Check, Check, str]:
    """The reachability and auth rows, and why the later reads are skipped (empty: they run)."""
    endpoint = f"GET {client.base_url}/result/{MADE_UP_ID}/stats"
    try:
        client.result(MADE_UP_ID, "stats")
    except AlmaCamTransportError as exc:
        reach = _almacam_row(
            "reachability",
            endpoint,
            Outcome.FAILED,
            f"no answer from {client.base_url}: {exc.message}",
            f"Check base_url in {ALMACAM_BLOCK}, that the service is up and that this machine "
            "can reach it (proxy, firewall).",
        )
        why = "not called: the service is unreachable"
        return reach, _almacam_row("auth", endpoint, Outcome.SKIPPED, why), why
    except AlmaCamAuthError:
        auth = _almacam_row(
            "auth",
            endpoint,
            Outcome.FAILED,
            "the token was refused (HTTP 401)",
            f"Set the right token in {ALMACAM_BLOCK} (and check that base_url is the service it "
            "was issued for).",
        )
        return _almacam_answered(endpoint, 401), auth, "not called: the token was refused"
    except AlmaCamNotFound:
        auth = _almacam_row("auth", endpoint, Outcome.OK, "token accepted (unknown order: 404)")
        return _almacam_answered(endpoint, 404), auth, ""
    except AlmaCamError as exc:
        auth = _almacam_row(
            "auth",
            endpoint,
            Outcome.FAILED,
            f"expected 404 for an unknown order: {exc.message}",
            f"Check base_url in {ALMACAM_BLOCK}: it should be the AlmaCAM API's root.",
        )
        return _almacam_answered(endpoint, exc.status), auth, "not called: see auth"
    # An order with this id exists after all: the token was accepted just the same.
    auth = _almacam_row("auth", endpoint, Outcome.OK, "token accepted")
    return _almacam_answered(endpoint, 200), auth, ""


def _almacam_answered(endpoint: str, status: int | None) -> Check:
    detail = "answered" if status is None else f"answered HTTP {status}"
    return _almacam_row("reachability", endpoint, Outcome.OK, detail)


def _almacam_row(
    name: str, endpoint: str, outcome: Outcome, detail: str, action: str = ""
) -> Check:
    # The API's three routes are all on the vendor's pages; the other rows are not routes.
    kind = None if name in ("reachability", "auth") else RouteKind.DOCUMENTED
    return Check(
        service=Service.ALMACAM,
        name=name,
        endpoint=endpoint,
        kind=kind,
        outcome=outcome,
        detail=detail,
        action=action,
    )


def _almacam_image_check(client: AlmaCamClient) -> Check:
    endpoint = f"GET /result/{MADE_UP_ID}/image/0"
    try:
        client.image(MADE_UP_ID, 0)
    except AlmaCamNotFound:
        return _almacam_row("image", endpoint, Outcome.OK, "answered (unknown order: 404)")
    except AlmaCamError as exc:
        return _almacam_row(
            "image",
            endpoint,
            Outcome.FAILED,
            f"expected 404 for an unknown order: {exc}",
            f"Check base_url in {ALMACAM_BLOCK}.",
        )
    return _almacam_row("image", endpoint, Outcome.OK, "answered")
