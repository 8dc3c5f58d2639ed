"""Typed exceptions for CloudNest and the one table of status codes both client and sandbox use.

Every error names the endpoint (name, method and path), the vendor's ``status`` code and ``msg``,
and says what a person can do about it. None ever contains the app secret: messages are built only
from the endpoint, the status code and the server's text, and the secret is scrubbed from the
server's text too in case a server echoes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

# Codes of the shared auth layer (spec §3.2) and the provisional ones of the project (spec §P.3).
MISSING_APP_ID = 1000
UNKNOWN_APP_ID = 1001
APP_ID_EXPIRED = 1002
INVALID_TIMESTAMP = 1003
MISSING_SIGNATURE = 1004
INVALID_SIGNATURE = 1005
BODY_NOT_JSON = 1006
ENDPOINT_NOT_ALLOWED = 1007
DAILY_QUOTA_EXCEEDED = 1008
TOO_FREQUENT = 1009
INVALID_ORG_CODE = 1010
#: The vendor's table (spec §Q.1) names 1010 "uncontrollable machine tool"; the sandbox still
#: answers a missing OrgCode with it too (to be separated: issue "vendors' real codes").
UNCONTROLLABLE_MACHINE = 1010

# Domain errors, provisional (spec §P.3: "from 2000 up ... listed in one table").
JOB_NOT_FOUND = 2000
DRAWING_NOT_FOUND = 2001
LAYOUT_NOT_FOUND = 2002
PLAN_NOT_FOUND = 2003
PART_NOT_FOUND = 2004
PLATE_NOT_FOUND = 2005
MATERIAL_NOT_FOUND = 2006
MACHINE_NOT_FOUND = 2007
JOB_NAME_EXISTS = 2100
DRAWING_BUSY = 2101
NESTING_NOT_FINISHED = 2102
NOTHING_TO_NEST = 2103
NESTING_RUNNING = 2104
INVALID_PARAMETER = 2200
UNSUPPORTED_FILE = 2201
DOWNLOAD_FAILED = 2202


class CloudNestConfigError(ValueError):
    """Invalid client configuration (route override, rate limit, quota); raised before any call."""


class CloudNestError(Exception):
    """Base of every error a CloudNest call can raise.

    Args:
        status: Vendor ``status`` code (non-zero), or the HTTP status for HTTP-level failures,
            or ``None`` when no answer arrived at all.
        msg: The server's ``msg`` (or a transport description).
        endpoint: ``"name (METHOD /path)"`` of the endpoint called.
        hint: What the user can do about it.
    """

    default_hint = "Check the request and the CloudNest account settings."

    def __init__(
        self, status: int | None, msg: str, endpoint: str, hint: str | None = None
    ) -> None:
        self.status = status
        self.msg = msg
        self.endpoint = endpoint
        self.hint = hint or _hint_for(status) or self.default_hint
        super().__init__(self._message())

    def _message(self) -> str:
        code = "no answer" if self.status is None else f"status {self.status}"
        return f"CloudNest {self.endpoint}: {code}: {self.msg or '(no message)'}. {self.hint}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, msg={self.msg!r}, "
            f"endpoint={self.endpoint!r})"
        )

    def __reduce__(self):  # keep pickling working (Prefect ships exceptions between processes)
        return (type(self), (self.status, self.msg, self.endpoint, self.hint))


class CloudNestAuthError(CloudNestError):
    """The gateway refused the credentials, signature, timestamp or org code (1000-1005, 1010)."""

    default_hint = "Check app_id, app_secret and org_code in the CloudNest credentials."


class CloudNestClockSkewError(CloudNestAuthError):
    """``time-stamp`` outside the server's ±10 minute window even after correcting the offset."""

    default_hint = "Synchronise this machine's clock (NTP); the gateway accepts ±10 minutes."


class CloudNestPermissionError(CloudNestError):
    """The app may not use this endpoint (1007)."""

    default_hint = "Ask Bochu support to enable this API for the app (open.fscut.com)."


class CloudNestQuotaExceeded(CloudNestError):
    """The endpoint's daily call quota is used up (1008, or the client's own count)."""

    default_hint = (
        "The daily quota for this endpoint is used up; wait until tomorrow or ask Bochu "
        "support or sales for a higher quota."
    )


class CloudNestRateLimited(CloudNestError):
    """The gateway answered "too frequent" (1009) more often than the client retries."""

    default_hint = "Lower the client's requests/second for this endpoint (rate_limits setting)."


class CloudNestNotFound(CloudNestError):
    """The job, drawing, layout, plan, part, plate, material or machine does not exist."""

    default_hint = "Check the id or GUID; it may have been deleted or belong to another team."


class CloudNestConflict(CloudNestError):
    """The object is in a state that forbids the call (drawing processing, nesting running...)."""

    default_hint = "Wait until the object is ready (poll its status) and call again."


