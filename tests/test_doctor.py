"""``nestflow doctor``'s checks (nestflow/doctor.py) against the real sandboxes over loopback HTTP.

One sandbox with both services serves the module; the clock-skew case starts its own CloudNest
sandbox whose clock runs half an hour ahead. Each test builds its clients, so a wrong secret or a
route override in one test cannot leak into another.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rich.console import Console

from nestflow.almacam.client import AlmaCamClient
from nestflow.cli.doctor import doctor_table, summary_line
from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.routes import DEFAULT_ROUTES
from nestflow.doctor import DoctorReport, Outcome, RouteKind, Service, run_doctor
from nestflow.sandbox.cloudnest.service import CLOUDNEST
from nestflow.sandbox.cloudnest.settings import CloudNestSandboxSettings
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.server import RunningSandbox, start_sandbox
from tests.pipeline.processes import free_port

#: This module's secrets: unique strings, so any copy of them in an output is found.
SECRET = f"doctor-secret-{uuid.uuid4().hex}"
TOKEN = f"doctor-token-{uuid.uuid4().hex}"
WRONG_SECRET = f"doctor-wrong-secret-{uuid.uuid4().hex}"
WRONG_TOKEN = f"doctor-wrong-token-{uuid.uuid4().hex}"
ENVIRON = {
    "NESTFLOW_SANDBOX_CLOUDNEST_APP_SECRET": SECRET,
    "NESTFLOW_SANDBOX_ALMACAM_TOKEN": TOKEN,
}
SPEED = 0.05


def _cloudnest_settings(**overrides: Any) -> CloudNestSandboxSettings:
    # No sandbox rate limit: the doctor reads job_search twice back to back (auth, then route).
    return CloudNestSandboxSettings.from_env(ENVIRON, rate_limit=None, **overrides)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    config = SandboxConfig.from_env(
        ENVIRON, almacam_port=0, cloudnest_port=0, speed=SPEED, cloudnest=_cloudnest_settings()
    )
    with start_sandbox(config) as running:
        yield running


CloudNestFactory = Callable[..., CloudNestClient]


@pytest.fixture
def cloudnest_for() -> Iterator[CloudNestFactory]:
    """``cloudnest_for(base_url, **options)``: a client with this module's credentials."""
    made: list[CloudNestClient] = []
    app = _cloudnest_settings().app

    def make(base_url: str, **options: Any) -> CloudNestClient:
        values: dict[str, Any] = {
            "app_id": app.app_id,
            "app_secret": SECRET,
            "org_code": sorted(app.org_codes)[0],
            "default_rate": None,
            "timeout": 10.0,
            "retry_backoff": 0.01,
        }
        values.update(options)
        made.append(CloudNestClient(base_url, **values))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
def cloudnest(sandbox: RunningSandbox, cloudnest_for: CloudNestFactory) -> CloudNestClient:
    return cloudnest_for(sandbox.url("cloudnest"))


@pytest.fixture
def almacam(sandbox: RunningSandbox) -> Iterator[AlmaCamClient]:
    with AlmaCamClient(sandbox.almacam_url, TOKEN, timeout=10.0) as client:
        yield client


def _failed_names(report: DoctorReport) -> list[tuple[str, str]]:
    return [(c.service.value, c.name) for c in report.failed]


def _rendered(report: DoctorReport) -> str:
    out = io.StringIO()
    console = Console(file=out, width=240)
    console.print(doctor_table(report))
    console.print(summary_line(report))
    return out.getvalue()


def test_every_check_passes_against_a_healthy_sandbox(
    cloudnest: CloudNestClient, almacam: AlmaCamClient
) -> None:
    report = run_doctor(cloudnest, almacam)

    assert report.ok, _failed_names(report)
    for name in ("reachability", "clock skew", "auth", "server_version"):
        assert report.find(Service.CLOUDNEST, name).outcome is Outcome.OK
    for name in ("reachability", "auth", "result", "image"):
        assert report.find(Service.ALMACAM, name).outcome is Outcome.OK


def test_every_read_only_route_is_read_once_and_no_other_is_called(
    cloudnest: CloudNestClient, almacam: AlmaCamClient
) -> None:
    report = run_doctor(cloudnest, almacam)

    sent = cloudnest.stats()
    for route in DEFAULT_ROUTES.values():
        row = report.find(Service.CLOUDNEST, route.name)
        assert row.kind is (RouteKind.DOCUMENTED if route.documented else RouteKind.PROVISIONAL)
        if route.read_only:
            assert row.outcome is Outcome.OK, row
            assert sent[route.name].sent >= 1
        else:
            assert row.outcome is Outcome.SKIPPED and "not called" in row.detail
            assert route.name not in sent
    assert report.find(Service.ALMACAM, "new").outcome is Outcome.SKIPPED


def test_a_wrong_app_secret_fails_the_auth_check_with_a_hint(
    sandbox: RunningSandbox, cloudnest_for: CloudNestFactory
) -> None:
    client = cloudnest_for(sandbox.url("cloudnest"), app_secret=WRONG_SECRET)

    report = run_doctor(client, None)

    auth = report.find(Service.CLOUDNEST, "auth")
    assert auth.outcome is Outcome.FAILED
    assert "1005" in auth.detail and "app_secret" in auth.action
    assert report.find(Service.CLOUDNEST, "job_info").outcome is Outcome.SKIPPED
    assert not report.ok


