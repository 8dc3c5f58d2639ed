"""Five jobs at once on the production stack against one job alone (deploy/stack.py).

The stack (PostgreSQL, Redis, Prefect API, services, two process workers) and both sandboxed
services run on this machine. Each job is the eight good example drawings pushed to CloudNest
through the ``manual`` deployment; a job's wall time runs from creating its flow run(s) to the
last one Completed, so it includes the workers' pick-up (1 s poll) and process start. Rounds
alternate: one job alone, then five different jobs created together; the medians are compared.

    .venv/bin/python bench/bench_scale_out.py [--rounds 2] [--time 2] [--speed 0.02]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench_pipeline import GOOD, make_drawings
from prefect.settings import PREFECT_API_URL, temporary_settings

from nestflow.blocks import CloudNestCredentials
from nestflow.cli.demo import save_sandbox_blocks
from nestflow.deploy.stack import CLOUDNEST_RATE_LIMIT, Stack
from nestflow.flows.parameters import BlockNames, MaterialSpec, NestingSettings
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.server import start_sandbox


def timed_jobs(stack: Stack, count: int, parameters: dict) -> float:
    """Seconds from creating ``count`` runs (different jobs) to the last one Completed."""
    started = time.monotonic()
    ids = [
        stack.start_run(
            "Nest to CNC/manual", {**parameters, "job_name": f"bench-{uuid.uuid4().hex[:8]}"}
        )
        for _ in range(count)
    ]
    states = stack.wait_runs(ids, timeout=900)
    elapsed = time.monotonic() - started
    if set(states.values()) != {"COMPLETED"}:
        raise SystemExit(f"runs did not all complete: {sorted(states.values())}")
    return elapsed


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--time", type=float, default=2.0, help="nesting time per engine, s")
    parser.add_argument("--speed", type=float, default=0.02, help="sandbox speed factor")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-scale-out-"))
    drawings = root / "drawings"
    make_drawings(drawings, len(GOOD))
    config = SandboxConfig.from_env(almacam_port=0, cloudnest_port=0, speed=args.speed)
    stack = Stack(root / "stack", workers=2, worker_env={"PREFECT_WORKER_QUERY_SECONDS": "1"})
    with start_sandbox(config) as sandbox:
        started = time.monotonic()
        stack.up()
        print(f"stack up in {time.monotonic() - started:.1f} s")
        try:
            with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
                names: BlockNames = save_sandbox_blocks(
                    sandbox, "bench", root / "out", root / "drop"
                )
                credentials = CloudNestCredentials.load("bench")
                credentials.global_rate_limit = CLOUDNEST_RATE_LIMIT
                credentials.save("bench", overwrite=True)
            parameters = {
                "drawings": {"folder": str(drawings)},
                "push": "cloudnest",
                "material": MaterialSpec(name="S235JR", thickness=3.0).model_dump(),
                "nesting": NestingSettings(time_s=args.time, max_wait_s=600).model_dump(),
                "blocks": names.model_dump(),
            }
            timed_jobs(stack, 1, parameters)  # warm-up: imports, first deployment pull
            alone, five = [], []
            for round_ in range(args.rounds):
                alone.append(timed_jobs(stack, 1, parameters))
                five.append(timed_jobs(stack, 5, parameters))
                print(f"round {round_ + 1}: one job {alone[-1]:.1f} s, five jobs {five[-1]:.1f} s")
        finally:
            stack.down()
    one, many = statistics.median(alone), statistics.median(five)
    print(f"median: one job alone {one:.1f} s; five jobs at once {many:.1f} s")
    print(f"five at once / one alone: {many / one:.2f}x (five in sequence would be 5.00x)")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
