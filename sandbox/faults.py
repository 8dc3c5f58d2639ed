"""Seeded fault injection for the sandboxed vendor APIs: one generic ASGI layer per service.

The runner (:mod:`sandbox.server`) wraps every service's app in a :class:`FaultLayer`. The
layer knows only the service's name; a :class:`FaultPlan` tells it which requests to disturb and
how (:class:`FaultKind`): slow them down, hold the answer after the effect has landed, answer an
error without reaching the app, or break the connection before or after the app has handled the
request. Rules are matched on method, path (regular expression) and, optionally, a substring of
the request body, so a test can aim a fault at one job's request only. Probability draws come from
one ``random.Random(seed)`` per plan: the same plan replays the same faults for the same sequence
of requests.

Tests drive the layer in-process (``sandbox.faults("almacam").set(plan)``); anything else can use
the admin endpoints every service answers itself, before and outside any fault:

- ``GET /_sandbox/faults``: the plan with its counters (JSON).
- ``PUT /_sandbox/faults``: replace the plan (body: a :class:`FaultPlan`; 422 with pydantic's
  error list when invalid).
- ``DELETE /_sandbox/faults``: clear the plan (counters start again from zero).
- ``POST /_sandbox/faults/release``: end every wait in progress now.

These endpoints take no credentials: the sandbox is a development tool serving on loopback, and
whoever can reach its port can already do anything the sandbox allows. They must never be exposed
beyond the developer's machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import random
import re
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Admin endpoints, answered by the layer on every service (no vendor path starts with ``/_``).
FAULTS_PATH = "/_sandbox/faults"
RELEASE_PATH = "/_sandbox/faults/release"

#: Largest plan the admin endpoint reads (bytes).
MAX_PLAN_BYTES = 1_000_000

#: A header name (an RFC 9110 token) and a value a server can write (no control character).
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]*")
#: Headers describing the body, which the layer writes itself.
_FRAMING_HEADERS = frozenset({"content-length", "content-type", "transfer-encoding"})

_log = logging.getLogger(__name__)


class FaultKind(StrEnum):
    """What a fault does to the request it fires on.

    Attributes:
        DELAY: Read the request whole, wait ``seconds``, then let the app handle it normally
            (its effect lands even if the client gave up meanwhile).
        HOLD_ANSWER: Let the app handle the request fully (its effect lands), then wait
            ``seconds`` before sending its answer.
        ERROR: Wait ``seconds``, then answer ``status`` with a plain-text body naming the fault
            and the rule's ``headers``, without calling the app (the request never lands).
        DROP: Wait ``seconds``, then break the connection without calling the app and without
            sending a byte of answer (the client sees a transport error).
        DROP_AFTER: Let the app handle the request fully (it lands), wait ``seconds``, then break
            the connection the same way, discarding the app's answer.
    """

    DELAY = "delay"
    HOLD_ANSWER = "hold_answer"
    ERROR = "error"
    DROP = "drop"
    DROP_AFTER = "drop_after"


class FaultRule(BaseModel):
    """Which requests a fault fires on, what it does, and how often it has fired.

    Attributes:
        route: Regular expression searched (``re.search``) in the request path.
        method: HTTP method the rule applies to (any when ``None``).
        match: Substring the raw request body must contain (decoded as UTF-8, errors replaced).
        kind: What the fault does.
        seconds: How long it waits (0 to 3600).
        status: The status an ``error`` fault answers.
        headers: Extra headers of an ``error`` fault's answer (``{"Retry-After": "1"}`` with a
            429 or 503); only an ``error`` fault takes them. The layer writes its body itself,
            so ``Content-Length``, ``Content-Type`` and ``Transfer-Encoding`` cannot be set.
        probability: Chance that a matching request fires the rule (0 to 1).
        times: How many times the rule may fire (unlimited when ``None``).
        fired: How many times it has fired; maintained by the layer (any value given is reset
            to 0 when the plan is set).
    """

    model_config = ConfigDict(extra="forbid")

    route: str
    method: str | None = Field(default=None, pattern=r"^[A-Za-z]+$")
    match: str | None = Field(default=None, min_length=1)
    kind: FaultKind
    seconds: float = Field(default=0.0, ge=0.0, le=3600.0)
    status: int = Field(default=503, ge=200, le=599)
    headers: dict[str, str] = Field(default_factory=dict)
    probability: float = Field(default=1.0, ge=0.0, le=1.0)
    times: int | None = Field(default=None, ge=0)
    fired: int = Field(default=0, ge=0)

    @field_validator("route")
    @classmethod
    def _route_compiles(cls, route: str) -> str:
        try:
            re.compile(route)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return route

    @field_validator("method")
    @classmethod
    def _method_upper(cls, method: str | None) -> str | None:
        return method.upper() if method is not None else None

    @field_validator("headers")
    @classmethod
    def _headers_writable(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"not a header name: {name!r}")
            if name.lower() in _FRAMING_HEADERS:
                raise ValueError(f"{name} is set by the layer, it cannot be given")
            if not _HEADER_VALUE.fullmatch(value):
                raise ValueError(f"header {name}: the value holds a control character")
        # The server refuses to write a value with surrounding blanks; HTTP ignores them anyway.
        return {name: value.strip(" \t") for name, value in headers.items()}

    @model_validator(mode="after")
    def _headers_only_on_errors(self) -> FaultRule:
        if self.headers and self.kind is not FaultKind.ERROR:
            raise ValueError(f"headers are sent with an error answer only, not with {self.kind}")
        return self

    def applies_to(self, method: str, path: str) -> bool:
        """Whether the rule may still fire on a request with this method and path."""
        if self.times is not None and self.fired >= self.times:
            return False
        if self.method is not None and self.method != method:
            return False
        return re.search(self.route, path) is not None


class FaultPlan(BaseModel):
    """The faults of one service: a seed for the probability draws and rules checked in order.

    Attributes:
        seed: Seeds the plan's random draws (one ``random.Random(seed)`` per plan).
        rules: Checked in order; the first that matches a request fires, and only that one.
    """

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    rules: list[FaultRule] = Field(default_factory=list)


@dataclass(frozen=True)
class _Fired:
    """The fault a request drew (a copy, so the plan may change while it runs)."""

    kind: FaultKind
    seconds: float
    status: int
    headers: tuple[tuple[bytes, bytes], ...] = ()


# --- breaking a connection under uvicorn --------------------------------------------------------

#: Set in the request's task while a deliberate drop ends it, so uvicorn's complaint is hidden.
_DROPPING: contextvars.ContextVar[bool] = contextvars.ContextVar("sandbox_drop", default=False)

#: What uvicorn logs (as an error) when an app returns mid-response; a drop does that on purpose.
_UVICORN_INCOMPLETE = "ASGI callable returned without completing response."

#: A status no server can write: uvicorn marks the response started, then fails to format it.
_UNWRITABLE_STATUS = 0


class _DeliberateDropFilter(logging.Filter):
    """Hides uvicorn's "returned without completing response" error for the layer's own drops."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_DROPPING.get() and record.msg == _UVICORN_INCOMPLETE)


