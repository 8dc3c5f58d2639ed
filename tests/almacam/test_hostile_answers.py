"""AlmaCAM answers that attack the client end in typed errors, within the call's budget.

Regression tests of issue 18 items 4 and 5, each against a real loopback server scripted byte for
byte (``tests/misbehaving.py``): headers dripped a byte at a time (before, every call hung until
the drip ended), ``Retry-After: 59`` (before, it held a submit 296 s), JSON nested 200,000 deep in
an error answer (raw ``RecursionError``), order id -7, a nesting quantity of -5 and a
5000-digit order id (accepted or raw), and an error text quoting the token (carried verbatim).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.errors import (
    AlmaCamAuthError,
    AlmaCamCallBudgetExceeded,
    AlmaCamProtocolError,
    AlmaCamServerError,
    AlmaCamTransportError,
    AlmaCamValidationError,
)
from nestflow.almacam.models import Order
from tests.almacam.conftest import HELLO_WORLD as HELLO_WORLD_BODY
from tests.misbehaving import DRIPPED_HEAD, Answer, Misbehaving

TOKEN = "tok-Secret-4711"
HELLO_WORLD = Order.model_validate(HELLO_WORLD_BODY)
#: A submit's answer whose status line and headers come a byte every 50 ms.
DRIPPED_SUBMIT = replace(DRIPPED_HEAD, status=201, body=b'{"message": "ok", "nesting_order_id": 1}')


def client_of(server: Misbehaving, answer: Answer, **options: Any) -> AlmaCamClient:
    values: dict[str, Any] = {"timeout": 5.0, "request_deadline": 1.0}
    return AlmaCamClient(server.answer(answer).base_url, TOKEN, **(values | options))


def _json(status: int, body: object, *headers: tuple[str, str]) -> Answer:
    return Answer(
        status=status,
        body=json.dumps(body).encode(),
        headers=(("Content-Type", "application/json"), *headers),
    )


def _timed(call: Callable[[], object], error: type[Exception]) -> tuple[Exception, float]:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        call()
    return caught.value, time.monotonic() - started


def _result(quantity: int) -> dict[str, Any]:
    nesting = {"sheet": 1, "quantity": quantity, "length": 100.0, "nested_parts": [{"id": 1}]}
    return {"message": "done", "nestings": [nesting]}


def test_headers_dripped_a_byte_at_a_time_are_cut_off_at_the_request_deadline(
    misbehaving: Misbehaving,
) -> None:
    client = client_of(misbehaving, DRIPPED_SUBMIT)
    error, elapsed = _timed(lambda: client.submit(HELLO_WORLD), AlmaCamTransportError)
    assert elapsed < 3.0 and error.request_sent  # the order may have landed
    assert error.endpoint == "POST /new"


def test_a_retry_after_longer_than_the_budget_left_fails_at_once(
    misbehaving: Misbehaving,
) -> None:
    answer = _json(429, {"message": "slow down"}, ("Retry-After", "59"))
    client = client_of(misbehaving, answer, call_budget=30.0, sleep=time.sleep)
    error, elapsed = _timed(lambda: client.submit(HELLO_WORLD), AlmaCamCallBudgetExceeded)
    assert elapsed < 1.0 and misbehaving.requests == 1
    assert "call_budget 30 s" in str(error) and "1 attempt(s)" in str(error)
    assert not error.may_have_landed  # a 429 was not processed: nothing billed


def test_json_nested_200000_deep_in_an_error_answer_is_a_server_error(
    misbehaving: Misbehaving,
) -> None:
    client = client_of(misbehaving, Answer(status=500, body=b"[" * 200_000))
    error, _ = _timed(lambda: client.result(12, "stats"), AlmaCamServerError)
    assert error.status == 500 and "nested deeper than" in str(error)


@pytest.mark.parametrize(
    "order_id", [-7, 0, int("9" * 30)], ids=["negative", "zero", "beyond-64-bits"]
)
def test_an_absurd_order_id_is_refused(misbehaving: Misbehaving, order_id: int) -> None:
    answer = _json(201, {"message": "Nesting order submitted", "nesting_order_id": order_id})
    error, _ = _timed(
        lambda: client_of(misbehaving, answer).submit(HELLO_WORLD), AlmaCamProtocolError
    )
    assert error.status == 201 and "nesting_order_id" in str(error)


def test_an_order_id_of_5000_digits_is_refused(misbehaving: Misbehaving) -> None:
    answer = Answer(status=201, body=b'{"message": "x", "nesting_order_id": ' + b"9" * 5000 + b"}")
    error, _ = _timed(
        lambda: client_of(misbehaving, answer).submit(HELLO_WORLD), AlmaCamProtocolError
    )
    assert error.status == 201


@pytest.mark.parametrize("quantity", [-5, 0], ids=["negative", "zero"])
def test_a_nesting_cut_fewer_than_once_is_refused(misbehaving: Misbehaving, quantity: int) -> None:
    client = client_of(misbehaving, _json(200, _result(quantity)))
    error, _ = _timed(lambda: client.result(12, "stats"), AlmaCamProtocolError)
    assert "quantity" in str(error) and error.order_id == 12


def test_an_error_text_quoting_the_token_is_scrubbed(misbehaving: Misbehaving) -> None:
    answer = Answer(status=401, body=b'{"message": "token {TOKEN} refused"}', echo_token=True)
    error, _ = _timed(lambda: client_of(misbehaving, answer).result(12), AlmaCamAuthError)
    assert TOKEN not in str(error) and TOKEN not in repr(error) and "***" in str(error)


def test_a_refusal_quoting_the_token_in_its_errors_is_scrubbed(misbehaving: Misbehaving) -> None:
    body = {"message": "An error occured", "errors": [{"error_code": -973, "message": "{TOKEN}"}]}
    answer = Answer(status=400, body=json.dumps(body).encode(), echo_token=True)
    error, _ = _timed(
        lambda: client_of(misbehaving, answer).submit(HELLO_WORLD), AlmaCamValidationError
    )
    assert TOKEN not in str(error) and TOKEN not in repr(error.errors)


def test_a_submit_cut_off_by_its_budget_says_so_and_may_have_landed(
    misbehaving: Misbehaving,
) -> None:
    client = client_of(misbehaving, DRIPPED_SUBMIT, request_deadline=5.0, call_budget=1.0)
    error, elapsed = _timed(lambda: client.submit(HELLO_WORLD), AlmaCamCallBudgetExceeded)
    assert elapsed < 2.5 and error.may_have_landed
    assert "call_budget 1 s" in str(error) and "may have been received" in str(error)
