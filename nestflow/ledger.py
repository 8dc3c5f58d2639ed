"""The job ledger: every ordered part of a job and every push of it, counted per part.

A shop counts parts, so "exactly once" is kept per part, not per layout: the ledger records, for
each job, every part ordered (name, the sha256 of its drawing's checked bytes, quantity, material,
thickness) and every push (target, layout, parts and counts, reference, time). A re-run nests and
pushes only what is still missing; a corrected drawing (same file, new sha256) is a new part and
supersedes the old one, which is reported and never cut again; pushing more copies of a part than
were ordered is refused unless the run asks to cut again (``recut``).

A part is known by its drawing's content: its key is ``<sha256 of the drawing>/<part name>``.
The ledger is a plain model; where it is stored (shared by every worker) is the Prefect side's
business (``tasks/ledger.py``), and it is only written by the run that holds the job's lease.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from nestflow.intake import CheckedDrawing
from nestflow.report.models import PartProgress


def part_key(sha256: str, part: str) -> str:
    """The ledger's key of a part: its drawing's content and its name."""
    return f"{sha256}/{part}"


class LedgerPart(BaseModel):
    """One part as ordered, known by its drawing's content."""

    part: str
    drawing: str = Field(description="File name of the drawing.")
    sha256: str = Field(description="sha256 of the drawing's checked bytes.")
    quantity: int = Field(ge=1)
    material: str
    thickness: float
    superseded_by: str | None = Field(
        default=None, description="sha256 of the corrected drawing that replaced this one."
    )

    @property
    def key(self) -> str:
        """``<sha256>/<part name>``."""
        return part_key(self.sha256, self.part)


class LedgerPush(BaseModel):
    """One layout that reached a machine, with the parts it cuts."""

    target: str = Field(description="Target identity (account and machine).")
    round: str = Field(description="The job's round that nested the layout.")
    engine: str
    layout_id: str
    reference: str = Field(description="What the target created: production task, file.")
    sheets: int = Field(ge=1)
    parts: dict[str, int] = Field(description="Part key -> copies cut (all sheets).")
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    production: str | None = None
    recut: bool = Field(default=False, description="Pushed by a run that asked to cut again.")


class JobLedger(BaseModel):
    """What a job ordered and what of it reached a machine."""

    job: str
    parts: dict[str, LedgerPart] = Field(default_factory=dict)
    pushes: list[LedgerPush] = Field(default_factory=list)

    def order(self, parts: Iterable[LedgerPart]) -> list[str]:
        """Record the parts a run orders; return a sentence per drawing superseded.

        A part already known keeps its cut count and takes the new quantity; a drawing whose file
        name is known with another content supersedes the old content's parts.
        """
        notes = []
        cut = self.cut()
        for new in parts:
            for old in self.parts.values():
                replaced = old.drawing == new.drawing and old.sha256 != new.sha256
                if replaced and old.superseded_by is None:
                    old.superseded_by = new.sha256
                    notes.append(
                        f"{old.drawing}: corrected drawing (sha256 {new.sha256[:12]}) supersedes "
                        f"{old.sha256[:12]}; part {old.part!r} of the old drawing: "
                        f"{cut.get(old.key, 0)} cut, "
                        "never cut again"
                    )
            self.parts[new.key] = new.model_copy(update={"superseded_by": None})
        return notes

    def cut(self) -> Counter[str]:
        """Copies of each part pushed to a machine, over every push."""
        total: Counter[str] = Counter()
        for push in self.pushes:
            total.update(push.parts)
        return total

    def remaining(self, key: str, cut: Mapping[str, int], *, recut: bool = False) -> int:
        """Copies of a part still to cut (all of them when the run cuts again).

        Args:
            key: The part.
            cut: Copies cut per part (:meth:`cut`, counted once by the caller).
            recut: The run cuts the order again.
        """
        part = self.parts[key]
        if part.superseded_by is not None:
            return 0
        if recut:
            return part.quantity
        return max(0, part.quantity - cut.get(key, 0))

    def pushed(self, target: str, round_: str, engine: str, layout_id: str) -> LedgerPush | None:
        """The recorded push of a round's layout through a target, if any."""
        wanted = (target, round_, engine, layout_id)
        return next(
            (p for p in self.pushes if (p.target, p.round, p.engine, p.layout_id) == wanted),
            None,
        )

    def over_order(self, parts: Mapping[str, int], *, recut: bool = False) -> list[str]:
        """Why pushing ``parts`` (key -> copies) would cut more than ordered (empty when not).

        Without ``recut`` every earlier push counts; with it only the pushes of runs that asked
        to cut again do, so a recut run still cuts each part at most its ordered quantity.
        """
        earlier: Counter[str] = Counter()
        for push in self.pushes:
            if push.recut or not recut:
                earlier.update(push.parts)
        problems = []
        for key, copies in parts.items():
            part = self.parts.get(key)
            if part is None:
                problems.append(f"part {key} is not in job {self.job}'s order")
            elif part.superseded_by is not None:
                problems.append(f"{part.part} of {part.drawing} was superseded by a correction")
            elif earlier[key] + copies > part.quantity:
                problems.append(
                    f"{part.part} ({part.drawing}): {copies} more would make "
                    f"{earlier[key] + copies} cut, {part.quantity} ordered"
                )
        return problems

    def record(self, push: LedgerPush) -> None:
        """Add a push (once per target, round and layout)."""
        if self.pushed(push.target, push.round, push.engine, push.layout_id) is None:
            self.pushes.append(push)

    def progress(self, before: Counter[str], keys: Iterable[str]) -> list[PartProgress]:
        """Ordered / already cut / cut now / missing of each part.

        Args:
            before: Copies cut per part when the run started.
            keys: The parts to report, in order.
        """
        now = self.cut()
        rows = []
        for key in keys:
            part = self.parts[key]
            rows.append(
                PartProgress(
                    part=part.part,
                    drawing=part.drawing,
                    sha256=part.sha256,
                    ordered=part.quantity,
                    already_cut=before.get(key, 0),
                    cut_now=now.get(key, 0) - before.get(key, 0),
                    superseded=part.superseded_by is not None,
                )
            )
        return rows


