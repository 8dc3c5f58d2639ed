"""What a run produced, engine by engine, in figures a person compares: the run summary model.

Both engines are measured the same way: sheets cut (with multiplicity), used length up to the
straight offcut, part area, utilisation = part area / area of the sheets used, and utilisation to
the offcut = part area / (used length x sheet height), which is what tells two engines apart on a
job that fits one sheet (the rest of the sheet goes back to stock as a remnant).
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from blocks.settings import SheetFormat
from nestflow.almacam.models import FullResult, StatsResult
from nestflow.cloudnest.models import NestLayout, PartLayout
from nestflow.geometry.layout import SheetLayout
from nestflow.geometry.reader import DrawingFailure
from tasks.almacam import OrderBundle

Engine = Literal["cloudnest", "almacam", "local"]


class LayoutRow(BaseModel):
    """One distinct layout (a pattern cut on ``quantity`` identical sheets)."""

    engine: Engine
    layout_id: str = Field(description="CloudNest result GUID, or '<order id>-<index>'.")
    name: str
    sheet: str
    sheet_length: float
    sheet_height: float
    quantity: int
    used_length: float = Field(description="x of the straight vertical offcut, mm.")
    parts: int = Field(description="Parts on one sheet.")
    parts_area: float = Field(description="Net part area on one sheet, mm².")
    files: dict[str, str] = Field(default_factory=dict, description="Kind -> written path.")

    @computed_field
    @property
    def utilisation(self) -> float:
        """Share of one sheet covered by parts (0..1)."""
        return self.parts_area / (self.sheet_length * self.sheet_height)


class EngineSummary(BaseModel):
    """One engine's outcome: its layouts and totals, or why it produced none."""

    engine: Engine
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

    engine: Engine
    layout_id: str
    target: str
    quantity: int
    status: Literal["pushed", "already pushed", "failed"]
    reference: str = Field(default="", description="Production task GUID or dropped file.")
    production: str | None = None


class QuoteLine(BaseModel):
    """The quote figures of one sheet format."""

    sheet: str
    sheets: int
    used_length: float = Field(description="mm, all sheets of the format.")
    used_area: float = Field(description="mm²: used length x sheet height.")
    parts_area: float = Field(description="mm².")
    material_kg: float = Field(description="Mass of the used sheet area.")
    parts_kg: float = Field(description="Mass of the parts themselves.")

    @computed_field
    @property
    def utilisation(self) -> float:
        """Part area over the used area (0..1)."""
        return self.parts_area / self.used_area if self.used_area else 0.0


def kilograms(area_mm2: float, thickness_mm: float, density_kg_dm3: float) -> float:
    """Mass of a flat piece: mm² x mm = mm³; kg/dm³ = 1e-6 kg/mm³."""
    return area_mm2 * thickness_mm * density_kg_dm3 * 1e-6


def quote_lines(engine: EngineSummary, thickness: float, density: float) -> list[QuoteLine]:
    """Per sheet format: sheets, used length, utilisation, part area and masses."""
    lines = []
    for name in dict.fromkeys(row.sheet for row in engine.layouts):
        rows = [r for r in engine.layouts if r.sheet == name]
        used_area = sum(r.quantity * r.used_length * r.sheet_height for r in rows)
        parts_area = sum(r.quantity * r.parts_area for r in rows)
        lines.append(
            QuoteLine(
                sheet=name,
                sheets=sum(r.quantity for r in rows),
                used_length=sum(r.quantity * r.used_length for r in rows),
                used_area=used_area,
                parts_area=parts_area,
                material_kg=kilograms(used_area, thickness, density),
                parts_kg=kilograms(parts_area, thickness, density),
            )
        )
    return lines


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
    quote: list[QuoteLine] = Field(default_factory=list, description="Quote per sheet format.")
    notes: list[str] = Field(default_factory=list)
    outputs: dict[str, str] = Field(default_factory=dict, description="File -> location.")
    storage: str = ""

    @computed_field
    @property
    def recommended(self) -> str | None:
        """The engine placing every part on the fewest sheets, then the shortest used length."""
        complete = [e for e in self.engines if e.nested and not e.unplaced]
        if not complete:
            return None
        return min(complete, key=lambda e: (e.sheets, e.used_length)).engine

    def engine(self, name: Engine) -> EngineSummary | None:
        """The summary of one engine, if it ran."""
        return next((e for e in self.engines if e.engine == name), None)


# ---------------------------------------------------------------------------- sheet layouts


