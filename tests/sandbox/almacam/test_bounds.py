"""The AlmaCAM sandbox stays within bounds: order size, part quantity, length of its error texts.

Over real HTTP against the session's sandbox, except where an order must get past validation to
reach the solver (the runner is then driven directly, with the real solver). Also: a sheet's
``border_gap`` of ``null`` is read as no border gap.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nestflow.sandbox.almacam.endpoints.validation import MAX_INSTANCE_QUANTITY, validate_order
from nestflow.sandbox.almacam.gateway.answers import MAX_ERROR_TEXT, MAX_ERRORS
from nestflow.sandbox.almacam.gateway.app import DEFAULT_MAX_ORDER_BYTES
from nestflow.sandbox.almacam.simulation.conversion import order_to_request
from nestflow.sandbox.almacam.simulation.runner import OrderRunner
from nestflow.sandbox.almacam.state.store import OrderStatus, OrderStore

Order = dict[str, Any]


def first_instance(order: Order) -> dict[str, Any]:
    return order["parts"][0]["instances"][0]


def padded(order: Order, size: int) -> bytes:
    """The order's JSON, padded with spaces to exactly ``size`` bytes (still the same order)."""
    text = json.dumps(order).encode()
    assert len(text) <= size
    return text + b" " * (size - len(text))


def post(client: httpx.Client, body: bytes) -> httpx.Response:
    return client.post("/new", content=body, headers={"Content-Type": "application/json"})


def assert_bounded(errors: list[dict[str, Any]]) -> None:
    for error in errors:
        assert len(error["message"]) <= MAX_ERROR_TEXT
        assert "\n" not in error["message"]


# --- border_gap: null -----------------------------------------------------------------------------


def test_a_border_gap_of_null_is_no_border_gap(
    sandbox_http: httpx.Client, hello_world_order: Order, await_result: Callable[..., Any]
) -> None:
    hello_world_order["sheets"][0]["border_gap"] = None

    answer = sandbox_http.post("/new", json=hello_world_order)
    assert answer.status_code == 201, answer.text
    result = await_result(sandbox_http, answer.json()["nesting_order_id"], "full")

    assert result.status_code == 200
    [nesting] = result.json()["nestings"]
    assert [p["id"] for p in nesting["nested_parts"]] == [42]
    conversion = order_to_request(validate_order(json.dumps(hello_world_order).encode()), 1.0)
    assert conversion.request.sheets[0].border_gap == (0.0, 0.0, 0.0, 0.0)


# --- the size of an order -------------------------------------------------------------------------


def test_an_order_over_the_limit_is_413_in_the_vendors_error_shape(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    answer = post(sandbox_http, padded(hello_world_order, DEFAULT_MAX_ORDER_BYTES + 1))

    assert answer.status_code == 413
    assert answer.json() == {
        "message": "An error occured",
        "errors": [
            {
                "error_code": -6000,
                "message": "The order is larger than 8,388,608 bytes (it declares 8,388,609): "
                "it was not read; split the job into smaller orders",
                "path": [],
            }
        ],
    }


def test_a_content_length_over_the_limit_is_refused_before_any_body_is_sent(
    almacam_sandbox: Any,
) -> None:
    head = f"Content-Length: {DEFAULT_MAX_ORDER_BYTES + 1}\r\n"

    status, body = raw_post(almacam_sandbox, head, b"")

    assert status == 413
    assert "it declares 8,388,609" in body


def test_a_chunked_order_is_refused_while_it_is_still_being_sent(almacam_sandbox: Any) -> None:
    chunk = b" " * (1024 * 1024)
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    over = DEFAULT_MAX_ORDER_BYTES // len(chunk) + 1  # the body goes on: no last chunk is sent

    status, body = raw_post(almacam_sandbox, "Transfer-Encoding: chunked\r\n", framed * over)

    assert status == 413
    assert "reading stopped there" in body


def raw_post(sandbox: Any, framing: str, body: bytes) -> tuple[int, str]:
    """POST /new over a bare socket, leaving the body unfinished; the status and body answered."""
    url = httpx.URL(sandbox.base_url)
    head = (
        f"POST /new HTTP/1.1\r\nHost: {url.host}\r\nAuthorization: Bearer {sandbox.token}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n"
    )
    with socket.create_connection((url.host, url.port), timeout=10.0) as sock:
        sock.sendall(head.encode() + body)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2].decode()


