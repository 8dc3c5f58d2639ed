"""A real HTTP server on loopback that misbehaves on demand, for the clients' bound tests.

It plays what no sandbox gives: a body dripped a byte at a time (never tripping a read timeout),
a gzip bomb, a body far too large, and "too frequent" with a Retry-After of a day. Every request
gets the act chosen last (``server.play(act)``), whatever its method and path; ``requests``
counts them since.

Any other answer is scripted with :class:`Answer` (``server.answer(Answer(...))``): its status line
and headers are written as they are (a 5000-digit status, a 204 with a body), optionally dripped a
byte at a time, headers included, which ``http.server`` could not do through ``send_response``.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
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
        case = self.path.split("/")[2] if self.path.startswith("/case/") else None
        try:
            if case is not None:
                # A corpus case of its own (``server.cases``), so that cases may run side by side.
                _play(self, self.server.cases[case])
            else:
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


@dataclass(frozen=True)
class Answer:
    """One scripted answer, written byte for byte.

    Attributes:
        status: The status code (any integer, written as it is).
        body: The body.
        headers: Headers besides ``Content-Length``.
        length: Whether to send ``Content-Length`` (without it the connection ends the body).
        drip_head_s: Pause between the bytes of the status line and headers (``None``: at once).
        drip_body_s: Pause between the bytes of the body (``None``: at once).
        echo_token: Replace ``{TOKEN}`` in the body by the request's Bearer token (a service
            quoting the token back).
        raw: Bytes written instead of a whole answer (a garbage status line; ``b""`` closes the
            connection without a word).
    """

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    length: bool = True
    drip_head_s: float | None = None
    drip_body_s: float | None = None
    echo_token: bool = False
    raw: bytes | None = None


def _write(player: _Player, data: bytes, pause: float | None) -> None:
    if pause is None:
        player.wfile.write(data)
        player.wfile.flush()
        return
    for byte in data:
        player.wfile.write(bytes([byte]))
        player.wfile.flush()
        time.sleep(pause)


def _scripted(player: _Player) -> None:
    _play(player, player.server.scripted)


def _play(player: _Player, answer: Answer) -> None:
    player.close_connection = True
    if answer.raw is not None:
        _write(player, answer.raw, answer.drip_head_s)
        return
    body = answer.body
    if answer.echo_token:
        token = player.headers.get("Authorization", "").removeprefix("Bearer ")
        body = body.replace(b"{TOKEN}", token.encode())
    head = f"HTTP/1.1 {answer.status} Scripted\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in answer.headers)
    if answer.length:
        head += f"Content-Length: {len(body)}\r\n"
    head += "Connection: close\r\n\r\n"
    player.close_connection = True
    _write(player, head.encode("latin-1"), answer.drip_head_s)
    _write(player, body, answer.drip_body_s)


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
    "scripted": _scripted,
}


#: An answer whose status line and headers (padded) take 20 s to drip at 0.05 s a byte.
DRIPPED_HEAD = Answer(
    body=EMPTY_LIST,
    headers=(("Content-Type", "application/json"), ("X-Pad", "p" * 400)),
    drip_head_s=0.05,
)


class Misbehaving(ThreadingHTTPServer):
    """A loopback HTTP server playing one of :data:`ACTS` (``act``) to every request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Player)
        self.act = "ok"
        self.requests = 0
        self.scripted = Answer()
        #: Answers of the paths ``/case/<key>/...``, whatever the act.
        self.cases: dict[str, Answer] = {}
        # 64 MiB of zeros in about 64 KiB of gzip, made before any test traces the memory.
        self.bomb = gzip.compress(b"\0" * (64 * MIB), compresslevel=9)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def play(self, act: str) -> Misbehaving:
        self.act = act
        self.requests = 0
        return self

    def answer(self, answer: Answer) -> Misbehaving:
        """Play ``answer`` to every request from now on."""
        self.scripted = answer
        return self.play("scripted")
