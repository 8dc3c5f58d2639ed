"""The AlmaCAM sandbox answers like the vendor: submission, result views, images, auth, 404, 202."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nestflow.sandbox.almacam.gateway.app import SOLVED_AT_HEADER

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

Poll = Callable[..., httpx.Response]


def submit(sandbox: Any, order: dict[str, Any]) -> int:
    """POST an order to the sandbox (outside a function-scoped client) and return its id."""
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    answer = httpx.post(f"{sandbox.base_url}/new", json=order, headers=headers)
    assert answer.status_code == 201
    return answer.json()["nesting_order_id"]


@pytest.fixture(scope="module")
def hello_world_id(almacam_sandbox: Any) -> int:
    """The hello-world order, submitted once for this module."""
    order = {
        "parts": [{"geometry": [[[0, 0], [1, 0], [1, 1], [0, 1]]], "instances": [{"id": 42}]}],
        "sheets": [{"id": 123, "length": 10.0, "height": 5.0}],
        "time": 1,
    }
    return submit(almacam_sandbox, order)


@pytest.fixture
def hello_world_full(
    sandbox_http: httpx.Client, hello_world_id: int, await_result: Poll
) -> httpx.Response:
    return await_result(sandbox_http, hello_world_id, "full")


def test_submission_answers_201_with_the_order_id(
    sandbox_http: httpx.Client, hello_world_order: dict[str, Any]
) -> None:
    answer = sandbox_http.post("/new", json=hello_world_order)

    assert answer.status_code == 201
    assert answer.json() == {
        "message": "Nesting order submitted",
        "nesting_order_id": answer.json()["nesting_order_id"],
    }


def test_hello_world_gives_the_documented_result(hello_world_full: httpx.Response) -> None:
    assert hello_world_full.status_code == 200
    body = hello_world_full.json()
    assert body["message"] == "successfully completed"
    [nesting] = body["nestings"]
    assert nesting["sheet"] == 123
    assert nesting["quantity"] == 1
    assert nesting["length"] == pytest.approx(1.0, abs=1e-2)
    [part] = nesting["nested_parts"]
    assert part["id"] == 42
    assert part["angle"] == 0.0
    assert part["flip"] is False
    assert part["position"] == pytest.approx([0.0, 0.0], abs=1e-2)


def test_stats_view_carries_only_part_ids(
    sandbox_http: httpx.Client, hello_world_id: int, hello_world_full: httpx.Response
) -> None:
    stats = sandbox_http.get(f"/result/{hello_world_id}/stats")

    assert stats.status_code == 200
    [nesting] = stats.json()["nestings"]
    assert nesting["nested_parts"] == [{"id": 42}]
    full_nesting = hello_world_full.json()["nestings"][0]
    assert {k: v for k, v in nesting.items() if k != "nested_parts"} == {
        k: v for k, v in full_nesting.items() if k != "nested_parts"
    }


def test_image_of_each_nesting_is_a_png(
    sandbox_http: httpx.Client, hello_world_id: int, hello_world_full: httpx.Response
) -> None:
    for index in range(len(hello_world_full.json()["nestings"])):
        image = sandbox_http.get(f"/result/{hello_world_id}/image/{index}")

        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert image.content.startswith(PNG_SIGNATURE)


def test_image_index_past_the_end_gives_404(
    sandbox_http: httpx.Client, hello_world_id: int, hello_world_full: httpx.Response
) -> None:
    past_end = len(hello_world_full.json()["nestings"])

    answer = sandbox_http.get(f"/result/{hello_world_id}/image/{past_end}")

    assert answer.status_code == 404


def test_finished_result_tells_when_the_solver_finished(hello_world_full: httpx.Response) -> None:
    solved_at = float(hello_world_full.headers[SOLVED_AT_HEADER])

    assert time.time() - 120 < solved_at <= time.time()


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic c2FuZGJveA=="])
def test_wrong_or_missing_token_gives_401(
    almacam_sandbox: Any, hello_world_id: int, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    for method, path in [("GET", f"/result/{hello_world_id}/full"), ("POST", "/new")]:
        answer = httpx.request(method, f"{almacam_sandbox.base_url}{path}", headers=headers)

        assert answer.status_code == 401
        assert answer.json() == {"message": "Incorrect authentication"}


@pytest.mark.parametrize("view", ["full", "stats", "image/0"])
def test_unknown_order_gives_404(sandbox_http: httpx.Client, view: str) -> None:
    answer = sandbox_http.get(f"/result/987654321/{view}")

    assert answer.status_code == 404
    assert answer.json() == {"message": "This nesting order does not exist"}


@pytest.fixture(scope="module")
def long_order_id(almacam_sandbox: Any) -> int:
    """An order whose budget (30 s, so 3 s at the test speed) keeps it computing for a while."""
    order = {
        "parts": [{"geometry": [[[0, 0], [1, 0], [1, 1], [0, 1]]], "instances": [{"id": 7}]}],
        "sheets": [{"id": 1, "length": 10.0, "height": 5.0}],
        "time": 30,
    }
    return submit(almacam_sandbox, order)


@pytest.mark.parametrize("view", ["full", "stats", "image/0"])
def test_order_still_computing_gives_202(
    sandbox_http: httpx.Client, long_order_id: int, view: str
) -> None:
    answer = sandbox_http.get(f"/result/{long_order_id}/{view}")

    assert answer.status_code == 202
    assert answer.json() == {"message": "This nesting order is still computing"}


def test_part_fitting_no_sheet_is_listed_as_unplaced(
    sandbox_http: httpx.Client, hello_world_order: dict[str, Any], await_result: Poll
) -> None:
    hello_world_order["sheets"][0]["height"] = 0.5
    order_id = sandbox_http.post("/new", json=hello_world_order).json()["nesting_order_id"]

    answer = await_result(sandbox_http, order_id, "full")

    assert answer.status_code == 200
    body = answer.json()
    assert body["nestings"] == []
    assert [(u["id"], u["quantity"]) for u in body["unplaced_parts"]] == [(42, 1)]
    assert "could not be placed" in body["message"]
