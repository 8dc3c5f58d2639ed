"""The gateway's checks of every call: app id, timestamp, signature, org code, permission.

Codes as the spec assigns them (§3.2, §Q.1): 1000 no ``app-id``, 1001 unknown app, 1002 app
expired, 1003 ``time-stamp`` missing or outside ±10 minutes, 1004 no ``app-sign``, 1005 wrong
signature, 1007 endpoint not enabled for the app; and nestflow's provisional 9010 for a missing
or unknown ``X-FS-Orgcode`` (the vendor's code for it is unknown; see
:mod:`nestflow.cloudnest.errors`).
Checks run in that order, so a request with several faults gets the first code a real gateway
would see. The signature is compared in constant time and exactly (lowercase hex, §2.2).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from nestflow.cloudnest.errors import (
    APP_ID_EXPIRED,
    ENDPOINT_NOT_ALLOWED,
    INVALID_ORG_CODE,
    INVALID_SIGNATURE,
    INVALID_TIMESTAMP,
    MISSING_APP_ID,
    MISSING_SIGNATURE,
    UNKNOWN_APP_ID,
)
from nestflow.cloudnest.signing import (
    HEADER_APP_ID,
    HEADER_ORG_CODE,
    HEADER_SIGN,
    HEADER_TIMESTAMP,
    sign,
)
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal
from nestflow.sandbox.cloudnest.settings import AppAccount, CloudNestSandboxSettings


def authenticate(
    headers: Mapping[str, str], settings: CloudNestSandboxSettings, now_ms: int
) -> AppAccount:
    """Check the signed headers of a call and return the calling app.

    Args:
        headers: Request headers (case-insensitive mapping).
        settings: Accounts and the timestamp window.
        now_ms: The sandbox's clock in epoch milliseconds.

    Returns:
        The authenticated account.

    Raises:
        ApiRefusal: With the code of the first failed check (1000-1005).
    """
    app_id = headers.get(HEADER_APP_ID, "").strip()
    if not app_id:
        raise ApiRefusal(MISSING_APP_ID, f"send the {HEADER_APP_ID} header")
    account = next((a for a in settings.apps if a.app_id == app_id), None)
    if account is None:
        raise ApiRefusal(UNKNOWN_APP_ID, f"app-id {app_id!r} is not registered")
    if account.expired:
        raise ApiRefusal(APP_ID_EXPIRED, f"app-id {app_id!r} has expired")
    timestamp = _timestamp_ms(headers.get(HEADER_TIMESTAMP, ""))
    if timestamp is None or abs(timestamp - now_ms) > settings.timestamp_window_ms:
        raise ApiRefusal(
            INVALID_TIMESTAMP, _timestamp_detail(timestamp, now_ms, settings.timestamp_window_ms)
        )
    signature = headers.get(HEADER_SIGN, "").strip()
    if not signature:
        raise ApiRefusal(MISSING_SIGNATURE, f"send the {HEADER_SIGN} header")
    expected = sign(account.app_id, account.app_secret.get_secret_value(), timestamp)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise ApiRefusal(
            INVALID_SIGNATURE,
            "expected lowercase hex MD5 of appId + appSecret + time-stamp (no separator)",
        )
    return account


def check_org_code(headers: Mapping[str, str], account: AppAccount) -> str:
    """Return the ``X-FS-Orgcode`` of the call; refuse (9010) a missing or foreign one."""
    org_code = headers.get(HEADER_ORG_CODE, "").strip()
    if not org_code:
        raise ApiRefusal(INVALID_ORG_CODE, f"send the {HEADER_ORG_CODE} header (team OrgCode)")
    if org_code not in account.org_codes:
        raise ApiRefusal(
            INVALID_ORG_CODE, f"OrgCode {org_code!r} is not a team of app {account.app_id!r}"
        )
    return org_code


def check_permission(account: AppAccount, endpoint: str) -> None:
    """Refuse (1007) an endpoint that is not enabled for the app."""
    if endpoint in account.disabled_endpoints:
        raise ApiRefusal(
            ENDPOINT_NOT_ALLOWED, f"{endpoint} is not enabled for app {account.app_id!r}"
        )


def _timestamp_ms(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _timestamp_detail(timestamp: int | None, now_ms: int, window_ms: int) -> str:
    if timestamp is None:
        return f"send {HEADER_TIMESTAMP} as epoch milliseconds (13 digits)"
    return (
        f"{HEADER_TIMESTAMP} {timestamp} is {(timestamp - now_ms) / 1000:+.0f} s from the server's "
        f"clock (see the Date header); the window is ±{window_ms / 1000:.0f} s"
    )
