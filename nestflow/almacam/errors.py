"""Typed errors of the AlmaCAM client: one family, messages a person can act on.

Every error carries the HTTP ``status`` (``None`` when no answer came), the ``endpoint``
(``"GET /result/12/full"``) and, when known, the ``order_id``. Messages never contain the token:
the client never puts request headers into an error, and every text of an answer (a message, the
vendor's errors) has the token scrubbed (:func:`nestflow.bounded.scrub`) should the service quote
it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nestflow.almacam.models import ErrorItem
from nestflow.almacam.orders import OrderIndex

#: The vendor's error codes, in our words.
ERROR_CODES: dict[int, str] = {
    -3000: "the order does not satisfy the order schema",
    -4000: "unexpected error",
    -5000: "the body could not be parsed as JSON",
    -6000: "too many part instances",
    -7000: "the same part id appears twice in the instances",
    -8000: "the same sheet id appears twice",
    -1000: "unexpected error",
    -996: "invalid geometry",
    -994: "invalid sheet",
    -989: "invalid orientation (needs min_angle <= max_angle, both in [0, 360))",
    -981: "a hole does not fit the shape it belongs to",
    -979: "a contour intersects itself",
    -973: "a user parameter is out of range",
    -971: "invalid contour",
}

#: Codes that say one part's geometry is wrong (the other parts of the order may be fine).
PART_GEOMETRY_CODES = frozenset({-996, -981, -979, -971})


class AlmaCamError(Exception):
    """Any failure talking to AlmaCAM.

    Attributes:
        message: What happened and what to do.
        status: HTTP status of the answer, ``None`` when there was no answer.
        endpoint: Method and path, e.g. ``"POST /new"``.
        order_id: The nesting order concerned, when known.
    """

    def __init__(
        self, message: str, *, status: int | None, endpoint: str, order_id: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.endpoint = endpoint
        self.order_id = order_id

    def __str__(self) -> str:
        return f"AlmaCAM {self.endpoint} ({self._answer()}): {self.message}"

    @property
    def may_have_landed(self) -> bool:
        """Whether the request may have taken effect although it failed (a submit: billed).

        An answer that refused the request (4xx, "too many requests") says it did not; a server
        failure, an unusable answer or no answer after the request left does not say so.
        """
        return False

    def _answer(self) -> str:
        """What came back, for :meth:`__str__`: ``"HTTP 404"``, ``"no answer"``."""
        return f"HTTP {self.status}" if self.status is not None else "no answer"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, endpoint={self.endpoint!r}, "
            f"order_id={self.order_id!r}, message={self.message!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Prefect ships exceptions between processes; the keyword-only constructors of the
        # subclasses cannot be replayed from ``args``, so the attributes travel as they are.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type[AlmaCamError], args: tuple[Any, ...], state: dict[str, Any]) -> AlmaCamError:
    """An error unpickled with its attributes (see :meth:`AlmaCamError.__reduce__`)."""
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


def format_path(path: Sequence[str | int]) -> str:
    """A JSON path as one readable string: ``parts[0].instances[0].orientations``."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out or "(the whole order)"


def describe_error(item: ErrorItem, index: OrderIndex | None = None) -> str:
    """One error of a 400 body as a line: code, meaning, where, message, parts and sheets by name.

    Args:
        item: The vendor's error.
        index: The order's index, to name parts and sheets as the user knows them.
    """
    meaning = ERROR_CODES.get(item.error_code, "unknown error code")
    text = f"code {item.error_code} ({meaning})"
    where = index.path_label(item.path) if index and item.path else None
    if item.path is not None:
        text += f" at {format_path(item.path)}" + (f" [{where}]" if where else "")
    text += f": {item.message}"
    names = [index.part_label(p) if index else f"part id {p}" for p in item.parts or []]
    names += [index.sheet_label(s) if index else f"sheet id {s}" for s in item.sheets or []]
    others = [name for name in names if name != where]  # the path already named that one
    if others:
        text += f"; concerns {', '.join(others)}"
    return text


