"""Signing and signed headers (spec §2)."""

import re

import pytest
from pydantic import SecretStr

from nestflow.cloudnest.signing import (
    HEADER_APP_ID,
    HEADER_ORG_CODE,
    HEADER_SIGN,
    HEADER_TIMESTAMP,
    HEADER_ZONE_ID,
    Signer,
    server_time_ms,
    sign,
)

SECRET = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("app_id", "secret", "timestamp", "expected"),
    [
        ("op191eb50f9b81873c", "appSecret", "1743497261540", "0e32caaf79965751f390b3b2d70d8b7c"),
        ("op18725d72811234d2", "appSecret", "1680592492719", "000883fa2d9ed2ebaf8e59d4e63a8893"),
        ("op0000000000000000", SECRET, "1700000000000", "f58fc36454d311e549750b3766633da2"),
    ],
)
def test_sign_matches_the_spec_test_vectors(app_id, secret, timestamp, expected):
    assert sign(app_id, secret, timestamp) == expected
    assert sign(app_id, secret, int(timestamp)) == expected


def test_documented_example_sign_is_not_made_with_the_placeholder_secret():
    # §2.3: the curl's 'appSecret' is a placeholder; the documented sign used a real secret.
    assert sign("op191eb50f9b81873c", "appSecret", 1743497261540) != (
        "13622d51e3e4f4935c8ba27728ed309f"
    )


def test_headers_carry_kebab_case_auth_headers_and_org_code():
    headers = Signer("op0000000000000000", SECRET, "TEAM001").headers(1700000000000)
    assert headers == {
        HEADER_APP_ID: "op0000000000000000",
        HEADER_TIMESTAMP: "1700000000000",
        HEADER_SIGN: "f58fc36454d311e549750b3766633da2",
        HEADER_ORG_CODE: "TEAM001",
    }
    assert (HEADER_APP_ID, HEADER_TIMESTAMP, HEADER_SIGN, HEADER_ORG_CODE) == (
        "app-id",
        "time-stamp",
        "app-sign",
        "X-FS-Orgcode",
    )


def test_headers_never_contain_the_secret():
    headers = Signer("op1", SECRET, "TEAM001", zone_id="Europe/Berlin").headers()
    assert all(SECRET not in f"{k}: {v}" for k, v in headers.items())
    assert "appSecret" not in headers


def test_timestamp_is_13_digit_epoch_milliseconds_from_the_clock():
    headers = Signer("op1", SECRET, "T", clock=lambda: 1743497261.540).headers()
    assert headers[HEADER_TIMESTAMP] == "1743497261540"
    assert re.fullmatch(r"[0-9a-f]{32}", headers[HEADER_SIGN])


def test_zone_id_header_is_sent_only_when_configured():
    assert HEADER_ZONE_ID not in Signer("a", SECRET, "T").headers()
    assert Signer("a", SECRET, "T", zone_id="America/New_York").headers()[HEADER_ZONE_ID] == (
        "America/New_York"
    )


def test_signer_repr_and_secret_property_mask_the_secret():
    signer = Signer("op1", SecretStr(SECRET), "TEAM001")
    assert SECRET not in repr(signer) and SECRET not in str(signer)
    assert SECRET not in str(signer.secret)


def test_server_time_is_read_from_the_last_parseable_date_header():
    front = "Tue, 14 Nov 2023 22:13:20 GMT"  # 1700000000 s
    app = "Tue, 14 Nov 2023 22:33:20 GMT"  # 20 minutes later
    assert server_time_ms([front, app]) == 1_700_001_200_000
    assert server_time_ms([app, "not a date"]) == 1_700_001_200_000
    assert server_time_ms(["garbage"]) is None


def test_correct_clock_sets_offset_so_timestamps_follow_the_server():
    signer = Signer("op1", SECRET, "T", clock=lambda: 1_700_000_000.0)
    assert signer.correct_clock(["Tue, 14 Nov 2023 22:33:20 GMT"]) is True
    assert signer.offset_ms == 1_200_000
    assert signer.headers()[HEADER_TIMESTAMP] == "1700001200000"


def test_correct_clock_reports_no_change_when_clocks_agree_within_a_second():
    signer = Signer("op1", SECRET, "T", clock=lambda: 1_700_000_000.4)
    assert signer.correct_clock(["Tue, 14 Nov 2023 22:13:20 GMT"]) is False
    assert signer.correct_clock([]) is False