def test_an_order_of_exactly_the_limit_is_read(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    answer = post(sandbox_http, padded(hello_world_order, DEFAULT_MAX_ORDER_BYTES))

    assert answer.status_code == 201, answer.text


# --- part quantities ------------------------------------------------------------------------------


def test_an_absurd_quantity_is_refused_naming_the_instance(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    first_instance(hello_world_order)["quantity"] = 10**9

    answer = sandbox_http.post("/new", json=hello_world_order)

    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {
            "error_code": -6000,
            "message": "Too many part instances: quantity 1000000000 of part 42 "
            "(at most 10000 copies of one part, the limit of a whole order)",
            "path": ["parts", 0, "instances", 0, "quantity"],
            "parts": [42],
        }
    ]


def test_quantities_within_the_limit_each_still_count_towards_the_total(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    first_instance(hello_world_order)["quantity"] = MAX_INSTANCE_QUANTITY
    hello_world_order["parts"][0]["instances"].append({"id": 43, "quantity": 1})

    answer = sandbox_http.post("/new", json=hello_world_order)

    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["error_code"] == -6000
    assert "10001 copies in total" in error["message"]


def test_a_solver_panic_is_one_line_naming_the_order_and_part() -> None:
    # Validation refuses such a quantity; the order is stored unchecked to reach the real solver,
    # whose panic carries a Rust backtrace of some 4 KB.
    order = {
        "parts": [
            {"geometry": [[[0, 0], [1, 0], [1, 1], [0, 1]]], "instances": [{"id": 42}]},
        ],
        "sheets": [{"id": 123, "length": -1, "height": 5.0}],
        "time": 1,
    }
    first_instance(order)["quantity"] = 10**9
    store = OrderStore()
    runner = OrderRunner(store, lambda seconds: 1.0, workers=1)
    try:
        order_id = store.create(order)
        runner.run(order_id)
        stored = store.get(order_id)
    finally:
        runner.close()
        store.close()

    assert stored is not None and stored.status is OrderStatus.FAILED
    assert stored.error is not None
    [error] = stored.error["errors"]
    assert error["error_code"] == -1000
    assert error["parts"] == [42]
    assert error["message"].startswith(
        f"Unexpected error in the engine on order {order_id} (part 42): "
    )
    assert "PanicException" in error["message"]
    assert_bounded([error])


# --- error texts ----------------------------------------------------------------------------------


def test_an_error_quoting_a_huge_node_is_cut_to_one_short_line(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    outline = [[float(i), float(i % 2)] for i in range(2000)]
    hello_world_order["sheets"][0]["contour"] = outline  # with length and height: refused

    answer = sandbox_http.post("/new", json=hello_world_order)

    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert errors and all(e["error_code"] == -3000 for e in errors)
    assert max(len(e["message"]) for e in errors) == MAX_ERROR_TEXT  # jsonschema quoted it all
    assert_bounded(errors)


def test_an_order_wrong_everywhere_lists_at_most_a_hundred_errors(
    sandbox_http: httpx.Client, hello_world_order: Order
) -> None:
    hello_world_order["parts"][0]["geometry"] = [[["x", 0]] * 300]

    answer = sandbox_http.post("/new", json=hello_world_order)

    assert answer.status_code == 400
    body = answer.json()
    assert len(body["errors"]) == MAX_ERRORS
    assert body["message"] == "An error occured (200 more not listed)"


@pytest.mark.parametrize("quantity", [10**9, 10**30])
def test_validation_refuses_absurd_quantities_without_http(
    hello_world_order: Order, quantity: int
) -> None:
    from nestflow.sandbox.almacam.gateway.answers import OrderRejected

    first_instance(hello_world_order)["quantity"] = quantity

    with pytest.raises(OrderRejected, match="at most 10000 copies of one part"):
        validate_order(json.dumps(hello_world_order).encode())
