"""The CloudNest sandbox's gateway: signature, timestamp, org code, permissions, limits, envelope.

Every test talks to a real sandbox over HTTP on loopback with plain httpx and the signing helper.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import SecretStr

from nestflow.cloudnest.routes import DEFAULT_ROUTES
from nestflow.cloudnest.signing import server_time_ms, sign
from nestflow.sandbox.cloudnest.settings import AppAccount
from tests.sandbox.cloudnest.raw_http import raw_exchange, raw_head

if TYPE_CHECKING:
    from conftest import (
        CloudNestSandboxFactory,
        CloudNestSandboxHandle,
        SignedApi,
        SignedApiFactory,
    )

TEN_MINUTES_MS = 600_000
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _status(api: SignedApi, headers: dict[str, str], name: str = "job_list") -> int:
    return api.call(name, {}, headers=headers)["status"]


def test_signed_call_answers_the_success_envelope(cloudnest_api: SignedApi) -> None:
    envelope = cloudnest_api.call("job_add", {"job_name": "envelope check"})
    assert set(envelope) == {"status", "msg", "data"}
    assert (envelope["status"], envelope["msg"]) == (0, "OK")
    assert envelope["data"]["job_name"] == "envelope check"


def test_missing_app_id_gives_1000(cloudnest_api: SignedApi) -> None:
    headers = cloudnest_api.sandbox.headers()
    del headers["app-id"]
    assert _status(cloudnest_api, headers) == 1000


def test_unknown_app_id_gives_1001(cloudnest_api: SignedApi) -> None:
    headers = cloudnest_api.sandbox.headers() | {"app-id": "op0000000000000000"}
    assert _status(cloudnest_api, headers) == 1001


def test_expired_app_gives_1002(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    expired = AppAccount(
        app_id="opexpired000000001",
        app_secret=SecretStr("old-secret"),
        org_codes=frozenset({"TEAM001"}),
        expired=True,
    )
    api = cloudnest_api_for(cloudnest_sandbox_factory(apps=(expired,)))
    assert _status(api, api.sandbox.headers()) == 1002


def test_missing_timestamp_gives_1003(cloudnest_api: SignedApi) -> None:
    headers = cloudnest_api.sandbox.headers()
    del headers["time-stamp"]
    assert _status(cloudnest_api, headers) == 1003


def test_timestamp_eleven_minutes_old_gives_1003(cloudnest_api: SignedApi) -> None:
    stale = int(time.time() * 1000) - TEN_MINUTES_MS - 60_000
    envelope = cloudnest_api.call("job_list", {}, headers=cloudnest_api.sandbox.headers(stale))
    assert envelope["status"] == 1003
    assert "±600 s" in envelope["msg"]


def test_timestamp_nine_minutes_ahead_is_accepted(cloudnest_api: SignedApi) -> None:
    ahead = int(time.time() * 1000) + TEN_MINUTES_MS - 60_000
    assert _status(cloudnest_api, cloudnest_api.sandbox.headers(ahead)) == 0


def test_stale_timestamp_answer_carries_the_sandbox_clock_in_one_date_header(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(clock_offset_seconds=3600.0))
    response = api.request("job_list", {})
    assert response.json()["status"] == 1003
    dates = response.headers.get_list("date")
    assert len(dates) == 1
    skew_ms = server_time_ms(dates) - int(time.time() * 1000)
    assert abs(skew_ms - 3_600_000) < 5_000


def test_timestamp_corrected_from_the_date_header_is_accepted(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(clock_offset_seconds=-1800.0))
    signer = api.sandbox.signer()
    refused = api.request("job_list", {}, headers=signer.headers())
    assert refused.json()["status"] == 1003
    signer.correct_clock(refused.headers.get_list("date"))
    assert api.call("job_list", {}, headers=signer.headers())["status"] == 0


def test_missing_signature_gives_1004(cloudnest_api: SignedApi) -> None:
    headers = cloudnest_api.sandbox.headers()
    del headers["app-sign"]
    assert _status(cloudnest_api, headers) == 1004


def test_signature_with_a_wrong_secret_gives_1005(cloudnest_api: SignedApi) -> None:
    headers = cloudnest_api.sandbox.headers()
    headers["app-sign"] = sign(headers["app-id"], "not-the-secret", headers["time-stamp"])
    assert _status(cloudnest_api, headers) == 1005


def test_uppercase_signature_gives_1005(cloudnest_api: SignedApi) -> None:
    headers = cloudnest_api.sandbox.headers()
    headers["app-sign"] = headers["app-sign"].upper()
    assert _status(cloudnest_api, headers) == 1005


def test_refusal_never_echoes_the_secret(cloudnest_api: SignedApi) -> None:
    headers = cloudnest_api.sandbox.headers()
    headers["app-sign"] = "0" * 32
    response = cloudnest_api.request("job_list", {}, headers=headers)
    assert cloudnest_api.sandbox.app_secret not in response.text


def test_body_that_is_not_json_gives_1006(cloudnest_api: SignedApi) -> None:
    response = cloudnest_api.request(
        "job_add", content=b"job_name=x", headers=cloudnest_api.sandbox.headers()
    )
    assert response.json()["status"] == 1006


def test_upload_that_is_not_multipart_gives_1006(cloudnest_api: SignedApi) -> None:
    assert cloudnest_api.call("drawing_upload", {"job_id": 1})["status"] == 1006


def test_endpoint_disabled_for_the_app_gives_1007(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    limited = AppAccount(
        app_id="oplimited000000001",
        app_secret=SecretStr("limited-secret"),
        org_codes=frozenset({"TEAM001"}),
        disabled_endpoints=frozenset({"machine_result_list"}),
    )
    api = cloudnest_api_for(cloudnest_sandbox_factory(apps=(limited,)))
    body = {"gmid": 165192, "start_time": "2024-01-01 00:00:00", "end_time": "2024-01-02 00:00:00"}
    assert api.call("machine_result_list", body)["status"] == 1007
    assert api.call("job_list", {})["status"] == 0


def test_daily_quota_used_up_gives_1008_for_that_endpoint_only(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(endpoint_quotas={"job_search": 2}))
    statuses = [api.call("job_search", {"job_name": "x"})["status"] for _ in range(3)]
    assert statuses == [0, 0, 1008]
    assert api.call("job_list", {})["status"] == 0


def test_burst_above_the_rate_limit_gives_1009(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(rate_limit=3.0))
    statuses = [api.call("job_list", {})["status"] for _ in range(6)]
    assert statuses[:3] == [0, 0, 0]
    assert 1009 in statuses[3:]


def test_rate_limit_is_per_endpoint_and_refills(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(rate_limit=2.0))
    while api.call("job_list", {})["status"] == 0:
        pass
    assert api.call("material_list")["status"] == 0
    time.sleep(0.6)
    assert api.call("job_list", {})["status"] == 0


def test_refused_rate_limited_calls_do_not_use_the_quota(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(rate_limit=1.0, daily_quota=2))
    first = [api.call("job_list", {})["status"] for _ in range(3)]
    time.sleep(1.05)
    assert first == [0, 1009, 1009]
    assert api.call("job_list", {})["status"] == 0
    time.sleep(1.05)
    assert api.call("job_list", {})["status"] == 1008


def test_missing_org_code_gives_our_provisional_9010(cloudnest_api: SignedApi) -> None:
    headers = cloudnest_api.sandbox.headers()
    del headers["X-FS-Orgcode"]
    envelope = cloudnest_api.call("job_list", {}, headers=headers)
    assert envelope["status"] == 9010
    assert "X-FS-Orgcode" in envelope["msg"]


def test_foreign_org_code_gives_our_provisional_9010(cloudnest_api: SignedApi) -> None:
    headers = cloudnest_api.sandbox.headers() | {"X-FS-Orgcode": "OTHER-TEAM"}
    envelope = cloudnest_api.call("job_list", {}, headers=headers)
    assert envelope["status"] == 9010
    assert "OTHER-TEAM" in envelope["msg"]


def test_missing_field_gives_2200_naming_it(cloudnest_api: SignedApi) -> None:
    envelope = cloudnest_api.call("job_add", {"material": "304"})
    assert envelope["status"] == 2200
    assert "job_name" in envelope["msg"]


def test_every_route_of_the_table_is_served(cloudnest_api: SignedApi) -> None:
    for name in DEFAULT_ROUTES:
        response = cloudnest_api.request(name, None)
        assert response.status_code == 200, name
        assert response.json()["status"] != 1006 or DEFAULT_ROUTES[name].body == "multipart", name


def test_unknown_zone_id_gives_2200(cloudnest_api: SignedApi) -> None:
    headers = cloudnest_api.sandbox.headers() | {"zoneId": "Mars/Olympus"}
    envelope = cloudnest_api.call("job_list", {}, headers=headers)
    assert envelope["status"] == 2200
    assert "Mars/Olympus" in envelope["msg"]


def test_times_follow_the_zone_id_header(cloudnest_api: SignedApi) -> None:
    job_id = cloudnest_api.data("job_add", {"job_name": "zoned"})["job_id"]
    utc = cloudnest_api.sandbox.headers() | {"zoneId": "UTC"}
    shown_utc = cloudnest_api.data("job_info", {"job_id": job_id}, headers=utc)["create_time"]
    shown_beijing = cloudnest_api.data("job_info", {"job_id": job_id})["create_time"]
    delta = datetime.strptime(shown_beijing, TIME_FORMAT) - datetime.strptime(
        shown_utc, TIME_FORMAT
    )
    assert round(delta.total_seconds() / 3600) == 8


# --- unknown routes get the envelope ------------------------------------------------------------


def test_unknown_path_gets_the_envelope_with_9404_and_http_404(cloudnest_api: SignedApi) -> None:
    response = cloudnest_api.http.post("/cn-api/api/job/create", json={}, headers={})
    assert response.status_code == 404
    envelope = response.json()
    assert set(envelope) == {"status", "msg", "data"}
    assert (envelope["status"], envelope["data"]) == (9404, None)
    assert "POST /cn-api/api/job/create" in envelope["msg"]
    assert response.headers.get_list("date")  # the sandbox's clock, as on every answer


def test_known_path_with_another_method_gets_9404_and_http_405(cloudnest_api: SignedApi) -> None:
    response = cloudnest_api.http.get("/cn-api/api/job/add")
    assert response.status_code == 405 and response.json()["status"] == 9404
    assert "POST" in response.headers["allow"]


# --- server_version -----------------------------------------------------------------------------


def test_server_version_answers_without_any_auth_header(cloudnest_api: SignedApi) -> None:
    response = cloudnest_api.http.get("/api/server_version")
    assert response.status_code == 200
    assert response.json() == {
        "status": 0,
        "msg": "OK",
        "data": {"version": "3.43.0", "ver_date": "20230321", "server_env": "sandbox"},
    }


def test_server_version_takes_no_share_of_the_rate_limit_or_quota(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(rate_limit=1.0, daily_quota=1))
    statuses = [api.http.get("/api/server_version").json()["status"] for _ in range(3)]
    assert statuses == [0, 0, 0]
    assert api.call("job_list", {})["status"] == 0


# --- size of JSON bodies ------------------------------------------------------------------------

SMALL_LIMIT = 4096


def test_json_body_over_the_default_limit_gets_413_and_2200(cloudnest_api: SignedApi) -> None:
    oversize = b'{"job_name": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    response = cloudnest_api.request(
        "job_add", content=oversize, headers=cloudnest_api.sandbox.headers()
    )
    assert response.status_code == 413
    envelope = response.json()
    assert envelope["status"] == 2200 and "8,388,608 bytes" in envelope["msg"]
    assert cloudnest_api.data("job_list", {}) == []  # nothing created


def test_json_body_within_the_limit_is_read(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(max_json_bytes=SMALL_LIMIT))
    assert api.data("job_add", {"job_name": "x" * (SMALL_LIMIT // 2)})["job_id"]


def _head(sandbox: CloudNestSandboxHandle, extra: dict[str, str]) -> bytes:
    return raw_head(sandbox, DEFAULT_ROUTES["job_add"].path, "application/json", extra)


def test_declared_oversize_body_is_refused_before_any_of_it_arrives(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
) -> None:
    sandbox = cloudnest_sandbox_factory(max_json_bytes=SMALL_LIMIT)
    head = _head(sandbox, {"Content-Length": str(200 * 1024 * 1024)})
    answer = raw_exchange(sandbox.base_url, head, iter(()))  # not one byte of the 200 MiB
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b'"status":2200' in answer and b"max_json_bytes" in answer


def test_chunked_oversize_body_is_refused_once_the_limit_is_passed(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
) -> None:
    sandbox = cloudnest_sandbox_factory(max_json_bytes=SMALL_LIMIT)
    head = _head(sandbox, {"Transfer-Encoding": "chunked"})
    chunk = b"x" * 1024
    chunks = (b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(8))  # never the last chunk
    answer = raw_exchange(sandbox.base_url, head, chunks)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b'"status":2200' in answer and b"more than 4,096 bytes" in answer


def test_chunked_body_within_the_limit_is_read(
    cloudnest_sandbox_factory: CloudNestSandboxFactory, cloudnest_api_for: SignedApiFactory
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(max_json_bytes=SMALL_LIMIT))
    body = iter([b'{"job_name": ', b'"chunked"}'])  # an iterator: httpx sends it chunked
    response = api.http.post(
        DEFAULT_ROUTES["job_add"].path, content=body, headers=api.sandbox.headers()
    )
    assert response.json()["data"]["job_name"] == "chunked"
