"""Every manifest of the corpus is read right or refused naming the file, line and problem.

The regressions (issue 18): a 1 MB cell ended in a raw ``_csv.Error``; 200,000 identical lines
were summed in quadratic time (killed at 300 s) and 600,000 distinct lines under the byte cap
took minutes; a thickness of ``inf`` was accepted; NUL bytes, control characters and a duplicated
column were read as data. Now every case of :mod:`tests.manifests.corpus` has its outcome, and the
big ones take seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nestflow.geometry import manifest
from nestflow.intake import MAX_MANIFEST_BYTES, read_order_manifest
from tests.manifests.corpus import (
    BYTE_LIMIT,
    CELL_LIMIT,
    LINE_LIMIT,
    MAX_MESSAGE,
    QUANTITY_LIMIT,
    Case,
    corpus,
)

CASES = corpus()
#: Longest a big case may take: linear reading does each in well under a second on a laptop;
#: the margin is for a loaded CI machine, far below the minutes the quadratic sum took.
BIG_CASE_S = 15.0


@pytest.fixture(autouse=True)
def _run_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each manifest lies in the run's working folder, where a run with no roots reads."""
    monkeypatch.chdir(tmp_path)


def _read(case: Case, folder: Path) -> list[manifest.ManifestLine]:
    path = folder / "orders.csv"
    path.write_bytes(case.content())
    return read_order_manifest(path)


@pytest.mark.parametrize("case", [c for c in CASES if c.orders is not None], ids=lambda c: c.name)
def test_a_good_manifest_is_read_into_its_orders(case: Case, tmp_path: Path) -> None:
    lines = _read(case, tmp_path)
    assert [(line.file.name, line.quantity) for line in lines] == list(case.orders or ())


@pytest.mark.parametrize("case", [c for c in CASES if c.orders is None], ids=lambda c: c.name)
def test_a_bad_manifest_is_refused_naming_file_line_and_problem(case: Case, tmp_path: Path) -> None:
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the class is checked by name below
        _read(case, tmp_path)
    message = str(caught.value)
    assert type(caught.value).__name__ == case.error, message
    assert "orders.csv" in message
    assert case.says in message
    if case.line is not None:
        assert f"line {case.line}" in message
    assert len(message) <= MAX_MESSAGE


@pytest.mark.parametrize("case", [c for c in CASES if c.big], ids=lambda c: c.name)
def test_a_big_manifest_is_read_or_refused_in_seconds(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(case.content())
    start = time.perf_counter()
    try:
        read_order_manifest(path)
    except ValueError:
        pass  # the outcome is the other tests' business; here only the time counts
    assert time.perf_counter() - start < BIG_CASE_S


def test_the_corpus_limits_are_nestflows() -> None:
    assert (LINE_LIMIT, CELL_LIMIT, QUANTITY_LIMIT, BYTE_LIMIT) == (
        manifest.MAX_LINES,
        manifest.MAX_CELL,
        manifest.MAX_QUANTITY,
        MAX_MANIFEST_BYTES,
    )


def test_the_corpus_holds_about_seventy_manifests_of_both_outcomes() -> None:
    refused = [c for c in CASES if c.orders is None]
    assert len(CASES) >= 70 and len(refused) >= 40 and len({c.name for c in CASES}) == len(CASES)
