"""Tally the manifest corpus: read right, refused with a clear reason, accepted wrongly, raw, hang.

Runs every case of ``tests/manifests/corpus.py`` through ``nestflow.intake.read_order_manifest``,
each in its own process with a time limit, and prints the tallies and the times of the big cases
(200,000 identical lines, 600,000 distinct lines under the 10 MiB cap). To measure another
checkout, put it first on ``PYTHONPATH`` (the corpus is loaded from this file's checkout)::

    git worktree add /tmp/base HEAD~3
    PYTHONPATH=/tmp/base .venv/bin/python bench/bench_corpus_manifest.py

Outcomes: a good manifest read into its orders is *read right* (refused: *valid refused*); a bad
one refused with the expected error, naming the manifest, its line and the problem in at most
600 characters, is *refused clearly* (with another message: *refused unclearly*); read anyway,
*accepted wrongly*. An error of any other type is *raw*; a case still running after
:data:`HANG_S` is a *hang* (killed).
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from types import ModuleType
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "manifests" / "corpus.py"
#: A case still running after this long is a hang (the probe that found the quadratic sum
#: killed it at 300 s; linear reading takes under a second per case).
HANG_S = 120.0
#: The cases timed on their own line.
TIMED = ("identical_lines_200k", "distinct_lines_600k")
#: The manifest errors nestflow raises on purpose (by class name: any checkout's).
TYPED = {"ManifestError", "PlaceRefused"}
OUTCOMES = (
    "read right",
    "refused clearly",
    "refused unclearly",
    "valid refused",
    "accepted wrongly",
    "raw",
    "hang",
)


def _corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("manifest_corpus", CORPUS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _run(index: int, lift_limit: bool, pipe: Connection) -> None:
    """In a child: read case ``index``; send (seconds, orders or None, error class, message)."""
    from nestflow.geometry import manifest
    from nestflow.intake import read_order_manifest

    if lift_limit and hasattr(manifest, "MAX_LINES"):
        manifest.MAX_LINES = 10**7
    case = _corpus().corpus()[index]
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # the run's working folder: where a run with no roots reads
        path = Path(folder) / "orders.csv"
        path.write_bytes(case.content())
        start = time.perf_counter()
        try:
            lines = read_order_manifest(path)
        except Exception as exc:  # noqa: BLE001 - every error is an outcome to tally
            result: tuple[Any, ...] = (None, type(exc).__name__, str(exc)[:2000])
        else:
            result = ([(line.file.name, line.quantity) for line in lines], "", "")
        pipe.send((time.perf_counter() - start, *result))


def run_case(index: int, *, lift_limit: bool = False) -> tuple[float, Any, str, str] | None:
    """One case in its own process: its time and result, or None when it ran past HANG_S."""
    ours, theirs = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=_run, args=(index, lift_limit, theirs)
    )
    child.start()
    ready = ours.poll(HANG_S)
    result = ours.recv() if ready else None
    if not ready:
        child.kill()  # our own child, by its handle
    child.join()
    return result


def outcome(case: Any, result: tuple[float, Any, str, str] | None) -> str:
    """The tally a case's result falls in (see the module's docstring)."""
    if result is None:
        return "hang"
    _, orders, error, message = result
    if error and error not in TYPED:
        return "raw"
    if case.orders is not None:
        return "read right" if orders == list(case.orders) else "valid refused"
    if not error:
        return "accepted wrongly"
    limits = sys.modules["manifest_corpus"]
    clear = (
        len(message) <= limits.MAX_MESSAGE
        and error == case.error
        and "orders.csv" in message
        and case.says in message
        and (case.line is None or f"line {case.line}" in message)
    )
    return "refused clearly" if clear else "refused unclearly"


def main() -> None:
    """Run the corpus and print the tallies, the cases not right, and the big cases' times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only the cases whose name holds this")
    args = parser.parse_args()
    cases = _corpus().corpus()
    tally: Counter[str] = Counter()
    times: dict[str, str] = {}
    for index, case in enumerate(cases):
        if args.k not in case.name:
            continue
        result = run_case(index)
        kind = outcome(case, result)
        tally[kind] += 1
        if kind not in ("read right", "refused clearly"):
            detail = "" if result is None else f"{result[2]}: {result[3][:160]}"
            print(f"  {kind:17} {case.name}: {detail}")
        if case.name in TIMED:
            times[case.name] = f"{result[0]:.2f} s" if result else f"over {HANG_S:.0f} s"
    print(f"total {sum(tally.values())}: " + ", ".join(f"{o} {tally[o]}" for o in OUTCOMES))
    for name, took in times.items():
        print(f"{name}: {took}")
    if "identical_lines_200k" in times:
        index = [c.name for c in cases].index("identical_lines_200k")
        result = run_case(index, lift_limit=True)
        took = f"{result[0]:.2f} s" if result else f"over {HANG_S:.0f} s"
        print(f"identical_lines_200k, line limit lifted (the sum alone): {took}")


if __name__ == "__main__":
    main()