def test_a_wrong_almacam_token_fails_the_auth_check_with_a_hint(sandbox: RunningSandbox) -> None:
    with AlmaCamClient(sandbox.almacam_url, WRONG_TOKEN, timeout=10.0) as client:
        report = run_doctor(None, client)

    assert report.find(Service.ALMACAM, "reachability").outcome is Outcome.OK
    auth = report.find(Service.ALMACAM, "auth")
    assert auth.outcome is Outcome.FAILED
    assert "401" in auth.detail and "token" in auth.action
    assert _failed_names(report) == [("AlmaCAM", "auth")]


def test_a_route_override_to_a_wrong_path_is_reported_as_wrong_path_naming_the_route(
    sandbox: RunningSandbox, cloudnest_for: CloudNestFactory
) -> None:
    client = cloudnest_for(
        sandbox.url("cloudnest"), route_overrides={"job_info": "/cn-api/api/job/no_such_info"}
    )

    report = run_doctor(client, None)

    row = report.find(Service.CLOUDNEST, "job_info")
    assert row.outcome is Outcome.FAILED
    assert row.endpoint == "POST /cn-api/api/job/no_such_info"
    assert row.detail.startswith("wrong path")
    assert '"job_info"' in row.action and "route_overrides" in row.action
    assert _failed_names(report) == [("CloudNest", "job_info")]


def test_the_clock_check_reports_a_server_half_an_hour_ahead(
    cloudnest_for: CloudNestFactory,
) -> None:
    config = SandboxConfig(
        cloudnest_port=0,
        speed=SPEED,
        cloudnest=_cloudnest_settings(clock_offset_seconds=1800.0),
    )
    with start_sandbox(config, services=(CLOUDNEST,)) as skewed:
        report = run_doctor(cloudnest_for(skewed.url("cloudnest")), None)

    clock = report.find(Service.CLOUDNEST, "clock skew")
    assert clock.outcome is Outcome.FAILED
    # Date has whole seconds (±0.5 s) and was stamped somewhere during the probe (± half its
    # time), and the figure is rounded: under load the probe took seconds and 1801 was honest.
    reach = report.find(Service.CLOUDNEST, "reachability").detail
    probe_s = float(re.search(r"in (\d+) ms", reach).group(1)) / 1000
    ahead = float(re.search(r"clock is (\d+) s ahead", clock.detail).group(1))
    assert abs(ahead - 1800) <= 1 + probe_s / 2, (clock.detail, reach)
    assert "NTP" in clock.action
    # The client corrected its time-stamps from the Date header, so the signed reads went on.
    assert report.find(Service.CLOUDNEST, "auth").outcome is Outcome.OK
    assert _failed_names(report) == [("CloudNest", "clock skew")]


def test_an_unreachable_base_url_fails_reachability_quickly_naming_the_url(
    cloudnest_for: CloudNestFactory,
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    client = cloudnest_for(nobody)
    started = time.monotonic()
    with AlmaCamClient(nobody, TOKEN, timeout=10.0) as almacam:
        report = run_doctor(client, almacam)
    elapsed = time.monotonic() - started

    assert elapsed < 5.0
    for service in (Service.CLOUDNEST, Service.ALMACAM):
        reach = report.find(service, "reachability")
        assert reach.outcome is Outcome.FAILED
        assert nobody in reach.detail and "base_url" in reach.action
        assert report.find(service, "auth").outcome is Outcome.SKIPPED
    assert client.stats() == {}  # nothing signed was sent to a service that does not answer


def test_no_output_contains_a_secret_or_token(
    sandbox: RunningSandbox, cloudnest_for: CloudNestFactory
) -> None:
    url = sandbox.url("cloudnest")
    reports = []
    for secret, token in ((SECRET, TOKEN), (WRONG_SECRET, WRONG_TOKEN)):
        with AlmaCamClient(sandbox.almacam_url, token, timeout=10.0) as almacam:
            reports.append(run_doctor(cloudnest_for(url, app_secret=secret), almacam))

    assert not reports[0].failed and len(reports[1].failed) == 2  # both auth checks
    for report in reports:
        table = _rendered(report)
        assert "reachability" in table  # the rendering is really there to be searched
        for text in (report.model_dump_json(), repr(report), str(report), table):
            for value in (SECRET, TOKEN, WRONG_SECRET, WRONG_TOKEN):
                assert value not in text


def test_the_table_shows_route_kind_result_and_what_to_override(
    sandbox: RunningSandbox, cloudnest_for: CloudNestFactory
) -> None:
    client = cloudnest_for(
        sandbox.url("cloudnest"), route_overrides={"job_nest_detail": "/cn-api/api/job/nope"}
    )

    text = _rendered(run_doctor(client, None))

    row = next(line for line in text.splitlines() if "job_nest_detail" in line)
    assert "provisional" in row and "FAILED" in row and "route_overrides" in text
    assert next(line for line in text.splitlines() if "job_plate_used" in line).count("documented")
    assert "1 failed" in text and "some checks failed" in text
