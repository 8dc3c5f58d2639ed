"""The job ledger: every ordered part of a job and every push of it, counted per part.

A shop counts parts, so "exactly once" is kept per part, not per layout: the ledger records, for
each job, every part ordered (name, the sha256 of its drawing's checked bytes, quantity, material,
thickness) and every push (target, layout, parts and counts, reference, time). A re-run nests and
pushes only what is still missing; a corrected drawing (same file, new sha256) is a new part and
supersedes the old one, which is reported and never cut again; pushing more copies of a part than
were ordered is refused. Cutting an order again is asked for explicitly (``recut``): it orders the
parts of a drawing once more, only once the earlier cut of that drawing is whole, so re-running a
recut that crashed finishes it instead of ordering a third time.

A push is written down before it is sent (``pending``) and confirmed once the target answered, so
a run killed in between leaves a record the next run must resolve (the target is asked, or the
user says whether the machine got the layout) instead of pushing it again blindly.

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
    times: int = Field(
        default=1, ge=1, description="How often the order of this part is cut (1 + recuts)."
    )
    superseded_by: str | None = Field(
        default=None, description="sha256 of the corrected drawing that replaced this one."
    )

    @property
    def key(self) -> str:
        """``<sha256>/<part name>``."""
        return part_key(self.sha256, self.part)

    @property
    def owed(self) -> int:
        """Copies to cut in all: the quantity, times the order is cut."""
        return self.quantity * self.times


class LedgerPush(BaseModel):
    """One layout sent to a machine, with the parts it cuts (pending until the target answered)."""

    target: str = Field(description="Target identity (account and machine).")
    round: str = Field(description="The job's round that nested the layout.")
    engine: str
    layout_id: str
    reference: str = Field(
        default="", description="What the target created: production task, file (empty: pending)."
    )
    sheets: int = Field(ge=1)
    parts: dict[str, int] = Field(description="Part key -> copies cut (all sheets).")
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    production: str | None = None
    file: str | None = Field(default=None, description="The layout file's name, if it has one.")
    engine_job_id: int | None = Field(default=None, description="The engine's job id, if any.")

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """Target, round, engine and layout: one push of one layout."""
        return (self.target, self.round, self.engine, self.layout_id)

    def describe(self) -> str:
        """``<engine> layout <id> (round <r>) -> <target>``, for messages."""
        return f"{self.engine} layout {self.layout_id} (round {self.round!r}) -> {self.target}"


class JobLedger(BaseModel):
    """What a job ordered and what of it reached a machine."""

    job: str
    parts: dict[str, LedgerPart] = Field(default_factory=dict)
    pushes: list[LedgerPush] = Field(default_factory=list)
    pending: list[LedgerPush] = Field(
        default_factory=list,
        description="Pushes sent (or about to be) whose answer was never recorded.",
    )

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
            known = self.parts.get(new.key)
            times = known.times if known is not None else 1
            self.parts[new.key] = new.model_copy(update={"superseded_by": None, "times": times})
        return notes

    def cut(self) -> Counter[str]:
        """Copies of each part pushed to a machine, over every push."""
        total: Counter[str] = Counter()
        for push in self.pushes:
            total.update(push.parts)
        return total

    def remaining(self, key: str, cut: Mapping[str, int]) -> int:
        """Copies of a part still to cut.

        Args:
            key: The part.
            cut: Copies cut per part (:meth:`cut`, counted once by the caller).
        """
        part = self.parts[key]
        if part.superseded_by is not None:
            return 0
        return max(0, part.owed - cut.get(key, 0))

    def pushed(self, target: str, round_: str, engine: str, layout_id: str) -> LedgerPush | None:
        """The recorded push of a round's layout through a target, if any."""
        wanted = (target, round_, engine, layout_id)
        return next((p for p in self.pushes if p.identity == wanted), None)

    def over_order(self, parts: Mapping[str, int]) -> list[str]:
        """Why pushing ``parts`` (key -> copies) would cut more than ordered (empty when not).

        Pending pushes count as cut: one whose answer never came may have reached the machine.
        """
        earlier = self.cut()
        for push in self.pending:
            earlier.update(push.parts)
        problems = []
        for key, copies in parts.items():
            part = self.parts.get(key)
            if part is None:
                problems.append(f"part {key} is not in job {self.job}'s order")
            elif part.superseded_by is not None:
                problems.append(f"{part.part} of {part.drawing} was superseded by a correction")
            elif earlier[key] + copies > part.owed:
                problems.append(
                    f"{part.part} ({part.drawing}): {copies} more would make "
                    f"{earlier[key] + copies} cut, {part.owed} ordered"
                )
        return problems

    def record(self, push: LedgerPush) -> None:
        """Add a confirmed push (once per target, round and layout); it is no longer pending."""
        self.forget(push)
        if self.pushed(*push.identity) is None:
            self.pushes.append(push)

    def begin(self, push: LedgerPush) -> None:
        """Write down a push about to be sent; :meth:`record` or :meth:`forget` ends it."""
        self.forget(push)
        self.pending.append(push)

    def forget(self, push: LedgerPush) -> None:
        """Drop a pending push (it proved not to have reached the machine, or was recorded)."""
        self.pending = [p for p in self.pending if p.identity != push.identity]

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
                    ordered=part.owed,
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


