"""Reading an HTTP answer within bounds: a size limit on its body and a deadline on the whole.

httpx's timeouts bound each step (connect, one write, one read), not the exchange: a server that
streams its body a byte at a time never trips the read timeout, and a compressed body is inflated
without a limit (a gzip bomb fills the memory). Both vendor clients therefore read every answer
through :func:`send_bounded`, which counts the body as it is decoded and checks the clock between
chunks, and map its two errors into their own typed families.

A gzip or deflate body is inflated here, at most :data:`INFLATE_STEP` bytes at a time (httpx
would inflate a whole network chunk at once: 64 KiB of a bomb is 64 MiB), so an answer takes at
most its limit plus one step of memory. Only those two encodings are asked for.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator

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

    Raises:
        AnswerTooLarge: The body exceeded ``max_bytes``.
        AnswerTooSlow: The exchange outlasted ``deadline_s``.
        httpx.TransportError: As ``client.send`` raises it.
    """
    started = time.monotonic()
    url = str(request.url.copy_with(query=None))
    request.headers["Accept-Encoding"] = "gzip, deflate"
    response = client.send(request, stream=True)
    try:
        body = bytearray()
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


def _without_encoding(headers: httpx.Headers) -> httpx.Headers:
    """The answer's headers, less those describing the encoded body (it was decoded)."""
    kept = httpx.Headers(headers)
    for name in ("content-encoding", "content-length", "transfer-encoding"):
        kept.pop(name, None)
    return kept
