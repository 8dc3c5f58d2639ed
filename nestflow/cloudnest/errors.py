"""Typed exceptions for CloudNest and the one table of status codes both client and sandbox use.

Every error names the endpoint (name, method and path), the vendor's ``status`` code and ``msg``,
and says what a person can do about it. None ever contains the app secret: messages are built only
from the endpoint, the status code and the server's text, and the secret is scrubbed from the
server's text too in case a server echoes it.

Where the codes come from:

* the gateway's global table (spec §3.2 and §Q.1): 1000-1014, 1100-1103, 1200, 2200 and 2201,
  with the vendor's meanings; 1102, 1103 and 2201 are server-side failures worth retrying;
* nestflow's own domain codes (spec §P.3: "from 2000 up"): 2000-2006 not found, 2100-2104
  conflicts, 2300-2301 files refused. They keep clear of 22xx, the vendor's request block;
* nestflow's own gateway codes, **provisional**, for cases the vendor's table does not name:
  9010 a missing or unknown ``X-FS-Orgcode`` (the real gateway's answer is unknown; P.3 used
  1010 until §Q.1 showed 1010 is "uncontrollable machine tool") and 9404 no route at the method
  and path called (the sandbox's answer to an unknown path, sent with HTTP 404). The 9xxx block
  lies outside every range of the vendor's table, so the two can never be mistaken for its codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from nestflow.bounded import scrub  # shared with AlmaCAM; callers import it from here too

# The gateway's global table (spec §3.2, §Q.1).
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
UNCONTROLLABLE_MACHINE = 1010
CARD_IDS_NOT_A_COLLECTION = 1011
INVALID_DATE_FORMAT = 1012
INVALID_TIME_FORMAT = 1013
TIME_RANGE_TOO_LONG = 1014
UNKNOWN_EXCEPTION = 1100
PROJECT_INITIALISATION = 1101
#: The table names both "gateway internal error"; what tells them apart is not known.
GATEWAY_INTERNAL_ERRORS = (1102, 1103)
USER_NOT_FOUND = 1200
INVALID_PARAMETER = 2200
BACKEND_INTERNAL_ERROR = 2201

# nestflow's own gateway codes, provisional (see the module docstring).
INVALID_ORG_CODE = 9010
UNKNOWN_ROUTE = 9404

# Domain errors, nestflow's own (spec §P.3: "from 2000 up ... listed in one table").
JOB_NOT_FOUND = 2000
DRAWING_NOT_FOUND = 2001
LAYOUT_NOT_FOUND = 2002
PLAN_NOT_FOUND = 2003
PART_NOT_FOUND = 2004
PLATE_NOT_FOUND = 2005
MATERIAL_NOT_FOUND = 2006
JOB_NAME_EXISTS = 2100
DRAWING_BUSY = 2101
NESTING_NOT_FINISHED = 2102
NOTHING_TO_NEST = 2103
NESTING_RUNNING = 2104
UNSUPPORTED_FILE = 2300
DOWNLOAD_FAILED = 2301


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
    #: Shown in place of the status when there is none.
    without_status = "no answer"

    def __init__(
        self, status: int | None, msg: str, endpoint: str, hint: str | None = None
    ) -> None:
        self.status = status
        self.msg = msg
        self.endpoint = endpoint
        self.hint = hint or _hint_for(status) or self.default_hint
        super().__init__(self._message())

    @property
    def may_have_landed(self) -> bool:
        """Whether the request may have taken effect although it failed.

        An answer with an error code (bad request, auth, not found, conflict, too frequent)
        refused it; a server failure, an unreadable answer or no answer does not say so.
        """
        return False

    def _message(self) -> str:
        code = self.without_status if self.status is None else f"status {self.status}"
        return f"CloudNest {self.endpoint}: {code}: {self.msg or '(no message)'}. {self.hint}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, msg={self.msg!r}, "
            f"endpoint={self.endpoint!r})"
        )

    def __reduce__(self):  # keep pickling working (Prefect ships exceptions between processes)
        return (type(self), (self.status, self.msg, self.endpoint, self.hint))


class CloudNestAuthError(CloudNestError):
    """The gateway refused the credentials, signature, timestamp, org code or user.

    Codes 1000-1005, 1200 and nestflow's provisional 9010 (missing or unknown OrgCode).
    """

    default_hint = "Check app_id, app_secret and org_code in the CloudNest credentials."


class CloudNestClockSkewError(CloudNestAuthError):
    """``time-stamp`` outside the server's ±10 minute window even after correcting the offset."""

    default_hint = "Synchronise this machine's clock (NTP); the gateway accepts ±10 minutes."


