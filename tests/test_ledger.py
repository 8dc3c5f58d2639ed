"""The job ledger counts parts: a re-run cuts only what is missing, never more than ordered."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from nestflow.geometry.reader import read_drawing
from nestflow.intake import CheckedDrawing, DrawingLocation, OrderTerms
from nestflow.ledger import JobLedger, LedgerPush, part_key, plan_cut

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _drawing(file: str, quantity: int, source: str | None = None) -> CheckedDrawing:
    """``file`` as ordered, its content read from ``source`` (default: the example of that name)."""
    content = (EXAMPLES / (source or file)).read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    parts = read_drawing(content, name=file)
    parts = [p.model_copy(update={"sha256": sha}) for p in parts]
    return CheckedDrawing(
        ref=DrawingLocation(file=file, path=str(EXAMPLES / (source or file))),
        sha256=sha,
        content=content,
        parts=parts,
        terms=OrderTerms(quantity=quantity),
    )


def _entry(key: str, copies: int, layout: str) -> LedgerPush:
    return LedgerPush(
        target="t", round="J", engine="local", layout_id=layout, sheets=1, parts={key: copies}
    )


def _two_gussets_ordered() -> tuple[JobLedger, str]:
    """A job's ledger after its first run ordered two gussets; and the gusset's key."""
    ledger = JobLedger(job="J")
    gusset = _drawing("gusset.dxf", 2)
    plan_cut(ledger, [gusset], "S235", 3)
    return ledger, part_key(gusset.sha256, "gusset")


def _push(ledger: JobLedger, drawing: CheckedDrawing, copies: int, layout: str) -> None:
    key = part_key(drawing.sha256, drawing.parts[0].name)
    ledger.record(_entry(key, copies, layout).model_copy(update={"reference": "r"}))


def test_a_first_run_nests_every_ordered_copy_under_the_jobs_own_name() -> None:
    ledger = JobLedger(job="J")
    plan = plan_cut(ledger, [_drawing("gusset.dxf", 4), _drawing("bracket.dxf", 2)], "S235", 3)
    assert [(d.ref.file, d.terms.quantity) for d in plan.drawings] == [
        ("gusset.dxf", 4),
        ("bracket.dxf", 2),
    ]
    assert plan.engine_job == "J"


def test_a_rerun_nests_only_the_copies_not_yet_cut() -> None:
    ledger = JobLedger(job="J")
    gusset, bracket = _drawing("gusset.dxf", 4), _drawing("bracket.dxf", 2)
    plan_cut(ledger, [gusset, bracket], "S235", 3)
    _push(ledger, gusset, 3, "L1")
    _push(ledger, bracket, 2, "L2")
    plan = plan_cut(ledger, [gusset, bracket], "S235", 3)
    assert [(d.ref.file, d.terms.quantity) for d in plan.drawings] == [("gusset.dxf", 1)]
    assert plan.engine_job.startswith("J rest-")
    assert any("bracket.dxf: every ordered copy already cut" in n for n in plan.notes)


def test_the_same_round_run_again_uses_the_same_vendor_job() -> None:
    ledger = JobLedger(job="J")
    gusset = _drawing("gusset.dxf", 4)
    plan_cut(ledger, [gusset], "S235", 3)
    _push(ledger, gusset, 1, "L1")
    first = plan_cut(ledger, [gusset], "S235", 3)
    again = plan_cut(ledger, [gusset], "S235", 3)
    assert first.engine_job == again.engine_job != "J"


def test_a_corrected_drawing_is_a_new_part_and_the_old_one_is_superseded() -> None:
    ledger = JobLedger(job="J")
    old = _drawing("gusset.dxf", 2)
    plan_cut(ledger, [old], "S235", 3)
    _push(ledger, old, 2, "L1")
    new = _drawing("gusset.dxf", 2, source="bracket.dxf")  # same file name, other content
    plan = plan_cut(ledger, [new], "S235", 3)
    assert [(d.sha256, d.terms.quantity) for d in plan.drawings] == [(new.sha256, 2)]
    assert any("supersedes" in n for n in plan.notes)
    progress = {(p.sha256, p.superseded) for p in ledger.progress(Counter(plan.before), plan.keys)}
    assert progress == {(new.sha256, False), (old.sha256, True)}


def test_pushing_more_than_ordered_is_refused_naming_the_part() -> None:
    ledger = JobLedger(job="J")
    gusset = _drawing("gusset.dxf", 2)
    plan_cut(ledger, [gusset], "S235", 3)
    _push(ledger, gusset, 2, "L1")
    key = part_key(gusset.sha256, "gusset")
    (problem,) = ledger.over_order({key: 1})
    assert "gusset (gusset.dxf): 1 more would make 3 cut, 2 ordered" in problem


def test_a_recut_orders_a_whole_drawing_once_more() -> None:
    ledger = JobLedger(job="J")
    gusset = _drawing("gusset.dxf", 2)
    plan_cut(ledger, [gusset], "S235", 3)
    _push(ledger, gusset, 2, "L1")
    plan = plan_cut(ledger, [gusset], "S235", 3, recut=True)
    assert [d.terms.quantity for d in plan.drawings] == [2]
    key = part_key(gusset.sha256, "gusset")
    assert ledger.over_order({key: 2}) == []
    assert ledger.over_order({key: 3})


def test_a_second_recut_after_the_first_is_whole_cuts_the_order_a_third_time() -> None:
    ledger = JobLedger(job="J")
    gusset = _drawing("gusset.dxf", 2)
    plan_cut(ledger, [gusset], "S235", 3)
    _push(ledger, gusset, 2, "L1")
    first = plan_cut(ledger, [gusset], "S235", 3, recut=True)
    _push(ledger, gusset, 2, "L2")
    second = plan_cut(ledger, [gusset], "S235", 3, recut=True)
    assert [d.terms.quantity for d in second.drawings] == [2]
    assert second.engine_job not in (first.engine_job, "J")
    assert any("cut again (time 3)" in n for n in second.notes)


def test_a_recut_run_again_after_a_crash_finishes_the_recut_instead_of_ordering_more() -> None:
    ledger = JobLedger(job="J")
    gusset = _drawing("gusset.dxf", 4)
    plan_cut(ledger, [gusset], "S235", 3)
    _push(ledger, gusset, 4, "L1")
    plan_cut(ledger, [gusset], "S235", 3, recut=True)
    _push(ledger, gusset, 1, "L2")  # the recut pushed one layout, then the run died
    again = plan_cut(ledger, [gusset], "S235", 3, recut=True)
    assert [d.terms.quantity for d in again.drawings] == [3]
    assert any("the earlier cut is not whole (3 missing)" in n for n in again.notes)
    assert ledger.parts[part_key(gusset.sha256, "gusset")].owed == 8


def test_a_pending_push_counts_as_cut_when_checking_the_order() -> None:
    ledger, key = _two_gussets_ordered()
    ledger.begin(_entry(key, 2, "L1"))
    (problem,) = ledger.over_order({key: 1})
    assert "1 more would make 3 cut, 2 ordered" in problem
    assert ledger.cut()[key] == 0


def test_a_confirmed_push_leaves_pending_and_counts_once() -> None:
    ledger, key = _two_gussets_ordered()
    entry = _entry(key, 2, "L1")
    ledger.begin(entry)
    ledger.record(entry.model_copy(update={"reference": "plan-1"}))
    assert ledger.pending == []
    assert ledger.cut()[key] == 2


def test_a_forgotten_pending_push_leaves_its_parts_to_cut() -> None:
    ledger, key = _two_gussets_ordered()
    entry = _entry(key, 2, "L1")
    ledger.begin(entry)
    ledger.forget(entry)
    assert ledger.over_order({key: 2}) == []


def test_a_round_after_a_pending_push_works_under_a_vendor_job_of_its_own() -> None:
    ledger, key = _two_gussets_ordered()
    ledger.begin(_entry(key, 2, "L1"))
    plan = plan_cut(ledger, [_drawing("gusset.dxf", 2)], "S235", 3)
    assert plan.engine_job.startswith("J rest-")


def test_a_larger_order_after_everything_was_cut_never_reuses_an_earlier_rounds_vendor_job() -> (
    None
):
    ledger = JobLedger(job="J")
    rounds = []
    for quantity in (5, 10, 15):
        more = _drawing("gusset.dxf", quantity)
        plan = plan_cut(ledger, [more], "S235", 3)
        rounds.append(plan.engine_job)
        _push(ledger, more, 5, f"L{quantity}")
    assert len(set(rounds)) == 3


def test_a_part_of_another_order_is_refused() -> None:
    ledger = JobLedger(job="J")
    plan_cut(ledger, [_drawing("gusset.dxf", 2)], "S235", 3)
    (problem,) = ledger.over_order({"abc/bracket": 1})
    assert "not in job J's order" in problem


@pytest.mark.parametrize("quantity", [2, 5])
def test_a_larger_quantity_on_a_rerun_nests_the_difference(quantity: int) -> None:
    ledger = JobLedger(job="J")
    gusset = _drawing("gusset.dxf", 2)
    plan_cut(ledger, [gusset], "S235", 3)
    _push(ledger, gusset, 2, "L1")
    more = gusset.model_copy(update={"terms": OrderTerms(quantity=quantity)})
    plan = plan_cut(ledger, [more], "S235", 3)
    assert [d.terms.quantity for d in plan.drawings] == ([quantity - 2] if quantity > 2 else [])


def test_a_push_is_recorded_once_per_target_round_and_layout() -> None:
    ledger = JobLedger(job="J")
    gusset = _drawing("gusset.dxf", 4)
    plan_cut(ledger, [gusset], "S235", 3)
    _push(ledger, gusset, 1, "L1")
    _push(ledger, gusset, 1, "L1")  # the same push found again after a crash
    assert ledger.cut()[part_key(gusset.sha256, "gusset")] == 1