class CloudNestValidationError(CloudNestError):
    """The request body or a file was refused (1006, 22xx), or a response did not parse."""

    default_hint = "Fix the request fields or the file named in the message."


class CloudNestServerError(CloudNestError):
    """HTTP 5xx, an unreadable answer, or an unknown non-zero status."""

    default_hint = "The CloudNest gateway failed; retry later or contact Bochu support."


class CloudNestTransportError(CloudNestError):
    """No answer: connection refused, reset, or timed out."""

    default_hint = "Check the network and base_url; the request may or may not have landed."


class CloudNestUnreachable(CloudNestTransportError):
    """The gateway gave no answer at all for the client's ``unreachable_after`` seconds.

    A transport error, so policies that classify transport errors still do; but the client (or
    the poll) already tried for the whole limit, so a caller should not retry it for long.

    Args:
        base_url: The gateway that did not answer.
        endpoint: ``"name (METHOD /path)"`` of the endpoint called.
        silent_s: Seconds the gateway had given no answer when the client gave up.
        attempts: Requests that got no answer in that time.
        last: Description of the last failure (``"ConnectError: ..."``).
        waiting_for: What a poll was waiting for, if the error ended one.
    """

    default_hint = (
        "Check that the CloudNest gateway is up and base_url is right (raise "
        "unreachable_after_s in the credentials block to wait longer for it)."
    )

    def __init__(
        self,
        base_url: str,
        endpoint: str,
        silent_s: float,
        attempts: int,
        last: str,
        waiting_for: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.silent_s = silent_s
        self.attempts = attempts
        self.last = last
        self.waiting_for = waiting_for
        during = f"; was waiting for {waiting_for}" if waiting_for else ""
        msg = (
            f"service unreachable at {base_url}: no answer for {silent_s:.1f} s "
            f"({attempts} attempt(s), last: {last}){during}"
        )
        super().__init__(None, msg, endpoint)

    def __reduce__(self):  # the constructor differs from CloudNestError's
        return (
            type(self),
            (
                self.base_url,
                self.endpoint,
                self.silent_s,
                self.attempts,
                self.last,
                self.waiting_for,
            ),
        )


class CloudNestWaitTimeout(CloudNestError):
    """A poll (drawings, nesting, production) did not reach its end state before the deadline."""

    default_hint = "Wait longer (raise the deadline) or check the job in CloudNest."


class CloudNestJobFailed(CloudNestError):
    """The server reports a nesting or production run as failed."""

    default_hint = "Check the job's parts and plates in CloudNest, then Boost again."


@dataclass(frozen=True, slots=True)
class StatusCode:
    """One row of the status table: code, short name, default text, exception class, hint."""

    code: int
    name: str
    text: str
    error: type[CloudNestError]
    hint: str


def _row(code: int, name: str, text: str, error: type[CloudNestError], hint: str) -> StatusCode:
    return StatusCode(code, name, text, error, hint)


_TABLE = (
    _row(
        MISSING_APP_ID,
        "missing_app_id",
        "missing app-id header",
        CloudNestAuthError,
        "Send the app-id header (the client does; check proxies that strip headers).",
    ),
    _row(
        UNKNOWN_APP_ID,
        "unknown_app_id",
        "app-id not authenticated",
        CloudNestAuthError,
        "Check app_id against the open-platform console https://open.fscut.com/#/user.",
    ),
    _row(
        APP_ID_EXPIRED,
        "app_id_expired",
        "app-id has expired",
        CloudNestAuthError,
        "The app registration expired; contact Bochu support to renew it.",
    ),
    _row(
        INVALID_TIMESTAMP,
        "invalid_timestamp",
        "time-stamp missing or outside ±10 minutes",
        CloudNestClockSkewError,
        "Synchronise this machine's clock (NTP); the gateway accepts ±10 minutes.",
    ),
    _row(
        MISSING_SIGNATURE,
        "missing_signature",
        "missing app-sign header",
        CloudNestAuthError,
        "Send the app-sign header (the client does; check proxies that strip headers).",
    ),
    _row(
        INVALID_SIGNATURE,
        "invalid_signature",
        "app-sign is invalid",
        CloudNestAuthError,
        "The signature did not match: check app_secret (and app_id) in the credentials.",
    ),
    _row(
        BODY_NOT_JSON,
        "body_not_json",
        "request body is not JSON",
        CloudNestValidationError,
        "The body must be JSON; check the route's method/path override.",
    ),
    _row(
        ENDPOINT_NOT_ALLOWED,
        "endpoint_not_allowed",
        "this API is not enabled for the app",
        CloudNestPermissionError,
        "Ask Bochu support to enable this API for the app (open.fscut.com).",
    ),
    _row(
        DAILY_QUOTA_EXCEEDED,
        "daily_quota_exceeded",
        "daily call quota exceeded",
        CloudNestQuotaExceeded,
        CloudNestQuotaExceeded.default_hint,
    ),
    _row(
        TOO_FREQUENT,
        "too_frequent",
        "requests too frequent",
        CloudNestRateLimited,
        CloudNestRateLimited.default_hint,
    ),
    _row(
        INVALID_ORG_CODE,
        "invalid_org_code",
        "X-FS-Orgcode missing or unknown",
        CloudNestAuthError,
        "Check org_code: the team's OrgCode from CloudNest 'Switch to Team'.",
    ),
    _row(
        JOB_NOT_FOUND,
        "job_not_found",
        "job not found",
        CloudNestNotFound,
        "Check the job id; search the job by name to get its current id.",
    ),
    _row(
        DRAWING_NOT_FOUND,
        "drawing_not_found",
        "drawing not found",
        CloudNestNotFound,
        "Check the drawing GUID (from the upload answer or job drawing_status).",
    ),
    _row(
        LAYOUT_NOT_FOUND,
        "layout_not_found",
        "layout not found",
        CloudNestNotFound,
        "Check the layout (result) GUID from job nest_detail; the nesting may have been deleted.",
    ),
    _row(
        PLAN_NOT_FOUND,
        "plan_not_found",
        "production task not found",
        CloudNestNotFound,
        "Check the plan GUID returned by the push.",
    ),
    _row(
        PART_NOT_FOUND,
        "part_not_found",
        "part not found",
        CloudNestNotFound,
        CloudNestNotFound.default_hint,
    ),
    _row(
        PLATE_NOT_FOUND,
        "plate_not_found",
        "plate not found",
        CloudNestNotFound,
        "Check the plate GUID (plate_list).",
    ),
    _row(
        MATERIAL_NOT_FOUND,
        "material_not_found",
        "material not found",
        CloudNestNotFound,
        "Check the material id (material_list) or add the material first.",
    ),
    _row(
        MACHINE_NOT_FOUND,
        "machine_not_found",
        "machine (gmid) not found",
        CloudNestNotFound,
        "Check the machine gmid configured for the push.",
    ),
    _row(
        JOB_NAME_EXISTS,
        "job_name_exists",
        "a job with this name already exists",
        CloudNestConflict,
        "Search the job by name and reuse it instead of creating it again.",
    ),
    _row(
        DRAWING_BUSY,
        "drawing_busy",
        "drawing is processed or being processed",
        CloudNestConflict,
        "Use drawing_force_delete, or wait for processing to finish.",
    ),
    _row(
        NESTING_NOT_FINISHED,
        "nesting_not_finished",
        "nesting is not finished",
        CloudNestConflict,
        "Poll job nest_detail until its status is 'finished'.",
    ),
    _row(
        NOTHING_TO_NEST,
        "nothing_to_nest",
        "job has no processed parts to nest",
        CloudNestConflict,
        "Upload drawings and wait until at least one is processed.",
    ),
    _row(
        NESTING_RUNNING,
        "nesting_running",
        "a nesting is already running for this job",
        CloudNestConflict,
        "Wait for the running Boost to finish (job nest_detail).",
    ),
    _row(
        INVALID_PARAMETER,
        "invalid_parameter",
        "invalid parameter",
        CloudNestValidationError,
        CloudNestValidationError.default_hint,
    ),
    _row(
        UNSUPPORTED_FILE,
        "unsupported_file",
        "file is not a readable DXF",
        CloudNestValidationError,
        "Send DXF files only; check the named file.",
    ),
    _row(
        DOWNLOAD_FAILED,
        "download_failed",
        "the server could not download the file URL",
        CloudNestValidationError,
        "Check that the URL is reachable from the CloudNest servers.",
    ),
)

STATUS_CODES = MappingProxyType({row.code: row for row in _TABLE})
"""Every known non-zero ``status``: the auth layer (§3.2), 1009/1010 and the 2xxx domain codes."""


def _hint_for(status: int | None) -> str | None:
    row = STATUS_CODES.get(status) if status is not None else None
    return row.hint if row else None


def error_class_for(status: int) -> type[CloudNestError]:
    """Return the exception class for a non-zero vendor ``status`` (unknown -> server error)."""
    row = STATUS_CODES.get(status)
    if row is not None:
        return row.error
    if 2000 <= status < 3000:
        return CloudNestValidationError
    return CloudNestServerError


def error_for_status(
    status: int, msg: str, endpoint: str, *, secret: str = "", hint: str | None = None
) -> CloudNestError:
    """Build the typed error for a non-zero envelope ``status``.

    Args:
        status: The envelope's ``status``.
        msg: The envelope's ``msg``.
        endpoint: ``Route.describe()`` of the endpoint.
        secret: The app secret, scrubbed from ``msg`` should a server echo it back.
        hint: What to do, when the caller knows better than the status table.
    """
    return error_class_for(status)(status, scrub(msg, secret), endpoint, hint)


def scrub(text: str, secret: str) -> str:
    """Replace every occurrence of ``secret`` in ``text`` with ``***``."""
    return text.replace(secret, "***") if secret else text
