"""Signed, paced httpx client for the CloudNest open platform: one method per endpoint.

Every call goes through :meth:`CloudNestClient.call`: look the route up in the (overridable)
route table, validate the payload with the endpoint's request model, count it against the daily
quota, wait for the endpoint's token bucket, sign, send, unwrap the ``{"status","msg","data"}``
envelope, and raise the typed error of :mod:`nestflow.cloudnest.errors` on a non-zero status.
The typed methods validate ``data`` into the models of :mod:`nestflow.cloudnest.models`.

Retry policy (a create is never repeated blindly):

* "too frequent" (1009 or HTTP 429): the gateway refused the request, so it is resent after
  waiting, for every endpoint, at most ``max_rate_limit_waits`` times; every thread sharing the
  client holds back on that endpoint meanwhile. A ``Retry-After`` longer than ``max_retry_after``
  is not waited out: the call fails at once with
  :class:`~nestflow.cloudnest.errors.CloudNestRateLimited`.
* stale timestamp (1003): the clock offset is measured from the server's ``Date`` header and the
  request is resent once.
* connection refused / connect timeout: the request never left, so it is resent (any endpoint).
* read timeouts, dropped connections, answers not whole within ``request_deadline``, HTTP 5xx
  and the vendor's server-side failure codes (1102, 1103, 2201): resent only for read-only
  queries; for the others the :class:`~nestflow.cloudnest.errors.CloudNestTransportError` (or
  server error) says it may have landed, and the high-level helpers of
  :mod:`nestflow.cloudnest.jobs` look before creating again.
* an answer larger than ``max_answer_bytes`` (counted as it is decoded, so a gzip bomb stops at
  the limit) is cut off and never resent:
  :class:`~nestflow.cloudnest.errors.CloudNestAnswerTooLarge`.
* a gateway that has given no answer at all for ``unreachable_after`` seconds (counted across
  calls: any answer, even a 5xx or a 429, ends the count) is not tried again:
  :class:`~nestflow.cloudnest.errors.CloudNestUnreachable` names the base URL, the endpoint and
  how long it was tried. A connect attempt never takes longer than that limit either.
* one call never takes longer than ``call_budget`` in all (pacing, every attempt, back-offs and
  "too frequent" waits): an attempt gets at most the budget left as its deadline, and a pause
  that would end past the budget is not made:
  :class:`~nestflow.cloudnest.errors.CloudNestCallBudgetExceeded` names the endpoint, the budget
  and the attempts.

Every answer is read through :func:`nestflow.bounded.send_bounded` over a
:class:`~nestflow.bounded.DeadlineTransport`: httpx's ``timeout`` bounds each step,
``request_deadline`` the whole exchange from its first byte (connect and headers included),
``max_answer_bytes`` the body. JSON too deep or with numbers too long for Python is an
unreadable answer, never a raw ``RecursionError``; a download must be the file (see
:meth:`CloudNestClient.download`).

Every sleep (pacing, back-off, "too frequent" waits) is :func:`nestflow.waiting.interruptible_sleep`
unless a ``sleep`` is injected: it stops with :class:`~nestflow.waiting.WaitCancelled` when the
process cancels its waits.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from nestflow.bounded import (
    BUDGET_PER_DEADLINE,
    DEFAULT_MAX_BYTES,
    AnswerTooLarge,
    AnswerTooSlow,
    CallBudget,
    DeadlineTransport,
    UndecodableJson,
    decode_json,
    send_bounded,
)
from nestflow.cloudnest.errors import (
    DAILY_QUOTA_EXCEEDED,
    INVALID_TIMESTAMP,
    STATUS_CODES,
    TOO_FREQUENT,
    UNKNOWN_ROUTE,
    CloudNestAnswerTooLarge,
    CloudNestAnswerTooSlow,
    CloudNestBadDownload,
    CloudNestCallBudgetExceeded,
    CloudNestConfigError,
    CloudNestNotFound,
    CloudNestRateLimited,
    CloudNestServerError,
    CloudNestTransportError,
    CloudNestUnknownRoute,
    CloudNestUnreachable,
    CloudNestUnreadableAnswer,
    CloudNestValidationError,
    error_for_status,
    retryable,
    scrub,
)
from nestflow.cloudnest.models import (
    ENDPOINT_MODELS,
    IMPORT_DXF_DATA_FIELD,
    UPLOAD_FILE_FIELD,
    BoostRequest,
    BoostResult,
    DrawingDatas,
    DrawingGuidRequest,
    DrawingInfo,
    DrawingRef,
    DrawingState,
    DrawingUploadUrlRequest,
    DxfImportItem,
    Envelope,
    JobAddRequest,
    JobIdRequest,
    JobIdsRequest,
    JobInfo,
    JobInfoFlat,
    JobRef,
    JobSearchRequest,
    JobSummary,
    LayoutGuidRequest,
    LayoutJobMaterial,
    LayoutPart,
    LayoutSummary,
    LocInfo,
    LocInfoRequest,
    LocInfoType,
    MachineResult,
    MachineResultListRequest,
    MaterialInfo,
    NestDetail,
    NestLayout,
    PartInfo,
    PartLayout,
    PartRef,
    PlanGuidRequest,
    PlanSummary,
    PlanTask,
    PlateInfo,
    PlateRef,
    PlateUsed,
    PushRequest,
    PushResult,
    ScrapNode,
    ServerVersion,
    TextRecognitionConfig,
    UploadCutForm,
    UploadForm,
    UrlFile,
)
from nestflow.cloudnest.pacing import DailyQuota, Pacer
from nestflow.cloudnest.routes import (
    CLOUDNEST_HOST_URL,
    DEFAULT_ROUTES,
    GATEWAY_URL,
    BodyKind,
    Route,
    RouteHost,
)
from nestflow.cloudnest.signing import Signer, server_time_ms
from nestflow.dxf_bytes import starts_like_dxf
from nestflow.waiting import Silence, cancellable, interruptible_sleep

log = logging.getLogger("nestflow.cloudnest")

Payload = BaseModel | Mapping[str, Any] | Sequence[Any] | None
FileSource = Path | tuple[str, bytes]
"""A file to upload: a path (its name is the filename) or ``(filename, content)``."""

# Connection-level failures after which the request provably never reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures after which no answer was read; the request may have landed unless it is _NOT_SENT.
_NO_ANSWER = (httpx.TransportError, AnswerTooSlow)
# A body whose encoding is corrupt (a gzip/deflate stream, or one httpx decodes itself).
_UNDECODABLE = (zlib.error, httpx.DecodingError)

#: ``request_deadline`` of a client that sets none, in multiples of ``timeout``: an exchange is a
#: connect, a write and reads, each bounded by ``timeout``.
DEADLINE_PER_TIMEOUT = 3.0
#: Longest ``Retry-After`` waited out by default, in seconds.
DEFAULT_MAX_RETRY_AFTER = 60.0
#: Share of a back-off pause taken off at random.
BACKOFF_JITTER = 0.2


@dataclass
class EndpointStats:
    """Counters of one endpoint, for benchmarks and monitoring.

    Attributes:
        sent: Requests sent (including resends).
        rate_limited: "too frequent" answers received (each was waited out and resent).
        resent: Resends after transport failures, 5xx or a stale timestamp.
        paced_seconds: Total time spent waiting for the endpoint's token bucket.
    """

    sent: int = 0
    rate_limited: int = 0
    resent: int = 0
    paced_seconds: float = 0.0


@dataclass
class _Attempts:
    """What one call has used up of the retry policy."""

    budget: CallBudget
    resends: int = 0
    rate_waits: int = 0
    clock_corrected: bool = False
    #: Whether an attempt may have taken effect (no answer whole, or a server failure).
    landed: bool = False


class CloudNestClient:
    """Client of the CloudNest open platform (spec §2-§8 and the provisional contract §P).

    Args:
        base_url: Gateway origin, e.g. ``https://mcs-gateway.fscut.com`` or the sandbox URL.
        cloudnest_url: Origin of CloudNest's own host, for the routes it serves
            (``server_version``, spec §Q.3). ``None``: ``https://cloudnest.fscut.com`` when
            ``base_url`` is the vendor's gateway, else ``base_url`` (the sandbox serves both).
        app_id: Open-platform appId.
        app_secret: appSecret; only hashed into ``app-sign``, never sent, logged or shown.
        org_code: OrgCode of the team (``X-FS-Orgcode``).
        zone_id: Optional ``zoneId`` header (IANA zone) for time values; default UTC+8.
        route_overrides: ``name -> "METHOD /path" | {"method", "path"}`` replacing routes.
        rate_limits: Requests/second per endpoint name (the app's limits from open.fscut.com).
        default_rate: Requests/second of endpoints not in ``rate_limits`` (``None`` = unpaced).
        burst: Requests allowed back to back per endpoint after an idle period.
        daily_quotas: Calls/day per endpoint name, or one number for every endpoint
            (``None`` = not tracked); the client refuses before sending once one is used up.
        timeout: httpx timeout in seconds for each step of a request (connect, write, read).
        request_deadline: Seconds for a whole exchange, from sending to the answer's last byte
            (a server dripping its answer never trips ``timeout``); ``None``: 3 x ``timeout``.
            An answer cut off by it is a transport error: the request may have landed.
        call_budget: Seconds one call may take in all, across its attempts, back-offs and
            "too frequent" waits (``None``: 2 x ``request_deadline``).
        max_answer_bytes: Largest answer body read (decoded), envelopes and downloads alike.
        transport: Custom httpx transport (tests use ``httpx.MockTransport``); the default, a
            :class:`~nestflow.bounded.DeadlineTransport`, bounds headers by the deadline too.
        max_retries: Resends after connection failures (any endpoint) and, for read-only
            endpoints, after read failures, answers cut off at ``request_deadline``, HTTP 5xx
            and the vendor's server-side failure codes.
        max_rate_limit_waits: "too frequent" answers waited out per call before giving up.
        max_retry_after: Longest ``Retry-After`` (seconds) of a "too frequent" answer that is
            waited out; a longer one fails the call at once.
        retry_backoff: First back-off in seconds between resends (doubles each time).
        unreachable_after: Seconds without any answer from the gateway after which requests
            (and the polls of :mod:`nestflow.cloudnest.jobs`) give up with
            :class:`~nestflow.cloudnest.errors.CloudNestUnreachable`; also the longest connect.
        clock: Wall clock in seconds, used for ``time-stamp`` (tests inject a skewed one).
        sleep: Sleep function (tests inject a fake); the default stops when waits are cancelled.
        before_request: Called with the endpoint (route) name right before each request to an
            endpoint is sent, after the client's own pacing, and again before every resend;
            not called for requests refused before sending (quota, validation) nor for
            :meth:`download`. It may block, e.g. to take a slot of a rate limit shared by many
            workers (the Prefect credentials block plugs in a global concurrency limit this
            way). If it raises, the request is not sent, the daily-quota count is given back,
            and the exception reaches the caller unchanged (so it should not raise
            ``httpx.TransportError``, which the retry policy would take for a failed send).

    Raises:
        CloudNestConfigError: An unknown endpoint name in ``route_overrides``, ``rate_limits``
            or ``daily_quotas``, a non-positive rate, ``unreachable_after``,
            ``request_deadline``, ``call_budget`` or ``max_answer_bytes``, or a negative
            ``max_retry_after``.
    """

    def __init__(
        self,
        base_url: str,
        app_id: str,
        app_secret: str | SecretStr,
        org_code: str,
        *,
        cloudnest_url: str | None = None,
        zone_id: str | None = None,
        route_overrides: Mapping[str, str | Mapping[str, str]] | None = None,
        rate_limits: Mapping[str, float] | None = None,
        default_rate: float | None = 5.0,
        burst: int = 1,
        daily_quotas: Mapping[str, int] | int | None = None,
        timeout: float = 30.0,
        request_deadline: float | None = None,
        call_budget: float | None = None,
        max_answer_bytes: int = DEFAULT_MAX_BYTES,
        transport: httpx.BaseTransport | None = None,
        max_retries: int = 5,
        max_rate_limit_waits: int = 10,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
        retry_backoff: float = 0.5,
        unreachable_after: float = 120.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = interruptible_sleep,
        before_request: Callable[[str], None] | None = None,
    ) -> None:
        if request_deadline is None:
            request_deadline = DEADLINE_PER_TIMEOUT * timeout
        if call_budget is None:
            call_budget = BUDGET_PER_DEADLINE * request_deadline
        _check_bounds(
            unreachable_after=unreachable_after,
            request_deadline=request_deadline,
            call_budget=call_budget,
            max_answer_bytes=max_answer_bytes,
        )
        if max_retry_after < 0:
            raise CloudNestConfigError(f"max_retry_after must be >= 0 s, got {max_retry_after}")
        self.base_url = base_url.rstrip("/")
        self.cloudnest_url = _cloudnest_origin(self.base_url, cloudnest_url)
        self.routes = DEFAULT_ROUTES.with_overrides(route_overrides)
        self._check_names(rate_limits, daily_quotas)
        self._signer = Signer(app_id, app_secret, org_code, zone_id=zone_id, clock=clock)
        self._pacer = Pacer(rate_limits, default_rate, burst=burst, sleep=sleep)
        if isinstance(daily_quotas, Mapping):
            self._quota = DailyQuota(daily_quotas)
        else:
            self._quota = DailyQuota(None, daily_quotas)
        self.max_retries = max_retries
        self.max_rate_limit_waits = max_rate_limit_waits
        self.max_retry_after = max_retry_after
        self.request_deadline = request_deadline
        self.call_budget = call_budget
        self.max_answer_bytes = max_answer_bytes
        self.retry_backoff = retry_backoff
        self.timeout = timeout
        self.unreachable_after = unreachable_after
        self._rng = random.Random()
        self._silence = Silence(unreachable_after)
        sleep = cancellable(sleep)
        self._sleep = sleep
        self._before_request = before_request
        self._stats: dict[str, EndpointStats] = {}
        self._stats_lock = threading.Lock()
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, unreachable_after)),
            transport=transport if transport is not None else DeadlineTransport(),
        )

    # ---------------------------------------------------------------- plumbing

    def _check_names(self, *settings: object) -> None:
        """Refuse endpoint names in per-endpoint settings that are not in the route table."""
        for setting in settings:
            if isinstance(setting, Mapping):
                for name in setting:
                    self.routes[name]  # raises CloudNestConfigError listing the valid names

    def __repr__(self) -> str:
        return (
            f"CloudNestClient(base_url={self.base_url!r}, app_id={self._signer.app_id!r}, "
            f"org_code={self._signer.org_code!r}, app_secret={self._signer.secret!r})"
        )

    def __enter__(self) -> CloudNestClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    @property
    def signer(self) -> Signer:
        """The request signer (holds the clock offset; its repr masks the secret)."""
        return self._signer

    @property
    def pacer(self) -> Pacer:
        """The per-endpoint token buckets."""
        return self._pacer

    @property
    def silence(self) -> Silence:
        """How long the gateway has given no answer at all (shared by every call)."""
        return self._silence

    def unreachable(
        self, endpoint: str, waiting_for: str | None = None, note: str = ""
    ) -> CloudNestUnreachable | None:
        """The error to raise when the gateway has been silent for the limit, else ``None``.

        Args:
            endpoint: ``Route.describe()`` of the endpoint being called or polled.
            waiting_for: What a poll waits for, to name in the message.
            note: Added to the last failure's description (e.g. "it may have landed").
        """
        silence = self._silence
        if not silence.exceeded():
            return None
        return CloudNestUnreachable(
            self.base_url,
            endpoint,
            silence.seconds(),
            silence.attempts,
            silence.last + note,
            waiting_for,
        )

    @property
    def quota(self) -> DailyQuota:
        """The per-endpoint daily call counter."""
        return self._quota

    def stats(self) -> dict[str, EndpointStats]:
        """Return a copy of the per-endpoint counters."""
        with self._stats_lock:
            return {name: EndpointStats(**vars(s)) for name, s in self._stats.items()}

    def _count(self, name: str, **increments: float) -> None:
        with self._stats_lock:
            stats = self._stats.setdefault(name, EndpointStats())
            for field, value in increments.items():
                setattr(stats, field, getattr(stats, field) + value)

    def call(self, name: str, payload: Payload = None, *, files: Sequence[FileSource] = ()) -> Any:
        """Call endpoint ``name`` and return the raw ``data`` of a successful answer.

        Args:
            name: Route name (see :data:`nestflow.cloudnest.routes.DEFAULT_ROUTES`).
            payload: Request model, mapping or list; validated with the endpoint's request model.
            files: Files of a multipart endpoint.

        Raises:
            CloudNestError: The typed subclass for the failure (see :mod:`.errors`).
        """
        route = self.routes[name]
        if files and route.body is not BodyKind.MULTIPART:
            raise CloudNestValidationError(
                None, "files given to an endpoint that takes no files", route.describe()
            )
        body = self._validate_request(route, payload)
        return self._send(route, body, [_read_file(f) for f in files])

    def request(
        self,
        name: str,
        payload: Payload = None,
        *,
        files: Sequence[FileSource] = (),
        **fields: Any,
    ) -> Any:
        """Call endpoint ``name`` and validate ``data`` into its response model.

        Args:
            name: Route name.
            payload: Request model or mapping (``fields`` are merged into a mapping payload).
            files: Files of a multipart endpoint.
            **fields: Request fields, as an alternative to ``payload``.
        """
        if fields:
            base = payload.wire() if isinstance(payload, BaseModel) else dict(payload or {})
            payload = {**base, **fields}
        data = self.call(name, payload, files=files)
        try:
            return ENDPOINT_MODELS[name].parse(data)
        except ValidationError as exc:
            raise CloudNestValidationError(
                0,
                "the answer's data does not match the expected model: "
                + scrub(_brief_errors(exc), self._secret_text()),
                self.routes[name].describe(),
                hint="The server's answer differs from the provisional contract (spec §P); "
                "report it with the endpoint name.",
            ) from None

    def download(self, url: str, *, layout: str | None = None) -> bytes:
        """Download a layout DXF the server links to (a layout's ``dxf_url``).

        Relative URLs are resolved against ``base_url``. Signed headers are sent only to the
        gateway's own origin, never to another host. The file is read within
        ``max_answer_bytes`` and ``request_deadline`` like every answer, and the whole download
        within ``call_budget``. It must be the file: HTTP 200, not empty, not an HTML page or a
        JSON answer, and a DXF (ASCII, starting with group code 0 and ``SECTION``, or binary).

        Args:
            url: The link.
            layout: The layout it is the file of, named in errors.

        Raises:
            CloudNestNotFound: HTTP 404.
            CloudNestBadDownload: The answer is not the file (204, empty, HTML, JSON, no DXF).
            CloudNestAnswerTooLarge: The file is larger than ``max_answer_bytes`` (not resent).
            CloudNestServerError: Any other non-2xx answer.
            CloudNestTransportError: No answer (or none whole in time) after the retries.
            CloudNestCallBudgetExceeded: The retries would outlast ``call_budget``.
        """
        absolute = urljoin(self.base_url + "/", url)
        same_origin = urlsplit(absolute)[:2] == urlsplit(self.base_url)[:2]
        endpoint = f"download (GET {absolute})"
        attempts = _Attempts(CallBudget(self.call_budget))
        for attempt in range(self.max_retries + 1):
            self._check_budget(endpoint, attempts, "the download was not whole yet")
            headers = self._signer.headers() if same_origin else {}
            request = self._http.build_request("GET", absolute, headers=headers)
            sent_at = time.monotonic()
            try:
                response = self._exchange(request, endpoint, attempts.budget)
            except _NO_ANSWER as exc:
                if same_origin:
                    self._heard_of(exc, sent_at)
                    unreachable = self.unreachable(endpoint)
                    if unreachable is not None:
                        raise unreachable from exc
                if attempt < self.max_retries:
                    self._back_off_within(endpoint, attempts, attempt + 1, _describe_failure(exc))
                    continue
                raise _no_answer_error(exc, endpoint) from exc
            if same_origin:
                self._silence.answered()
            if response.status_code >= 500 and attempt < self.max_retries:
                self._back_off_within(endpoint, attempts, attempt + 1, _snippet(response))
                continue
            if response.status_code == 404:
                raise CloudNestNotFound(404, "file not found", endpoint)
            if not response.is_success:
                raise CloudNestServerError(response.status_code, _snippet(response), endpoint)
            wrong = _not_the_file(response)
            if wrong is not None:
                of = f"layout {layout}: " if layout else ""
                raise CloudNestBadDownload(response.status_code, f"{of}{wrong}", endpoint)
            return response.content
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_budget(self, endpoint: str, attempts: _Attempts, why: str) -> None:
        """Raise when the call's budget is spent, before another attempt is sent."""
        if attempts.budget.left() <= 0:
            raise self._budget_spent(endpoint, attempts, why)

    def _budget_spent(
        self, endpoint: str, attempts: _Attempts, why: str
    ) -> CloudNestCallBudgetExceeded:
        return CloudNestCallBudgetExceeded(
            endpoint,
            self.call_budget,
            attempts.budget.attempts,
            scrub(why, self._secret_text()),
            landed=attempts.landed,
        )

    def _back_off_within(self, endpoint: str, attempts: _Attempts, attempt: int, why: str) -> None:
        """Back off before a resend of a download, unless the pause would outlast the budget."""
        attempts.landed = True
        self._check_back_off(endpoint, attempts, attempt, f"last answer: {why}")
        self.back_off(attempt)

    def _check_back_off(self, endpoint: str, attempts: _Attempts, attempt: int, why: str) -> None:
        """Raise when the shortest pause before the ``attempt``-th resend outlasts the budget."""
        shortest = self._capped(self._nominal_back_off(attempt) * (1.0 - BACKOFF_JITTER))
        if not attempts.budget.allows(shortest):
            raise self._budget_spent(endpoint, attempts, why)

    def _secret_text(self) -> str:
        return self._signer.secret.get_secret_value()

    def _validate_request(self, route: Route, payload: Payload) -> Any:
        model = ENDPOINT_MODELS[route.name].request
        try:
            if isinstance(payload, model):
                validated = payload
            elif isinstance(payload, BaseModel):
                validated = model.model_validate(payload.model_dump(by_alias=True))
            else:
                validated = model.model_validate({} if payload is None else payload)
        except ValidationError as exc:
            raise CloudNestValidationError(
                None,
                "request refused before sending: " + _brief_errors(exc),
                route.describe(),
                hint=f"Fix the fields of the {model.__name__} payload.",
            ) from None
        return validated.wire()  # type: ignore[attr-defined]

    def _send(self, route: Route, body: Any, files: list[tuple[str, bytes]]) -> Any:
        """Send until an answer is final, within the call's budget; resend what policy allows."""
        attempts = _Attempts(CallBudget(self.call_budget))
        why = "no attempt could be sent in time"
        while True:
            self._check_budget(route.describe(), attempts, why)
            try:
                response = self._transmit(route, body, files, attempts.budget)
            except _NO_ANSWER as exc:
                why = f"last attempt: {_describe_failure(exc)}"
                self._after_transport_error(route, exc, attempts)
                continue
            try:
                envelope = self._envelope(route, response)
            except CloudNestServerError as exc:
                why = f"last answer: {exc.msg}"
                attempts.landed = True
                if self._resend_allowed(route, attempts, landed=True, why=why):
                    continue
                raise
            if envelope.ok:
                return envelope.data
            self._after_refusal(route, envelope, response, attempts)

    def url_of(self, route: Route) -> str:
        """The absolute URL of ``route``: its path on the host serving it."""
        origin = self.cloudnest_url if route.host is RouteHost.CLOUDNEST else self.base_url
        return origin + route.path

    def _transmit(
        self, route: Route, body: Any, files: list[tuple[str, bytes]], budget: CallBudget
    ) -> httpx.Response:
        """Count against the quota, wait for the bucket and the hook, sign and send one request."""
        self._quota.take(route.name, route.describe())
        waited = self._pacer.acquire(route.name)
        self._call_before_request(route.name)
        if budget.left() <= 0:
            self._quota.refund(route.name)  # not sent: pacing used the budget up
            raise CloudNestCallBudgetExceeded(
                route.describe(),
                self.call_budget,
                budget.attempts,
                f"the client's pacing held the request {waited:.1f} s",
                landed=False,
            )
        budget.attempts += 1
        self._count(route.name, sent=1, paced_seconds=waited)
        request = self._http.build_request(
            route.method,
            self.url_of(route),
            headers=self._signer.headers() if route.signed else None,
            **_content(route, body, files),
        )
        started = time.monotonic()
        try:
            response = self._exchange(request, route.describe(), budget)
        except _NO_ANSWER as exc:
            self._heard_of(exc, started)
            raise
        except CloudNestServerError:
            self._silence.answered()  # unreadable, but an answer: the gateway is up
            raise
        self._silence.answered()
        log.debug(
            "%s -> HTTP %s in %.3fs",
            route.describe(),
            response.status_code,
            time.monotonic() - started,
        )
        return response

    def _exchange(
        self, request: httpx.Request, endpoint: str, budget: CallBudget
    ) -> httpx.Response:
        """Send ``request`` and read its answer within ``max_answer_bytes`` and the deadline.

        The deadline is ``request_deadline``, or what is left of the call's budget if less.

        Raises:
            CloudNestAnswerTooLarge: The body outgrew ``max_answer_bytes``.
            CloudNestUnreadableAnswer: The body's compression is corrupt.
            AnswerTooSlow: Not whole within ``request_deadline`` (handled like a transport error).
            httpx.TransportError: No answer.
        """
        try:
            return send_bounded(
                self._http,
                request,
                max_bytes=self.max_answer_bytes,
                deadline_s=budget.deadline(self.request_deadline),
            )
        except AnswerTooLarge as exc:
            raise CloudNestAnswerTooLarge(
                None, f"{exc} (max_answer_bytes = {exc.limit:,})", endpoint
            ) from exc
        except _UNDECODABLE as exc:
            raise CloudNestUnreadableAnswer(
                None, f"the answer's body could not be decoded: {_describe_failure(exc)}", endpoint
            ) from exc

    def _heard_of(self, failure: Exception, sent_at: float) -> None:
        """Count a failed exchange in the gateway's silence: an answer cut off still came."""
        if isinstance(failure, AnswerTooSlow):
            self._silence.answered()
        else:
            self._silence.unanswered(sent_at, _describe_failure(failure))

    def _call_before_request(self, name: str) -> None:
        """Run the ``before_request`` hook; a refusal un-counts the call it stopped."""
        if self._before_request is None:
            return
        try:
            self._before_request(name)
        except BaseException:
            self._quota.refund(name)
            raise

    def _resend_allowed(
        self, route: Route, attempts: _Attempts, *, landed: bool, why: str = ""
    ) -> bool:
        """Back off and return True when the request may be sent again.

        A request that may have landed is resent only for read-only endpoints. While the gateway
        is silent, the back-off never reaches past the moment it counts as unreachable.

        Raises:
            CloudNestCallBudgetExceeded: A resend is allowed but the back-off would end past
                the call's budget.
        """
        if (landed and not route.read_only) or attempts.resends >= self.max_retries:
            return False
        self._check_back_off(route.describe(), attempts, attempts.resends + 1, why or "resends")
        attempts.resends += 1
        self._count(route.name, resent=1)
        self.back_off(attempts.resends)
        return True

    def back_off(self, attempt: int, at_least: float = 0.0) -> None:
        """Sleep before the ``attempt``-th resend of something (1 for the first resend).

        The pause is ``retry_backoff`` doubled per attempt and shortened by up to a fifth at
        random (so that clients failed together do not come back together), but at least
        ``at_least`` seconds, and never past the moment a silent gateway counts as unreachable.
        """
        nominal = self._nominal_back_off(attempt)
        pause = max(at_least, nominal * (1.0 - BACKOFF_JITTER * self._rng.random()))
        self._sleep(self._capped(pause))

    def _nominal_back_off(self, attempt: int) -> float:
        """The pause before the ``attempt``-th resend before jitter: doubled per attempt."""
        return self.retry_backoff * 2 ** max(0, attempt - 1)

    def _capped(self, pause: float) -> float:
        """``pause``, shortened so that a silent gateway is tried again when its limit is up."""
        return max(0.0, min(pause, self._silence.left()))

    def _after_transport_error(self, route: Route, exc: Exception, attempts: _Attempts) -> None:
        """Resend (after back-off) or raise the transport error."""
        landed = not isinstance(exc, _NOT_SENT)
        attempts.landed = attempts.landed or landed
        if not landed:
            self._quota.refund(route.name)
        note = (
            "; it may have reached the server: check before repeating it"
            if landed and not route.read_only
            else ""
        )
        unreachable = self.unreachable(route.describe(), note=note)
        if unreachable is not None:
            raise unreachable from exc
        why = f"last attempt: {_describe_failure(exc)}"
        if self._resend_allowed(route, attempts, landed=landed, why=why):
            return
        if isinstance(exc, AnswerTooSlow) and attempts.budget.left() <= 0:
            # Cut off by what was left of the budget, not by request_deadline: say which.
            raise self._budget_spent(route.describe(), attempts, why + note) from exc
        raise _no_answer_error(exc, route.describe(), note) from exc

    def _after_refusal(
        self, route: Route, envelope: Envelope, response: httpx.Response, attempts: _Attempts
    ) -> None:
        """Wait out "too frequent", fix a stale clock, resend a read, or raise the typed error.

        A read is resent after the vendor's server-side failures (1102, 1103, 2201).
        """
        endpoint = route.describe()
        hint = None
        if envelope.status == TOO_FREQUENT:
            if self._waited_out(route, envelope, response, attempts):
                return
        elif envelope.status == INVALID_TIMESTAMP:
            if not attempts.clock_corrected:
                attempts.clock_corrected = True
                if self._signer.correct_clock(response.headers.get_list("date")):
                    log.warning(
                        "%s: time-stamp refused; local clock corrected by %+d ms from the "
                        "server's Date header",
                        endpoint,
                        self._signer.offset_ms,
                    )
                    self._count(route.name, resent=1)
                    return
            else:
                hint = (
                    f"Refused even after correcting the clock by {self._signer.offset_ms:+d} ms "
                    "from the server's Date header; synchronise this machine's clock (NTP)."
                )
        elif envelope.status == DAILY_QUOTA_EXCEEDED:
            self._quota.exhaust(route.name)
        elif envelope.status == UNKNOWN_ROUTE:
            raise self._unknown_route(route, envelope.status, envelope.msg)
        elif retryable(envelope.status) and self._resend_allowed(
            route, attempts, landed=True, why=f"last answer: status {envelope.status}"
        ):
            return
        raise error_for_status(
            envelope.status, envelope.msg, endpoint, secret=self._secret_text(), hint=hint
        )

    def _waited_out(
        self, route: Route, envelope: Envelope, response: httpx.Response, attempts: _Attempts
    ) -> bool:
        """Hold back after "too frequent" and return True, or False when out of waits.

        Raises:
            CloudNestRateLimited: The server asked for a wait longer than ``max_retry_after``.
        """
        self._count(route.name, rate_limited=1)
        self._quota.refund(route.name)  # refused before counting, like the gateway
        asked = _retry_after(response)
        if asked is not None and asked > self.max_retry_after:
            raise CloudNestRateLimited(
                envelope.status,
                scrub(envelope.msg, self._secret_text()),
                route.describe(),
                hint=(
                    f"The server asked to wait {asked:g} s (Retry-After) before calling again, "
                    f"longer than max_retry_after ({self.max_retry_after:g} s), so the client "
                    "did not wait: try again later, or raise max_retry_after."
                ),
            )
        if attempts.rate_waits >= self.max_rate_limit_waits:
            return False
        wait = self._hold_back_for(route.name, asked)
        if not attempts.budget.allows(wait):
            source = "Retry-After" if asked else "one slot of its rate"
            raise self._budget_spent(
                route.describe(),
                attempts,
                f'"too frequent" ({envelope.status}): the wait of {wait:g} s it asks ({source}) '
                f"would end past the budget ({max(attempts.budget.left(), 0.0):.1f} s left)",
            )
        attempts.rate_waits += 1
        self._hold_back(route.name, wait)
        return True

    def _hold_back_for(self, name: str, asked: float | None) -> float:
        """Seconds to hold back after "too frequent": Retry-After if given, else one slot."""
        rate = self._pacer.rate_for(name)
        return asked or (1.0 / rate if rate else 1.0)

    def _hold_back(self, name: str, wait: float) -> None:
        """Wait out a "too frequent" answer for ``wait`` seconds."""
        if self._pacer.bucket(name) is not None:
            self._pacer.defer(name, wait)  # the next acquire() waits, for every thread
        else:
            self._sleep(wait)

    def _unknown_route(self, route: Route, status: int, detail: str) -> CloudNestUnknownRoute:
        """The error for a call nothing answers at its method and path (wrong route)."""
        guess = " It is provisional (spec §P): set the real one there." if route.provisional else ""
        return CloudNestUnknownRoute(
            status,
            f"nothing answers {route.method} {self.url_of(route)}: "
            + scrub(detail, self._secret_text()),
            route.describe(),
            hint=f"Check the route override of {route.name!r} (route_overrides) and the "
            f"base URL.{guess}",
        )

    def _envelope(self, route: Route, response: httpx.Response) -> Envelope:
        endpoint = route.describe()
        envelope, unread = _parse_envelope(response)
        if envelope is not None and (response.status_code < 500 or envelope.status in STATUS_CODES):
            return envelope  # vendor codes count whatever the HTTP status
        if response.status_code == 429:
            return Envelope(status=TOO_FREQUENT, msg="HTTP 429 Too Many Requests")
        if response.status_code >= 500:
            raise CloudNestServerError(
                response.status_code,
                envelope.msg if envelope is not None else _snippet(response),
                endpoint,
            )
        if response.status_code in (404, 405):
            # A bare 404/405, not the envelope: no route there (a wrong override or base URL).
            raise self._unknown_route(route, response.status_code, _snippet(response))
        if response.is_success:
            raise CloudNestUnreadableAnswer(
                response.status_code,
                f"answer is not a CloudNest envelope ({unread}): " + _snippet(response),
                endpoint,
            )
        raise CloudNestValidationError(response.status_code, _snippet(response), endpoint)

    # ---------------------------------------------------------------- part

    def part_import_nc1(
        self,
        job_id: int,
        files: Sequence[FileSource],
        datas: Sequence[DrawingDatas | Mapping[str, Any]] | None = None,
    ) -> list[DrawingRef]:
        """Generate parts from nc1 (DSTV) files (provisional, multipart like drawing_upload)."""
        return self.request("part_import_nc1", UploadForm(job_id=job_id, datas=datas), files=files)

    def part_import_js_template(self, request: Payload = None, **fields: Any) -> list[PartRef]:
        """Generate parts from a JS template (provisional; SmartDraw body plus ``script``)."""
        return self.request("part_import_js_template", request, **fields)

    def part_import_dxf(
        self, items: Sequence[DxfImportItem | Mapping[str, Any]], files: Sequence[FileSource]
    ) -> list[DrawingRef]:
        """Generate parts from DXF files with the documented §8.7 body (path provisional).

        The §8.7 array travels as the multipart field ``data`` next to the ``file`` parts.
        """
        return self.request("part_import_dxf", list(items), files=files)

    def part_smart_draw(self, request: Payload = None, **fields: Any) -> list[PartRef]:
        """Generate a part from a SmartDraw template (§8.6 body, camelCase; path provisional)."""
        return self.request("part_smart_draw", request, **fields)

    def part_list(self, request: Payload = None, **fields: Any) -> list[PartInfo]:
        """List parts, optionally of one job (provisional)."""
        return self.request("part_list", request, **fields)

    def part_loc_info(
        self, guid: str, type: str = LocInfoType.SINGLE_RESULT, order_by: str = "x"
    ) -> LocInfo:
        """Parts of a layout in physical order (§8.3, documented)."""
        return self.request(
            "part_loc_info", LocInfoRequest(type=type, guid=guid, order_by=order_by)
        )

    def part_copy(self, request: Payload = None, **fields: Any) -> PartRef:
        """Copy a part (provisional)."""
        return self.request("part_copy", request, **fields)

    def part_update(self, request: Payload = None, **fields: Any) -> PartRef:
        """Update a part, or delete it with ``delete=True`` (provisional)."""
        return self.request("part_update", request, **fields)

    def part_update_props(self, request: Payload = None, **fields: Any) -> PartRef:
        """Replace a part's custom properties (provisional)."""
        return self.request("part_update_props", request, **fields)

    # ---------------------------------------------------------------- plate and material

    def plate_scrap_tree(self, request: Payload = None, **fields: Any) -> list[ScrapNode]:
        """Remnant plates by material and thickness (GET, provisional)."""
        return self.request("plate_scrap_tree", request, **fields)

    def plate_add(self, request: Payload = None, **fields: Any) -> PlateRef:
        """Add a plate (§8.5 fields; path and answer provisional)."""
        return self.request("plate_add", request, **fields)

    def plate_list(self, request: Payload = None, **fields: Any) -> list[PlateInfo]:
        """List the plate library (provisional)."""
        return self.request("plate_list", request, **fields)

    def plate_update(self, request: Payload = None, **fields: Any) -> PlateRef:
        """Change a plate (provisional)."""
        return self.request("plate_update", request, **fields)

    def material_add(self, request: Payload = None, **fields: Any) -> MaterialInfo:
        """Add a material (provisional)."""
        return self.request("material_add", request, **fields)

    def material_list(self) -> list[MaterialInfo]:
        """List materials (GET, provisional)."""
        return self.request("material_list")

    # ---------------------------------------------------------------- drawing

    def drawing_info(self, drawing_guid: str) -> DrawingInfo:
        """One drawing's processing state (provisional)."""
        return self.request("drawing_info", DrawingGuidRequest(drawing_guid=drawing_guid))

    def drawing_upload(
        self,
        job_id: int,
        files: Sequence[FileSource],
        datas: Sequence[DrawingDatas | Mapping[str, Any]] | None = None,
    ) -> list[DrawingRef]:
        """Upload DXF files to a job (multipart, provisional); processing is asynchronous.

        Args:
            job_id: Target job.
            files: Paths or ``(filename, bytes)`` pairs.
            datas: Part attributes per file (``filename`` links an entry to its file).
        """
        return self.request("drawing_upload", UploadForm(job_id=job_id, datas=datas), files=files)

    def device_upload_cut(self, card_id: str, task_name: str, amount: int, file: FileSource) -> str:
        """Hand a machine a layout file to cut ``amount`` times (IoT, spec §Q.2, documented).

        Args:
            card_id: The machine's 12-digit card id.
            task_name: Name of the task shown at the machine.
            amount: Sheets to cut.
            file: Path or ``(filename, bytes)`` of a dxf (or lxds, nc, ...) file.

        Returns:
            The task's UUID.
        """
        form = UploadCutForm(card_id=card_id, task_name=task_name, task_amount=amount)
        return self.request("device_upload_cut", form, files=[file])

    def drawing_upload_url(
        self, job_id: int, files: Sequence[UrlFile | Mapping[str, Any]]
    ) -> list[DrawingRef]:
        """Let the server download DXF files from URLs into a job (provisional)."""
        return self.request(
            "drawing_upload_url", DrawingUploadUrlRequest(job_id=job_id, files=files)
        )

    def drawing_force_delete(self, drawing_guid: str) -> None:
        """Delete a drawing whatever its state (provisional)."""
        self.request("drawing_force_delete", DrawingGuidRequest(drawing_guid=drawing_guid))

    def drawing_delete(self, drawing_guid: str) -> None:
        """Delete a drawing; refused (conflict) while it is processed or processing."""
        self.request("drawing_delete", DrawingGuidRequest(drawing_guid=drawing_guid))

    # ---------------------------------------------------------------- job

    def job_info(self, job_id: int) -> JobInfo:
        """A job's summary (provisional)."""
        return self.request("job_info", JobIdRequest(job_id=job_id))

    def job_add(
        self,
        job_name: str,
        *,
        material: str | None = None,
        thickness: float | None = None,
        gas: str | None = None,
        comments: str | None = None,
    ) -> JobRef:
        """Create a job (provisional). Prefer :func:`nestflow.cloudnest.jobs.ensure_job`."""
        request = JobAddRequest(
            job_name=job_name, material=material, thickness=thickness, gas=gas, comments=comments
        )
        return self.request("job_add", request)

    def job_list(self, request: Payload = None, **fields: Any) -> list[JobSummary]:
        """List the team's jobs (provisional)."""
        return self.request("job_list", request, **fields)

    def job_parts(self, job_id: int) -> list[PartInfo]:
        """Parts of a job (provisional)."""
        return self.request("job_parts", JobIdRequest(job_id=job_id))

    def job_layouts(self, job_id: int) -> list[LayoutSummary]:
        """Layouts of a job (provisional)."""
        return self.request("job_layouts", JobIdRequest(job_id=job_id))

    def job_layout_detail(self, job_id: int) -> list[NestLayout]:
        """Layouts of a job with their parts and DXF URLs (provisional)."""
        return self.request("job_layout_detail", JobIdRequest(job_id=job_id))

    def job_plan_list(self, job_id: int) -> list[PlanSummary]:
        """Production tasks of a job (provisional)."""
        return self.request("job_plan_list", JobIdRequest(job_id=job_id))

    def job_part_layout(self, job_id: int) -> list[PartLayout]:
        """How many of each part are nested, and where (provisional)."""
        return self.request("job_part_layout", JobIdRequest(job_id=job_id))

    def job_plate_used(self, job_ids: Sequence[int]) -> list[PlateUsed]:
        """Plates used by jobs (§8.1, documented)."""
        return self.request("job_plate_used", JobIdsRequest(job_id=list(job_ids)))

    def job_plan_detail(self, job_ids: Sequence[int]) -> list[PlanTask]:
        """Production tasks of jobs with their parts (§8.2, documented)."""
        return self.request("job_plan_detail", JobIdsRequest(job_id=list(job_ids)))

    def job_search(self, job_name: str) -> list[JobSummary]:
        """Jobs matching ``job_name`` (provisional; may include partial matches)."""
        return self.request("job_search", JobSearchRequest(job_name=job_name))

    def job_delete(self, job_id: int) -> None:
        """Delete a job (provisional)."""
        self.request("job_delete", JobIdRequest(job_id=job_id))

    def job_drawing_status(self, job_id: int) -> list[DrawingState]:
        """Processing state of every drawing of a job (provisional)."""
        return self.request("job_drawing_status", JobIdRequest(job_id=job_id))

    def job_nest_detail(self, job_id: int) -> NestDetail:
        """Nesting status and layouts of a job, with DXF URLs (provisional)."""
        return self.request("job_nest_detail", JobIdRequest(job_id=job_id))

    def job_boost(
        self,
        job_id: int,
        *,
        plate_guids: Sequence[str] | None = None,
        gap: float | None = None,
        time_limit: int | None = None,
    ) -> BoostResult:
        """Start a Boost (fast nesting) of the job (provisional); poll job_nest_detail."""
        request = BoostRequest(
            job_id=job_id,
            plate_guids=list(plate_guids) if plate_guids is not None else None,
            gap=gap,
            time_limit=time_limit,
        )
        return self.request("job_boost", request)

    def job_info_flat(self, job_id: int) -> JobInfoFlat:
        """A job with its drawings, parts and layouts (provisional)."""
        return self.request("job_info_flat", JobIdRequest(job_id=job_id))

    def job_delete_nest(self, job_id: int, result_guid: str | None = None) -> None:
        """Delete one layout of a job, or all of them (provisional)."""
        self.request("job_delete_nest", {"job_id": job_id, "result_guid": result_guid})

    # ---------------------------------------------------------------- production

    def machine_result_list(self, gmid: int, start_time: str, end_time: str) -> list[MachineResult]:
        """Layouts a machine completed in a time range (§8.4, documented)."""
        request = MachineResultListRequest(gmid=gmid, start_time=start_time, end_time=end_time)
        return self.request("machine_result_list", request)

    def production_detail(self, plan_guid: str) -> PlanTask:
        """One production task (provisional)."""
        return self.request("production_detail", PlanGuidRequest(plan_guid=plan_guid))

    def production_push(self, result_guid: str, gmid: int, amount: int = 1) -> PushResult:
        """Push a layout to a machine for ``amount`` sheets (provisional). Never resent blindly."""
        return self.request(
            "production_push", PushRequest(result_guid=result_guid, gmid=gmid, amount=amount)
        )

    # ---------------------------------------------------------------- text recognition, others

    def text_recognition_config(self) -> TextRecognitionConfig:
        """Text-recognition settings (provisional)."""
        return self.request("text_recognition_config")

    def text_recognition_drawing_config(self, request: Payload = None, **fields: Any) -> None:
        """Set a job's drawing-processing text-recognition settings (provisional)."""
        self.request("text_recognition_drawing_config", request, **fields)

    def others_layout_job_material(self, guid: str) -> LayoutJobMaterial:
        """Job and material of a layout (provisional)."""
        return self.request("others_layout_job_material", LayoutGuidRequest(guid=guid))

    def others_layout_parts(self, guid: str) -> list[LayoutPart]:
        """Parts of a layout with counts (provisional)."""
        return self.request("others_layout_parts", LayoutGuidRequest(guid=guid))

    # ---------------------------------------------------------------- CloudNest's own host

    def server_version(self) -> ServerVersion:
        """CloudNest's release (spec §Q.3): a cheap probe of CloudNest's own host.

        Sent to ``cloudnest_url`` without the signed headers: the endpoint takes no auth, and
        the signature never goes to a host that does not check it.
        """
        return self.request("server_version")


def _read_file(source: FileSource) -> tuple[str, bytes]:
    if isinstance(source, Path):
        return source.name, source.read_bytes()
    filename, content = source
    return filename, content


def _content(route: Route, body: Any, files: list[tuple[str, bytes]]) -> dict[str, Any]:
    """Return the httpx keyword arguments carrying ``body`` the way the route expects it."""
    if route.body is BodyKind.MULTIPART:
        if isinstance(body, list):
            fields = {IMPORT_DXF_DATA_FIELD: json.dumps(body, ensure_ascii=False)}
        else:
            fields = {
                key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                for key, value in body.items()
            }
        parts = [(UPLOAD_FILE_FIELD, (name, data, "application/dxf")) for name, data in files]
        return {"data": fields, "files": parts}
    if route.method == "GET":
        return {"params": body}
    return {"json": body}


def _parse_envelope(response: httpx.Response) -> tuple[Envelope | None, str]:
    """The envelope of an answer, else ``None`` and why it is none."""
    try:
        payload = decode_json(response.content)
    except UndecodableJson as exc:
        return None, exc.reason
    if not isinstance(payload, dict) or not isinstance(payload.get("status"), int):
        return None, "no integer status"
    try:
        return Envelope.model_validate(payload), ""
    except ValidationError as exc:
        return None, _brief_errors(exc, limit=1)


#: Content types that are never a layout file (a login page, an error page, an API answer).
_NOT_A_FILE_TYPES = ("text/html", "application/xhtml+xml", "application/json")


def _not_the_file(response: httpx.Response) -> str | None:
    """What makes a download's answer not a DXF file, or ``None`` when it is one."""
    if response.status_code != 200:
        return f"HTTP {response.status_code} instead of 200 with the file"
    content = response.content
    if not content:
        return "the file is empty (HTTP 200 with no body)"
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in _NOT_A_FILE_TYPES:
        return f"a {kind} answer instead of the file: {_snippet(response, 120)}"
    if starts_like_dxf(content):
        return None
    return f"not a DXF (it does not start with group code 0 and SECTION): {_snippet(response, 80)}"


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds ``Retry-After`` asks for (a number or an HTTP date), ``None`` without one."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    until_ms = server_time_ms([value])
    if until_ms is None:
        return None
    # A date is read against the server's own clock, when it sends one.
    now_ms = server_time_ms(response.headers.get_list("date")) or time.time() * 1000
    return max(0.0, (until_ms - now_ms) / 1000)


def _snippet(response: httpx.Response, limit: int = 200) -> str:
    text = response.text.strip().replace("\n", " ")
    return f"HTTP {response.status_code}: {text[:limit] or '(empty body)'}"


def _describe_failure(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _no_answer_error(exc: Exception, endpoint: str, note: str = "") -> CloudNestTransportError:
    """The transport error for an exchange that gave no answer, or none whole in time."""
    kind = CloudNestAnswerTooSlow if isinstance(exc, AnswerTooSlow) else CloudNestTransportError
    return kind(None, _describe_failure(exc) + note, endpoint)


def _check_bounds(**bounds: float) -> None:
    """Refuse a bound (seconds, bytes) that is not positive."""
    for name, value in bounds.items():
        if not value > 0:
            raise CloudNestConfigError(f"{name} must be > 0, got {value}")


def _cloudnest_origin(base_url: str, cloudnest_url: str | None) -> str:
    """CloudNest's own host: as given, the vendor's beside its gateway, else ``base_url``."""
    if cloudnest_url:
        return cloudnest_url.rstrip("/")
    return CLOUDNEST_HOST_URL if base_url == GATEWAY_URL else base_url


def _brief_errors(exc: ValidationError, limit: int = 5) -> str:
    """Summarise a pydantic error without echoing input values."""
    items = [
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
        for err in exc.errors()[:limit]
    ]
    more = exc.error_count() - len(items)
    return "; ".join(items) + (f"; and {more} more" if more > 0 else "")
