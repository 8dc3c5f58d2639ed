"""An answer is read within a size limit and a deadline, whatever the server does.

The misbehaving server on loopback (``tests/misbehaving.py``) plays the answers users met: a body
streamed a byte at a time (never tripping a read timeout), a gzip bomb, a body far too large, and
a normal compressed answer.
"""

from __future__ import annotations

import time
import tracemalloc

import httpx
import pytest

from nestflow.bounded import AnswerTooLarge, AnswerTooSlow, send_bounded
from tests.misbehaving import MIB, Misbehaving


def _get(server: Misbehaving, act: str, **bounds) -> httpx.Response:
    url = f"{server.play(act).base_url}/{act}"
    with httpx.Client(timeout=5.0) as client:
        return send_bounded(client, client.build_request("GET", url), **bounds)


def test_a_body_dripped_a_byte_at_a_time_is_cut_off_at_the_deadline(
    misbehaving: Misbehaving,
) -> None:
    started = time.monotonic()
    with pytest.raises(AnswerTooSlow, match=r"longer than 1 s in all"):
        _get(misbehaving, "drip", deadline_s=1.0)
    assert time.monotonic() - started < 3.0  # the drip lasts 10 s


def test_a_gzip_bomb_is_cut_off_at_the_limit_without_filling_the_memory(
    misbehaving: Misbehaving,
) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(AnswerTooLarge, match=r"larger than 1,048,576 bytes"):
            _get(misbehaving, "bomb", max_bytes=MIB, deadline_s=30.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MIB  # the bomb inflates to 64 MiB


def test_a_body_larger_than_the_limit_is_refused_naming_the_url(misbehaving: Misbehaving) -> None:
    with pytest.raises(AnswerTooLarge) as refused:
        _get(misbehaving, "huge", max_bytes=MIB, deadline_s=30.0)
    assert refused.value.url == f"{misbehaving.base_url}/huge"


def test_an_answer_within_bounds_is_read_whole_and_decoded(misbehaving: Misbehaving) -> None:
    response = _get(misbehaving, "ok", max_bytes=MIB, deadline_s=5.0)
    assert response.json() == {"status": 0, "msg": "OK", "data": []}
    assert "content-encoding" not in response.headers
