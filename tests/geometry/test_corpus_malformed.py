"""The generated malformed-DXF corpus: every drawing read right or refused for the right reason.

The cases and their expected answers are in ``tests/geometry/corpus/malformed.py``; the bench
``bench/bench_corpus_dxf.py`` counts the same outcomes.
"""

from __future__ import annotations

import pytest

from nestflow.geometry.errors import DrawingError
from nestflow.geometry.reader import read_drawing
from tests.geometry.corpus.malformed import READ, REFUSED, Case, cases, outcome

CASES = cases()


def _answer(case: Case) -> tuple[str, str]:
    try:
        parts = read_drawing(case.build(), name=f"{case.name}.dxf")
    except DrawingError as exc:
        return outcome(case, None, exc.kind), f"{exc.kind}: {exc.message}"
    return outcome(case, parts, None), f"{len(parts)} part(s), {sum(p.area for p in parts):.1f} mm²"


def test_the_corpus_holds_over_a_hundred_distinct_cases() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)) >= 100


@pytest.mark.parametrize("case", [c for c in CASES if c.valid], ids=lambda c: c.name)
def test_valid_drawing_is_read_with_its_parts_and_area(case: Case) -> None:
    result, got = _answer(case)
    assert result == READ, f"{case.why}: expected {case.parts} part(s), {case.area:.1f}; {got}"


@pytest.mark.parametrize("case", [c for c in CASES if not c.valid], ids=lambda c: c.name)
def test_broken_drawing_is_refused_for_its_reason(case: Case) -> None:
    result, got = _answer(case)
    assert result == REFUSED, f"{case.why}: expected {sorted(case.kinds)}; got {got}"


@pytest.mark.parametrize("case", [c for c in CASES if not c.valid], ids=lambda c: c.name)
def test_refusal_names_the_file(case: Case) -> None:
    with pytest.raises(DrawingError) as caught:
        read_drawing(case.build(), name=f"{case.name}.dxf")
    assert caught.value.file == f"{case.name}.dxf"
    assert str(caught.value).startswith(f"{case.name}.dxf: ")