class AlmaCamValidationError(AlmaCamError):
    """HTTP 400: the order was refused at submission, or failed while being solved.

    Attributes:
        errors: The vendor's errors (code, message, path, parts, sheets).
        index: The order's index when the caller gave it; names parts in :meth:`__str__`.
    """

    def __init__(
        self,
        message: str,
        *,
        errors: Sequence[ErrorItem],
        endpoint: str,
        order_id: int | None = None,
        index: OrderIndex | None = None,
    ) -> None:
        super().__init__(message, status=400, endpoint=endpoint, order_id=order_id)
        self.errors = list(errors)
        self.index = index

    def describe(self, index: OrderIndex | None = None) -> list[str]:
        """One readable line per error, parts and sheets named via ``index`` (or ``self.index``)."""
        return [describe_error(e, index or self.index) for e in self.errors]

    def codes(self) -> list[int]:
        """The error codes, in the vendor's order."""
        return [e.error_code for e in self.errors]

    def rejected_parts(self, index: OrderIndex) -> dict[int, str] | None:
        """The parts refused for their own geometry, when nothing else was refused.

        Args:
            index: The index of the order that was refused.

        Returns:
            Instance id -> the vendor's reason (code and message), when every error is about
            the geometry of parts of this order (:data:`PART_GEOMETRY_CODES`) and names them;
            ``None`` when any error is about the order itself, a sheet, or no part in particular
            (then leaving parts out would not help).
        """
        rejected: dict[int, str] = {}
        for error in self.errors:
            parts = error.parts or []
            if error.error_code not in PART_GEOMETRY_CODES or not parts:
                return None
            if any(part not in index.parts for part in parts):
                return None
            reason = f"AlmaCAM refused its geometry ({error.error_code}: {error.message})"
            for part in parts:
                rejected.setdefault(part, reason)
        return rejected or None

    def __str__(self) -> str:
        lines = self.describe() or ["(the service listed no error)"]
        return super().__str__() + "".join(f"\n  - {line}" for line in lines)


class AlmaCamAuthError(AlmaCamError):
    """HTTP 401: the token was refused."""


class AlmaCamNotFound(AlmaCamError):
    """HTTP 404: unknown order id, or an image index past the result's last nesting."""


class AlmaCamServerError(AlmaCamError):
    """HTTP 5xx: the service failed; the request may be retried later."""

    @property
    def may_have_landed(self) -> bool:
        """The request reached the service, which failed or answered unusably: it may have."""
        return True


class AlmaCamProtocolError(AlmaCamError):
    """An answer the API does not document (unexpected status, or a body of the wrong shape)."""

    @property
    def may_have_landed(self) -> bool:
        """The request reached the service, which failed or answered unusably: it may have."""
        return True


class AlmaCamAnswerTooLarge(AlmaCamProtocolError):
    """An answer's body grew past the client's ``max_answer_bytes``; it was cut off unread.

    No answer of the API comes near the limit, so asking again would only fetch the same flood:
    the client never retries it, and it is no server or transport error, so retry policies do
    not either.

    Attributes:
        limit: The limit that was passed (bytes, counted after decompression).
    """

    def __init__(self, *, endpoint: str, limit: int, order_id: int | None = None) -> None:
        landed = (
            "; the order may have been received all the same: do not resubmit blindly"
            if endpoint.startswith("POST")
            else ""
        )
        message = (
            f"the answer is larger than {limit:,} bytes (max_answer_bytes) and was cut off"
            f"{landed}; no AlmaCAM answer is that large: check that base_url points at AlmaCAM "
            f"(not at a proxy or another service), or raise max_answer_bytes if it really must "
            f"be read"
        )
        super().__init__(message, status=None, endpoint=endpoint, order_id=order_id)
        self.limit = limit

    def _answer(self) -> str:
        return "answer cut off"


class AlmaCamOrderTooLarge(AlmaCamError):
    """HTTP 413: the service refused to read an order that large; nothing was created."""


class AlmaCamRateLimited(AlmaCamError):
    """HTTP 429 (or 503) the client would not, or could no longer, wait out; not processed.

    Raised when the service asks for a longer pause than the client allows
    (``max_retry_after``) or than a wait has left before its deadline, and when it still answers
    429 after ``max_rate_limit_waits`` pauses. Nothing was created or billed: the request may be
    sent again later.

    Attributes:
        retry_after: Seconds the service asked to wait (``None`` when it did not say).
        answers: How many 429 (or 503) answers in a row the request got.
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        retry_after: float | None,
        answers: int,
        order_id: int | None = None,
        status: int = 429,
    ) -> None:
        super().__init__(message, status=status, endpoint=endpoint, order_id=order_id)
        self.retry_after = retry_after
        self.answers = answers


class AlmaCamStillComputing(AlmaCamError):
    """HTTP 202 where a finished order was required (an image asked for before the result)."""


class AlmaCamTransportError(AlmaCamError):
    """No usable answer: connection refused or dropped, network timeout, or an answer too slow.

    "Too slow": the answer did not arrive whole within the client's ``request_deadline``.

    Attributes:
        request_sent: False when the connection never opened (the request surely did not land).
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        request_sent: bool,
        order_id: int | None = None,
    ) -> None:
        super().__init__(message, status=None, endpoint=endpoint, order_id=order_id)
        self.request_sent = request_sent

    @property
    def may_have_landed(self) -> bool:
        """Unless the connection never opened, the request may have reached the service."""
        return self.request_sent


