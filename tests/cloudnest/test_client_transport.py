"""Client behaviour the sandbox cannot produce: dropped connections, HTTP 5xx/429/404, foreign
answers, and the exact bytes on the wire. These use httpx.MockTransport on purpose."""

import json

import httpx
import pytest

from nestflow.cloudnest import CloudNestClient
from nestflow.cloudnest.errors import (
    CloudNestClockSkewError,
    CloudNestConfigError,
    CloudNestError,
    CloudNestNotFound,
    CloudNestQuotaExceeded,
    CloudNestRateLimited,
    CloudNestServerError,
    CloudNestTransportError,
    CloudNestUnknownRoute,
    CloudNestValidationError,
)
from nestflow.cloudnest.routes import CLOUDNEST_HOST_URL, GATEWAY_URL
from nestflow.cloudnest.signing import sign

SECRET = "s3cr3t-value-that-must-not-leak"
BASE = "http://cloudnest.test"


def ok(data):
    return httpx.Response(200, json={"status": 0, "msg": "OK", "data": data})


class Recorder:
    """A MockTransport handler answering from a script and keeping every request."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def client_for(handler, sleeps=None, **options) -> CloudNestClient:
    sleeps = [] if sleeps is None else sleeps
    options.setdefault("default_rate", None)
    return CloudNestClient(
        BASE,
        "op0000000000000000",
        SECRET,
        "TEAM001",
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
        **options,
    )


def test_request_is_signed_json_post_to_the_route_path():
    rec = Recorder(ok({"job_id": 7, "job_name": "J"}))
    client_for(rec, clock=lambda: 1_700_000_000.0).job_add("J", thickness=2.0)
    request = rec.requests[0]
    assert (request.method, request.url.path) == ("POST", "/cn-api/api/job/add")
    assert request.headers["app-id"] == "op0000000000000000"
    assert request.headers["time-stamp"] == "1700000000000"
    assert request.headers["app-sign"] == sign("op0000000000000000", SECRET, 1700000000000)
    assert request.headers["x-fs-orgcode"] == "TEAM001"
    assert json.loads(request.content) == {"job_name": "J", "thickness": 2.0}


def test_secret_is_never_on_the_wire():
    rec = Recorder(ok([{"drawing_guid": "A", "filename": "a.dxf"}]))
    client_for(rec, zone_id="Europe/Berlin").drawing_upload(
        3, [("a.dxf", b"0\nSECTION\n0\nEOF\n")], [{"filename": "a.dxf", "amount": 2}]
    )
    request = rec.requests[0]
    wire = "".join(f"{k}: {v}\n" for k, v in request.headers.items()).encode() + request.content
    assert SECRET.encode() not in wire
    assert b"appSecret" not in wire


def test_route_override_changes_the_path_used():
    rec = Recorder(ok([]))
    client = client_for(rec, route_overrides={"job_search": "POST /open/v2/job/find"})
    assert client.job_search("X") == []
    assert rec.requests[0].url.path == "/open/v2/job/find"


def test_get_endpoint_sends_its_payload_as_query_string():
    rec = Recorder(ok([]))
    client_for(rec).plate_scrap_tree(material_id=2095)
    request = rec.requests[0]
    assert request.method == "GET" and request.url.params["material_id"] == "2095"


def test_multipart_upload_sends_file_parts_and_datas_json():
    rec = Recorder(ok([{"drawing_guid": "A", "filename": "a.dxf"}]))
    client_for(rec).drawing_upload(
        3, [("a.dxf", b"DXF-BYTES")], [{"filename": "a.dxf", "amount": 4, "material": "Q235"}]
    )
    request = rec.requests[0]
    assert request.headers["content-type"].startswith("multipart/form-data")
    body = request.content
    assert b'name="file"; filename="a.dxf"' in body and b"DXF-BYTES" in body
    assert b'name="job_id"' in body
    assert json.loads(form_field(body, "datas")) == [
        {"filename": "a.dxf", "amount": 4, "material": "Q235"}  # unset attributes left out
    ]
    assert form_field(body, "job_id") == "3"


def form_field(body: bytes, name: str) -> str:
    head = f'name="{name}"\r\n\r\n'.encode()
    start = body.index(head) + len(head)
    return body[start : body.index(b"\r\n--", start)].decode()


def test_connection_refused_on_a_create_is_resent_because_it_never_landed():
    rec = Recorder(httpx.ConnectError("refused"), ok({"job_id": 1, "job_name": "J"}))
    assert client_for(rec).job_add("J").job_id == 1
    assert len(rec.requests) == 2


def test_read_timeout_on_a_create_is_not_resent_and_says_it_may_have_landed():
    rec = Recorder(httpx.ReadTimeout("slow"), ok({"job_id": 1, "job_name": "J"}))
    with pytest.raises(CloudNestTransportError, match="may have reached the server") as info:
        client_for(rec).job_add("J")
    assert len(rec.requests) == 1
    assert "job_add (POST /cn-api/api/job/add)" in str(info.value)


def test_read_timeout_on_a_query_is_resent_with_doubling_jittered_backoff():
    sleeps: list[float] = []
    rec = Recorder(httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow"), ok([]))
    assert client_for(rec, sleeps).job_search("J") == []
    assert len(rec.requests) == 3 and len(sleeps) == 2
    # 0.5 s then 1 s, each shortened by up to a fifth at random
    assert 0.4 <= sleeps[0] <= 0.5 and 0.8 <= sleeps[1] <= 1.0


def test_query_gives_up_after_max_retries():
    rec = Recorder(httpx.ReadTimeout("slow"))
    with pytest.raises(CloudNestTransportError):
        client_for(rec, max_retries=2).job_search("J")
    assert len(rec.requests) == 3


def test_server_error_on_a_query_is_resent():
    rec = Recorder(httpx.Response(502, text="bad gateway"), ok([]))
    assert client_for(rec).job_search("J") == []


def test_server_error_on_a_push_is_not_resent():
    rec = Recorder(httpx.Response(503, text="unavailable"))
    with pytest.raises(CloudNestServerError) as info:
        client_for(rec).production_push("3DC495FB-47A8-469E-A11F-25FD82151BC7", 165192, 1)
    assert len(rec.requests) == 1
    assert info.value.status == 503 and "production_push" in str(info.value)


def test_http_429_is_waited_out_using_retry_after():
    sleeps: list[float] = []
    rec = Recorder(httpx.Response(429, headers={"Retry-After": "0.7"}), ok([]))
    assert client_for(rec, sleeps).job_search("J") == []
    assert sleeps == [0.7]
    assert client_for(rec).stats() == {}


def test_retry_after_as_an_http_date_is_read_against_the_servers_clock():
    sleeps: list[float] = []
    headers = {
        "Retry-After": "Tue, 14 Nov 2023 22:13:25 GMT",
        "Date": "Tue, 14 Nov 2023 22:13:20 GMT",
    }
    rec = Recorder(httpx.Response(429, headers=headers), ok([]))
    assert client_for(rec, sleeps).job_search("J") == []
    assert sleeps == [5.0]


def test_retry_after_beyond_max_retry_after_fails_at_once():
    sleeps: list[float] = []
    rec = Recorder(httpx.Response(429, headers={"Retry-After": "120"}), ok([]))
    with pytest.raises(CloudNestRateLimited) as info:
        client_for(rec, sleeps, max_retry_after=30).job_search("J")
    assert sleeps == [] and len(rec.requests) == 1
    assert "120 s" in str(info.value) and "max_retry_after (30 s)" in str(info.value)


def test_too_frequent_answers_beyond_the_bound_raise_rate_limited():
    rec = Recorder(httpx.Response(200, json={"status": 1009, "msg": "too frequent", "data": None}))
    client = client_for(rec, max_rate_limit_waits=3)
    with pytest.raises(CloudNestRateLimited, match="rate_limits"):
        client.job_add("J")
    assert len(rec.requests) == 4
    assert client.stats()["job_add"].rate_limited == 4


def test_bare_404_on_a_provisional_route_names_the_url_and_the_route_override():
    rec = Recorder(httpx.Response(404, text="Not Found"))
    with pytest.raises(CloudNestUnknownRoute) as info:
        client_for(rec, max_retries=0).job_boost(1)
    text = str(info.value)
    assert f"{BASE}/cn-api/api/job/boost" in text
    assert "job_boost (POST /cn-api/api/job/boost)" in text
    assert "route override of 'job_boost'" in text and "provisional" in text
    assert info.value.status == 404 and len(rec.requests) == 1
    assert not isinstance(info.value, CloudNestNotFound)  # not "the job does not exist"


def test_bare_404_after_a_route_override_points_at_that_override():
    rec = Recorder(httpx.Response(404, text="<html>404</html>"))
    client = client_for(rec, route_overrides={"job_plate_used": "/cn-api/api/job/plates"})
    with pytest.raises(CloudNestUnknownRoute, match="route override of 'job_plate_used'") as info:
        client.job_plate_used([1])
    assert f"POST {BASE}/cn-api/api/job/plates" in str(info.value)


def test_bare_405_is_an_unknown_route_too():
    rec = Recorder(httpx.Response(405, text="Method Not Allowed"))
    with pytest.raises(CloudNestUnknownRoute, match="route_overrides"):
        client_for(rec).job_info(1)


def test_enveloped_unknown_route_of_the_sandbox_is_the_same_error():
    answer = httpx.Response(404, json={"status": 9404, "msg": "no such route", "data": None})
    with pytest.raises(CloudNestUnknownRoute) as info:
        client_for(Recorder(answer)).job_info(1)
    assert info.value.status == 9404 and f"{BASE}/cn-api/api/job/info" in str(info.value)


@pytest.mark.parametrize("code", [1102, 1103, 2201])
def test_server_side_failure_codes_on_a_query_are_resent(code):
    failure = httpx.Response(200, json={"status": code, "msg": "internal error", "data": None})
    rec = Recorder(failure, ok([]))
    assert client_for(rec).job_search("J") == []
    assert len(rec.requests) == 2


@pytest.mark.parametrize("code", [1102, 1103, 2201])
def test_server_side_failure_codes_on_a_push_are_not_resent(code):
    rec = Recorder(httpx.Response(200, json={"status": code, "msg": "internal error"}))
    with pytest.raises(CloudNestServerError) as info:
        client_for(rec).production_push("3DC495FB-47A8-469E-A11F-25FD82151BC7", 165192, 1)
    assert info.value.status == code and len(rec.requests) == 1


@pytest.mark.parametrize("code", [1100, 1101])
def test_other_server_failure_codes_are_not_resent(code):
    rec = Recorder(httpx.Response(200, json={"status": code, "msg": "failed"}))
    with pytest.raises(CloudNestServerError):
        client_for(rec).job_search("J")
    assert len(rec.requests) == 1


def test_answer_that_is_not_an_envelope_is_a_server_error():
    rec = Recorder(httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(CloudNestServerError, match="not a CloudNest envelope"):
        client_for(rec, max_retries=0).job_info(1)


def test_data_not_matching_the_model_is_a_validation_error_naming_fields():
    rec = Recorder(ok({"job_name": "J"}))
    with pytest.raises(CloudNestValidationError, match="job_id: Field required"):
        client_for(rec).job_info(1)


def test_invalid_payload_is_refused_before_sending():
    rec = Recorder(ok(None))
    with pytest.raises(CloudNestValidationError, match="refused before sending"):
        client_for(rec).call("job_add", {"thickness": 2})
    assert rec.requests == []


def test_secret_echoed_by_a_server_is_scrubbed_from_errors():
    answer = httpx.Response(200, json={"status": 1005, "msg": f"bad sign for {SECRET}"})
    with pytest.raises(CloudNestError) as info:
        client_for(Recorder(answer)).job_info(1)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    assert "***" in str(info.value)


def test_configured_quota_refuses_before_any_request():
    rec = Recorder(ok({"job_id": 1, "job_name": "J"}))
    client = client_for(rec, daily_quotas={"job_add": 1})
    client.job_add("J")
    with pytest.raises(CloudNestQuotaExceeded, match="1 calls/day"):
        client.job_add("K")
    assert len(rec.requests) == 1


def test_vendor_1008_marks_the_endpoint_used_up_for_the_day():
    rec = Recorder(httpx.Response(200, json={"status": 1008, "msg": "quota"}))
    client = client_for(rec)
    with pytest.raises(CloudNestQuotaExceeded):
        client.job_info(1)
    with pytest.raises(CloudNestQuotaExceeded, match="refused before sending"):
        client.job_info(1)
    assert len(rec.requests) == 1


@pytest.mark.parametrize(
    "option",
    [
        {"request_deadline": 0},
        {"max_answer_bytes": 0},
        {"max_retry_after": -1},
        {"unreachable_after": 0},
    ],
)
def test_bounds_that_are_not_positive_are_configuration_errors(option):
    with pytest.raises(CloudNestConfigError, match=next(iter(option))):
        client_for(Recorder(ok(None)), **option)


def test_request_deadline_defaults_to_three_timeouts():
    client = client_for(Recorder(ok(None)), timeout=7.0)
    assert client.request_deadline == 21.0
    assert client_for(Recorder(ok(None)), request_deadline=2.5).request_deadline == 2.5


def test_server_version_is_an_unsigned_get_on_cloudnests_own_host():
    version = {"version": "3.43.0", "ver_date": "20230321", "server_env": "prod"}
    rec = Recorder(ok(version))
    answer = client_for(rec, cloudnest_url="http://cloudnest.host.test/").server_version()
    assert (answer.version, answer.ver_date, answer.server_env) == ("3.43.0", "20230321", "prod")
    request = rec.requests[0]
    assert (request.method, str(request.url)) == (
        "GET",
        "http://cloudnest.host.test/api/server_version",
    )
    assert not {"app-id", "app-sign", "time-stamp", "x-fs-orgcode"} & set(request.headers)


def test_cloudnests_own_host_defaults_from_the_gateway():
    assert client_for(Recorder(ok(None))).cloudnest_url == BASE  # the sandbox serves both
    vendor = CloudNestClient(GATEWAY_URL, "op1", SECRET, "TEAM001")
    assert vendor.cloudnest_url == CLOUDNEST_HOST_URL
    vendor.close()


def test_unknown_endpoint_names_in_limits_are_configuration_errors():
    with pytest.raises(CloudNestConfigError, match="valid names"):
        client_for(Recorder(ok(None)), rate_limits={"job_create": 1.0})
    with pytest.raises(CloudNestConfigError, match="valid names"):
        client_for(Recorder(ok(None)), daily_quotas={"nest_detail": 10})


def test_download_sends_signed_headers_only_to_the_gateway_origin():
    rec = Recorder(httpx.Response(200, content=b"0\nSECTION\n"))
    client = client_for(rec)
    assert client.download("/files/layout.dxf") == b"0\nSECTION\n"
    assert client.download("http://cdn.example/layout.dxf") == b"0\nSECTION\n"
    same, other = rec.requests
    assert same.url == f"{BASE}/files/layout.dxf" and "app-sign" in same.headers
    assert "app-sign" not in other.headers and "app-id" not in other.headers


def test_client_repr_masks_the_secret():
    client = client_for(Recorder(ok(None)))
    assert SECRET not in repr(client) and SECRET not in str(client)
    assert "op0000000000000000" in repr(client)


def test_refused_too_frequent_calls_do_not_use_up_the_daily_quota():
    too_frequent = httpx.Response(200, json={"status": 1009, "msg": "too frequent"})
    rec = Recorder(too_frequent, too_frequent, ok({"job_id": 1, "job_name": "J"}))
    client = client_for(rec, daily_quotas={"job_add": 1})
    assert client.job_add("J").job_id == 1
    assert client.quota.used("job_add") == 1 and len(rec.requests) == 3


def stale(date: str | None):
    headers = {"Date": date} if date else {}
    return httpx.Response(200, json={"status": 1003, "msg": "stale"}, headers=headers)


def test_stale_timestamp_is_resent_once_with_the_servers_clock():
    rec = Recorder(stale("Tue, 14 Nov 2023 22:33:20 GMT"), ok([]))
    client = client_for(rec, clock=lambda: 1_700_000_000.0)
    assert client.job_search("J") == []
    first, second = (int(r.headers["time-stamp"]) for r in rec.requests)
    assert (first, second) == (1_700_000_000_000, 1_700_001_200_000)


def test_timestamp_still_refused_after_correction_is_a_clock_skew_error():
    rec = Recorder(stale("Tue, 14 Nov 2023 22:33:20 GMT"))
    with pytest.raises(CloudNestClockSkewError, match="even after correcting") as info:
        client_for(rec, clock=lambda: 1_700_000_000.0).job_search("J")
    assert info.value.status == 1003 and len(rec.requests) == 2


def test_stale_timestamp_without_a_date_header_is_not_resent():
    rec = Recorder(stale(None))
    with pytest.raises(CloudNestClockSkewError, match="NTP"):
        client_for(rec).job_search("J")
    assert len(rec.requests) == 1


def test_http_500_envelope_on_a_query_is_resent():
    crash = httpx.Response(500, json={"status": 500, "msg": "internal error", "data": None})
    rec = Recorder(crash, ok([]))
    assert client_for(rec).job_search("J") == []
    assert len(rec.requests) == 2


def test_files_for_an_endpoint_that_takes_none_are_refused_before_sending():
    rec = Recorder(ok([]))
    with pytest.raises(CloudNestValidationError, match="takes no files"):
        client_for(rec).call("job_search", {"job_name": "J"}, files=[("a.dxf", b"x")])
    assert rec.requests == []
