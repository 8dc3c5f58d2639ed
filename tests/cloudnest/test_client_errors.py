"""The typed error family: every status code maps to its class; messages are actionable."""

import pickle

import pytest

from nestflow.cloudnest.errors import (
    STATUS_CODES,
    CloudNestAuthError,
    CloudNestClockSkewError,
    CloudNestConflict,
    CloudNestNotFound,
    CloudNestPermissionError,
    CloudNestQuotaExceeded,
    CloudNestRateLimited,
    CloudNestServerError,
    CloudNestValidationError,
    error_class_for,
    error_for_status,
)

EXPECTED = {
    1000: CloudNestAuthError,
    1001: CloudNestAuthError,
    1002: CloudNestAuthError,
    1003: CloudNestClockSkewError,
    1004: CloudNestAuthError,
    1005: CloudNestAuthError,
    1006: CloudNestValidationError,
    1007: CloudNestPermissionError,
    1008: CloudNestQuotaExceeded,
    1009: CloudNestRateLimited,
    1010: CloudNestAuthError,
}


@pytest.mark.parametrize(("code", "cls"), sorted(EXPECTED.items()))
def test_auth_layer_codes_map_to_their_error_class(code, cls):
    assert error_class_for(code) is cls


def test_domain_codes_map_to_not_found_conflict_or_validation():
    kinds = {row.error for code, row in STATUS_CODES.items() if code >= 2000}
    assert kinds == {CloudNestNotFound, CloudNestConflict, CloudNestValidationError}
    assert error_class_for(2000) is CloudNestNotFound
    assert error_class_for(2101) is CloudNestConflict


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


def test_secret_in_vendor_text_is_scrubbed():
    error = error_for_status(
        1005, "sign of TOPSECRET wrong", "job_info (POST /x)", secret="TOPSECRET"
    )
    assert "TOPSECRET" not in str(error) and "TOPSECRET" not in repr(error)
