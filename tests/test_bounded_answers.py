"""An answer is read within a size limit and a deadline, whatever the server does.

The misbehaving server on loopback (``tests/misbehaving.py``) plays the answers users met: a body
streamed a byte at a time (never tripping a read timeout), headers streamed a byte at a time
(bounded only through a :class:`DeadlineTransport`), a gzip bomb, a body far too large, and a
normal compressed answer. Around it: the call budget, the JSON decoder and the secret scrub.
"""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib

import httpx
import pytest

from nestflow.bounded import (
    AnswerTooLarge,
    AnswerTooSlow,
    CallBudget,
    DeadlineTransport,
    UndecodableJson,
    decode_json,
    scrub,
    send_bounded,
)
from tests.misbehaving import DRIPPED_HEAD, MIB, Answer, Misbehaving


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


def _bounded_get(url: str, deadline_s: float) -> httpx.Response:
    with httpx.Client(timeout=5.0, transport=DeadlineTransport()) as client:
        return send_bounded(client, client.build_request("GET", url), deadline_s=deadline_s)


def test_headers_dripped_a_byte_at_a_time_are_cut_off_at_the_deadline(
    misbehaving: Misbehaving,
) -> None:
    url = f"{misbehaving.answer(DRIPPED_HEAD).base_url}/head"
    started = time.monotonic()
    with pytest.raises(AnswerTooSlow, match=r"longer than 1 s in all"):
        _bounded_get(url, deadline_s=1.0)
    assert time.monotonic() - started < 2.5


def test_a_deadline_gone_before_connecting_is_a_connect_timeout_with_nothing_sent(
    misbehaving: Misbehaving,
) -> None:
    url = f"{misbehaving.play('ok').base_url}/never"
    with pytest.raises(httpx.ConnectTimeout, match=r"within the deadline"):
        _bounded_get(url, deadline_s=1e-9)
    assert misbehaving.requests == 0


def test_the_deadline_transport_answers_like_httpx_outside_a_bounded_exchange(
    misbehaving: Misbehaving,
) -> None:
    with httpx.Client(timeout=5.0, transport=DeadlineTransport()) as client:
        url = f"{misbehaving.play('ok').base_url}/plain"
        bounded = send_bounded(client, client.build_request("GET", url), deadline_s=5.0)
        plain = client.get(url)  # no deadline left over from the bounded exchange
    assert bounded.json() == plain.json() == {"status": 0, "msg": "OK", "data": []}


def test_a_call_budget_allows_a_pause_only_while_time_is_left_after_it() -> None:
    now = [100.0]
    budget = CallBudget(10.0, clock=lambda: now[0])
    now[0] += 4.0
    assert budget.left() == 6.0 and budget.deadline(9.0) == 6.0 and budget.deadline(2.0) == 2.0
    assert budget.allows(5.9) and not budget.allows(6.0)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 200_000, "nested deeper than"),
        (b"9" * 5000, "a number too long"),
        (b'{"a": ', "not JSON"),
        (b"\xff\xfe{", "not JSON"),
    ],
    ids=["deep", "5000-digits", "truncated", "not-utf8"],
)
def test_json_python_cannot_read_is_one_typed_error(body: bytes, reason: str) -> None:
    with pytest.raises(UndecodableJson, match=reason):
        decode_json(body)


def test_scrub_takes_every_secret_out_and_ignores_empty_ones() -> None:
    assert scrub("Bearer t0k and t0k, s3c", "t0k", "", "s3c") == "Bearer *** and ***, ***"


def test_a_gzip_body_cut_short_is_corrupt_not_a_shorter_body(misbehaving: Misbehaving) -> None:
    cut = gzip.compress(b"0\nSECTION\n" * 1000)[:-12]
    answer = Answer(body=cut, headers=(("Content-Encoding", "gzip"),))
    url = f"{misbehaving.answer(answer).base_url}/cut"
    with pytest.raises(zlib.error, match="ends before its compressed stream"):
        _bounded_get(url, deadline_s=5.0)
