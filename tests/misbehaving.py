"""A real HTTP server on loopback that misbehaves on demand, for the clients' bound tests.

It plays what no sandbox gives: a body dripped a byte at a time (never tripping a read timeout),
a gzip bomb, a body far too large, and "too frequent" with a Retry-After of a day. Every request
gets the act chosen last (``server.play(act)``), whatever its method and path; ``requests``
counts them since.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MIB = 1024 * 1024
EMPTY_LIST = json.dumps({"status": 0, "msg": "OK", "data": []}).encode()
TOO_FREQUENT = json.dumps({"status": 1009, "msg": "call frequency exceeds limit"}).encode()
A_DAY = "86400"


class _Player(BaseHTTPRequestHandler):
    """Answers every request the way its server's ``act`` says."""

    server: Misbehaving

    def _reply(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.requests += 1
        try:
            ACTS[self.server.act](self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client cut the answer off, as it should

    do_GET = do_POST = _reply

    def head(self, status: int, length: int, **headers: str) -> None:
        """Send the status line and headers of a JSON answer of ``length`` bytes."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(length))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def _ok(player: _Player) -> None:
    body = gzip.compress(EMPTY_LIST)
    player.head(200, len(body), Content_Encoding="gzip")
    player.wfile.write(body)


def _drip(player: _Player) -> None:
    body = EMPTY_LIST.ljust(100)
    player.head(200, len(body))
    for byte in body:
        player.wfile.write(bytes([byte]))
        player.wfile.flush()
        time.sleep(0.1)


def _bomb(player: _Player) -> None:
    bomb = player.server.bomb
    player.head(200, len(bomb), Content_Encoding="gzip")
    player.wfile.write(bomb)


def _huge(player: _Player) -> None:
    player.head(200, 8 * MIB)
    player.wfile.write(b" " * (8 * MIB))


def _http_429_for_a_day(player: _Player) -> None:
    player.head(429, 0, Retry_After=A_DAY)


def _too_frequent_for_a_day(player: _Player) -> None:
    player.head(200, len(TOO_FREQUENT), Retry_After=A_DAY)
    player.wfile.write(TOO_FREQUENT)


ACTS: dict[str, Callable[[_Player], None]] = {
    "ok": _ok,
    "drip": _drip,
    "bomb": _bomb,
    "huge": _huge,
    "http_429_for_a_day": _http_429_for_a_day,
    "too_frequent_for_a_day": _too_frequent_for_a_day,
}


class Misbehaving(ThreadingHTTPServer):
    """A loopback HTTP server playing one of :data:`ACTS` (``act``) to every request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Player)
        self.act = "ok"
        self.requests = 0
        # 64 MiB of zeros in about 64 KiB of gzip, made before any test traces the memory.
        self.bomb = gzip.compress(b"\0" * (64 * MIB), compresslevel=9)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def play(self, act: str) -> Misbehaving:
        self.act = act
        self.requests = 0
        return self
