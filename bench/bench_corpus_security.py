"""The security corpus (tests/security/corpus.py) as a tally: what a run refuses, what it reads.

Prints the total of probes, how many were refused with a clear reason, read or fetched wrongly,
ended in a raw error, or hung, then one line per probe that was not refused. Runs against the
code on ``PYTHONPATH`` first, so an older commit can be measured with this script and corpus:

    git worktree add /tmp/base-sec <commit>
    PYTHONPATH=/tmp/base-sec:. .venv/bin/python bench/bench_corpus_security.py

No probe sends anything off loopback (see the corpus's fence).
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from collections import Counter
from pathlib import Path

# The corpus of this checkout, whatever code PYTHONPATH puts first (an older commit has none).
_CORPUS = Path(__file__).resolve().parents[1] / "tests" / "security" / "corpus.py"
_spec = importlib.util.spec_from_file_location("security_corpus", _CORPUS)
assert _spec is not None and _spec.loader is not None
corpus = importlib.util.module_from_spec(_spec)
sys.modules["security_corpus"] = corpus
_spec.loader.exec_module(corpus)

LABELS = {
    "refused": "refused with a clear reason",
    "wrong": "read/fetched/moved wrongly",
    "raw": "raw errors",
    "hang": "hangs",
}


def main() -> int:
    """Run every probe in a fresh shop; print the tally and the failures."""
    import nestflow

    print(f"code under test: {Path(nestflow.__file__).resolve().parents[1]}")
    tally: Counter[str] = Counter()
    failures = []
    with corpus.loopback_servers() as ports, tempfile.TemporaryDirectory() as base:
        for number, probe in enumerate(corpus.PROBES):
            result = corpus.run_probe(probe, corpus.make_shop(Path(base) / str(number), ports))
            tally[result.outcome] += 1
            if result.outcome != "refused":
                failures.append(f"  {result.outcome:5} {probe.name}: {result.reason[:150]!r}")
    print(f"total probes: {len(corpus.PROBES)}")
    for outcome, label in LABELS.items():
        print(f"{label}: {tally[outcome]}")
    print(f"fail: {len(corpus.PROBES) - tally['refused']}")
    print("\n".join(failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
