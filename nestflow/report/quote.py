"""Quote arithmetic: per sheet format and per part, sheets, areas, masses, cutting and costs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from nestflow.geometry.models import Part
from nestflow.report.cutting import (
    DEFAULT_CUTTING_TABLE,
    CostRates,
    CuttingTable,
    cut_seconds,
    part_cutting,
)
from nestflow.report.models import EngineSummary, LayoutRow, PartQuote, QuoteLine


def kilograms(area_mm2: float, thickness_mm: float, density_kg_dm3: float) -> float:
    """Mass of a flat piece: mm² x mm = mm³; kg/dm³ = 1e-6 kg/mm³.

    Args:
        area_mm2: Area of the piece, mm².
        thickness_mm: Sheet thickness, mm.
        density_kg_dm3: Material density, kg/dm³.

    Returns:
        The mass in kg.
    """
    return area_mm2 * thickness_mm * density_kg_dm3 * 1e-6


class Pricing(BaseModel):
    """What a quote is priced with: the material, the cutting table and the cost rates."""

    model_config = ConfigDict(frozen=True)

    material: str
    thickness: float = Field(gt=0, description="mm")
    gas: str
    density: float = Field(gt=0, description="kg/dm³")
    table: CuttingTable = DEFAULT_CUTTING_TABLE
    costs: CostRates = CostRates()


def quote_lines(
    engine: EngineSummary, pricing: Pricing, parts: Mapping[str, Part] | None = None
) -> list[QuoteLine]:
    """Per sheet format: sheets, used length, utilisation, masses, cutting and costs.

    Args:
        engine: The engine whose layouts are quoted.
        pricing: Material, cutting table and cost rates.
        parts: The parts' geometry by name (the layouts name their parts); parts not in it are
            listed as ``unpriced`` and add no cutting.

    Returns:
        One line per sheet format, in the order the formats first appear in the layouts.
    """
    parts = parts or {}
    rate, rate_note = pricing.table.rate_for(pricing.material, pricing.thickness, pricing.gas)
    cutting = {name: part_cutting(part) for name, part in parts.items()}
    lines = []
    for name in dict.fromkeys(row.sheet for row in engine.layouts):
        rows = [r for r in engine.layouts if r.sheet == name]
        used_area = sum(r.quantity * r.used_length * r.sheet_height for r in rows)
        parts_area = sum(r.quantity * r.parts_area for r in rows)
        copies = _copies(rows)
        priced = {p: n for p, n in copies.items() if p in cutting}
        seconds = sum(n * cut_seconds(cutting[p], rate) for p, n in priced.items())
        material_kg = kilograms(used_area, pricing.thickness, pricing.density)
        sheets_area = sum(r.quantity * r.sheet_length * r.sheet_height for r in rows)
        lines.append(
            QuoteLine(
                engine=engine.engine,
                sheet=name,
                sheets=sum(r.quantity for r in rows),
                sheets_area=sheets_area,
                used_length=sum(r.quantity * r.used_length for r in rows),
                used_area=used_area,
                parts_area=parts_area,
                material_kg=material_kg,
                sheets_kg=kilograms(sheets_area, pricing.thickness, pricing.density),
                parts_kg=kilograms(parts_area, pricing.thickness, pricing.density),
                cut_length=sum(n * cutting[p].cut_length for p, n in priced.items()),
                pierces=sum(n * cutting[p].pierces for p, n in priced.items()),
                marking_length=sum(n * cutting[p].marking_length for p, n in priced.items()),
                cut_time_s=seconds,
                sheet_cost=material_kg * pricing.costs.sheet_price_per_kg,
                machine_cost=seconds / 3600.0 * pricing.costs.machine_rate_per_hour,
                currency=pricing.costs.currency,
                rates=rate_note,
                unpriced=sorted(p for p in copies if p not in cutting),
            )
        )
    return lines


def part_quotes(
    engine: EngineSummary,
    pricing: Pricing,
    parts: Mapping[str, Part],
    lines: Iterable[QuoteLine],
) -> list[PartQuote]:
    """Per part on the engine's layouts: one copy's cutting, time, mass and cost.

    Each sheet format's cost is shared among the parts on it by net part area, so the parts'
    costs add up to the job's (:func:`quote_lines`) when every part's geometry is known.

    Args:
        engine: The engine whose layouts are quoted.
        pricing: Material, cutting table and cost rates.
        parts: The parts' geometry by name; parts not in it get no line (``QuoteLine.unpriced``
            names them).
        lines: The engine's quote per sheet format (:func:`quote_lines`), whose sheet costs
            the parts share.

    Returns:
        One quote per part, in the order the parts first appear on the layouts.
    """
    rate, _ = pricing.table.rate_for(pricing.material, pricing.thickness, pricing.gas)
    material_cost: Counter[str] = Counter()
    copies: Counter[str] = Counter()
    for line in lines:
        on_format = _copies(r for r in engine.layouts if r.sheet == line.sheet)
        per_mm2 = line.sheet_cost / line.parts_area if line.parts_area else 0.0
        for name, count in on_format.items():
            copies[name] += count
            if name in parts:
                material_cost[name] += count * parts[name].area * per_mm2
    quotes = []
    for name, count in copies.items():
        if name not in parts:
            continue
        part = parts[name]
        cutting = part_cutting(part)
        seconds = cut_seconds(cutting, rate)
        quotes.append(
            PartQuote(
                engine=engine.engine,
                part=name,
                drawing=part.source,
                copies=count,
                area=part.area,
                mass_kg=kilograms(part.area, pricing.thickness, pricing.density),
                cut_length=cutting.cut_length,
                pierces=cutting.pierces,
                marking_length=cutting.marking_length,
                cut_time_s=seconds,
                material_cost=material_cost[name] / count,
                machine_cost=seconds / 3600.0 * pricing.costs.machine_rate_per_hour,
                currency=pricing.costs.currency,
            )
        )
    return quotes


def _copies(rows: Iterable[LayoutRow]) -> Counter[str]:
    """Copies of each part on the layouts, sheets' multiplicity included."""
    copies: Counter[str] = Counter()
    for row in rows:
        for part, count in row.part_counts.items():
            copies[part] += count * row.quantity
    return copies
