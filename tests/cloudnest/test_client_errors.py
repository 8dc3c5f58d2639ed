"""The typed error family: every status code maps to its class; messages are actionable."""

import pickle

import pytest

from nestflow.cloudnest.errors import (
    STATUS_CODES,
    CloudNestAnswerTooLarge,
    CloudNestAnswerTooSlow,
    CloudNestAuthError,
    CloudNestClockSkewError,
    CloudNestConflict,
    CloudNestNotFound,
    CloudNestPermissionError,
    CloudNestQuotaExceeded,
    CloudNestRateLimited,
    CloudNestServerError,
    CloudNestTransportError,
    CloudNestUnknownRoute,
    CloudNestValidationError,
    error_class_for,
    error_for_status,
    retryable,
)

#: The gateway's global table (spec §3.2, §Q.1): code -> class, and a word the hint must hold.
VENDOR = {
    1000: (CloudNestAuthError, "app-id"),
    1001: (CloudNestAuthError, "open.fscut.com"),
    1002: (CloudNestAuthError, "Bochu support"),
    1003: (CloudNestClockSkewError, "NTP"),
    1004: (CloudNestAuthError, "app-sign"),
    1005: (CloudNestAuthError, "app_secret"),
    1006: (CloudNestValidationError, "JSON"),
    1007: (CloudNestPermissionError, "enable this API"),
    1008: (CloudNestQuotaExceeded, "quota"),
    1009: (CloudNestRateLimited, "rate_limits"),
    1010: (CloudNestPermissionError, "card id"),
    1011: (CloudNestValidationError, "cardIds"),
    1012: (CloudNestValidationError, "yyyyMMdd"),
    1013: (CloudNestValidationError, "yyyy-MM-dd HH:mm:ss"),
    1014: (CloudNestValidationError, "3 months"),
    1100: (CloudNestServerError, "retry later"),
    1101: (CloudNestServerError, "initialising"),
    1102: (CloudNestServerError, "Retry later"),
    1103: (CloudNestServerError, "Retry later"),
    1200: (CloudNestAuthError, "app_id"),
    2200: (CloudNestValidationError, "Fix the request"),
    2201: (CloudNestServerError, "Retry later"),
}
#: nestflow's provisional codes, outside every range of the vendor's table.
OURS = {
    9010: (CloudNestAuthError, "org_code"),
    9404: (CloudNestUnknownRoute, "route override"),
}
VENDOR_RANGES = [range(1000, 1015), range(1100, 1104), range(1200, 1201), range(2200, 2202)]


@pytest.mark.parametrize(("code", "expected"), sorted((VENDOR | OURS).items()))
def test_each_gateway_code_maps_to_its_class_with_a_hint_on_what_to_do(code, expected):
    cls, advice = expected
    assert error_class_for(code) is cls
    error = error_for_status(code, "vendor text", "machine_result_list (POST /x)")
    assert type(error) is cls
    assert advice in error.hint and error.hint in str(error)
    assert f"status {code}" in str(error) and "machine_result_list (POST /x)" in str(error)


def test_the_table_holds_every_code_of_the_vendors_global_table():
    assert set(VENDOR) <= set(STATUS_CODES)
    assert {code for r in VENDOR_RANGES for code in r} == set(VENDOR)


def test_the_projects_own_codes_stay_out_of_the_vendors_table():
    ours = set(STATUS_CODES) - set(VENDOR)
    assert ours and not any(code in r for code in ours for r in VENDOR_RANGES)
    assert 1010 not in ours and 9010 in ours  # the OrgCode no longer borrows 1010


def test_only_the_server_side_failures_are_retryable():
    assert {code for code in STATUS_CODES if retryable(code)} == {1102, 1103, 2201}
    assert not retryable(None) and not retryable(4242)


def test_uncontrollable_machine_keeps_its_vendor_meaning():
    error = error_for_status(1010, "uncontrollable machine tool", "device_upload_cut (POST /u)")
    assert "uncontrollable machine tool" in str(error)
    assert STATUS_CODES[1010].name == "uncontrollable_machine"


def test_domain_codes_map_to_not_found_conflict_or_validation():
    domain = {row.error for code, row in STATUS_CODES.items() if 2000 <= code < 3000}
    assert domain == {
        CloudNestNotFound,
        CloudNestConflict,
        CloudNestValidationError,
        CloudNestServerError,  # 2201, the vendor's backend failure
    }
    assert error_class_for(2000) is CloudNestNotFound
    assert error_class_for(2101) is CloudNestConflict
    assert error_class_for(2300) is CloudNestValidationError


def test_unknown_codes_are_server_errors_or_validation_in_the_domain_range():
    assert error_class_for(4242) is CloudNestServerError
    assert error_class_for(2999) is CloudNestValidationError


@pytest.mark.parametrize("code", sorted(STATUS_CODES))
def test_message_carries_code_vendor_text_endpoint_and_a_hint(code):
    error = error_for_status(code, "vendor says no", "job_add (POST /cn-api/api/job/add)")
    text = str(error)
    assert f"status {code}" in text and "vendor says no" in text
    assert "job_add (POST /cn-api/api/job/add)" in text
    assert error.hint and error.hint in text


def test_errors_survive_pickling_with_their_fields():
    error = error_for_status(1007, "not enabled", "machine_result_list (POST /x)")
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is CloudNestPermissionError
    assert (clone.status, clone.msg, clone.endpoint, str(clone)) == (
        1007,
        "not enabled",
        "machine_result_list (POST /x)",
        str(error),
    )


def test_answers_cut_off_say_so_instead_of_no_answer():
    large = CloudNestAnswerTooLarge(None, "larger than 10 bytes", "job_info (POST /x)")
    slow = CloudNestAnswerTooSlow(None, "took longer than 1 s", "job_info (POST /x)")
    assert "answer cut off" in str(large) and "no answer" not in str(large)
    assert "answer cut off" in str(slow) and "request_deadline" in str(slow)
    assert isinstance(large, CloudNestServerError)  # a push behind it may have landed
    assert isinstance(slow, CloudNestTransportError)
    assert type(pickle.loads(pickle.dumps(large))) is CloudNestAnswerTooLarge


def test_secret_in_vendor_text_is_scrubbed():
    error = error_for_status(
        1005, "sign of TOPSECRET wrong", "job_info (POST /x)", secret="TOPSECRET"
    )
    assert "TOPSECRET" not in str(error) and "TOPSECRET" not in repr(error)
