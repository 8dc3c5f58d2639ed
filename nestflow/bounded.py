"""Reading an HTTP answer within bounds: a size limit on its body and a deadline on the whole.

httpx's timeouts bound each step (connect, one write, one read), not the exchange: a server that
streams its headers or its body a byte at a time never trips the read timeout, and a compressed
body is inflated without a limit (a gzip bomb fills the memory). Both vendor clients therefore
read every answer through :func:`send_bounded`, which counts the body as it is decoded, and send
it through a :class:`DeadlineTransport`, whose every network step (connect, TLS, each write, each
read, headers included) is given at most the time left to the exchange's deadline; they map the
errors into their own typed families.

Around the exchange: :class:`CallBudget` bounds one call across its attempts and pauses,
:func:`decode_json` turns JSON too deep or numbers too long for Python into one typed error, and
:func:`scrub` takes a secret out of any text a vendor sent back.

A gzip or deflate body is inflated here, at most :data:`INFLATE_STEP` bytes at a time (httpx
would inflate a whole network chunk at once: 64 KiB of a bomb is 64 MiB), so an answer takes at
most its limit plus one step of memory. Only those two encodings are asked for.
"""

from __future__ import annotations

import functools
import json
import ssl
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

#: Default limit of an answer's body (decoded): far above any envelope or layout file.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: Most bytes inflated from a compressed body in one step.
INFLATE_STEP = 1024 * 1024
#: gzip or zlib wrapper, told apart by the header (zlib's ``32 + MAX_WBITS``).
_GZIP_OR_ZLIB = 32 + zlib.MAX_WBITS


class AnswerOutOfBounds(Exception):
    """An answer broke a bound; the exchange was cut off and nothing of it is used."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(message)
        self.url = url


class AnswerTooLarge(AnswerOutOfBounds):
    """The body grew beyond the limit (counted after decompression)."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(url, f"the answer of {url} is larger than {limit:,} bytes: cut off")
        self.limit = limit


class AnswerTooSlow(AnswerOutOfBounds):
    """The whole answer (headers and body) did not arrive within the deadline."""

    def __init__(self, url: str, deadline_s: float, received: int) -> None:
        super().__init__(
            url,
            f"the answer of {url} took longer than {deadline_s:g} s in all "
            f"({received:,} bytes of body received): cut off",
        )
        self.deadline_s = deadline_s
        self.received = received


class DeadlinePassed(Exception):
    """Raised by a :class:`DeadlineTransport` stream when the exchange's deadline has passed.

    Deliberately not an httpcore or httpx error, so that it crosses both unchanged up to
    :func:`send_bounded`, which turns it into :class:`AnswerTooSlow` (or a connect timeout).

    Attributes:
        phase: ``"connect"`` (nothing was sent), ``"write"`` or ``"read"``.
    """

    def __init__(self, phase: str) -> None:
        super().__init__(f"the exchange's deadline passed during {phase}")
        self.phase = phase


#: Monotonic time by which the exchange running in this context must end (``None``: no bound).
#: Set by :func:`send_bounded` around one exchange; read by the streams of a DeadlineTransport,
#: which are shared between exchanges (keep-alive) and so cannot hold a deadline of their own.
_DEADLINE: ContextVar[float | None] = ContextVar("nestflow_exchange_deadline", default=None)


def _step_timeout(timeout: float | None, phase: str) -> tuple[float | None, bool]:
    """The timeout of one network step: ``timeout``, or less when the deadline is nearer.

    Returns:
        The timeout, and whether it is the deadline's (so that its expiry is the deadline's).

    Raises:
        DeadlinePassed: No time is left.
    """
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout, False
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlinePassed(phase)
    if timeout is None or left < timeout:
        return left, True
    return timeout, False


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every read and write ends by the exchange's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        bounded, by_deadline = _step_timeout(timeout, "read")
        try:
            return self._stream.read(max_bytes, bounded)
        except httpcore.ReadTimeout:
            if by_deadline:
                raise DeadlinePassed("read") from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        bounded, by_deadline = _step_timeout(timeout, "write")
        try:
            self._stream.write(buffer, bounded)
        except httpcore.WriteTimeout:
            if by_deadline:
                raise DeadlinePassed("write") from None
            raise

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded, by_deadline = _step_timeout(timeout, "connect")
        try:
            return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, bounded))
        except httpcore.ConnectTimeout:
            if by_deadline:
                raise DeadlinePassed("connect") from None
            raise

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's synchronous backend, its streams bounded by the exchange's deadline."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded, by_deadline = _step_timeout(timeout, "connect")
        try:
            stream = self._backend.connect_tcp(host, port, bounded, local_address, socket_options)
        except httpcore.ConnectTimeout:
            if by_deadline:
                raise DeadlinePassed("connect") from None
            raise
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


