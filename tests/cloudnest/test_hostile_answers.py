"""CloudNest answers that attack the client end in typed errors, within the call's budget.

Regression tests of issue 18 item 4, each against a real loopback server scripted byte for byte
(``tests/misbehaving.py``): headers dripped a byte at a time (before, every call hung until the
drip ended), a read resent after each deadline until the call's budget is spent, a Retry-After
longer than the budget left, JSON nested 200,000 deep and a 5000-digit status (before: raw
``RecursionError`` and ``ValueError``), and downloads that are not the layout file (before: an
HTML page, an empty body and a 204 were returned as the file).
"""

from __future__ import annotations

import json

import pytest

from nestflow.cloudnest.errors import (
    CloudNestAnswerTooSlow,
    CloudNestBadDownload,
    CloudNestCallBudgetExceeded,
    CloudNestUnreadableAnswer,
)
from tests.cloudnest.test_client_bounds import _timed, client_of
from tests.misbehaving import DRIPPED_HEAD, Answer, Misbehaving

TOO_FREQUENT_59 = Answer(
    body=json.dumps({"status": 1009, "msg": "call frequency exceeds limit"}).encode(),
    headers=(("Content-Type", "application/json"), ("Retry-After", "59")),
)
DXF = b"  0\nSECTION\n  2\nENTITIES\n  0\nENDSEC\n  0\nEOF\n"


def test_headers_dripped_a_byte_at_a_time_are_cut_off_at_the_request_deadline(
    misbehaving: Misbehaving,
) -> None:
    client = client_of(misbehaving.answer(DRIPPED_HEAD))
    error, elapsed = _timed(lambda: client.job_add("J"), CloudNestAnswerTooSlow)
    assert elapsed < 3.0 and misbehaving.requests == 1
    assert "job_add (POST /cn-api/api/job/add)" in str(error)


def test_a_read_resent_after_each_deadline_stops_when_the_call_budget_is_spent(
    misbehaving: Misbehaving,
) -> None:
    client = client_of(misbehaving.answer(DRIPPED_HEAD), max_retries=5, call_budget=2.5)
    error, elapsed = _timed(lambda: client.job_search("x"), CloudNestCallBudgetExceeded)
    assert elapsed < 4.0 and misbehaving.requests <= 3
    text = str(error)
    assert "job_search (POST /cn-api/api/job/search)" in text
    assert "call_budget 2.5 s" in text and f"{error.attempts} attempt(s)" in text


def test_a_retry_after_longer_than_the_budget_left_fails_at_once(
    misbehaving: Misbehaving,
) -> None:
    client = client_of(misbehaving.answer(TOO_FREQUENT_59), call_budget=10.0)
    error, elapsed = _timed(lambda: client.job_search("x"), CloudNestCallBudgetExceeded)
    assert elapsed < 1.0 and misbehaving.requests == 1
    assert "Retry-After" in str(error) and "call_budget 10 s" in str(error)
    assert not error.may_have_landed  # "too frequent": the gateway did not process it


def test_json_nested_200000_deep_is_an_unreadable_answer(misbehaving: Misbehaving) -> None:
    client = client_of(misbehaving.answer(Answer(body=b"[" * 200_000)))
    error, _ = _timed(lambda: client.job_add("J"), CloudNestUnreadableAnswer)
    assert error.status == 200 and "nested deeper than" in str(error)
    assert "job_add (POST /cn-api/api/job/add)" in str(error)


def test_a_status_of_5000_digits_is_an_unreadable_answer(misbehaving: Misbehaving) -> None:
    body = b'{"status": ' + b"7" * 5000 + b', "msg": "x", "data": null}'
    client = client_of(misbehaving.answer(Answer(body=body)))
    error, _ = _timed(lambda: client.job_add("J"), CloudNestUnreadableAnswer)
    assert error.status == 200 and "digits" in str(error)


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        (
            Answer(
                body=b"<html><body>Login</body></html>", headers=(("Content-Type", "text/html"),)
            ),
            "text/html",
        ),
        (Answer(body=b"", headers=(("Content-Type", "application/dxf"),)), "empty"),
        (Answer(status=204, body=b"", headers=(), length=False), "HTTP 204"),
        (
            Answer(body=b"PK\x03\x04 a zip", headers=(("Content-Type", "application/dxf"),)),
            "not a DXF",
        ),
    ],
    ids=["html-page", "empty-200", "no-content-204", "not-dxf"],
)
def test_a_download_that_is_not_the_layout_file_is_refused(
    misbehaving: Misbehaving, answer: Answer, what: str
) -> None:
    client = client_of(misbehaving.answer(answer))
    error, _ = _timed(lambda: client.download("/files/L1.dxf", layout="L1"), CloudNestBadDownload)
    assert what in str(error) and "layout L1" in str(error)
    assert f"download (GET {misbehaving.base_url}/files/L1.dxf)" in str(error)


def test_a_dxf_download_is_returned_as_it_came(misbehaving: Misbehaving) -> None:
    answer = Answer(body=DXF, headers=(("Content-Type", "application/dxf"),))
    assert client_of(misbehaving.answer(answer)).download("/files/L1.dxf") == DXF


def test_a_create_cut_off_by_its_budget_says_so_and_may_have_landed(
    misbehaving: Misbehaving,
) -> None:
    client = client_of(misbehaving.answer(DRIPPED_HEAD), request_deadline=5.0, call_budget=1.0)
    error, elapsed = _timed(lambda: client.job_add("J"), CloudNestCallBudgetExceeded)
    assert elapsed < 2.5 and misbehaving.requests == 1
    assert error.may_have_landed and "call_budget 1 s" in str(error)
