"""The AlmaCAM sandbox answers the spec's examples the way the spec shows.

Each order example is POSTed to ``/new`` over loopback HTTP and its result compared, by shape,
with the spec's full result (§4); each invalid-order example must be refused with the spec's
status and error codes; the bare status answers of section A must match its table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from nestflow.almacam.models import FullResult, StatsResult
from nestflow.sandbox.server import RunningSandbox

from .conftest import (
    ALMACAM_FIXTURES,
    INVALID_ORDERS,
    WAIT_SECONDS,
    example_name,
    fixture_files,
    is_invalid_order,
    load,
)
from .shapes import shape_differences

ORDERS = [p for p in fixture_files(ALMACAM_FIXTURES, "request") if not is_invalid_order(p)]
INVALID = [p for p in fixture_files(ALMACAM_FIXTURES, "request") if is_invalid_order(p)]

#: Keys the spec marks optional: a nesting's ``height`` (section A, §4); an error's ``path``,
#: ``parts``, ``sheets`` and a 400 body's ``errors`` (section A).
OPTIONAL_KEYS = frozenset({"height", "path", "parts", "sheets", "errors"})


def _example(name: str) -> Any:
    return load(ALMACAM_FIXTURES / f"{name}.response.json")


@dataclass(frozen=True)
class Answered:
    """What the sandbox answered to one order example: submit, the first poll, full and stats."""

    submit: httpx.Response
    first_poll: httpx.Response
    full: httpx.Response
    stats: httpx.Response


def _wait(http: httpx.Client, order_id: int, view: str) -> httpx.Response:
    give_up = time.monotonic() + WAIT_SECONDS
    while (answer := http.get(f"/result/{order_id}/{view}")).status_code == 202:
        assert time.monotonic() < give_up, f"order {order_id} still computing"
        time.sleep(0.05)
    return answer


@pytest.fixture(scope="module")
def answered(almacam_http: httpx.Client) -> dict[str, Answered]:
    """Every order example submitted once, by example name, with the sandbox's answers."""
    answers: dict[str, Answered] = {}
    for path in ORDERS:
        submit = almacam_http.post("/new", json=load(path))
        assert submit.status_code == 201, submit.text
        order_id = submit.json()["nesting_order_id"]
        first_poll = almacam_http.get(f"/result/{order_id}/full")
        full = _wait(almacam_http, order_id, "full")
        stats = _wait(almacam_http, order_id, "stats")
        answers[example_name(path)] = Answered(submit, first_poll, full, stats)
    return answers


@pytest.mark.parametrize("name", [example_name(p) for p in ORDERS])
def test_submit_answer_has_the_shape_of_the_spec_submit_example(
    answered: dict[str, Answered], name: str
) -> None:
    submit = answered[name].submit
    assert submit.status_code == 201
    assert shape_differences(_example("3.9-submit"), submit.json()) == []
    assert submit.json()["message"] == _example("3.9-submit")["message"]


@pytest.mark.parametrize("name", [example_name(p) for p in ORDERS])
def test_order_still_computing_answers_like_section_a(
    answered: dict[str, Answered], name: str
) -> None:
    first_poll = answered[name].first_poll
    assert first_poll.status_code == 202
    assert first_poll.json() == _example("A-computing-202")


@pytest.mark.parametrize("name", [example_name(p) for p in ORDERS])
def test_full_result_has_the_shape_of_the_spec_full_result(
    answered: dict[str, Answered], name: str
) -> None:
    full = answered[name].full
    assert full.status_code == 200, full.text
    body = full.json()
    assert body["nestings"], "the example order gives a result without nestings"
    assert shape_differences(_example("4-full-result"), body, optional=OPTIONAL_KEYS) == []
    FullResult.model_validate(body)


@pytest.mark.parametrize("name", [example_name(p) for p in ORDERS])
def test_stats_result_is_the_full_shape_with_part_ids_only(
    answered: dict[str, Answered], name: str
) -> None:
    """Section A: the stats view has the full view's shape, each nested part only its ``id``."""
    stats = answered[name].stats
    assert stats.status_code == 200, stats.text
    expected = _example("4-full-result")
    for nesting in expected["nestings"]:
        nesting["nested_parts"] = [{"id": part["id"]} for part in nesting["nested_parts"]]
    assert shape_differences(expected, stats.json(), optional=OPTIONAL_KEYS) == []
    StatsResult.model_validate(stats.json())


@pytest.mark.parametrize("path", INVALID, ids=[example_name(p) for p in INVALID])
def test_invalid_order_is_refused_with_the_spec_status_and_error_codes(
    almacam_http: httpx.Client, path: Path
) -> None:
    expected = INVALID_ORDERS[example_name(path)]
    answer = almacam_http.post("/new", json=load(path))
    assert answer.status_code == expected.status, answer.text
    body = answer.json()
    assert shape_differences(_example("A-error-400"), body, optional=OPTIONAL_KEYS) == []
    assert {error["error_code"] for error in body["errors"]} == expected.codes
    if expected.path is not None:
        assert [tuple(error["path"]) for error in body["errors"]] == [expected.path] * len(
            body["errors"]
        )


@pytest.mark.parametrize(
    "path",
    [p for p in INVALID if INVALID_ORDERS[example_name(p)].answer],
    ids=[example_name(p) for p in INVALID if INVALID_ORDERS[example_name(p)].answer],
)
def test_invalid_order_answer_holds_every_field_of_the_spec_error_example(
    almacam_http: httpx.Client, path: Path
) -> None:
    spec = _example(INVALID_ORDERS[example_name(path)].answer or "")
    body = almacam_http.post("/new", json=load(path)).json()
    assert body["message"] == spec["message"]
    assert len(body["errors"]) == len(spec["errors"])
    for got, want in zip(body["errors"], spec["errors"], strict=True):
        assert {key: got.get(key) for key in want} == want
        assert shape_differences(want, got, optional=OPTIONAL_KEYS) == []


def test_unknown_order_answers_the_section_a_404_body(almacam_http: httpx.Client) -> None:
    answer = almacam_http.get("/result/987654321/full")
    assert answer.status_code == 404
    assert answer.json() == _example("A-error-404")


def test_missing_token_answers_the_section_a_401_body(contract_sandbox: RunningSandbox) -> None:
    answer = httpx.get(f"{contract_sandbox.almacam_url}/result/1/full", timeout=WAIT_SECONDS)
    assert answer.status_code == 401
    assert answer.json() == _example("A-error-401")