#: httpcore's errors and the httpx error each becomes, most specific first (both public).
_HTTPCORE_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


def _as_httpx(exc: Exception) -> Exception:
    """The httpx error of an httpcore error (as httpx's own transport maps it), else ``exc``."""
    for source, target in _HTTPCORE_ERRORS:
        if isinstance(exc, source):
            return target(str(exc))
    return exc


class _ResponseStream(httpx.SyncByteStream):
    """An httpcore response body as httpx reads it, its errors mapped to httpx's."""

    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except Exception as exc:
            mapped = _as_httpx(exc)
            if mapped is exc:
                raise
            raise mapped from exc

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


@functools.cache
def _verifying_context() -> ssl.SSLContext:
    """The default TLS context of httpx (certifi, or ``SSL_CERT_FILE``), made once per process.

    Loading the CA bundle takes tens of milliseconds; every client of a run would pay it again.
    A context is safe to share between connections and threads.
    """
    return httpx.create_ssl_context()


class DeadlineTransport(httpx.BaseTransport):
    """An httpx transport (HTTP/1.1, TLS verified) bounding every network step by a deadline.

    httpx 0.28's ``HTTPTransport`` takes no network backend, so this transport builds the
    httpcore connection pool itself, through httpcore's public ``network_backend`` hook, and
    does what ``HTTPTransport.handle_request`` does (request conversion, error mapping) with
    public names only. Outside :func:`send_bounded` (no deadline set) it behaves as httpx's own.
    Environment proxies are not used (the vendor clients talk to their services directly).

    Args:
        verify: Verify TLS certificates (an ``ssl.SSLContext`` or a CA bundle path also works).
        limits: Connection pool limits.
    """

    def __init__(self, *, verify: Any = True, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_verifying_context()
            if verify is True
            else httpx.create_ssl_context(verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the bounded pool; the body is streamed as it arrives."""
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,  # type: ignore[arg-type]
            extensions=request.extensions,
        )
        try:
            answer = self._pool.handle_request(core_request)
        except Exception as exc:
            mapped = _as_httpx(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_ResponseStream(answer.stream),  # type: ignore[arg-type]
            extensions=answer.extensions,
        )

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.close()


def send_bounded(
    client: httpx.Client,
    request: httpx.Request,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    deadline_s: float,
) -> httpx.Response:
    """Send ``request`` and read its answer whole, within ``max_bytes`` and ``deadline_s``.

    Args:
        client: The client to send with (its timeouts still bound each step).
        request: The request.
        max_bytes: Largest body accepted, decoded.
        deadline_s: Seconds for the whole exchange, from sending to the last byte.

    Returns:
        The answer, its body read (``response.content`` works; the stream is closed).

    The deadline runs from the first byte sent: with a client whose transport is a
    :class:`DeadlineTransport`, the connect, the request and the status line and headers are
    bounded by it too (with another transport, only the body is, between chunks).

    Raises:
        AnswerTooLarge: The body exceeded ``max_bytes``.
        AnswerTooSlow: The exchange outlasted ``deadline_s`` once the request was being sent.
        httpx.ConnectTimeout: The deadline passed before a connection opened (nothing sent).
        httpx.TransportError: As ``client.send`` raises it.
    """
    started = time.monotonic()
    url = str(request.url.copy_with(query=None))
    request.headers["Accept-Encoding"] = "gzip, deflate"
    body = bytearray()
    bound = _DEADLINE.set(started + deadline_s)
    try:
        response = client.send(request, stream=True)
        try:
            for chunk in _decoded(response):
                body += chunk
                if len(body) > max_bytes:
                    raise AnswerTooLarge(url, max_bytes)
                if time.monotonic() - started > deadline_s:
                    raise AnswerTooSlow(url, deadline_s, len(body))
            if time.monotonic() - started > deadline_s:
                raise AnswerTooSlow(url, deadline_s, len(body))
        finally:
            response.close()
    except DeadlinePassed as exc:
        if exc.phase == "connect":
            raise httpx.ConnectTimeout(
                f"no connection to {url} within the deadline of {deadline_s:g} s", request=request
            ) from exc
        raise AnswerTooSlow(url, deadline_s, len(body)) from exc
    finally:
        _DEADLINE.reset(bound)
    return httpx.Response(
        status_code=response.status_code,
        headers=_without_encoding(response.headers),
        content=bytes(body),
        request=request,
        extensions=response.extensions,
    )


def _decoded(response: httpx.Response) -> Iterator[bytes]:
    """The body as it arrives, inflated a step at a time when it is gzip or deflate."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("gzip", "deflate"):
        # identity (or an encoding not asked for, which httpx decodes a network chunk at a time)
        yield from response.iter_bytes()
        return
    inflater = zlib.decompressobj(_GZIP_OR_ZLIB)
    for raw in response.iter_raw():
        pending = raw
        while pending:
            yield inflater.decompress(pending, INFLATE_STEP)
            pending = inflater.unconsumed_tail
    yield inflater.flush()
    if not inflater.eof:
        # zlib inflates a cut stream without complaint: the body would be silently shorter (a
        # layout file missing its end), so a stream that never reached its end is corrupt.
        raise zlib.error("the compressed body ends before its compressed stream does")


def _without_encoding(headers: httpx.Headers) -> httpx.Headers:
    """The answer's headers, less those describing the encoded body (it was decoded)."""
    kept = httpx.Headers(headers)
    for name in ("content-encoding", "content-length", "transfer-encoding"):
        kept.pop(name, None)
    return kept


#: ``call_budget`` of a vendor client that sets none, in multiples of its ``request_deadline``:
#: room for a slow attempt, a resend and the pauses between them.
BUDGET_PER_DEADLINE = 2.0
#: Shortest deadline :meth:`CallBudget.deadline` gives an exchange, in seconds.
MIN_DEADLINE = 0.001


class CallBudget:
    """Seconds one call may take in all: every attempt, pause and ``Retry-After`` wait.

    Args:
        seconds: The budget.
        clock: Monotonic clock (tests inject a fake one).
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self.started = clock()
        #: Requests sent so far within the budget.
        self.attempts = 0

    def spent(self) -> float:
        """Seconds since the call began."""
        return self._clock() - self.started

    def left(self) -> float:
        """Seconds left (negative once spent)."""
        return self.seconds - self.spent()

    def deadline(self, request_deadline: float) -> float:
        """The deadline of the next exchange: ``request_deadline``, or the budget left if less.

        Never below :data:`MIN_DEADLINE`, so that it is always a deadline ``send_bounded`` can
        take; a caller checks :meth:`left` before it sends at all.
        """
        return max(min(request_deadline, self.left()), MIN_DEADLINE)

    def allows(self, pause: float) -> bool:
        """Whether a pause of ``pause`` seconds still leaves time for an attempt after it."""
        return pause < self.left()


#: What Python's JSON parser cannot read, in words a person can act on.
_JSON_TOO_DEEP = "nested deeper than the JSON parser allows"


class UndecodableJson(ValueError):
    """A body that is not JSON Python can read: malformed, nested too deep, numbers too long.

    Attributes:
        reason: What was wrong, in one line.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_json(content: bytes | str) -> Any:
    """Parse a vendor's JSON body, every failure one typed error.

    ``json.loads`` raises ``RecursionError`` on a body nested deeper than the interpreter's
    recursion limit (200,000 ``[``) and a bare ``ValueError`` on an integer of more than 4300
    digits (``sys.get_int_max_str_digits``); both are caught here, the one place the clients
    decode answers, so that callers handle a single error.

    Raises:
        UndecodableJson: The body cannot be parsed.
    """
    try:
        return json.loads(content)
    except RecursionError:
        raise UndecodableJson(_JSON_TOO_DEEP) from None
    except json.JSONDecodeError as exc:
        raise UndecodableJson(f"not JSON ({exc.msg} at character {exc.pos})") from None
    except UnicodeDecodeError:
        raise UndecodableJson("not JSON (not UTF-8 text)") from None
    except ValueError as exc:
        # int('9' * 5000): the only other ValueError json.loads raises.
        raise UndecodableJson(f"a number too long to read ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    return str(exc).split(";")[0].strip()


def scrub(text: str, *secrets: str) -> str:
    """``text`` with every occurrence of each non-empty secret replaced by ``***``.

    A vendor may quote back what it was sent (a token in an error text); every text of an
    answer that reaches an error, a log or a report passes through here first.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
