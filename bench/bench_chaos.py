"""The pipeline through a faulty network: first-run success, duplicates and lost parts, per seed.

One sandbox (both services on loopback) answers through its fault layer a seeded mix on every
route, rules tried in this order (so each later share is of what the earlier ones let through):
10 % HTTP 503, 5 % HTTP 429 (``Retry-After: 1``), 2 % connection dropped before the request is
handled, 2 % dropped after it was handled, 2 % answers slower than the client's timeout. For
each seed a job of N drawings (the good examples under distinct names) runs ``nest_to_cnc``
with both engines, pushing CloudNest's layouts, then the same job runs again (the re-run a user
would start). Counted after both runs:

* first run: Completed with both engines nested, or the exception that ended it;
* duplicates: CloudNest jobs beyond one, drawings uploaded beyond one each, production tasks
  beyond one per layout, AlmaCAM orders beyond one (the sandbox numbers orders consecutively);
* lost: copies of ordered parts the job's ledger says are still missing after the re-run;
* wall time of the first run against a fault-free run of the same size (measured first).

    .venv/bin/python bench/bench_chaos.py [--drawings 20] [--seeds 3] [--speed 0.02]

The issue's goal is the full run: ``--drawings 100 --seeds 10``, 10/10 first runs with both
engines, 0 duplicates, 0 lost.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_pipeline import fresh_prefect, make_drawings  # noqa: E402 - path set above

#: The client timeout the chaos runs use, and the slow answers' delay just beyond it.
CLIENT_TIMEOUT_S = 5.0
SLOW_S = CLIENT_TIMEOUT_S + 1.0


@dataclass
class Outcome:
    """One job through the faults: how its runs ended and what it left behind."""

    first: str
    rerun: str
    first_s: float
    duplicates: dict[str, int]
    lost: int
    faults: int


def _run(blocks, folder: Path, job: str) -> tuple[str, float]:
    """Run the job once; ``ok`` when it completed with both engines nested, else why not."""
    from nestflow.flows.nest_to_cnc import nest_to_cnc
    from nestflow.flows.parameters import DrawingSource, MaterialSpec, NestingSettings, PushEngine

    started = time.perf_counter()
    try:
        summary = nest_to_cnc(
            job_name=job,
            drawings=DrawingSource(folder=str(folder)),
            push=PushEngine.CLOUDNEST,
            material=MaterialSpec(name="S235JR", thickness=3.0),
            nesting=NestingSettings(time_s=2.0, spacing=5.0, max_wait_s=600.0),
            blocks=blocks,
        )
    except Exception as exc:  # noqa: BLE001 - the benchmark reports how each run ended
        return f"{type(exc).__name__}: {exc}", time.perf_counter() - started
    elapsed = time.perf_counter() - started
    if not summary.engines and all(p.missing == 0 for p in summary.parts):
        return "ok (nothing left to cut)", elapsed
    nested = {e.engine: e.nested for e in summary.engines}
    return ("ok" if all(nested.values()) and len(nested) == 2 else f"engines {nested}"), elapsed


def _lost(job: str) -> int:
    """Copies the job's ledger says are still missing (all of them when it has no ledger)."""
    from nestflow.ledger import JobLedger
    from nestflow.tasks.ledger import ledger_path

    path = ledger_path(job)
    if not path.exists():
        return -1
    ledger = JobLedger.model_validate_json(path.read_bytes())
    cut = ledger.cut()
    return sum(ledger.remaining(key, cut) for key in ledger.parts)


