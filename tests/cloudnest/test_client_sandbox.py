"""The client over real HTTP against the CloudNest sandbox: auth codes, clock skew, limits."""

import logging
import threading
import time

import httpx
import pytest
from pydantic import SecretStr

from nestflow.cloudnest.errors import (
    CloudNestAuthError,
    CloudNestError,
    CloudNestNotFound,
    CloudNestPermissionError,
    CloudNestQuotaExceeded,
    CloudNestRateLimited,
    CloudNestUnknownRoute,
    CloudNestValidationError,
)
from nestflow.cloudnest.signing import HEADER_SIGN
from nestflow.sandbox.cloudnest.settings import AppAccount


class StrippingTransport(httpx.HTTPTransport):
    """A real HTTP transport that drops one header, as a misconfigured proxy would."""

    def __init__(self, header: str) -> None:
        super().__init__()
        self.header = header

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        del request.headers[self.header]
        return super().handle_request(request)


def assert_no_secret(error: CloudNestError, secret: str) -> None:
    assert secret not in str(error) and secret not in repr(error)


def test_signed_call_succeeds(cloudnest_client):
    assert cloudnest_client.job_search("nothing-like-this") == []


def test_empty_app_id_gives_1000(cloudnest_sandbox, cloudnest_client_for):
    client = cloudnest_client_for(cloudnest_sandbox, app_id="")
    with pytest.raises(CloudNestAuthError) as info:
        client.job_search("x")
    assert info.value.status == 1000 and "app-id" in str(info.value)
    assert_no_secret(info.value, cloudnest_sandbox.app_secret)


def test_unknown_app_id_gives_1001_pointing_at_the_console(cloudnest_sandbox, cloudnest_client_for):
    client = cloudnest_client_for(cloudnest_sandbox, app_id="op0000000000000000")
    with pytest.raises(CloudNestAuthError) as info:
        client.job_search("x")
    assert info.value.status == 1001 and "open.fscut.com" in str(info.value)


def test_expired_app_gives_1002(cloudnest_sandbox_factory, cloudnest_client_for):
    account = AppAccount(
        app_id="op1111111111111111",
        app_secret=SecretStr("expired-app-secret"),
        org_codes=frozenset({"TEAM001"}),
        expired=True,
    )
    sandbox = cloudnest_sandbox_factory(apps=(account,))
    client = cloudnest_client_for(sandbox)
    with pytest.raises(CloudNestAuthError) as info:
        client.job_search("x")
    assert info.value.status == 1002 and "support" in str(info.value)
    assert_no_secret(info.value, "expired-app-secret")


def test_client_clock_off_by_an_hour_is_corrected_from_the_date_header(
    cloudnest_sandbox, cloudnest_client_for
):
    client = cloudnest_client_for(cloudnest_sandbox, clock=lambda: time.time() - 3600)
    assert client.job_search("x") == []
    assert abs(client.signer.offset_ms - 3_600_000) < 2_000
    assert client.stats()["job_search"].sent == 2
    assert client.job_search("y") == []
    assert client.stats()["job_search"].sent == 3


def test_server_clock_ahead_is_followed_too(cloudnest_sandbox_factory, cloudnest_client_for):
    sandbox = cloudnest_sandbox_factory(clock_offset_seconds=1800)
    client = cloudnest_client_for(sandbox)
    assert client.job_search("x") == []
    assert abs(client.signer.offset_ms - 1_800_000) < 2_000


def test_stripped_signature_gives_1004(cloudnest_sandbox, cloudnest_client_for):
    client = cloudnest_client_for(cloudnest_sandbox, transport=StrippingTransport(HEADER_SIGN))
    with pytest.raises(CloudNestAuthError) as info:
        client.job_search("x")
    assert info.value.status == 1004 and "app-sign" in str(info.value)


