"""The corpus of malformed vendor answers against the clients: how each answer ends.

Run: ``.venv/bin/python bench/bench_corpus_vendor.py [--workers 8] [--hang-after 15] [-v]``

Every case of ``tests/vendor_corpus/answers.py`` (the hostile answers of issue 18: wrong statuses,
truncated, deep or huge JSON, huge integers, wrong types, negative ids and counts, HTML pages,
empty bodies, 204s, compression bombs, dripped headers and bodies, extreme ``Retry-After``, cut
connections, a secret quoted back) is played by the loopback server of ``tests/misbehaving.py`` to
one client call, with the bounds below, several cases side by side. Per service it prints: total,
handled (a typed error of the service's family, or a right answer accepted; of which as the case
declares), accepted wrongly, leaked (the error carries the secret), raw (an error outside the
family), hang (still running after ``--hang-after`` seconds).

To measure other code (the committed code before a fix, say) put it first on the path; the corpus
and the server always come from this checkout::

    git worktree add /tmp/base-vendor HEAD
    PYTHONPATH=/tmp/base-vendor .venv/bin/python bench/bench_corpus_vendor.py

Options a client does not take (``call_budget`` on older code) are left out for it.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nestflow  # the code measured: the first on the path (PYTHONPATH), else this checkout

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the corpus and its server: always this checkout's

from tests.misbehaving import Misbehaving  # noqa: E402
from tests.vendor_corpus.answers import Case, cases  # noqa: E402
from tests.vendor_corpus.runner import Bounds, Verdict, run  # noqa: E402

COLUMNS = ("total", "handled", "as declared", "accepted wrongly", "leaked", "raw", "hang")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8, help="cases run side by side")
    parser.add_argument("--hang-after", type=float, default=15.0, help="seconds: a hang")
    parser.add_argument("--timeout", type=float, default=2.0, help="httpx timeout of a step")
    parser.add_argument("--request-deadline", type=float, default=3.0)
    parser.add_argument("--call-budget", type=float, default=6.0)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every case not right")
    args = parser.parse_args()
    bounds = Bounds(args.timeout, args.request_deadline, args.call_budget, args.hang_after)
    corpus = cases()
    print(f"code measured: {Path(nestflow.__file__).resolve().parents[1]}")
    print(
        f"{len(corpus)} answers; timeout {bounds.timeout:g} s, request_deadline "
        f"{bounds.request_deadline:g} s, call_budget {bounds.call_budget:g} s (if taken), "
        f"hang after {bounds.hang_after:g} s, {args.workers} side by side"
    )
    server = Misbehaving()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = time.monotonic()
    with ThreadPoolExecutor(args.workers) as pool:
        verdicts = list(
            pool.map(lambda item: run(item[1], server, bounds, str(item[0])), enumerate(corpus))
        )
    print(f"ran in {time.monotonic() - started:.0f} s\n")
    _table(corpus, verdicts)
    if args.verbose:
        for case, verdict in zip(corpus, verdicts, strict=True):
            if verdict.kind != "right":
                line = f"{verdict.kind:17} {case.id} (expected {case.expect}): {verdict.error!r}"
                print(line[:240])
    server.shutdown()


def _table(corpus: list[Case], verdicts: list[Verdict]) -> None:
    print("| corpus | " + " | ".join(COLUMNS) + " |")
    print("|---|" + "---:|" * len(COLUMNS))
    for service in ("cloudnest", "almacam", None):
        chosen = [v for c, v in zip(corpus, verdicts, strict=True) if service in (None, c.service)]
        kinds = Counter(v.kind for v in chosen)
        row = (
            len(chosen),
            kinds["right"] + kinds["typed"],
            kinds["right"],
            kinds["accepted_wrongly"],
            kinds["leaked"],
            kinds["raw"],
            kinds["hang"],
        )
        name = f"{service} answers" if service else "all"
        print(f"| {name} | " + " | ".join(str(n) for n in row) + " |")


if __name__ == "__main__":
    main()