class CloudNestPermissionError(CloudNestError):
    """The app may not use this endpoint (1007), or not the machine it names (1010)."""

    default_hint = "Ask Bochu support to enable this API for the app (open.fscut.com)."


class CloudNestQuotaExceeded(CloudNestError):
    """The endpoint's daily call quota is used up (1008, or the client's own count)."""

    default_hint = (
        "The daily quota for this endpoint is used up; wait until tomorrow or ask Bochu "
        "support or sales for a higher quota."
    )


class CloudNestRateLimited(CloudNestError):
    """The gateway said "too frequent" (1009 or HTTP 429) and the client did not wait it out.

    Either it said so more often than ``max_rate_limit_waits``, or it asked (``Retry-After``)
    for a longer wait than ``max_retry_after``.
    """

    default_hint = "Lower the client's requests/second for this endpoint (rate_limits setting)."


class CloudNestNotFound(CloudNestError):
    """The job, drawing, layout, plan, part, plate or material does not exist (20xx)."""

    default_hint = "Check the id or GUID; it may have been deleted or belong to another team."


class CloudNestConflict(CloudNestError):
    """The object is in a state that forbids the call (drawing processing, nesting running...)."""

    default_hint = "Wait until the object is ready (poll its status) and call again."


class CloudNestValidationError(CloudNestError):
    """A request or file was refused (1006, 1011-1014, 2200, 23xx), or an answer did not parse."""

    default_hint = "Fix the request fields or the file named in the message."


class CloudNestServerError(CloudNestError):
    """The server failed: HTTP 5xx, 1100-1103, 2201, an unreadable answer, an unknown status.

    The request reached the server, so a create behind it may have landed
    (:attr:`may_have_landed`).
    """

    default_hint = "The CloudNest gateway failed; retry later or contact Bochu support."

    @property
    def may_have_landed(self) -> bool:
        """The request may have reached the server: no answer says it did not land."""
        return True


class CloudNestUnreadableAnswer(CloudNestServerError):
    """An answer arrived but could not be read whole (its compressed body is corrupt).

    A server error, so a create behind it counts as possibly landed; the client does not resend.
    """

    default_hint = (
        "The answer's body was corrupt (a proxy between here and CloudNest may mangle it); "
        "retry later, and check base_url and any proxy if it persists."
    )
    without_status = "answer unreadable"


class CloudNestAnswerTooLarge(CloudNestUnreadableAnswer):
    """An answer's body grew beyond the client's ``max_answer_bytes`` and was cut off.

    Never resent: the same request would get the same answer. Nothing of it is used.
    """

    default_hint = (
        "No CloudNest answer should be this large: check base_url and the route override (a "
        "wrong URL may serve a large file); if a layout file really is this large, raise "
        "max_answer_bytes in the client settings."
    )
    without_status = "answer cut off"


class CloudNestBadDownload(CloudNestUnreadableAnswer):
    """A download answered, but not with the file: a 204, an empty body, an HTML page, no DXF.

    An unreadable answer (a server error): a login page or an expired link served in place of a
    layout must never reach the machine as its file.
    """

    default_hint = (
        "The link did not serve the file (expired, or a proxy or login page answered): read the "
        "layout's dxf_url again from the job's nesting details and download it anew, and check "
        "the layout in CloudNest if it persists."
    )
    without_status = "not the file"


class CloudNestUnknownRoute(CloudNestError):
    """Nothing answers the method and path called: a bare HTTP 404/405 or the sandbox's 9404.

    A configuration error (route override or base URL), not a missing object: callers that take
    "not found" for "does not exist yet" must not take this for it.
    """

    default_hint = "Check the route override of this endpoint (route_overrides) and base_url."