def test_wrong_secret_gives_1005_without_showing_either_secret(
    cloudnest_sandbox, cloudnest_client_for
):
    client = cloudnest_client_for(cloudnest_sandbox, app_secret="not-the-right-secret")
    with pytest.raises(CloudNestAuthError) as info:
        client.job_search("x")
    assert info.value.status == 1005 and "app_secret" in str(info.value)
    assert_no_secret(info.value, "not-the-right-secret")
    assert_no_secret(info.value, cloudnest_sandbox.app_secret)


def test_json_sent_to_a_multipart_route_by_a_wrong_override_gives_1006(
    cloudnest_sandbox, cloudnest_client_for
):
    client = cloudnest_client_for(
        cloudnest_sandbox, route_overrides={"job_search": "/cn-api/api/drawing/upload"}
    )
    with pytest.raises(CloudNestValidationError) as info:
        client.job_search("x")
    assert info.value.status == 1006 and "/cn-api/api/drawing/upload" in str(info.value)


def test_endpoint_not_enabled_gives_1007_permission_error(
    cloudnest_sandbox_factory, cloudnest_client_for
):
    account = AppAccount(
        app_id="op2222222222222222",
        app_secret=SecretStr("limited-app-secret"),
        org_codes=frozenset({"TEAM001"}),
        disabled_endpoints=frozenset({"machine_result_list"}),
    )
    sandbox = cloudnest_sandbox_factory(apps=(account,))
    client = cloudnest_client_for(sandbox)
    with pytest.raises(CloudNestPermissionError) as info:
        client.machine_result_list(165192, "2024-01-01 00:00:00", "2024-01-02 00:00:00")
    assert info.value.status == 1007 and "machine_result_list" in str(info.value)
    assert client.job_search("x") == []


def test_daily_quota_1008_then_refused_before_sending(
    cloudnest_sandbox_factory, cloudnest_client_for
):
    sandbox = cloudnest_sandbox_factory(endpoint_quotas={"job_search": 2})
    client = cloudnest_client_for(sandbox)
    client.job_search("a")
    client.job_search("b")
    with pytest.raises(CloudNestQuotaExceeded) as info:
        client.job_search("c")
    assert info.value.status == 1008
    with pytest.raises(CloudNestQuotaExceeded, match="refused before sending"):
        client.job_search("d")
    assert client.stats()["job_search"].sent == 3
    assert client.job_list() == []  # the quota is per endpoint


def test_client_side_quota_matches_the_vendors_and_never_calls_beyond_it(
    cloudnest_sandbox_factory, cloudnest_client_for
):
    sandbox = cloudnest_sandbox_factory(endpoint_quotas={"job_search": 2})
    client = cloudnest_client_for(sandbox, daily_quotas={"job_search": 2})
    client.job_search("a")
    client.job_search("b")
    with pytest.raises(CloudNestQuotaExceeded) as info:
        client.job_search("c")
    assert info.value.status is None and "2 calls/day" in str(info.value)
    assert client.stats()["job_search"].sent == 2


def test_unpaced_burst_beyond_the_limit_gets_1009_when_not_waited_out(
    cloudnest_sandbox_factory, cloudnest_client_for
):
    sandbox = cloudnest_sandbox_factory(rate_limit=2.0)
    client = cloudnest_client_for(sandbox, max_rate_limit_waits=0)
    with pytest.raises(CloudNestRateLimited) as info:
        for _ in range(5):
            client.job_search("x")
    assert info.value.status == 1009 and "rate_limits" in str(info.value)


def test_too_frequent_answers_are_waited_out(cloudnest_sandbox_factory, cloudnest_client_for):
    # One call a second: back-to-back calls exceed it unless a call takes a whole second (at 5 a
    # second, a loaded machine was too slow to ever be refused, CI-like run of 2026-12-08).
    sandbox = cloudnest_sandbox_factory(rate_limit=1.0)
    client = cloudnest_client_for(sandbox, default_rate=None)
    for _ in range(4):
        assert client.job_search("x") == []
    stats = client.stats()["job_search"]
    assert stats.rate_limited >= 1 and stats.sent == 4 + stats.rate_limited


