"""What a run produced, engine by engine, in figures a person compares: the run summary model.

Both engines are measured the same way: sheets cut (with multiplicity), used length up to the
straight offcut, part area, utilisation = part area / area of the sheets used, and utilisation to
the offcut = part area / (used length x sheet height), which is what tells two engines apart on a
job that fits one sheet (the rest of the sheet goes back to stock as a remnant).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, computed_field

from nestflow.engines.registry import ENGINES
from nestflow.geometry.layout import LayoutInfo
from nestflow.geometry.reader import DrawingFailure


def registered_engine(name: str) -> str:
    """``name`` when it is a registered engine's.

    Raises:
        ValueError: No engine of that name is registered.
    """
    if name not in ENGINES:
        raise ValueError(f"no engine named {name!r} is registered (engines: {', '.join(ENGINES)})")
    return name


EngineKey = Annotated[str, AfterValidator(registered_engine)]
"""The name of an engine in a run's summary: one of :data:`nestflow.engines.registry.ENGINES`,
checked when a summary is made (not frozen at import: an engine module imports these models
before its plug-in's ``register`` line runs)."""


class SheetCutting(BaseModel):
    """What cutting one sheet of a layout takes (its ``quantity`` sheets are all alike)."""

    cut_length: float = Field(description="mm cut on the sheet: outer contours and holes.")
    pierces: int = Field(description="Pierces on the sheet: one per contour and marking path.")
    marking_length: float = Field(default=0.0, description="mm marked (not cut through).")
    cut_time_s: float = Field(description="Estimated laser time of the sheet, seconds.")
    unpriced: list[str] = Field(
        default_factory=list, description="Parts on the sheet whose geometry is not known."
    )


class LayoutRow(BaseModel):
    """One distinct layout (a pattern cut on ``quantity`` identical sheets)."""

    engine: EngineKey
    layout_id: str = Field(description="CloudNest result GUID, or '<order id>-<index>'.")
    name: str
    sheet: str
    sheet_length: float
    sheet_height: float
    quantity: int
    used_length: float = Field(description="x of the straight vertical offcut, mm.")
    parts: int = Field(description="Parts on one sheet.")
    part_counts: dict[str, int] = Field(
        default_factory=dict, description="Part name -> copies on one sheet."
    )
    parts_area: float = Field(description="Net part area on one sheet, mm².")
    files: dict[str, str] = Field(default_factory=dict, description="Kind -> written path.")
    drawings: dict[str, str] = Field(
        default_factory=dict, description="Part name -> file name of the drawing it is cut from."
    )
    info: LayoutInfo | None = Field(
        default=None,
        description="What the sheet is for (job, material, thickness, gas, sheet, quantity), as "
        "its DXF header and file name say; None in summaries written before it.",
    )
    cutting: SheetCutting | None = Field(
        default=None,
        description="Cut length, pierces and laser time of one sheet; None when the run did "
        "not price this engine's layouts.",
    )

    @computed_field
    @property
    def utilisation(self) -> float:
        """Share of one sheet covered by parts (0..1)."""
        return self.parts_area / (self.sheet_length * self.sheet_height)


class EngineSummary(BaseModel):
    """One engine's outcome: its layouts and totals, or why it produced none."""

    engine: EngineKey
    status: Literal["ok", "failed", "skipped"] = "ok"
    reference: str | None = Field(default=None, description="CloudNest job or AlmaCAM order.")
    errors: list[str] = Field(default_factory=list)
    layouts: list[LayoutRow] = Field(default_factory=list)
    unplaced: list[str] = Field(default_factory=list)

    @computed_field
    @property
    def sheets(self) -> int:
        """Sheets to cut, every layout counted with its multiplicity."""
        return sum(row.quantity for row in self.layouts)

    @computed_field
    @property
    def used_length(self) -> float:
        """Total used length over all sheets, mm."""
        return sum(row.quantity * row.used_length for row in self.layouts)

    @computed_field
    @property
    def parts_area(self) -> float:
        """Total part area nested, mm²."""
        return sum(row.quantity * row.parts_area for row in self.layouts)

    @computed_field
    @property
    def utilisation(self) -> float:
        """Part area over the area of the sheets used (0..1); 0 without layouts."""
        area = sum(row.quantity * row.sheet_length * row.sheet_height for row in self.layouts)
        return self.parts_area / area if area else 0.0

    @computed_field
    @property
    def utilisation_to_offcut(self) -> float:
        """Part area over the used area, each sheet measured up to its offcut (0..1)."""
        area = sum(row.quantity * row.used_length * row.sheet_height for row in self.layouts)
        return self.parts_area / area if area else 0.0

    @property
    def nested(self) -> bool:
        """True when the engine produced at least one layout."""
        return self.status == "ok" and bool(self.layouts)


class PushRecord(BaseModel):
    """One layout sent (or found already sent) to the machine."""

    engine: EngineKey
    layout_id: str
    target: str
    quantity: int
    status: Literal["pushed", "already pushed", "failed"]
    reference: str = Field(default="", description="Production task GUID or dropped file.")
    production: str | None = None


class PartProgress(BaseModel):
    """Where one ordered part of the job stands after the run (from the job ledger)."""

    part: str
    drawing: str = Field(description="File name of the drawing it is cut from.")
    sha256: str = Field(description="sha256 of the drawing's checked bytes.")
    ordered: int
    already_cut: int = Field(description="Pushed to a machine by earlier runs.")
    cut_now: int = Field(description="Pushed by this run.")
    superseded: bool = Field(
        default=False, description="A corrected drawing of the same name replaced it."
    )
    rejected: str | None = Field(
        default=None,
        description="Why the check refused the drawing (``kind: message``): no copy of it is "
        "nested or cut until it is fixed; None for a drawing read.",
    )

    @computed_field
    @property
    def missing(self) -> int:
        """Copies still to cut (0 for a superseded drawing: its replacement is cut instead)."""
        if self.superseded:
            return 0
        return max(0, self.ordered - self.already_cut - self.cut_now)

    @classmethod
    def of_rejected(cls, failure: DrawingFailure, ordered: int) -> PartProgress:
        """The row of a drawing the check refused: every ordered copy missing, and why.

        Its parts were never read, so the row is named after the drawing's file (its stem).

        Args:
            failure: Why the drawing was refused.
            ordered: Copies its order line (or the run's default) asks for.
        """
        return cls(
            part=PurePath(failure.file).stem or failure.file,
            drawing=failure.file,
            sha256="",
            ordered=ordered,
            already_cut=0,
            cut_now=0,
            rejected=f"{failure.kind}: {failure.message}",
        )


def rejected_progress(
    failures: Iterable[DrawingFailure], ordered: Mapping[str, int]
) -> list[PartProgress]:
    """The rows of the rejected drawings that were ordered (``ordered``: file -> copies).

    A failure of a file no order line asked for (a refused line) has no row, and a file has
    one row whatever else was refused under its name (a duplicate).
    """
    rows: dict[str, PartProgress] = {}
    for failure in failures:
        if failure.file in ordered and failure.file not in rows:
            rows[failure.file] = PartProgress.of_rejected(failure, ordered[failure.file])
    return list(rows.values())


class QuoteLine(BaseModel):
    """The quote figures of one sheet format, from one engine's layouts."""

    engine: EngineKey | None = Field(default=None, description="Whose layouts are priced.")
    sheet: str
    sheets: int
    sheets_area: float = Field(default=0.0, description="mm²: the whole sheets used.")
    used_length: float = Field(description="mm, all sheets of the format.")
    used_area: float = Field(description="mm²: used length x sheet height.")
    parts_area: float = Field(description="mm².")
    material_kg: float = Field(
        description="Mass of the used sheet area (up to the offcut): what the sheet cost prices."
    )
    sheets_kg: float = Field(default=0.0, description="Mass of the whole sheets used.")
    parts_kg: float = Field(description="Mass of the parts themselves.")
    cut_length: float = Field(default=0.0, description="mm cut: outer contours and holes.")
    pierces: int = Field(default=0, description="Pierces: one per contour and marking path.")
    marking_length: float = Field(default=0.0, description="mm marked (not cut through).")
    cut_time_s: float = Field(default=0.0, description="Estimated laser time, seconds.")
    sheet_cost: float = Field(default=0.0, description="Used sheet mass x price per kg.")
    machine_cost: float = Field(default=0.0, description="Laser time x hourly rate.")
    currency: str = "EUR"
    rates: str = Field(default="", description="Which cutting-table row timed it, and its source.")
    unpriced: list[str] = Field(
        default_factory=list, description="Parts on the layouts whose geometry is not known."
    )

    @computed_field
    @property
    def utilisation(self) -> float:
        """Part area over the area of the sheets used (0..1): the engines' ``utilisation``."""
        return self.parts_area / self.sheets_area if self.sheets_area else 0.0

    @computed_field
    @property
    def utilisation_to_offcut(self) -> float:
        """Part area over the used area, up to the offcut (0..1): the engines' figure too."""
        return self.parts_area / self.used_area if self.used_area else 0.0

    @computed_field
    @property
    def cost(self) -> float:
        """Sheet cost plus machine cost, in ``currency``."""
        return self.sheet_cost + self.machine_cost


class CuttingTotal(BaseModel):
    """What cutting every sheet of the priced layouts takes: the run's quote lines added up."""

    engine: EngineKey | None = Field(default=None, description="Whose layouts are priced.")
    sheets: int
    cut_length: float = Field(description="mm, every sheet.")
    pierces: int
    marking_length: float = Field(description="mm, every sheet.")
    cut_time_s: float = Field(description="Estimated laser time of every sheet, seconds.")
    machine_cost: float = Field(description="Laser time x hourly rate.")
    cost: float = Field(description="Sheets and laser time.")
    currency: str = "EUR"
    rates: str = Field(default="", description="Which cutting-table row timed it, and its source.")

    @classmethod
    def of(cls, lines: list[QuoteLine]) -> CuttingTotal | None:
        """The sum of the quote lines (one per sheet format); None without lines."""
        if not lines:
            return None
        return cls(
            engine=lines[0].engine,
            sheets=sum(line.sheets for line in lines),
            cut_length=sum(line.cut_length for line in lines),
            pierces=sum(line.pierces for line in lines),
            marking_length=sum(line.marking_length for line in lines),
            cut_time_s=sum(line.cut_time_s for line in lines),
            machine_cost=sum(line.machine_cost for line in lines),
            cost=sum(line.cost for line in lines),
            currency=lines[0].currency,
            rates=lines[0].rates,
        )


class PartQuote(BaseModel):
    """What one copy of a part takes and costs, and how many copies the layouts hold.

    The sheets' cost is shared by net part area within each sheet format (a part on a dearer
    format bears more of it); the machine time is the part's own.
    """

    engine: EngineKey | None = Field(default=None, description="Whose layouts are priced.")
    part: str
    drawing: str = Field(description="File the part was read from.")
    copies: int = Field(description="Copies on the priced layouts.")
    area: float = Field(description="mm², net of holes, one copy.")
    mass_kg: float = Field(description="One copy.")
    cut_length: float = Field(description="mm, one copy: outer contour and holes, arcs exact.")
    pierces: int = Field(description="One copy.")
    marking_length: float = Field(description="mm, one copy.")
    cut_time_s: float = Field(description="Estimated laser time of one copy, seconds.")
    material_cost: float = Field(description="One copy's share of the sheets' cost.")
    machine_cost: float = Field(description="One copy's laser time x hourly rate.")
    currency: str = "EUR"

    @computed_field
    @property
    def cost(self) -> float:
        """Material share plus machine cost of one copy, in ``currency``."""
        return self.material_cost + self.machine_cost

    @computed_field
    @property
    def total_cost(self) -> float:
        """The cost of every copy on the layouts, in ``currency``."""
        return self.cost * self.copies


class EngineDifference(BaseModel):
    """How much more one engine's layouts take than another's (negative: less)."""

    engine: EngineKey = Field(description="The engine compared (the one pushed).")
    against: EngineKey = Field(description="The engine it is compared with (the recommended).")
    sheets: int = Field(description="Sheets more to cut.")
    used_length: float = Field(description="mm of used length more, over all sheets.")
    utilisation: float = Field(description="Utilisation difference (0..1 scale).")
    utilisation_to_offcut: float = Field(description="Utilisation to the offcut difference.")

    @classmethod
    def between(cls, engine: EngineSummary, against: EngineSummary) -> EngineDifference:
        """``engine``'s figures minus ``against``'s."""
        return cls(
            engine=engine.engine,
            against=against.engine,
            sheets=engine.sheets - against.sheets,
            used_length=engine.used_length - against.used_length,
            utilisation=engine.utilisation - against.utilisation,
            utilisation_to_offcut=engine.utilisation_to_offcut - against.utilisation_to_offcut,
        )


class RunSummary(BaseModel):
    """Everything one run did, written as ``summary.json`` and shown as artifacts."""

    job_name: str
    mode: str
    push_engine: str
    material: str
    thickness: float
    density: float
    drawings: list[str] = Field(default_factory=list, description="Drawings nested.")
    rejected: list[DrawingFailure] = Field(default_factory=list)
    engines: list[EngineSummary] = Field(default_factory=list)
    pushes: list[PushRecord] = Field(default_factory=list)
    pushes_in_doubt: list[str] = Field(
        default_factory=list,
        description="Pushes an earlier, stopped run sent and nobody can tell landed: the run "
        "stopped before nesting.",
    )
    quote: list[QuoteLine] = Field(default_factory=list, description="Quote per sheet format.")
    part_quotes: list[PartQuote] = Field(
        default_factory=list, description="Quote per part: one copy's cutting, mass and cost."
    )
    parts: list[PartProgress] = Field(
        default_factory=list, description="Ordered / already cut / cut now / missing per part."
    )
    warnings: list[str] = Field(
        default_factory=list, description="Reader and intake warnings, naming file and part."
    )
    notes: list[str] = Field(default_factory=list)
    outputs: dict[str, str] = Field(default_factory=dict, description="File -> location.")
    storage: str = ""

    @computed_field
    @property
    def cutting(self) -> CuttingTotal | None:
        """Cut length, pierces, laser time and cost of every sheet priced (the quote's sum)."""
        return CuttingTotal.of(self.quote)

    @computed_field
    @property
    def recommended(self) -> str | None:
        """The engine placing every part on the fewest sheets, then the shortest used length."""
        complete = [e for e in self.engines if e.nested and not e.unplaced]
        if not complete:
            return None
        return min(complete, key=lambda e: (e.sheets, e.used_length)).engine

    @computed_field
    @property
    def push_difference(self) -> EngineDifference | None:
        """How the pushed engine's layouts compare with the recommended one's (None: the same)."""
        pushed = self.engine(self.push_engine)
        recommended = self.engine(self.recommended) if self.recommended else None
        if pushed is None or recommended is None or pushed is recommended or not pushed.nested:
            return None
        return EngineDifference.between(pushed, recommended)

    def engine(self, name: EngineKey) -> EngineSummary | None:
        """The summary of one engine, if it ran."""
        return next((e for e in self.engines if e.engine == name), None)
