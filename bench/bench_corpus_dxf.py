"""Run the DXF corpora through the reader and count what it did with each drawing.

Corpora: the generated malformed drawings (``tests/geometry/corpus/malformed.py``) and the real
drawings from public sources (``tests/geometry/corpus/real/``, expected answers in
``expected.json``). Per corpus it prints: total, read right, refused with a clear (the expected)
reason, refused for another reason, valid drawings refused, accepted wrongly (a part that is not
the drawing's), raw (an exception outside the reader's typed family) and hang (over the time
bound), then every case that is not right.

Usage::

    .venv/bin/python bench/bench_corpus_dxf.py [--bound SECONDS] [--quiet]

To measure another checkout's reader (e.g. the committed code, from ``git worktree add
/tmp/base HEAD``), put it first on the path: ``PYTHONPATH=/tmp/base .venv/bin/python
bench/bench_corpus_dxf.py``. The corpora always come from this script's own checkout.
"""

from __future__ import annotations

import argparse
import importlib.util
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "geometry" / "corpus"


def _module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class _Hang(BaseException):
    """Raised by the alarm when a drawing takes longer than the bound."""


def _on_alarm(_signum: int, _frame: object) -> None:
    raise _Hang


def run(cases: list, bound: float) -> tuple[Counter[str], list[tuple[str, str, str]]]:
    """Read every case; the outcome counts and the cases that are not right."""
    from nestflow.geometry.errors import DrawingError
    from nestflow.geometry.reader import read_drawing

    malformed = sys.modules["corpus_malformed"]
    counts: Counter[str] = Counter()
    wrong: list[tuple[str, str, str]] = []
    signal.signal(signal.SIGALRM, _on_alarm)
    for case in cases:
        data = case.build()
        parts, kind, raw, detail = None, None, False, ""
        signal.setitimer(signal.ITIMER_REAL, bound)
        try:
            parts = read_drawing(data, name=f"{case.name}.dxf")
            detail = f"{len(parts)} part(s), area {sum(p.area for p in parts):.1f}"
        except _Hang:
            result = malformed.HANG
            detail = f"over {bound:g} s"
        except DrawingError as exc:
            kind, detail = exc.kind, f"{exc.kind}: {exc.message[:120]}"
        except Exception as exc:  # the point: count what escapes the typed family
            raw, detail = True, f"{type(exc).__name__}: {str(exc)[:120]}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if detail != f"over {bound:g} s":
            result = malformed.outcome(case, parts, kind, raw)
        counts[result] += 1
        if result not in (malformed.READ, malformed.REFUSED):
            expected = (
                f"read {case.parts} part(s), area {case.area:.1f}"
                if case.valid
                else "refused: " + "/".join(sorted(case.kinds))
            )
            wrong.append((case.name, result, f"expected {expected}; got {detail}"))
    return counts, wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bound", type=float, default=20.0, help="seconds before a hang")
    parser.add_argument("--quiet", action="store_true", help="only the tallies")
    args = parser.parse_args()
    malformed = _module("corpus_malformed", CORPUS / "malformed.py")
    real = _module("corpus_real", CORPUS / "real_corpus.py")
    import nestflow

    print(f"reader: {Path(nestflow.__file__).parent}")
    corpora = {"malformed DXF": malformed.cases(), "real DXF": real.cases()}
    for title, cases in corpora.items():
        start = time.perf_counter()
        counts, wrong = run(cases, args.bound)
        took = time.perf_counter() - start
        tally = ", ".join(f"{name} {counts[name]}" for name in malformed.OUTCOMES)
        print(f"{title}: total {len(cases)}: {tally} ({took:.1f} s)")
        if not args.quiet:
            for name, result, detail in wrong:
                print(f"    {result:<22} {name}: {detail}")


if __name__ == "__main__":
    main()
