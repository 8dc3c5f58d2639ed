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


def _push(ledger: JobLedger, drawing: CheckedDrawing, copies: int, layout: str) -> None:
    key = part_key(drawing.sha256, drawing.parts[0].name)
    ledger.record(
        LedgerPush(
            target="t",
            round="J",
            engine="local",
            layout_id=layout,
            reference="r",
            sheets=1,
            parts={key: copies},
        )
    )


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


def test_a_recut_run_may_cut_the_order_once_more_but_not_twice() -> None:
    ledger = JobLedger(job="J")
    gusset = _drawing("gusset.dxf", 2)
    plan_cut(ledger, [gusset], "S235", 3)
    _push(ledger, gusset, 2, "L1")
    plan = plan_cut(ledger, [gusset], "S235", 3, recut=True)
    assert [d.terms.quantity for d in plan.drawings] == [2]
    key = part_key(gusset.sha256, "gusset")
    assert ledger.over_order({key: 2}, recut=True) == []
    assert ledger.over_order({key: 3}, recut=True)


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