def order_digest(quantities: Mapping[str, int]) -> str:
    """A short, stable digest of what a run nests (part key -> copies)."""
    text = "\n".join(f"{key}={count}" for key, count in sorted(quantities.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


class CutPlan(BaseModel):
    """What a run nests after the ledger was read: only what is still missing."""

    drawings: list[CheckedDrawing] = Field(description="Drawings to nest, remaining quantities.")
    keys: list[str] = Field(description="Every part the report covers (superseded ones too).")
    by_name: dict[str, str] = Field(description="Part name in this run -> part key.")
    before: dict[str, int] = Field(description="Copies cut per part when the run started.")
    engine_job: str = Field(description="Job name the engines use for this round.")
    notes: list[str] = Field(default_factory=list)


def ledger_parts(
    drawings: Iterable[CheckedDrawing], material: str, thickness: float
) -> list[LedgerPart]:
    """The ledger entries of a run's checked drawings (one per part)."""
    return [
        LedgerPart(
            part=part.name,
            drawing=drawing.ref.file,
            sha256=drawing.sha256,
            quantity=drawing.terms.quantity,
            material=material,
            thickness=thickness,
        )
        for drawing in drawings
        for part in drawing.parts
    ]


def plan_cut(
    ledger: JobLedger,
    drawings: list[CheckedDrawing],
    material: str,
    thickness: float,
    *,
    recut: bool = False,
) -> CutPlan:
    """Record the run's order in ``ledger`` and keep only the copies still to cut.

    A drawing whose parts are all cut is left out (named in the notes); a drawing partly cut is
    nested for what is missing (the least missing of its parts: CloudNest orders by drawing, and
    cutting a part twice is worse than leaving one for the next run). When the round differs
    from the job's first (something was cut, or a drawing was corrected), the engines work under
    ``<job> rest-<digest>``: a vendor job holding exactly this round's drawings, the same one again
    if the round is re-run before anything of it was pushed.
    """
    before = ledger.cut()
    parts = ledger_parts(drawings, material, thickness)
    notes = ledger.order(parts)
    by_name = {p.part: p.key for p in parts}
    keep, quantities = [], {}
    for drawing in drawings:
        left = min(ledger.remaining(by_name[p.name], before, recut=recut) for p in drawing.parts)
        if left == 0:
            cut = ", ".join(f"{p.name} {before.get(by_name[p.name], 0)}" for p in drawing.parts)
            notes.append(f"{drawing.ref.file}: every ordered copy already cut ({cut}); not nested")
            continue
        if left < drawing.terms.quantity:
            notes.append(
                f"{drawing.ref.file}: {drawing.terms.quantity - left} of "
                f"{drawing.terms.quantity} already cut; nesting the {left} missing"
            )
        terms = drawing.terms.model_copy(update={"quantity": left})
        keep.append(drawing.model_copy(update={"terms": terms}))
        quantities.update({by_name[p.name]: left for p in drawing.parts})
    full = {p.key: p.quantity for p in parts}
    superseded = [p.key for p in ledger.parts.values() if p.superseded_by is not None]
    first_round = quantities == full and not superseded and not recut
    if first_round:
        engine_job = ledger.job
    elif recut:
        # Each recut after a push is a round of its own; re-run before it pushed, the same.
        engine_job = f"{ledger.job} recut-{len(ledger.pushes)}-{order_digest(quantities)}"
    else:
        engine_job = f"{ledger.job} rest-{order_digest(quantities)}"
    return CutPlan(
        drawings=keep,
        keys=[p.key for p in parts] + [k for k in superseded if k not in full],
        by_name=by_name,
        before=dict(before),
        engine_job=engine_job,
        notes=notes,
    )


def drawings_cut(parts: Iterable[PartProgress]) -> set[str]:
    """sha256 of each drawing whose every part is cut as ordered (superseded ones excluded)."""
    done: dict[str, bool] = {}
    for p in parts:
        if not p.superseded:
            done[p.sha256] = done.get(p.sha256, True) and p.missing == 0
    return {sha for sha, whole in done.items() if whole}


def cut_elsewhere(drawings: Iterable[CheckedDrawing]) -> list[PartProgress]:
    """Report rows of drawings another job cut whole: ordered and already cut, nothing missing."""
    return [
        PartProgress(
            part=part.name,
            drawing=d.ref.file,
            sha256=d.sha256,
            ordered=d.terms.quantity,
            already_cut=d.terms.quantity,
            cut_now=0,
        )
        for d in drawings
        for part in d.parts
    ]