class CloudNestTransportError(CloudNestError):
    """No answer: connection refused, reset, or timed out."""

    default_hint = "Check the network and base_url; the request may or may not have landed."

    @property
    def may_have_landed(self) -> bool:
        """The request may have reached the server: no answer says it did not land."""
        return True


class CloudNestAnswerTooSlow(CloudNestTransportError):
    """The whole answer did not arrive within the client's ``request_deadline``; it was cut off.

    A transport error: the request may have landed, so only read-only calls are resent.
    """

    default_hint = (
        "The request may or may not have landed. If the gateway is just slow, raise "
        "request_deadline in the client settings; otherwise check the network and base_url."
    )
    without_status = "answer cut off"


class CloudNestCallBudgetExceeded(CloudNestTransportError):
    """One call used up its ``call_budget``: attempts, back-offs and "too frequent" waits.

    Args:
        endpoint: ``"name (METHOD /path)"`` of the endpoint called.
        budget_s: The budget, in seconds.
        attempts: Requests sent within it.
        why: What the call was doing when the budget ran out.
        landed: Whether an attempt may have taken effect (an answer cut off, a server error);
            ``False`` when every answer refused the request ("too frequent").
    """

    default_hint = (
        "The gateway was too slow or kept refusing within the call's budget: try again later, "
        "or raise call_budget_s in the credentials block."
    )
    without_status = "call budget spent"

    def __init__(
        self, endpoint: str, budget_s: float, attempts: int, why: str, landed: bool = True
    ) -> None:
        self.budget_s = budget_s
        self.attempts = attempts
        self.why = why
        self.landed = landed
        msg = f"call_budget {budget_s:g} s used up after {attempts} attempt(s): {why}"
        super().__init__(None, msg, endpoint)

    @property
    def may_have_landed(self) -> bool:
        """Whether an attempt may have taken effect (see ``landed``)."""
        return self.landed

    def __reduce__(self):  # the constructor differs from CloudNestError's
        return (
            type(self),
            (self.endpoint, self.budget_s, self.attempts, self.why, self.landed),
        )


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
    without_status = "not done in time"


class CloudNestJobFailed(CloudNestError):
    """The server reports a nesting or production run as failed."""

    default_hint = "Check the job's parts and plates in CloudNest, then Boost again."
    without_status = "failed at CloudNest"


@dataclass(frozen=True, slots=True)
class StatusCode:
    """One row of the status table.

    Attributes:
        code: The envelope's ``status``.
        name: Short snake_case name.
        text: Default ``msg`` (the sandbox's, before its detail).
        error: Exception class the client raises for it.
        hint: What a person can do about it.
        retryable: A server-side failure after which a read-only call may be sent again.
    """

    code: int
    name: str
    text: str
    error: type[CloudNestError]
    hint: str
    retryable: bool = False


_RETRY_LATER = "A server-side failure; the client resends read-only calls. Retry later."