class AlmaCamCallBudgetExceeded(AlmaCamTransportError):
    """One call used up its ``call_budget``: attempts, retry pauses and ``Retry-After`` waits.

    Attributes:
        budget_s: The budget, in seconds.
        attempts: Requests sent within it.
    """

    def __init__(
        self,
        *,
        endpoint: str,
        budget_s: float,
        attempts: int,
        why: str,
        request_sent: bool,
        order_id: int | None = None,
    ) -> None:
        if endpoint.startswith("POST") and request_sent:
            advice = (
                "the order may have been received: do not resubmit blindly, check with the "
                "vendor or resubmit knowing a duplicate order may be billed"
            )
        elif endpoint.startswith("POST"):
            advice = "the order was not processed; submit it again later"
        else:
            advice = "ask again later"
        message = (
            f"call_budget {budget_s:g} s used up after {attempts} attempt(s): {why}; {advice} "
            f"(or raise call_budget_s in the credentials block)"
        )
        super().__init__(message, endpoint=endpoint, request_sent=request_sent, order_id=order_id)
        self.budget_s = budget_s
        self.attempts = attempts


class AlmaCamUnreachable(AlmaCamTransportError):
    """The service gave no answer at all for the client's ``unreachable_after`` seconds.

    A transport error, so policies that classify transport errors still do; but the client (or
    the wait) already tried for the whole limit, so a caller should not retry it for long.

    Attributes:
        base_url: The service that did not answer.
        silent_s: Seconds it had given no answer when the client gave up.
        attempts: Requests that got no answer in that time.
    """

    def __init__(
        self,
        *,
        base_url: str,
        endpoint: str,
        silent_s: float,
        attempts: int,
        last: str,
        order_id: int | None = None,
        request_sent: bool = True,
    ) -> None:
        still = (
            f"; order {order_id} may still be computing there: wait for it again later with "
            f"the same order id"
            if order_id is not None
            else ""
        )
        message = (
            f"service unreachable at {base_url}: no answer for {silent_s:.1f} s "
            f"({attempts} attempt(s), last: {last}){still}; check that the service is up and the "
            f"base URL is right (raise unreachable_after_s in the credentials block to wait "
            f"longer for it)"
        )
        super().__init__(message, endpoint=endpoint, request_sent=request_sent, order_id=order_id)
        self.base_url = base_url
        self.silent_s = silent_s
        self.attempts = attempts


class AlmaCamTimeout(AlmaCamError):
    """The wait deadline passed while the order was still not finished.

    Attributes:
        elapsed: Seconds waited.
        polls: How many times the result was asked for.
        last_status: HTTP status of the last poll (``None`` when it got no answer).
    """

    def __init__(
        self,
        *,
        endpoint: str,
        order_id: int,
        elapsed: float,
        polls: int,
        last_status: int | None,
    ) -> None:
        last = f"HTTP {last_status}" if last_status is not None else "no answer"
        message = (
            f"order {order_id} not finished after {elapsed:.1f} s and {polls} poll(s) "
            f"(last answer: {last}); wait longer (raise the deadline) or fetch the result later "
            f"with the same order id"
        )
        super().__init__(message, status=last_status, endpoint=endpoint, order_id=order_id)
        self.elapsed = elapsed
        self.polls = polls
        self.last_status = last_status


#: Failures a retry cannot mend: a service silent for its whole ``unreachable_after_s`` (a retry
#: would wait that long again), an answer beyond the size limit (it would come back as large).
NOT_WORTH_RETRYING: tuple[type[AlmaCamError], ...] = (
    AlmaCamUnreachable,
    AlmaCamAnswerTooLarge,
    AlmaCamCallBudgetExceeded,
)
