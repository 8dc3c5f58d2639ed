"""Fixtures of the AlmaCAM tests (client and sandbox). Shared file: append, do not rewrite."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from nestflow.geometry.models import Contour, Part, Vertex

# --- client side: documented orders and a real part with arcs and a hole ------------------------


#: The getting-started order as the vendor's doc describes it (docs/specs/almacam-api.md §3, §4).
#: The doc's facts: one square part, instance id 42, no ``orientations``; one 5 x 10 sheet, id 123
#: (``length`` 10, ``height`` 5); the square's closing vertex is not repeated; its sample result
#: places part 42 at (0, 0) with used length 1.0, so the square is 1 x 1. ``time`` is not in the
#: retrievable text; 1 s is used.
HELLO_WORLD: dict[str, Any] = {
    "parts": [{"geometry": [[[0, 0], [1, 0], [1, 1], [0, 1]]], "instances": [{"id": 42}]}],
    "sheets": [{"id": 123, "length": 10.0, "height": 5.0}],
    "time": 1,
}


@pytest.fixture
def hello_world_order() -> dict[str, Any]:
    """A fresh copy of :data:`HELLO_WORLD` (tests may change it)."""
    return copy.deepcopy(HELLO_WORLD)


@pytest.fixture
def constructed_order() -> dict[str, Any]:
    """The constructed example of docs/specs/almacam-api.md §3.8 (every order feature once)."""
    return {
        "parts": [
            {
                "geometry": [
                    [
                        {"x": 0, "y": 0},
                        {"x": 10, "y": 0, "bul": 0.41421356},
                        {"x": 10, "y": 10},
                        {"x": 0, "y": 10, "sag": -1.0},
                    ]
                ],
                "holes": [
                    [
                        {"x": 3, "y": 5, "cir": {"x": 5, "y": 5, "dir": True}},
                        {"x": 7, "y": 5, "cir": {"x": 5, "y": 5, "dir": True}},
                    ]
                ],
                "protection_offset": 0.5,
                "instances": [
                    {
                        "id": 1,
                        "quantity": 5,
                        "orientations": [
                            {"min_angle": 0, "max_angle": 359.9},
                            {"min_angle": 0, "max_angle": 359.9, "flip": True},
                        ],
                    },
                    {
                        "id": 2,
                        "quantity": 3,
                        "orientations": [
                            {"angle": 0},
                            {"angle": 90},
                            {"angle": 180, "flip": True},
                        ],
                    },
                ],
            }
        ],
        "sheets": [
            {
                "id": 1,
                "length": 3000,
                "height": 1500,
                "quantity": 2,
                "border_gap": [10, 10, 5, 5],
                "defects": [[[100, 100], [200, 100], [200, 200], [100, 200]]],
            },
            {"id": 2, "length": -1, "height": 1000, "border_gap": 2.5},
            {"id": 3, "contour": [[0, 0], [1000, 0], [1000, 500], [0, 800]]},
        ],
        "pre_nestings": [
            {
                "sheet": 1,
                "quantity": 1,
                "nested_parts": [{"id": 2, "position": [0, 0], "angle": 0, "flip": False}],
            }
        ],
        "time": 30,
    }


@pytest.fixture
def bracket_part() -> Part:
    """A 100 x 50 plate at (20, 30)-(120, 80), one rounded corner, one round hole (r 10).

    Deliberately off the origin so that the order's normalisation to the bbox corner shows.
    """
    quarter = math.tan(math.radians(90) / 4)  # bulge of a quarter circle, counter-clockwise
    outer = Contour(
        vertices=(
            Vertex(x=20, y=30),
            Vertex(x=120, y=30),
            Vertex(x=120, y=70, bulge=quarter),
            Vertex(x=110, y=80),
            Vertex(x=20, y=80),
        )
    )
    hole = Contour(  # clockwise: two half circles about (50, 55)
        vertices=(Vertex(x=60, y=55, bulge=-1.0), Vertex(x=40, y=55, bulge=-1.0))
    )
    return Part(name="bracket-2", source="bracket.dxf", outer=outer, holes=(hole,))


# --- sandbox side: the AlmaCAM sandbox over real HTTP on loopback -------------------------------

#: Speed factor of the test sandbox: an order's ``time`` of 10 s is solved in 1 s (the solver's
#: floor is 1 s, so short orders all take about a second).
SANDBOX_SPEED = 0.1


@dataclass(frozen=True)
class AlmaCamEndpoint:
    """Where the test sandbox answers and the Bearer token it accepts."""

    base_url: str
    token: str


@pytest.fixture(scope="session")
def almacam_sandbox() -> Iterator[AlmaCamEndpoint]:
    """The AlmaCAM sandbox on 127.0.0.1, a free port, speed factor :data:`SANDBOX_SPEED`."""
    from nestflow.sandbox.almacam.service import ALMACAM
    from nestflow.sandbox.config import SandboxConfig
    from nestflow.sandbox.server import start_sandbox

    config = SandboxConfig(almacam_port=0, speed=SANDBOX_SPEED)
    with start_sandbox(config, services=[ALMACAM]) as sandbox:
        yield AlmaCamEndpoint(base_url=sandbox.almacam_url, token=sandbox.almacam_token)


# --- client over HTTP: a client of the test sandbox, and one solved hello-world order -----------


@pytest.fixture
def almacam_client(almacam_sandbox: AlmaCamEndpoint) -> Iterator[Any]:
    """An :class:`~nestflow.almacam.client.AlmaCamClient` of the test sandbox (short timeouts)."""
    from nestflow.almacam.client import AlmaCamClient

    with AlmaCamClient(almacam_sandbox.base_url, almacam_sandbox.token, timeout=10.0) as client:
        yield client


@dataclass(frozen=True)
class SolvedOrder:
    """An order the test sandbox has finished: its id and its full result."""

    order_id: int
    result: Any


@pytest.fixture(scope="module")
def solved_hello_world(almacam_sandbox: AlmaCamEndpoint) -> SolvedOrder:
    """The hello-world order submitted once per module and waited for (its full result)."""
    from nestflow.almacam.client import AlmaCamClient
    from nestflow.almacam.models import Order

    order = Order.model_validate(HELLO_WORLD)
    with AlmaCamClient(almacam_sandbox.base_url, almacam_sandbox.token, timeout=10.0) as client:
        order_id = client.submit(order)
        result = client.wait(
            order_id, "full", expected_time=order.time * SANDBOX_SPEED, deadline=30.0
        )
    return SolvedOrder(order_id=order_id, result=result)


# --- sandbox tests: raw HTTP against the test sandbox -------------------------------------------

#: Longest wait for a sandbox order to finish in tests (seconds).
RESULT_DEADLINE = 60.0


@pytest.fixture
def sandbox_http(almacam_sandbox: AlmaCamEndpoint) -> Iterator[httpx.Client]:
    """A plain httpx client of the test sandbox, authenticated with its token."""
    headers = {"Authorization": f"Bearer {almacam_sandbox.token}"}
    with httpx.Client(base_url=almacam_sandbox.base_url, headers=headers, timeout=30.0) as client:
        yield client


def poll_result(client: httpx.Client, order_id: int, view: str = "full") -> httpx.Response:
    """GET ``/result/{order_id}/{view}`` until it is no longer 202 (every 0.1 s)."""
    give_up = time.monotonic() + RESULT_DEADLINE
    while (answer := client.get(f"/result/{order_id}/{view}")).status_code == 202:
        assert time.monotonic() < give_up, f"order {order_id} still computing"
        time.sleep(0.1)
    return answer


@pytest.fixture(scope="session")
def await_result() -> Callable[..., httpx.Response]:
    """``await_result(client, order_id, view="full")``: the first non-202 answer of a view."""
    return poll_result
