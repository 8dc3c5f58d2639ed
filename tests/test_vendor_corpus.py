"""The corpus of malformed vendor answers (issue 18 item 6): each ends as it declares.

Every case of ``tests/vendor_corpus/answers.py`` is one client call answered by one scripted
answer on the loopback server: the client raises the typed error the case names (never a raw
error, never the secret in it), or accepts a right answer, within the call's budget. The slow
kinds (dripped headers and bodies, long ``Retry-After``) run here for one call per service, with
deadlines of a second; ``bench/bench_corpus_vendor.py`` runs them all.
"""

from __future__ import annotations

import pytest

from tests.misbehaving import Misbehaving
from tests.vendor_corpus.answers import Case, cases, in_suite
from tests.vendor_corpus.runner import Bounds, expected_class, run

BOUNDS = Bounds(timeout=2.0, request_deadline=1.0, call_budget=2.5, hang_after=10.0)
SUITE = [case for case in cases() if in_suite(case)]


def test_the_corpus_holds_about_300_answers_for_both_services() -> None:
    every = cases()
    assert len(every) >= 300
    assert {case.service for case in every} == {"cloudnest", "almacam"}


def test_every_expected_error_names_a_class_of_its_service() -> None:
    unknown = [case.id for case in cases() if case.expect and expected_class(case) is None]
    assert unknown == []


@pytest.mark.parametrize("case", SUITE, ids=[case.id for case in SUITE])
def test_a_malformed_answer_ends_as_the_case_declares(misbehaving: Misbehaving, case: Case) -> None:
    verdict = run(case, misbehaving, BOUNDS, key=str(SUITE.index(case)))
    assert verdict.kind == "right", f"{verdict.kind}: {verdict.error!r}"[:600]
    assert verdict.seconds < BOUNDS.call_budget + BOUNDS.request_deadline + 1.0
