"""Latency from the AlmaCAM sandbox's solver finishing to a client holding the result.

Run: ``.venv/bin/python bench/bench_almacam_latency.py [--orders 8] [--speed 1.0]``.

Starts the AlmaCAM sandbox on a free loopback port and submits orders one after the other, each
waited for in one of two ways:

* ``client``: ``AlmaCamClient.wait`` (first sleep = the order's ``time`` x speed, then a 0.25 s
  pause doubling up to 1 s), what flows do;
* ``fixed``: the same first sleep, then a poll every 0.1 s; this isolates the sandbox's own share
  (time from the solver finishing to the result being served).

The solver-side finish time is the sandbox's ``X-Sandbox-Solved-At`` header; latency = wall clock
when the wait returned minus that. Both ends run on one machine, so the two ``time.time()``
readings share a clock. Target: < 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import httpx

from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.models import Order
from nestflow.sandbox.almacam.gateway.app import SOLVED_AT_HEADER
from nestflow.sandbox.almacam.service import ALMACAM
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.server import start_sandbox

TARGET_SECONDS = 1.0

#: Pause of the fixed-interval strategy, which isolates the sandbox's own share of the latency.
FIXED_PAUSE = 0.1

#: (copies, order ``time``) of the timed orders, cycled.
SIZES = ((5, 1.0), (40, 2.0), (120, 3.0))


def square_order(copies: int, time_budget: float) -> dict[str, Any]:
    """``copies`` 40 x 25 plates with a round hole on 500 x 300 sheets."""
    hole = [
        {"x": 15, "y": 12.5, "cir": {"x": 20, "y": 12.5, "dir": True}},
        {"x": 25, "y": 12.5, "cir": {"x": 20, "y": 12.5, "dir": True}},
    ]
    return {
        "parts": [
            {
                "geometry": [[[0, 0], [40, 0], [40, 25], [0, 25]]],
                "holes": [hole],
                "instances": [
                    {
                        "id": 1,
                        "quantity": copies,
                        "orientations": [{"min_angle": 0, "max_angle": 359.9}],
                    }
                ],
            }
        ],
        "sheets": [{"id": 1, "length": 500, "height": 300, "quantity": 5, "border_gap": 5}],
        "time": time_budget,
    }


def wait_with_client(client: AlmaCamClient, order_id: int, expected: float) -> int:
    """The client's own strategy; returns the number of polls."""
    polls: list[int] = []
    client.wait(
        order_id,
        "full",
        expected_time=expected,
        deadline=expected + 60,
        on_poll=lambda attempt, _elapsed, _status: polls.append(attempt),
    )
    return len(polls)


def wait_with_fixed_polls(http: httpx.Client, order_id: int, expected: float) -> int:
    """Sleep ``expected``, then poll every :data:`FIXED_PAUSE` s; returns the number of polls."""
    time.sleep(expected)
    polls = 1
    while http.get(f"/result/{order_id}/full").status_code == 202:
        time.sleep(FIXED_PAUSE)
        polls += 1
    return polls


def run(strategy: str, orders: int, speed: float) -> list[float]:
    """Time ``orders`` orders waited for with ``strategy``; print one line each."""
    latencies: list[float] = []
    config = SandboxConfig(almacam_port=0, speed=speed)
    with start_sandbox(config, services=[ALMACAM]) as sandbox:
        headers = {"Authorization": f"Bearer {sandbox.almacam_token}"}
        with (
            AlmaCamClient(sandbox.almacam_url, sandbox.almacam_token, timeout=10.0) as client,
            httpx.Client(base_url=sandbox.almacam_url, headers=headers, timeout=10.0) as http,
        ):
            for n in range(orders):
                copies, budget = SIZES[n % len(SIZES)]
                order = Order.model_validate(square_order(copies, budget))
                submitted = time.time()
                order_id = client.submit(order)
                if strategy == "client":
                    polls = wait_with_client(client, order_id, order.time * speed)
                else:
                    polls = wait_with_fixed_polls(http, order_id, order.time * speed)
                held = time.time()
                answer = http.get(f"/result/{order_id}/stats")
                solved_at = float(answer.headers[SOLVED_AT_HEADER])
                latencies.append(held - solved_at)
                print(
                    f"{strategy:>8} {n:>5} {copies:>6} {budget * speed:>6.1f} "
                    f"{solved_at - submitted:>8.2f} {held - solved_at:>9.3f} {polls:>5}"
                )
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=6, help="orders to time per strategy")
    parser.add_argument("--speed", type=float, default=1.0, help="sandbox speed factor")
    args = parser.parse_args()

    print(
        f"{'strategy':>8} {'order':>5} {'copies':>6} {'budget':>6} {'solve s':>8} "
        f"{'latency s':>9} {'polls':>5}"
    )
    results = {s: run(s, args.orders, args.speed) for s in ("client", "fixed")}
    for strategy, latencies in results.items():
        verdict = "met" if max(latencies) < TARGET_SECONDS else "NOT met"
        print(
            f"{strategy}: latency solver -> client median {statistics.median(latencies):.3f} s, "
            f"max {max(latencies):.3f} s (target < {TARGET_SECONDS:.1f} s: {verdict})"
        )


if __name__ == "__main__":
    main()