def _cut_again(
    ledger: JobLedger, drawing: CheckedDrawing, by_name: Mapping[str, str], cut: Counter[str]
) -> str:
    """Order a drawing's parts once more if its earlier cut is whole; say what was done."""
    keys = [by_name[p.name] for p in drawing.parts]
    missing = max(ledger.remaining(key, cut) for key in keys)
    if missing:
        return (
            f"{drawing.ref.file}: recut asked, but the earlier cut is not whole ({missing} "
            "missing): this run cuts what is missing; ask again once it is whole"
        )
    for key in keys:
        ledger.parts[key].times += 1
    times = ledger.parts[keys[0]].times
    return f"{drawing.ref.file}: recut asked: its order is cut again (time {times})"


def plan_cut(
    ledger: JobLedger,
    drawings: list[CheckedDrawing],
    material: str,
    thickness: float,
    *,
    recut: bool = False,
) -> CutPlan:
    """Record the run's order in ``ledger`` and keep only the copies still to cut.

    A drawing whose parts are all cut is left out (named in the notes), unless the run asks to
    cut again (``recut``): then its order is cut once more. A drawing partly cut is nested for
    what is missing (the least missing of its parts: CloudNest orders by drawing, and cutting a
    part twice is worse than leaving one for the next run). When the round differs from the
    job's first (something was pushed, or a drawing was corrected), the engines work under
    ``<job> rest-<digest>``: a vendor job holding exactly this round's drawings, named after what
    it nests and what was cut before, so the same round re-run before anything of it was pushed
    finds the same vendor job, and no later round reuses it.
    """
    before = ledger.cut()
    parts = ledger_parts(drawings, material, thickness)
    notes = ledger.order(parts)
    by_name = {p.part: p.key for p in parts}
    if recut:
        notes += [_cut_again(ledger, drawing, by_name, before) for drawing in drawings]
    keep, quantities = [], {}
    for drawing in drawings:
        left = min(ledger.remaining(by_name[p.name], before) for p in drawing.parts)
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
    full = {p.key for p in parts}
    superseded = [p.key for p in ledger.parts.values() if p.superseded_by is not None]
    if not ledger.pushes and not ledger.pending and not superseded:
        engine_job = ledger.job
    else:
        state = {
            **quantities,
            **{f"cut:{key}": count for key, count in before.items()},
            **{f"times:{key}": ledger.parts[key].times for key in quantities},
        }
        engine_job = f"{ledger.job} rest-{order_digest(state)}"
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