_DROP_FILTER = _DeliberateDropFilter()


async def _drop(send: Send) -> None:
    """Make uvicorn close the connection without having written a byte of answer.

    ASGI has no "close the socket". uvicorn (h11 and httptools alike) marks the response as
    started before it formats the status line, and an unknown status fails that formatting before
    anything reaches the socket. An app that then returns with its response started but not
    complete makes uvicorn close the transport, so the client sees the connection end without an
    answer (``httpx.RemoteProtocolError: Server disconnected without sending a response``).
    """
    _DROPPING.set(True)
    try:
        await send({"type": "http.response.start", "status": _UNWRITABLE_STATUS, "headers": []})
    except Exception:  # the refusal is what closes the connection
        return
    raise RuntimeError("the server wrote an invalid status; the connection could not be dropped")


# --- small ASGI answers -------------------------------------------------------------------------


async def _answer(
    send: Send, status: int, body: bytes, content_type: str, headers: list[tuple[bytes, bytes]]
) -> None:
    start_headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": start_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _json(
    send: Send, status: int, value: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(value).encode()
    await _answer(send, status, body, "application/json", headers or [])


async def _drain(receive: Receive) -> None:
    """Receive the rest of the request body, keeping none of it."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _read_messages(receive: Receive, limit: int | None = None) -> tuple[list[Message], bytes]:
    """Every message up to the end of the request body (or a disconnect), and the body.

    Raises:
        ValueError: The body is longer than ``limit`` bytes.
    """
    messages: list[Message] = []
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise ValueError(f"body longer than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands out ``messages`` again, then the client's next ones."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


# --- the layer ----------------------------------------------------------------------------------


class FaultLayer:
    """The ASGI app of a service wrapped with seeded faults and the fault admin endpoints.

    The plan is set from any thread while the server's event loop serves; a lock guards the plan,
    its counters and its random draws. Requests no rule applies to go to the app untouched.

    Args:
        name: The service's name (``"almacam"``), used in logs.
        app: The service's ASGI application.
        plan: Faults active from the start (none when ``None``).
    """

    def __init__(self, name: str, app: ASGIApp, plan: FaultPlan | None = None) -> None:
        self.name = name
        self.app = app
        self._lock = threading.Lock()
        self._plan = FaultPlan()
        self._random = random.Random(0)
        self._waits: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._closed = False
        logging.getLogger("uvicorn.error").addFilter(_DROP_FILTER)
        if plan is not None:
            self.set(plan)

    # -- in-process API

    def set(self, plan: FaultPlan) -> None:
        """Replace the plan; its counters start from zero and its draws from its seed."""
        fresh = plan.model_copy(deep=True)
        for rule in fresh.rules:
            rule.fired = 0
        with self._lock:
            self._plan = fresh
            self._random = random.Random(fresh.seed)

    def clear(self) -> None:
        """Remove every rule (requests then reach the app untouched)."""
        self.set(FaultPlan())

    def plan(self) -> FaultPlan:
        """A copy of the plan with its counters."""
        with self._lock:
            return self._plan.model_copy(deep=True)

    @property
    def waiting(self) -> int:
        """How many fault waits are in progress."""
        with self._lock:
            return len(self._waits)

    def release(self) -> int:
        """End every wait in progress now; each then carries on with its kind. Any thread.

        Returns:
            How many waits were woken.
        """
        with self._lock:
            waits = list(self._waits)
            self._waits.clear()
        for loop, woken in waits:
            # A loop that has already closed has nobody waiting on it any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(woken.set)
        return len(waits)

    def close(self) -> None:
        """Release every wait, and skip the waits of faults still to fire (server shutdown)."""
        with self._lock:
            self._closed = True
        self.release()

    # -- ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection: admin endpoint, fault, or straight to the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if path in (FAULTS_PATH, RELEASE_PATH):
            await self._admin(method, path, receive, send)
            return
        needs_body = self._screen(method, path)
        if needs_body is None:
            await self.app(scope, receive, send)
            return
        body: str | None = None
        if needs_body:
            messages, raw = await _read_messages(receive)
            receive = _replaying(messages, receive)
            body = raw.decode("utf-8", errors="replace")
        fault = self._pick(method, path, body)
        if fault is None:
            await self.app(scope, receive, send)
            return
        _log.info("%s sandbox fault: %s on %s %s", self.name, fault.kind.value, method, path)
        await self._inflict(fault, scope, receive, send)

    def _screen(self, method: str, path: str) -> bool | None:
        """``None`` when no rule can fire on the request, else whether deciding needs its body."""
        with self._lock:
            rules = [rule for rule in self._plan.rules if rule.applies_to(method, path)]
        if not rules:
            return None
        return any(rule.match is not None for rule in rules)

    def _pick(self, method: str, path: str, body: str | None) -> _Fired | None:
        """The first rule that fires on the request (counted), or ``None``."""
        with self._lock:
            for rule in self._plan.rules:
                if not rule.applies_to(method, path):
                    continue
                if rule.match is not None and (body is None or rule.match not in body):
                    continue
                # Certain rules take no draw, so adding one leaves the others' pattern alone.
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                rule.fired += 1
                headers = tuple((k.encode(), v.encode()) for k, v in rule.headers.items())
                return _Fired(rule.kind, rule.seconds, rule.status, headers)
        return None

    async def _inflict(self, fault: _Fired, scope: Scope, receive: Receive, send: Send) -> None:
        if fault.kind in (FaultKind.HOLD_ANSWER, FaultKind.DROP_AFTER):
            held: list[Message] = []

            async def keep(message: Message) -> None:
                held.append(message)

            await self.app(scope, receive, keep)
            await self._wait(fault.seconds)
            if fault.kind is FaultKind.DROP_AFTER:
                await _drop(send)
                return
            for message in held:
                await send(message)
            return
        if fault.kind is FaultKind.DELAY:
            # The request has arrived whole before the server is slow: it lands even when the
            # client gave up meanwhile, as a busy vendor's would.
            messages, _ = await _read_messages(receive)
            await self._wait(fault.seconds)
            await self.app(scope, _replaying(messages, receive), send)
            return
        await self._wait(fault.seconds)
        if fault.kind is FaultKind.ERROR:
            text = f"sandbox fault: error {fault.status} on {scope['method']} {scope['path']}"
            plain = "text/plain; charset=utf-8"
            await _answer(send, fault.status, text.encode(), plain, list(fault.headers))
        else:
            # Read the request to its end first: a socket closed on unread data is reset, and the
            # client would see "connection reset" or "disconnected" at random.
            await _drain(receive)
            await _drop(send)

    async def _wait(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when :meth:`release` is called meanwhile."""
        if seconds <= 0:
            return
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            if self._closed:
                return
            self._waits.add(entry)
        try:
            await asyncio.wait_for(entry[1].wait(), seconds)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waits.discard(entry)

    # -- admin endpoints

    async def _admin(self, method: str, path: str, receive: Receive, send: Send) -> None:
        if path == RELEASE_PATH:
            if method != "POST":
                await _json(send, 405, {"detail": "Method Not Allowed"}, [(b"allow", b"POST")])
                return
            await _json(send, 200, {"released": self.release()})
            return
        if method == "GET":
            await _json(send, 200, self.plan().model_dump(mode="json"))
        elif method == "PUT":
            await self._put_plan(receive, send)
        elif method == "DELETE":
            self.clear()
            await _json(send, 200, self.plan().model_dump(mode="json"))
        else:
            allow = [(b"allow", b"GET, PUT, DELETE")]
            await _json(send, 405, {"detail": "Method Not Allowed"}, allow)

    async def _put_plan(self, receive: Receive, send: Send) -> None:
        try:
            _, body = await _read_messages(receive, limit=MAX_PLAN_BYTES)
        except ValueError as exc:
            await _json(send, 413, {"detail": str(exc)})
            return
        try:
            plan = FaultPlan.model_validate_json(body)
        except ValidationError as exc:
            # Through JSON: error contexts may hold exceptions, which json.dumps cannot write.
            await _json(send, 422, {"detail": json.loads(exc.json(include_url=False))})
            return
        self.set(plan)
        await _json(send, 200, self.plan().model_dump(mode="json"))