_TABLE = (
    # --- the gateway's global table (spec §3.2, §Q.1)
    StatusCode(
        MISSING_APP_ID,
        "missing_app_id",
        "missing app-id header",
        CloudNestAuthError,
        "Send the app-id header (the client does; check proxies that strip headers).",
    ),
    StatusCode(
        UNKNOWN_APP_ID,
        "unknown_app_id",
        "app-id not authenticated",
        CloudNestAuthError,
        "Check app_id against the open-platform console https://open.fscut.com/#/user.",
    ),
    StatusCode(
        APP_ID_EXPIRED,
        "app_id_expired",
        "app-id has expired",
        CloudNestAuthError,
        "The app registration expired; contact Bochu support to renew it.",
    ),
    StatusCode(
        INVALID_TIMESTAMP,
        "invalid_timestamp",
        "time-stamp missing or outside ±10 minutes",
        CloudNestClockSkewError,
        "Synchronise this machine's clock (NTP); the gateway accepts ±10 minutes.",
    ),
    StatusCode(
        MISSING_SIGNATURE,
        "missing_signature",
        "missing app-sign header",
        CloudNestAuthError,
        "Send the app-sign header (the client does; check proxies that strip headers).",
    ),
    StatusCode(
        INVALID_SIGNATURE,
        "invalid_signature",
        "app-sign is invalid",
        CloudNestAuthError,
        "The signature did not match: check app_secret (and app_id) in the credentials.",
    ),
    StatusCode(
        BODY_NOT_JSON,
        "body_not_json",
        "request body is not JSON",
        CloudNestValidationError,
        "The body must be JSON; check the route's method/path override.",
    ),
    StatusCode(
        ENDPOINT_NOT_ALLOWED,
        "endpoint_not_allowed",
        "this API is not enabled for the app",
        CloudNestPermissionError,
        "Ask Bochu support to enable this API for the app (open.fscut.com).",
    ),
    StatusCode(
        DAILY_QUOTA_EXCEEDED,
        "daily_quota_exceeded",
        "daily call quota exceeded",
        CloudNestQuotaExceeded,
        CloudNestQuotaExceeded.default_hint,
    ),
    StatusCode(
        TOO_FREQUENT,
        "too_frequent",
        "call frequency exceeds limit",
        CloudNestRateLimited,
        CloudNestRateLimited.default_hint,
    ),
    StatusCode(
        UNCONTROLLABLE_MACHINE,
        "uncontrollable_machine",
        "uncontrollable machine tool",
        CloudNestPermissionError,
        "This account cannot control the machine: check its card id (12 digits) or gmid, and "
        "that it is IoT-certified within the account's quota (open.fscut.com).",
    ),
    StatusCode(
        CARD_IDS_NOT_A_COLLECTION,
        "card_ids_not_a_collection",
        "cardIds is not in collection format",
        CloudNestValidationError,
        "Send cardIds as a JSON array of card-id strings.",
    ),
    StatusCode(
        INVALID_DATE_FORMAT,
        "invalid_date_format",
        "startDate/endDate must be yyyyMMdd",
        CloudNestValidationError,
        "Send dates as yyyyMMdd, e.g. 20240131.",
    ),
    StatusCode(
        INVALID_TIME_FORMAT,
        "invalid_time_format",
        "startTime/endTime must be yyyy-MM-dd HH:mm:ss",
        CloudNestValidationError,
        "Send times as yyyy-MM-dd HH:mm:ss, e.g. 2024-01-31 08:00:00.",
    ),
    StatusCode(
        TIME_RANGE_TOO_LONG,
        "time_range_too_long",
        "time range beyond 3 months",
        CloudNestValidationError,
        "Query at most 3 months at a time; split a longer range into several queries.",
    ),
    StatusCode(
        UNKNOWN_EXCEPTION,
        "unknown_exception",
        "unknown exception",
        CloudNestServerError,
        "The gateway failed without saying why; retry later or contact Bochu support.",
    ),
    StatusCode(
        PROJECT_INITIALISATION,
        "project_initialisation",
        "project initialisation",
        CloudNestServerError,
        "The open platform is initialising; retry in a few minutes.",
    ),
    *(
        StatusCode(
            code,
            f"gateway_internal_error_{code}",
            "gateway internal error",
            CloudNestServerError,
            _RETRY_LATER,
            retryable=True,
        )
        for code in GATEWAY_INTERNAL_ERRORS
    ),
    StatusCode(
        USER_NOT_FOUND,
        "user_not_found",
        "specified user not found",
        CloudNestAuthError,
        "The open-platform user behind app_id was not found; check app_id at "
        "https://open.fscut.com/#/user or ask Bochu support.",
    ),
    StatusCode(
        INVALID_PARAMETER,
        "invalid_parameter",
        "request parameter abnormal",
        CloudNestValidationError,
        CloudNestValidationError.default_hint,
    ),
    StatusCode(
        BACKEND_INTERNAL_ERROR,
        "backend_internal_error",
        "open-platform backend internal error",
        CloudNestServerError,
        _RETRY_LATER,
        retryable=True,
    ),
    # --- nestflow's own gateway codes (provisional, see the module docstring)
    StatusCode(
        INVALID_ORG_CODE,
        "invalid_org_code",
        "X-FS-Orgcode missing or unknown",
        CloudNestAuthError,
        "Check org_code: the team's OrgCode from CloudNest 'Switch to Team'.",
    ),
    StatusCode(
        UNKNOWN_ROUTE,
        "unknown_route",
        "no such route",
        CloudNestUnknownRoute,
        CloudNestUnknownRoute.default_hint,
    ),
    # --- nestflow's own domain codes (spec §P.3)
    StatusCode(
        JOB_NOT_FOUND,
        "job_not_found",
        "job not found",
        CloudNestNotFound,
        "Check the job id; search the job by name to get its current id.",
    ),
    StatusCode(
        DRAWING_NOT_FOUND,
        "drawing_not_found",
        "drawing not found",
        CloudNestNotFound,
        "Check the drawing GUID (from the upload answer or job drawing_status).",
    ),
    StatusCode(
        LAYOUT_NOT_FOUND,
        "layout_not_found",
        "layout not found",
        CloudNestNotFound,
        "Check the layout (result) GUID from job nest_detail; the nesting may have been deleted.",
    ),
    StatusCode(
        PLAN_NOT_FOUND,
        "plan_not_found",
        "production task not found",
        CloudNestNotFound,
        "Check the plan GUID returned by the push.",
    ),
    StatusCode(
        PART_NOT_FOUND,
        "part_not_found",
        "part not found",
        CloudNestNotFound,
        CloudNestNotFound.default_hint,
    ),
    StatusCode(
        PLATE_NOT_FOUND,
        "plate_not_found",
        "plate not found",
        CloudNestNotFound,
        "Check the plate GUID (plate_list).",
    ),
    StatusCode(
        MATERIAL_NOT_FOUND,
        "material_not_found",
        "material not found",
        CloudNestNotFound,
        "Check the material id (material_list) or add the material first.",
    ),
    StatusCode(
        JOB_NAME_EXISTS,
        "job_name_exists",
        "a job with this name already exists",
        CloudNestConflict,
        "Search the job by name and reuse it instead of creating it again.",
    ),
    StatusCode(
        DRAWING_BUSY,
        "drawing_busy",
        "drawing is processed or being processed",
        CloudNestConflict,
        "Use drawing_force_delete, or wait for processing to finish.",
    ),
    StatusCode(
        NESTING_NOT_FINISHED,
        "nesting_not_finished",
        "nesting is not finished",
        CloudNestConflict,
        "Poll job nest_detail until its status is 'finished'.",
    ),
    StatusCode(
        NOTHING_TO_NEST,
        "nothing_to_nest",
        "job has no processed parts to nest",
        CloudNestConflict,
        "Upload drawings and wait until at least one is processed.",
    ),
    StatusCode(
        NESTING_RUNNING,
        "nesting_running",
        "a nesting is already running for this job",
        CloudNestConflict,
        "Wait for the running Boost to finish (job nest_detail).",
    ),
    StatusCode(
        UNSUPPORTED_FILE,
        "unsupported_file",
        "file is not a readable DXF",
        CloudNestValidationError,
        "Send DXF files only; check the named file.",
    ),
    StatusCode(
        DOWNLOAD_FAILED,
        "download_failed",
        "the server could not download the file URL",
        CloudNestValidationError,
        "Check that the URL is reachable from the CloudNest servers.",
    ),
)

STATUS_CODES = MappingProxyType({row.code: row for row in _TABLE})
"""Every known non-zero ``status``: the vendor's table (§3.2, §Q.1), nestflow's provisional
gateway codes (9xxx) and its domain codes (2xxx, 23xx)."""


def _hint_for(status: int | None) -> str | None:
    row = STATUS_CODES.get(status) if status is not None else None
    return row.hint if row else None


def retryable(status: int | None) -> bool:
    """Whether ``status`` is a server-side failure after which a read may be sent again."""
    row = STATUS_CODES.get(status) if status is not None else None
    return row is not None and row.retryable


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


#: Failures a retry cannot mend: a gateway silent for its whole ``unreachable_after_s`` (a retry
#: would wait that long again), an answer beyond the size limit (it would come back as large).
NOT_WORTH_RETRYING: tuple[type[CloudNestError], ...] = (
    CloudNestUnreachable,
    CloudNestAnswerTooLarge,
    CloudNestCallBudgetExceeded,
)