def test_unknown_org_code_gives_our_provisional_9010(cloudnest_sandbox, cloudnest_client_for):
    client = cloudnest_client_for(cloudnest_sandbox, org_code="TEAM999")
    with pytest.raises(CloudNestAuthError) as info:
        client.job_search("x")
    assert info.value.status == 9010 and "org_code" in str(info.value)


def test_eight_threads_sharing_a_paced_client_never_hit_the_limit(
    cloudnest_sandbox_factory, cloudnest_client_for
):
    # Paced a tenth below the limit: the gateway's bucket (5 tokens) then refills faster than it
    # is spent, so requests that a starved machine delivers in a bunch still find tokens (paced
    # at exactly 5 a second, three of 24 were refused on a loaded CI machine, 2026-12-08).
    # Unshared buckets would send 8 times the rate and be refused at once.
    sandbox = cloudnest_sandbox_factory(rate_limit=5.0)
    client = cloudnest_client_for(sandbox, default_rate=4.5, max_rate_limit_waits=0)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(3):
                client.job_search("x")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert errors == []
    stats = client.stats()["job_search"]
    assert stats.sent == 24 and stats.rate_limited == 0
    assert elapsed >= 23 / 4.5 - 0.05  # paced: 24 calls at 4.5/s with burst 1


def test_unknown_job_is_a_not_found_error_naming_the_endpoint(cloudnest_client):
    with pytest.raises(CloudNestNotFound) as info:
        cloudnest_client.job_info(99999)
    assert info.value.status == 2000
    assert "job_info (POST /cn-api/api/job/info)" in str(info.value)


def test_zone_id_header_changes_time_strings(cloudnest_sandbox, cloudnest_client_for):
    shanghai = cloudnest_client_for(cloudnest_sandbox)
    utc = cloudnest_client_for(cloudnest_sandbox, zone_id="UTC")
    job = shanghai.job_add("zone-check")
    local = shanghai.job_info(job.job_id).create_time
    universal = utc.job_info(job.job_id).create_time
    assert local and universal and local != universal


def test_logs_at_debug_level_never_contain_the_secret(
    cloudnest_sandbox, cloudnest_client_for, caplog
):
    caplog.set_level(logging.DEBUG)
    good = cloudnest_client_for(cloudnest_sandbox)
    skewed = cloudnest_client_for(cloudnest_sandbox, clock=lambda: time.time() + 7200)
    good.job_search("x")
    skewed.job_search("x")
    with pytest.raises(CloudNestAuthError):
        cloudnest_client_for(cloudnest_sandbox, org_code="NOPE").job_search("x")
    assert "time-stamp refused" in caplog.text  # the skew correction was logged
    assert cloudnest_sandbox.app_secret not in caplog.text


def test_wrong_route_override_is_an_unknown_route_naming_url_and_override(
    cloudnest_sandbox, cloudnest_client_for
):
    client = cloudnest_client_for(
        cloudnest_sandbox, route_overrides={"job_search": "/cn-api/api/job/find"}
    )
    with pytest.raises(CloudNestUnknownRoute) as info:
        client.job_search("x")
    text = str(info.value)
    assert info.value.status == 9404
    assert f"POST {cloudnest_sandbox.base_url}/cn-api/api/job/find" in text
    assert "route override of 'job_search'" in text


def test_server_version_of_the_sandbox(cloudnest_sandbox, cloudnest_client_for):
    client = cloudnest_client_for(cloudnest_sandbox, app_secret="not-even-the-right-secret")
    version = client.server_version()
    assert (version.version, version.server_env) == ("3.43.0", "sandbox")


def test_json_body_over_the_sandboxs_limit_is_a_validation_error(
    cloudnest_sandbox_factory, cloudnest_client_for
):
    sandbox = cloudnest_sandbox_factory(max_json_bytes=4096)
    with pytest.raises(CloudNestValidationError) as info:
        cloudnest_client_for(sandbox).job_search("x" * 5000)
    assert info.value.status == 2200 and "max_json_bytes" in str(info.value)
