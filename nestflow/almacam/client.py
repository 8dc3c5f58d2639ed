"""Synchronous httpx client of the AlmaCAM nesting API: submit, poll, read results and previews.

Retries: only read-only calls (the ``GET`` result and image views) are retried, and only when no
answer came at all (connection refused or dropped, network timeout). ``submit`` is never retried:
a POST that timed out may have landed, and a second one would create (and bill) a second order.

Bounds: every answer is read through :func:`nestflow.bounded.send_bounded` over a
:class:`~nestflow.bounded.DeadlineTransport`, within ``max_answer_bytes`` (counted after
decompression) and ``request_deadline`` seconds for the whole exchange from its first byte
(connect, request, status line and headers, body); ``timeout`` alone bounds each step, and a
server dripping its headers or body a byte at a time never trips it. One call (its attempts, its
retry pauses, its ``Retry-After`` waits) takes at most ``call_budget`` seconds in all: an attempt
gets at most the budget left as its deadline, and a pause that would end past the budget is not
made (:class:`AlmaCamCallBudgetExceeded`, naming the endpoint, the budget and the attempts).
JSON nested too deep or with numbers too long for Python is a typed error of the answer's status,
and ids and counts out of range (an order id of -7, a nesting cut -5 times) are refused by the
models (:class:`AlmaCamProtocolError`). The token is scrubbed from every text of an answer.
Too large an answer is :class:`AlmaCamAnswerTooLarge` (never retried: the API has
no answer near the limit). Too slow a one is an :class:`AlmaCamTransportError` with
``request_sent`` true (a submit may have landed); it is not retried at once either, since the
service did answer and another attempt would hold the caller for another whole deadline, but a
wait polls on through it as through any missing answer.

Too many requests (HTTP 429) and service unavailable (HTTP 503): the request was not processed
(RFC 9110: a 503 says the server could not handle it), so it is sent again, the submit included,
after the pause the service asks for in ``Retry-After`` (seconds or an HTTP date) or, without
one, a back-off of 1 s doubling after each such answer (shortened by up to half of jitter, so that
clients turned away together do not come back together). At most ``max_rate_limit_waits`` pauses
are made; a ``Retry-After`` longer than ``max_retry_after``, or a pause reaching past the deadline
of a wait, fails at once. All three end in :class:`AlmaCamRateLimited`. The pauses are the
client's ``sleep`` (inside :meth:`AlmaCamClient.wait`, the wait's own ``sleep``), so they stop
when waits are cancelled.

Waiting (:meth:`AlmaCamClient.wait`): the order computes for about its ``time``, so the client first
sleeps ``expected_time``, then polls with a short pause: 0.25 s, 0.5 s, then 1 s between polls,
each pause shortened by up to 20 % of jitter so that many clients do not poll in step. The pause
stays at 1 s (it does not keep doubling) because a result is held at most one pause after it is
ready, and solvers routinely run seconds past their ``time`` (measured on the sandbox: 2 s budgets
finishing after 2.7 to 6.3 s); a 202 poll is a tiny GET, so one a second costs the service little
and keeps the time from "solver finished" to "client holds the result" under a second.
A ``Retry-After`` header of a 202 answer replaces the computed pause. No pause ever reaches past the
deadline; one last poll is made at the deadline, then :class:`AlmaCamTimeout` is raised.

A dead service does not hold a wait until its deadline: once the service has given no answer at
all for ``unreachable_after`` seconds (any answer, even a 5xx, ends that count), the wait and the
retries of read-only requests give up with :class:`AlmaCamUnreachable`, which names the base URL,
the endpoint and how long it was tried. The count is kept per client, across calls.

Cancelling: every sleep of a wait (the first one of about ``time``, and the pauses) is
:func:`nestflow.waiting.interruptible_sleep` unless one is injected; the wait also looks at the
cancel flag before each poll and after each sleep. A cancelled wait raises
:class:`~nestflow.waiting.WaitCancelled` and logs that the order is left computing at AlmaCAM.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from nestflow.almacam.errors import (
    AlmaCamAnswerTooLarge,
    AlmaCamAuthError,
    AlmaCamCallBudgetExceeded,
    AlmaCamError,
    AlmaCamNotFound,
    AlmaCamOrderTooLarge,
    AlmaCamProtocolError,
    AlmaCamRateLimited,
    AlmaCamServerError,
    AlmaCamStillComputing,
    AlmaCamTimeout,
    AlmaCamTransportError,
    AlmaCamUnreachable,
    AlmaCamValidationError,
)
from nestflow.almacam.models import (
    Computing,
    ErrorBody,
    FullResult,
    Order,
    StatsResult,
    SubmitResponse,
    View,
)
from nestflow.almacam.orders import OrderIndex
from nestflow.bounded import (
    BUDGET_PER_DEADLINE,
    DEFAULT_MAX_BYTES,
    AnswerTooLarge,
    AnswerTooSlow,
    CallBudget,
    DeadlineTransport,
    UndecodableJson,
    decode_json,
    scrub,
    send_bounded,
)
from nestflow.waiting import (
    Silence,
    cancellable,
    check_cancelled,
    interruptible_sleep,
    waiting_for,
)

log = logging.getLogger("nestflow.almacam")

#: Pause before the first poll after ``expected_time`` (s); doubles after each 202.
FIRST_POLL_PAUSE = 0.25
#: Longest pause between two polls (s): bounds the delay between a result being ready and held.
MAX_POLL_PAUSE = 1.0
#: Largest fraction by which jitter shortens a pause (never lengthens it).
POLL_JITTER = 0.2
#: Extra attempts of a read-only request that got no answer, and the first pause between them (s).
GET_RETRIES = 2
GET_RETRY_PAUSE = 0.2
#: Default ``request_deadline`` as a multiple of ``timeout``: a connect, a write and a read may
#: each take nearly ``timeout``, so a whole exchange is given their sum.
DEADLINE_PER_TIMEOUT = 3.0
#: Default most pauses made for 429 answers to one request, and longest ``Retry-After`` obeyed (s).
MAX_RATE_LIMIT_WAITS = 5
MAX_RETRY_AFTER = 60.0
#: First pause after a 429 without ``Retry-After`` (s); doubles after each, up to max_retry_after.
RATE_LIMIT_PAUSE = 1.0
#: Answers saying the request was not processed, so that it may be sent again: status -> reason.
NOT_PROCESSED = {429: "too many requests", 503: "service unavailable"}
#: Largest fraction by which jitter shortens a rate-limit back-off (never lengthens it).
RATE_LIMIT_JITTER = 0.5
#: Longest vendor message quoted in an error (characters).
MAX_QUOTED = 300

M = TypeVar("M", bound=BaseModel)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: ``on_poll(attempt, elapsed_seconds, http_status_or_None)``.
PollCallback = Callable[[int, float, int | None], None]

_RESULT_MODELS: dict[str, type[FullResult] | type[StatsResult]] = {
    "full": FullResult,
    "stats": StatsResult,
}


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), if readable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _describe(exc: httpx.TransportError) -> str:
    """``"ConnectError: [Errno 111] Connection refused"``: the failure in one line."""
    return f"{type(exc).__name__}: {exc or 'no detail'}"


def _message_of(response: httpx.Response, token: str) -> str:
    """The ``message`` of a JSON body (with its first error's), else the start of the text body.

    The token is scrubbed from it (a service may quote back what it was sent).
    """
    return scrub(_raw_message_of(response), token)


def _raw_message_of(response: httpx.Response) -> str:
    try:
        body = decode_json(response.content)
    except UndecodableJson as exc:
        if exc.reason.startswith("not JSON"):
            return response.text.strip()[:200] or "(empty body)"
        return f"(an unreadable body: {exc.reason})"
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return _clip(repr(body)[:200])
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    if isinstance(first, dict) and isinstance(first.get("message"), str):
        return _clip(f"{body['message']}: {first['message']}")
    return _clip(body["message"])


def _clip(text: str) -> str:
    """``text`` cut to :data:`MAX_QUOTED` characters: a server's words never flood an error."""
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "\u2026"


def _advice(endpoint: str, sent: bool) -> str:
    """What to do after a request got no usable answer; a submit depends on whether it left."""
    if not endpoint.startswith("POST"):
        return "check the base URL and the network, then retry"
    if sent:
        return (
            "the order may have been received: do not resubmit blindly, check with the "
            "vendor or resubmit knowing a duplicate order may be billed"
        )
    return "the order was not sent; it is safe to submit it again"


#: What to do after a read-only request whose answer was too slow.
_SLOW_READ = "the service or the network is too slow: retry later, or raise request_deadline"


@dataclass(frozen=True)
class _Pauses:
    """How one request pauses between its attempts.

    Attributes:
        sleep: The sleep to use (the client's, or the wait's inside a wait).
        time_left: Seconds left before the deadline of the wait the request belongs to.
    """

    sleep: Callable[[float], None]
    time_left: Callable[[], float] | None = None


def _check_limits(client: AlmaCamClient) -> None:
    """Refuse limits that would make every request fail, naming the setting."""
    if client.max_answer_bytes <= 0:
        raise ValueError(f"max_answer_bytes must be > 0, got {client.max_answer_bytes}")
    if client.request_deadline <= 0:
        raise ValueError(f"request_deadline must be > 0 seconds, got {client.request_deadline}")
    if client.call_budget <= 0:
        raise ValueError(f"call_budget must be > 0 seconds, got {client.call_budget}")
    if client.max_rate_limit_waits < 0:
        raise ValueError(f"max_rate_limit_waits must be >= 0, got {client.max_rate_limit_waits}")
    if client.max_retry_after < 0:
        raise ValueError(f"max_retry_after must be >= 0 seconds, got {client.max_retry_after}")


class AlmaCamClient:
    """Client of the AlmaCAM nesting API (Bearer token, JSON orders, polling of results).

    Args:
        base_url: Service root, e.g. ``https://api.nesting.almacam.com``.
        token: The Bearer token (never shown in reprs, logs or errors).
        timeout: Seconds allowed to every request (connect, read, write, pool); a connect never
            takes longer than ``unreachable_after``.
        transport: An httpx transport to use instead of the network (tests, proxies); the
            default, a :class:`~nestflow.bounded.DeadlineTransport`, bounds headers too.
        sleep: Sleep function for the retry pauses of read-only requests and the pauses after
            a 429; the default stops when waits are cancelled.
        unreachable_after: Seconds without any answer from the service after which read-only
            requests and waits give up with :class:`AlmaCamUnreachable`.
        max_answer_bytes: Largest answer body read (bytes, after decompression); a larger one
            is cut off with :class:`AlmaCamAnswerTooLarge`.
        request_deadline: Seconds for a whole exchange, from sending to the last byte of the
            answer; :data:`DEADLINE_PER_TIMEOUT` times ``timeout`` when ``None``.
        call_budget: Seconds one call may take in all (attempts, retry pauses, ``Retry-After``
            waits); :data:`~nestflow.bounded.BUDGET_PER_DEADLINE` times ``request_deadline``
            when ``None``.
        max_rate_limit_waits: Most pauses made for 429 answers to one request before giving up.
        max_retry_after: Longest ``Retry-After`` (seconds) the client waits out; a longer one
            fails at once.

    Raises:
        ValueError: When the token is empty, or a limit is not positive (``max_rate_limit_waits``
            and ``max_retry_after`` may be 0: never wait).
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = interruptible_sleep,
        unreachable_after: float = 120.0,
        max_answer_bytes: int = DEFAULT_MAX_BYTES,
        request_deadline: float | None = None,
        call_budget: float | None = None,
        max_rate_limit_waits: int = MAX_RATE_LIMIT_WAITS,
        max_retry_after: float = MAX_RETRY_AFTER,
    ) -> None:
        if not token:
            raise ValueError("AlmaCAM token is empty: set it in the AlmaCamCredentials block")
        self.base_url = base_url.rstrip("/")
        self._sleep = cancellable(sleep)
        self.unreachable_after = unreachable_after
        self._silence = Silence(unreachable_after)
        self.max_answer_bytes = max_answer_bytes
        self.request_deadline = (
            request_deadline if request_deadline is not None else DEADLINE_PER_TIMEOUT * timeout
        )
        self.call_budget = (
            call_budget if call_budget is not None else BUDGET_PER_DEADLINE * self.request_deadline
        )
        self.max_rate_limit_waits = max_rate_limit_waits
        self.max_retry_after = max_retry_after
        _check_limits(self)
        self._token = SecretStr(token)
        self._rng = random.Random()
        # httpx redacts the Authorization header in its own reprs; we never log headers.
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, unreachable_after)),
            transport=transport if transport is not None else DeadlineTransport(),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def __enter__(self) -> AlmaCamClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # --- requests -------------------------------------------------------------------------------

    def submit(self, order: Order, *, index: OrderIndex | None = None) -> int:
        """Submit a nesting order (``POST /new``); never retried.

        Args:
            order: The order.
            index: The order's index, so that a 400 names the user's parts and files.

        Returns:
            The nesting order id.

        Raises:
            AlmaCamValidationError: The order was refused (400), with the vendor's errors.
            AlmaCamTransportError: No answer, or one too slow; ``request_sent`` says whether the
                order may have landed.
            AlmaCamRateLimited: 429 answers the client would not or could no longer wait out.
            AlmaCamAnswerTooLarge: The answer outgrew ``max_answer_bytes`` (the order may have
                landed).
            AlmaCamError: Any other failure (401, 413, 5xx, undocumented answer).
        """
        endpoint = "POST /new"
        response = self._exchange(
            "POST", "/new", None, 0, _Pauses(self._sleep), payload=order.to_payload()
        )
        if response.status_code in (200, 201):
            return self._parse(response, SubmitResponse, endpoint, None).nesting_order_id
        raise self._status_error(response, endpoint, None, index)

    @overload
    def result(
        self, order_id: int, view: Literal["full"] = ..., *, index: OrderIndex | None = None
    ) -> FullResult | Computing: ...
    @overload
    def result(
        self, order_id: int, view: Literal["stats"], *, index: OrderIndex | None = None
    ) -> StatsResult | Computing: ...

    def result(
        self, order_id: int, view: View = "full", *, index: OrderIndex | None = None
    ) -> FullResult | StatsResult | Computing:
        """Read a view of an order's result once (``GET /result/{id}/{view}``).

        Args:
            order_id: The nesting order id.
            view: ``"full"`` (production, every placement) or ``"stats"`` (quotation, ids only).
            index: The order's index, so that a 400 names the user's parts and files.

        Returns:
            The result, or :class:`Computing` while the order is still computing (202).

        Raises:
            AlmaCamValidationError: The order failed while being solved (400).
            AlmaCamAuthError: 401. AlmaCamNotFound: 404. AlmaCamServerError: 5xx.
            AlmaCamTransportError: No answer after the retries, or one too slow.
            AlmaCamRateLimited: 429 answers the client would not or could no longer wait out.
            AlmaCamAnswerTooLarge: The answer outgrew ``max_answer_bytes``.
        """
        return self._result(order_id, view, index, GET_RETRIES, _Pauses(self._sleep))

    def image(self, order_id: int, index: int) -> bytes:
        """The PNG preview of nesting number ``index`` (0-based) of a finished order.

        Raises:
            AlmaCamNotFound: Unknown order, or ``index`` past the last nesting (404).
            AlmaCamStillComputing: The order is not finished yet (202).
            AlmaCamProtocolError: The answer is not a PNG.
            AlmaCamAnswerTooLarge: The answer outgrew ``max_answer_bytes``.
            AlmaCamTransportError, AlmaCamRateLimited: As :meth:`result`.
        """
        path = f"/result/{order_id}/image/{index}"
        endpoint = f"GET {path}"
        response = self._exchange("GET", path, order_id, GET_RETRIES, _Pauses(self._sleep))
        if response.status_code == 200:
            if not response.content.startswith(PNG_SIGNATURE):
                raise AlmaCamProtocolError(
                    "the answer is not a PNG image (wrong base URL, or a proxy in between?)",
                    status=200,
                    endpoint=endpoint,
                    order_id=order_id,
                )
            return response.content
        if response.status_code == 202:
            raise AlmaCamStillComputing(
                f"order {order_id} is still computing: wait for its result before its images",
                status=202,
                endpoint=endpoint,
                order_id=order_id,
            )
        raise self._status_error(response, endpoint, order_id, None)

    def wait(
        self,
        order_id: int,
        view: View = "full",
        *,
        expected_time: float,
        deadline: float,
        on_poll: PollCallback | None = None,
        sleep: Callable[[float], None] = interruptible_sleep,
        clock: Callable[[], float] = time.monotonic,
        index: OrderIndex | None = None,
        rng: random.Random | None = None,
    ) -> FullResult | StatsResult:
        """Wait for an order to finish and return its result view.

        Sleeps ``expected_time`` first, then polls with back-off (see the module docstring).
        Answers that say nothing about the order (5xx, no answer) are polled through until the
        deadline, but no answer at all for ``unreachable_after`` seconds ends the wait; a 400, 401
        or 404 ends the wait at once. Each poll is one request bounded by the client's
        ``request_deadline``, so the last one may end up to that much after the deadline. A poll
        answered 429 is sent again after the pause asked for (see the module docstring), slept
        with ``sleep``; a pause reaching past the deadline ends the wait.

        Args:
            order_id: The nesting order id.
            view: ``"full"`` or ``"stats"``.
            expected_time: Seconds the order is expected to compute (its ``time``).
            deadline: Seconds from now after which to give up.
            on_poll: Called after every poll with ``(attempt, elapsed, status)``; status is the
                HTTP status, ``None`` when no answer came.
            sleep: Sleep function (injectable for tests); the default stops when waits are
                cancelled.
            clock: Monotonic clock in seconds (injectable for tests).
            index: The order's index, so that a 400 names the user's parts and files.
            rng: Random source of the jitter.

        Returns:
            The finished result.

        Raises:
            AlmaCamTimeout: The deadline passed (says order id, time waited, last status).
            AlmaCamUnreachable: No answer at all for ``unreachable_after`` seconds.
            AlmaCamValidationError, AlmaCamAuthError, AlmaCamNotFound: as :meth:`result`.
            AlmaCamRateLimited, AlmaCamAnswerTooLarge: as :meth:`result`.
            WaitCancelled: Waits were cancelled; names the order left computing at AlmaCAM.
        """
        rng = rng or random.Random()
        sleep = cancellable(sleep)
        start = clock()
        end = start + deadline
        endpoint = f"GET /result/{order_id}/{view}"
        silence = Silence(self.unreachable_after, clock)
        pauses = _Pauses(sleep, time_left=lambda: end - clock())
        left_running = f"AlmaCAM order {order_id} at {self.base_url} (still computing)"
        with waiting_for(f"AlmaCAM order {order_id}", left_running, log):
            check_cancelled()
            sleep(max(0.0, min(expected_time, end - clock())))
            pause, attempt = FIRST_POLL_PAUSE, 0
            last_failure: int | None = 0  # status of the last failed poll (0: it did not fail)
            while True:
                check_cancelled()
                attempt += 1
                sent_at = clock()
                outcome, status, error = self._poll(order_id, view, index, pauses)
                if error is not None and error.status != last_failure:
                    log.warning(
                        "AlmaCAM order %s: poll %d failed, polling on (service unreachable after "
                        "%g s without an answer): %s",
                        order_id,
                        attempt,
                        self.unreachable_after,
                        error,
                    )
                last_failure = error.status if error is not None else 0
                if status is None and error is not None:
                    silence.unanswered(sent_at, self._silence.last or error.message)
                    if silence.exceeded():
                        raise self._unreachable(endpoint, order_id, silence) from error
                else:
                    silence.answered()
                if on_poll is not None:
                    on_poll(attempt, clock() - start, status)
                if isinstance(outcome, FullResult | StatsResult):
                    return outcome
                remaining = end - clock()
                if remaining <= 0:
                    raise AlmaCamTimeout(
                        endpoint=endpoint,
                        order_id=order_id,
                        elapsed=clock() - start,
                        polls=attempt,
                        last_status=status,
                    ) from error
                hint = outcome.retry_after if outcome is not None else None
                jittered = pause * (1.0 - POLL_JITTER * rng.random())
                wait = min(hint if hint is not None else jittered, remaining)
                if status is None:
                    wait = min(wait, max(0.0, silence.left()))
                sleep(wait)
                check_cancelled()
                pause = min(pause * 2.0, MAX_POLL_PAUSE)

    # --- internals ------------------------------------------------------------------------------

    def _poll(
        self, order_id: int, view: View, index: OrderIndex | None, pauses: _Pauses
    ) -> tuple[FullResult | StatsResult | Computing | None, int | None, AlmaCamError | None]:
        """One poll of a wait: the outcome and its status, or the passing failure that hid it.

        5xx answers and missing (or too slow) answers tell nothing about the order, so they do
        not end a wait; every other error does (raised).
        """
        try:
            outcome = self._result(order_id, view, index, 0, pauses)
        except AlmaCamUnreachable:
            raise
        except (AlmaCamServerError, AlmaCamTransportError) as exc:
            return None, exc.status, exc
        return outcome, 202 if isinstance(outcome, Computing) else 200, None

    def _result(
        self, order_id: int, view: View, index: OrderIndex | None, retries: int, pauses: _Pauses
    ) -> FullResult | StatsResult | Computing:
        if view not in _RESULT_MODELS:
            raise ValueError(f"view must be 'full' or 'stats', not {view!r}")
        path = f"/result/{order_id}/{view}"
        endpoint = f"GET {path}"
        response = self._exchange("GET", path, order_id, retries, pauses)
        if response.status_code == 200:
            return self._parse(response, _RESULT_MODELS[view], endpoint, order_id)
        if response.status_code == 202:
            return Computing(
                message=_message_of(response, self._secret()),
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        raise self._status_error(response, endpoint, order_id, index)

    def _exchange(
        self,
        method: str,
        path: str,
        order_id: int | None,
        retries: int,
        pauses: _Pauses,
        *,
        payload: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """Send a request until it is answered with anything but 429 or 503, waiting each out.

        Both say the request was not processed, so sending it again is safe for a submit too.

        Args:
            method: ``"GET"`` or ``"POST"``.
            path: Path under the base URL.
            order_id: The order concerned, for errors.
            retries: Extra attempts when no answer came (read-only requests only).
            pauses: The sleep, and the deadline of the wait the request belongs to.
            payload: The JSON body.

        Raises:
            AlmaCamRateLimited: See :meth:`_rate_limit_pause`.
            AlmaCamError: As :meth:`_answered`.
        """
        refusals = 0
        budget = CallBudget(self.call_budget)
        while True:
            response = self._answered(
                method, path, order_id, retries, pauses.sleep, payload, budget
            )
            if response.status_code not in NOT_PROCESSED:
                return response
            refusals += 1
            pauses.sleep(
                self._rate_limit_pause(
                    response, f"{method} {path}", order_id, refusals, pauses, budget
                )
            )
            check_cancelled()

    def _answered(
        self,
        method: str,
        path: str,
        order_id: int | None,
        retries: int,
        sleep: Callable[[float], None],
        payload: dict[str, Any] | None,
        budget: CallBudget,
    ) -> httpx.Response:
        """One answer, read within bounds; sent again up to ``retries`` times while none comes.

        Each attempt's deadline is ``request_deadline`` or the budget left, if less.

        Raises:
            AlmaCamCallBudgetExceeded: The budget ran out before an attempt or a retry pause.
            AlmaCamUnreachable: The service has given no answer for ``unreachable_after`` s (a
                read-only request; a submit reports the transport error it met).
            AlmaCamTransportError: No answer after the retries, or an answer too slow.
            AlmaCamAnswerTooLarge: The answer outgrew ``max_answer_bytes``.
            AlmaCamProtocolError: The answer's compressed body is corrupt.
        """
        endpoint = f"{method} {path}"
        pause = GET_RETRY_PAUSE
        for attempt in range(retries + 1):
            if budget.left() <= 0:
                raise self._budget_spent(endpoint, order_id, budget, "no attempt left in time")
            sent_at = time.monotonic()
            request = self._http.build_request(method, path, json=payload)
            budget.attempts += 1
            try:
                response = send_bounded(
                    self._http,
                    request,
                    max_bytes=self.max_answer_bytes,
                    deadline_s=budget.deadline(self.request_deadline),
                )
            except httpx.TransportError as exc:
                self._silence.unanswered(sent_at, _describe(exc))
                if method == "GET" and self._silence.exceeded():
                    raise self._unreachable(endpoint, order_id, self._silence) from exc
                if attempt == retries:
                    raise self._transport_error(exc, endpoint, order_id) from exc
                wait = min(pause, max(0.0, self._silence.left()))
                if not budget.allows(wait):
                    why = f"last attempt: {_describe(exc)}"
                    raise self._budget_spent(endpoint, order_id, budget, why) from exc
                sleep(wait)
                pause *= 2.0
            except (AnswerTooLarge, AnswerTooSlow, zlib.error, httpx.DecodingError) as exc:
                self._silence.answered()  # the service did answer, if not usably
                if isinstance(exc, AnswerTooSlow) and budget.left() <= 0:
                    # Cut off by what was left of the budget, not by request_deadline.
                    why = f"the last answer was cut off after {exc.deadline_s:.1f} s"
                    raise self._budget_spent(endpoint, order_id, budget, why) from exc
                raise self._unusable(exc, endpoint, order_id) from exc
            else:
                self._silence.answered()
                return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _budget_spent(
        self,
        endpoint: str,
        order_id: int | None,
        budget: CallBudget,
        why: str,
        *,
        request_sent: bool = True,
    ) -> AlmaCamCallBudgetExceeded:
        return AlmaCamCallBudgetExceeded(
            endpoint=endpoint,
            budget_s=budget.seconds,
            attempts=budget.attempts,
            why=scrub(why, self._secret()),
            request_sent=request_sent,
            order_id=order_id,
        )

    def _secret(self) -> str:
        return self._token.get_secret_value()

    def _rate_limit_pause(
        self,
        response: httpx.Response,
        endpoint: str,
        order_id: int | None,
        refusals: int,
        pauses: _Pauses,
        budget: CallBudget,
    ) -> float:
        """Seconds to wait before sending a request answered 429/503 (the ``refusals``-th) again.

        Raises:
            AlmaCamRateLimited: ``max_rate_limit_waits`` pauses were made already; the service
                asks for more than ``max_retry_after``; or the pause would end past the
                deadline of the wait the request belongs to.
            AlmaCamCallBudgetExceeded: The pause would end past the call's budget (the
                request was not processed).
        """
        asked = parse_retry_after(response.headers.get("Retry-After"))
        status = response.status_code
        reason = NOT_PROCESSED[status]

        def refused(why: str) -> AlmaCamRateLimited:
            return AlmaCamRateLimited(
                f"{reason}: {why}; the request was not processed",
                endpoint=endpoint,
                retry_after=asked,
                answers=refusals,
                order_id=order_id,
                status=status,
            )

        if refusals > self.max_rate_limit_waits:
            raise refused(
                f"still refused after {refusals - 1} pause(s), {refusals} answers {status} in a "
                f"row (max_rate_limit_waits {self.max_rate_limit_waits}); send it again later, "
                "or raise max_rate_limit_waits"
            )
        if asked is not None and asked > self.max_retry_after:
            raise refused(
                f"the service asks to wait {asked:g} s (Retry-After), longer than max_retry_after "
                f"{self.max_retry_after:g} s; send it again after that time, or raise "
                f"max_retry_after to have the client wait it out"
            )
        pause = asked if asked is not None else self._back_off(refusals)
        left = pauses.time_left() if pauses.time_left is not None else None
        if left is not None and pause > left:
            why = "Retry-After" if asked is not None else "back-off"
            raise refused(
                f"the next attempt would be in {pause:.1f} s ({why}), past the wait's deadline "
                f"({max(left, 0.0):.1f} s left); wait again later with the same order id"
            )
        if not budget.allows(pause):
            why = "Retry-After" if asked is not None else "back-off"
            raise self._budget_spent(
                endpoint,
                order_id,
                budget,
                f"{reason} ({status}), the next attempt would be in {pause:.1f} s ({why}), past "
                f"the budget ({max(budget.left(), 0.0):.1f} s left)",
                request_sent=False,
            )
        log.info(
            "AlmaCAM %s: %s (%d, answer number %d), sending it again in %.1f s",
            endpoint,
            reason,
            status,
            refusals,
            pause,
        )
        return pause

    def _back_off(self, refusals: int) -> float:
        """The pause after the ``refusals``-th 429 without ``Retry-After``: doubling, jittered."""
        nominal = min(RATE_LIMIT_PAUSE * 2.0 ** (refusals - 1), self.max_retry_after)
        return nominal * (1.0 - RATE_LIMIT_JITTER * self._rng.random())

    def _unreachable(
        self, endpoint: str, order_id: int | None, silence: Silence
    ) -> AlmaCamUnreachable:
        """The error of a service silent for ``silence.limit`` seconds."""
        return AlmaCamUnreachable(
            base_url=self.base_url,
            endpoint=endpoint,
            silent_s=silence.seconds(),
            attempts=silence.attempts,
            last=silence.last,
            order_id=order_id,
        )

    def _parse(
        self, response: httpx.Response, model: type[M], endpoint: str, order_id: int | None
    ) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            # pydantic's own JSON parser reads any depth and number length into a typed
            # ValidationError ("recursion limit exceeded", "number out of range"), never raw.
            first = exc.errors()[0]
            where = ".".join(str(step) for step in first["loc"]) or "(the whole body)"
            raise AlmaCamProtocolError(
                scrub(
                    f"the body is not a valid {model.__name__}: {exc.error_count()} problem(s), "
                    f"first: {first['msg']} at {where}; check that base_url points at AlmaCAM, "
                    f"and report the answer to the vendor if it does",
                    self._secret(),
                ),
                status=response.status_code,
                endpoint=endpoint,
                order_id=order_id,
            ) from None

    @staticmethod
    def _transport_error(
        exc: httpx.TransportError, endpoint: str, order_id: int | None
    ) -> AlmaCamTransportError:
        # A connect failure means nothing was sent; anything later may have reached the server.
        not_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
        return AlmaCamTransportError(
            f"{_describe(exc)}; {_advice(endpoint, sent=not not_sent)}",
            endpoint=endpoint,
            request_sent=not not_sent,
            order_id=order_id,
        )

    @staticmethod
    def _unusable(
        exc: AnswerTooLarge | AnswerTooSlow | zlib.error | httpx.DecodingError,
        endpoint: str,
        order_id: int | None,
    ) -> AlmaCamError:
        """The typed error of an answer that came but cannot be used."""
        if isinstance(exc, AnswerTooLarge):
            return AlmaCamAnswerTooLarge(endpoint=endpoint, limit=exc.limit, order_id=order_id)
        if isinstance(exc, AnswerTooSlow):
            # It answered, so the request reached it: a submit may have landed.
            advice = _advice(endpoint, sent=True) if endpoint.startswith("POST") else _SLOW_READ
            return AlmaCamTransportError(
                f"the answer did not arrive whole within request_deadline {exc.deadline_s:g} s "
                f"({exc.received:,} bytes of body received) and was cut off; {advice}",
                endpoint=endpoint,
                request_sent=True,
                order_id=order_id,
            )
        return AlmaCamProtocolError(
            f"the answer's compressed body is corrupt ({exc}); check that base_url points at "
            f"AlmaCAM (not at a proxy or another service)",
            status=None,
            endpoint=endpoint,
            order_id=order_id,
        )

    def _scrubbed(self, body: ErrorBody) -> ErrorBody:
        """``body`` with the token taken out of its message and every error's message and path."""
        token = self._secret()
        errors = [
            item.model_copy(
                update={
                    "message": scrub(item.message, token),
                    "path": [
                        scrub(step, token) if isinstance(step, str) else step for step in item.path
                    ]
                    if item.path is not None
                    else None,
                }
            )
            for item in body.errors
        ]
        return body.model_copy(update={"message": scrub(body.message, token), "errors": errors})

    def _status_error(
        self,
        response: httpx.Response,
        endpoint: str,
        order_id: int | None,
        index: OrderIndex | None,
    ) -> AlmaCamError:
        status = response.status_code
        message = _message_of(response, self._secret())
        where = f"order {order_id}" if order_id is not None else "the order"
        if status == 400:
            body = self._scrubbed(self._parse(response, ErrorBody, endpoint, order_id))
            action = (
                "fix the order and submit it again"
                if order_id is None
                else f"{where} failed while being solved; fix the parts named and submit again"
            )
            return AlmaCamValidationError(
                f"{body.message}; {action}",
                errors=body.errors,
                endpoint=endpoint,
                order_id=order_id,
                index=index,
            )
        if status == 401:
            return AlmaCamAuthError(
                f"{message}; the token was refused: check the token in the AlmaCamCredentials "
                f"block (and that base_url {self.base_url} is the service it was issued for)",
                status=status,
                endpoint=endpoint,
                order_id=order_id,
            )
        if status == 413:
            return AlmaCamOrderTooLarge(
                f"{message}; the order is too large for the service and nothing was created: "
                f"send fewer parts per order",
                status=status,
                endpoint=endpoint,
                order_id=order_id,
            )
        if status == 404:
            missing = (
                "the image index is past the last nesting (0-based) or the order is unknown"
                if "/image/" in endpoint
                else f"{where} is unknown here: check the order id and the base URL"
            )
            return AlmaCamNotFound(
                f"{message}; {missing}",
                status=status,
                endpoint=endpoint,
                order_id=order_id,
            )
        if status >= 500:
            return AlmaCamServerError(
                f"{message}; the AlmaCAM service failed, retry later",
                status=status,
                endpoint=endpoint,
                order_id=order_id,
            )
        return AlmaCamProtocolError(
            f"undocumented answer: {message}",
            status=status,
            endpoint=endpoint,
            order_id=order_id,
        )