def layouts_summary(
    engine: Engine, reference: str, layouts: list[SheetLayout], sheet_names: dict[tuple, str]
) -> list[LayoutRow]:
    """Rows of layouts given as sheets of placed parts (the local engine)."""
    return [
        LayoutRow(
            engine=engine,
            layout_id=f"{reference}-{index}",
            name=layout.name,
            sheet=sheet_names.get((layout.sheet_length, layout.sheet_height), layout.name),
            sheet_length=layout.sheet_length,
            sheet_height=layout.sheet_height,
            quantity=layout.quantity,
            used_length=layout.used_length or layout.sheet_length,
            parts=len(layout.placements),
            parts_area=layout.parts_area,
        )
        for index, layout in enumerate(layouts)
    ]


# ------------------------------------------------------------------------------- AlmaCAM


def almacam_summary(
    order_id: int, result: FullResult | StatsResult, bundle: OrderBundle
) -> EngineSummary:
    """Layouts and totals of an AlmaCAM result (full or stats: only part ids are needed)."""
    rows = []
    placed: Counter[int] = Counter()
    for index, nesting in enumerate(result.nestings):
        sheet = bundle.sheets[nesting.sheet]
        ids = [p.id for p in nesting.nested_parts]
        for part_id in ids:
            placed[part_id] += nesting.quantity
        rows.append(
            LayoutRow(
                engine="almacam",
                layout_id=f"{order_id}-{index}",
                name=f"Layout {index + 1}",
                sheet=sheet.label,
                sheet_length=sheet.length,
                sheet_height=sheet.height,
                quantity=nesting.quantity,
                used_length=nesting.length,
                parts=len(ids),
                parts_area=sum(bundle.index.parts[i].part.area for i in ids),
            )
        )
    reasons = _unplaced_reasons(result)
    unplaced = [
        f"{entry.quantity - placed[part_id]} x {entry.label()} not nested"
        + (f": {reasons[part_id]}" if part_id in reasons else "")
        for part_id, entry in bundle.index.parts.items()
        if placed[part_id] < entry.quantity
    ]
    return EngineSummary(
        engine="almacam", reference=f"order {order_id}", layouts=rows, unplaced=unplaced
    )


def _unplaced_reasons(result: FullResult | StatsResult) -> dict[int, str]:
    """Reasons per part id when the service explains what it left out.

    Not in the vendor's documented result; the sandbox sends ``unplaced_parts`` and a real
    service adding such a field is read the same way. Absent, the counts alone are reported.
    """
    entries = (result.model_extra or {}).get("unplaced_parts") or []
    return {
        entry["id"]: str(entry["reason"])
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("id"), int) and entry.get("reason")
    }


# ------------------------------------------------------------------------------ CloudNest


def cloudnest_summary(
    job_id: int,
    layouts: list[NestLayout],
    used_lengths: dict[str, float],
    part_areas: dict[str, float],
    part_layouts: list[PartLayout],
    sheets: list[SheetFormat],
) -> EngineSummary:
    """Layouts and totals of a CloudNest nesting.

    Part areas come from our own reading of the drawings (by part name) so both engines are
    measured alike; a part CloudNest names differently falls back to CloudNest's utilisation.
    """
    rows = [
        _cloudnest_row(index, layout, used_lengths, part_areas, sheets)
        for index, layout in enumerate(layouts)
    ]
    unplaced = [
        f"{p.amount - p.nested_amount} x part '{p.part_name}' not nested"
        for p in part_layouts
        if p.nested_amount < p.amount
    ]
    return EngineSummary(
        engine="cloudnest", reference=f"job {job_id}", layouts=rows, unplaced=unplaced
    )


def _cloudnest_row(
    index: int,
    layout: NestLayout,
    used_lengths: dict[str, float],
    part_areas: dict[str, float],
    sheets: list[SheetFormat],
) -> LayoutRow:
    sheet_area = layout.width * layout.height
    if all(p.part_name in part_areas for p in layout.parts):
        area = sum(part_areas[p.part_name] for p in layout.parts)
    else:
        area = _fraction(layout.utilization) * sheet_area
    return LayoutRow(
        engine="cloudnest",
        layout_id=layout.result_guid,
        name=f"Layout {index + 1}",
        sheet=_format_name(layout, sheets),
        sheet_length=layout.width,
        sheet_height=layout.height,
        quantity=layout.amount,
        used_length=used_lengths.get(layout.result_guid, layout.width),
        parts=len(layout.parts),
        parts_area=area,
    )


def _fraction(utilization: float | None) -> float:
    """CloudNest's utilisation as a fraction, whether it came as 0..1 or as a percentage."""
    value = utilization or 0.0
    return value / 100.0 if value > 1.0 else value


def _format_name(layout: NestLayout, sheets: list[SheetFormat]) -> str:
    for sheet in sheets:
        if abs(sheet.length - layout.width) < 1e-6 and abs(sheet.height - layout.height) < 1e-6:
            return sheet.label
    return layout.plate_name
