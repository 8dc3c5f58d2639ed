"""Every CloudNest answer is read within bounds, whatever the server does.

A real HTTP server on loopback plays what a broken gateway or a wrong URL may answer: a body
dripped a byte at a time (never tripping a read timeout), a gzip bomb, a body far too large, and
"too frequent" with a Retry-After of a day. The client ends each in its typed error within
seconds; an answer within bounds is still read.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.errors import (
    CloudNestAnswerTooLarge,
    CloudNestAnswerTooSlow,
    CloudNestRateLimited,
    CloudNestServerError,
    CloudNestTransportError,
)
from tests.misbehaving import MIB, Misbehaving

LIMIT = MIB
"""The test clients' ``max_answer_bytes``."""
DEADLINE = 1.0
"""The test clients' ``request_deadline``: the drip lasts ten times longer."""


def client_of(server: Misbehaving, **options: Any) -> CloudNestClient:
    values: dict[str, Any] = {
        "default_rate": None,
        "timeout": 5.0,
        "request_deadline": DEADLINE,
        "max_answer_bytes": LIMIT,
        "retry_backoff": 0.01,
    }
    return CloudNestClient(
        server.base_url, "op1", "secret-for-tests", "TEAM001", **(values | options)
    )


def _timed(call: Callable[[], object], error: type[Exception]) -> tuple[Exception, float]:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        call()
    return caught.value, time.monotonic() - started


def test_an_answer_within_bounds_is_read_and_decoded(misbehaving: Misbehaving) -> None:
    assert client_of(misbehaving.play("ok")).job_search("x") == []


def test_a_dripping_answer_to_a_create_is_cut_off_and_may_have_landed(
    misbehaving: Misbehaving,
) -> None:
    client = client_of(misbehaving.play("drip"))
    error, elapsed = _timed(lambda: client.job_add("J"), CloudNestAnswerTooSlow)
    assert elapsed < DEADLINE + 2.0 and misbehaving.requests == 1  # a create is not resent
    text = str(error)
    assert "job_add (POST /cn-api/api/job/add)" in text and "longer than 1 s in all" in text
    assert "may have reached the server" in text and "request_deadline" in text
    assert isinstance(error, CloudNestTransportError)
    assert client.silence.attempts == 0  # it answered, slowly: not a silent gateway


def test_a_dripping_answer_to_a_query_is_resent_then_given_up(misbehaving: Misbehaving) -> None:
    client = client_of(misbehaving.play("drip"), max_retries=1, call_budget=5.0)
    error, elapsed = _timed(lambda: client.job_search("x"), CloudNestAnswerTooSlow)
    assert misbehaving.requests == 2 and elapsed < 2 * DEADLINE + 2.0
    assert "may have reached" not in str(error)  # a query: nothing to check before repeating


def test_a_gzip_bomb_is_cut_off_at_the_limit_without_filling_the_memory(
    misbehaving: Misbehaving,
) -> None:
    client = client_of(misbehaving.play("bomb"))
    tracemalloc.start()
    try:
        error, elapsed = _timed(lambda: client.job_search("x"), CloudNestAnswerTooLarge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MIB  # the bomb inflates to 64 MiB
    assert elapsed < 3.0 and misbehaving.requests == 1  # never resent, even for a query
    text = str(error)
    assert "job_search (POST /cn-api/api/job/search)" in text and "1,048,576" in text
    assert "answer cut off" in text and "max_answer_bytes" in text


def test_a_huge_answer_is_cut_off_at_the_limit_and_a_push_behind_it_may_have_landed(
    misbehaving: Misbehaving,
) -> None:
    client = client_of(misbehaving.play("huge"))
    guid = "3DC495FB-47A8-469E-A11F-25FD82151BC7"
    error, elapsed = _timed(lambda: client.production_push(guid, 165192), CloudNestAnswerTooLarge)
    assert elapsed < 3.0 and misbehaving.requests == 1
    assert isinstance(error, CloudNestServerError)  # the push reached the server


def test_a_huge_download_is_cut_off_at_the_limit(misbehaving: Misbehaving) -> None:
    client = client_of(misbehaving.play("huge"))
    error, elapsed = _timed(lambda: client.download("/files/layout.dxf"), CloudNestAnswerTooLarge)
    assert elapsed < 3.0 and misbehaving.requests == 1
    assert f"download (GET {misbehaving.base_url}/files/layout.dxf)" in str(error)


def test_a_dripping_download_is_cut_off_at_the_deadline(misbehaving: Misbehaving) -> None:
    client = client_of(misbehaving.play("drip"), max_retries=0)
    error, elapsed = _timed(lambda: client.download("/files/layout.dxf"), CloudNestAnswerTooSlow)
    assert elapsed < DEADLINE + 2.0 and "request_deadline" in str(error)


@pytest.mark.parametrize("act", ["http_429_for_a_day", "too_frequent_for_a_day"])
def test_a_retry_after_of_a_day_fails_at_once_instead_of_waiting_it_out(
    misbehaving: Misbehaving, act: str
) -> None:
    client = client_of(misbehaving.play(act))
    error, elapsed = _timed(lambda: client.job_search("x"), CloudNestRateLimited)
    assert elapsed < 1.0 and misbehaving.requests == 1
    text = str(error)
    assert "status 1009" in text and "job_search (POST /cn-api/api/job/search)" in text
    assert "wait 86400 s (Retry-After)" in text and "max_retry_after (60 s)" in text
