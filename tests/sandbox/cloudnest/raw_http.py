"""A request sent over a plain socket, its body never ended: how the gateway's body limits are
tested (a declared oversize body refused before it arrives, a chunked one once it passes the
limit), which no HTTP client lets a test do."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from conftest import CloudNestSandboxHandle


def raw_head(
    sandbox: CloudNestSandboxHandle, path: str, content_type: str, extra: dict[str, str]
) -> bytes:
    """A signed POST's head (request line and headers, ``extra`` last), ready for the socket."""
    host = urlsplit(sandbox.base_url).netloc
    headers = {"Host": host, "Content-Type": content_type} | sandbox.headers() | extra
    lines = [f"POST {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def raw_exchange(
    base_url: str, head: bytes, body_parts: Iterable[bytes], timeout: float = 10.0
) -> bytes:
    """Send a request's head and some body over a plain socket, never ending the body, and
    return what the server answers meanwhile (head and body)."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as conn:
        conn.sendall(head)
        for part in body_parts:
            conn.sendall(part)
        answer = b""
        while b"\r\n\r\n" not in answer or not _whole(answer):
            received = conn.recv(65536)
            assert received, f"connection closed after {answer!r}"
            answer += received
        return answer


def _whole(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    length = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
    return length is not None and len(body) >= int(length.group(1))
