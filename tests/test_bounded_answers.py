"""An answer is read within a size limit and a deadline, whatever the server does.

A real server on loopback plays the answers users met: a body streamed a byte at a time (never
tripping a read timeout), a gzip bomb, a body far too large, and a normal compressed answer.
"""

from __future__ import annotations

import gzip
import threading
import time
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from nestflow.bounded import AnswerTooLarge, AnswerTooSlow, send_bounded

MIB = 1024 * 1024
BOMB = gzip.compress(b"\0" * (200 * MIB), compresslevel=9)


class _Answers(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        """Quiet."""

    def _head(self, length: int | None, encoding: str | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        try:
            if self.path == "/drip":
                self._head(100)
                for _ in range(100):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            elif self.path == "/bomb":
                self._head(len(BOMB), "gzip")
                self.wfile.write(BOMB)
            elif self.path == "/large":
                self._head(8 * MIB)
                self.wfile.write(b"x" * (8 * MIB))
            else:
                body = gzip.compress(b'{"status": 0, "data": "ok"}')
                self._head(len(body), "gzip")
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client cut the answer off, as it should


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _get(server: str, path: str, **bounds) -> httpx.Response:
    with httpx.Client(timeout=5.0) as client:
        return send_bounded(client, client.build_request("GET", server + path), **bounds)


def test_a_body_dripped_a_byte_at_a_time_is_cut_off_at_the_deadline(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(AnswerTooSlow, match=r"longer than 1 s in all"):
        _get(server, "/drip", deadline_s=1.0)
    assert time.monotonic() - started < 3.0  # the drip lasts 10 s


def test_a_gzip_bomb_is_cut_off_at_the_limit_without_filling_the_memory(server: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(AnswerTooLarge, match=r"larger than 1,048,576 bytes"):
            _get(server, "/bomb", max_bytes=MIB, deadline_s=30.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * MIB  # the bomb inflates to 200 MiB


def test_a_body_larger_than_the_limit_is_refused_naming_the_url(server: str) -> None:
    with pytest.raises(AnswerTooLarge) as refused:
        _get(server, "/large", max_bytes=MIB, deadline_s=30.0)
    assert refused.value.url == f"{server}/large"


def test_an_answer_within_bounds_is_read_whole_and_decoded(server: str) -> None:
    response = _get(server, "/ok", max_bytes=MIB, deadline_s=5.0)
    assert response.json() == {"status": 0, "data": "ok"}
    assert "content-encoding" not in response.headers