def chaos_job(sandbox, blocks, folder: Path, seed: int | None) -> Outcome:
    """One job, its run and its re-run, through the faults of ``seed`` (None: no fault)."""
    from nestflow.sandbox.chaos import chaos_plan
    from tests.vendor_state import almacam_last_order, cloudnest_duplicates

    before = almacam_last_order(_almacam_client(sandbox))
    layers = [sandbox.faults(name) for name in sandbox.services]
    for layer in layers:
        if seed is None:
            layer.clear()
        else:
            layer.set(chaos_plan(seed, SLOW_S))
    job = f"chaos-{seed}-{uuid.uuid4().hex[:6]}"
    first, first_s = _run(blocks, folder, job)
    rerun, _ = _run(blocks, folder, job)
    fired = sum(rule.fired for layer in layers for rule in layer.plan().rules)
    for layer in layers:
        layer.clear()
    orders = almacam_last_order(_almacam_client(sandbox)) - before
    duplicates = cloudnest_duplicates(_cloudnest_client(sandbox), job)
    duplicates["almacam orders"] = max(0, orders - 1)
    return Outcome(
        first=first,
        rerun=rerun,
        first_s=first_s,
        duplicates=duplicates,
        lost=_lost(job),
        faults=fired,
    )


def _almacam_client(sandbox):  # noqa: ANN202
    from nestflow.almacam.client import AlmaCamClient

    return AlmaCamClient(sandbox.almacam_url, sandbox.almacam_token, timeout=10.0)


def _cloudnest_client(sandbox):  # noqa: ANN202
    from nestflow.cloudnest.client import CloudNestClient

    app = sandbox.config.cloudnest.app
    return CloudNestClient(
        sandbox.url("cloudnest"),
        app_id=app.app_id,
        app_secret=app.app_secret.get_secret_value(),
        org_code=sorted(app.org_codes)[0],
        default_rate=None,
        timeout=30.0,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--speed", type=float, default=0.02, help="sandbox speed factor")
    args = parser.parse_args()

    work = fresh_prefect("nestflow-chaos-", "CRITICAL")
    from nestflow.blocks import AlmaCamCredentials, CloudNestCredentials
    from nestflow.cli.demo import save_sandbox_blocks
    from nestflow.sandbox.config import SandboxConfig
    from nestflow.sandbox.server import start_sandbox

    folder = work / "drawings"
    make_drawings(folder, args.drawings)
    config = SandboxConfig.from_env(almacam_port=0, cloudnest_port=0, speed=args.speed)
    outcomes: dict[str, Outcome] = {}
    with start_sandbox(config) as sandbox:
        blocks = save_sandbox_blocks(sandbox, "chaos", work / "out", work / "drop")
        for block_type in (CloudNestCredentials, AlmaCamCredentials):
            block = block_type.load("chaos")
            block.timeout_s = CLIENT_TIMEOUT_S
            block.save("chaos", overwrite=True)
        for seed in [None, *range(args.seeds)]:
            label = "no faults" if seed is None else f"seed {seed}"
            outcome = chaos_job(sandbox, blocks, folder, seed)
            outcomes[label] = outcome
            print(
                f"{label:10s} first: {outcome.first[:70]:70s} {outcome.first_s:6.1f} s | "
                f"re-run: {outcome.rerun[:40]:40s} | faults {outcome.faults:3d} | "
                f"duplicates {sum(outcome.duplicates.values())} {outcome.duplicates} | "
                f"lost {outcome.lost}",
                flush=True,
            )
    print()
    for label, outcome in outcomes.items():
        for run, how in (("first run", outcome.first), ("re-run", outcome.rerun)):
            if not how.startswith("ok"):
                print(f"{label}, {run}: {how[:600]}")
    clean = outcomes.pop("no faults")
    ok = sum(o.first == "ok" for o in outcomes.values())
    both = sum(o.first == "ok" or o.rerun.startswith("ok") for o in outcomes.values())
    duplicates = sum(sum(o.duplicates.values()) for o in outcomes.values())
    lost = sum(max(0, o.lost) for o in outcomes.values())
    times = [o.first_s for o in outcomes.values()]
    print()
    print(f"drawings {args.drawings}, seeds {args.seeds}, sandbox speed x{args.speed:g}")
    print(f"first runs complete with both engines: {ok}/{len(outcomes)}")
    print(f"complete after the re-run:             {both}/{len(outcomes)}")
    print(f"duplicates: {duplicates}   lost copies: {lost}")
    if times:
        ratio = (sum(times) / len(times)) / clean.first_s
        print(
            f"first-run wall time: mean {sum(times) / len(times):.1f} s, fault-free "
            f"{clean.first_s:.1f} s (ratio {ratio:.2f})"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
