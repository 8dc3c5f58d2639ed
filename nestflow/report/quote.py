"""Quote arithmetic: per sheet format and per part, sheets, areas, masses, cutting and costs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from nestflow.geometry.models import Part
from nestflow.report.cutting import (
    DEFAULT_CUTTING_TABLE,
    CostRates,
    CuttingRate,
    CuttingTable,
    PartCutting,
    cut_seconds,
    part_cutting,
)
from nestflow.report.models import (
    EngineKey,
    EngineSummary,
    LayoutRow,
    PartQuote,
    QuoteLine,
    RunSummary,
    SheetCutting,
)


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


def sheet_cutting(
    row: LayoutRow, cutting: Mapping[str, PartCutting], rate: CuttingRate
) -> SheetCutting:
    """What cutting one sheet of a layout takes: its parts' cutting, each copy once.

    Args:
        row: The layout (its parts per sheet).
        cutting: Each known part's cutting, by name (:func:`part_cutting`).
        rate: The cutting-table row that times it.

    Returns:
        The sheet's cut length, pierces, marking length and time; parts not in ``cutting`` are
        named ``unpriced`` and add nothing.
    """
    priced = {p: n for p, n in row.part_counts.items() if p in cutting}
    return SheetCutting(
        cut_length=sum(n * cutting[p].cut_length for p, n in priced.items()),
        pierces=sum(n * cutting[p].pierces for p, n in priced.items()),
        marking_length=sum(n * cutting[p].marking_length for p, n in priced.items()),
        cut_time_s=sum(n * cut_seconds(cutting[p], rate) for p, n in priced.items()),
        unpriced=sorted(p for p in row.part_counts if p not in cutting),
    )


def priced_layouts(
    engine: EngineSummary, pricing: Pricing, parts: Mapping[str, Part] | None = None
) -> EngineSummary:
    """The engine's layouts, each with what cutting one of its sheets takes (``cutting``).

    Args:
        engine: The engine whose layouts are priced.
        pricing: Material and the cutting table that times the sheets.
        parts: The parts' geometry by name; parts not in it are named ``unpriced``.

    Returns:
        The engine's summary, its rows' ``cutting`` set.
    """
    rate, _ = pricing.table.rate_for(pricing.material, pricing.thickness, pricing.gas)
    cutting = {name: part_cutting(part) for name, part in (parts or {}).items()}
    rows = [
        row.model_copy(update={"cutting": sheet_cutting(row, cutting, rate)})
        for row in engine.layouts
    ]
    return engine.model_copy(update={"layouts": rows})


def price_run(
    summary: RunSummary, engine: EngineKey, pricing: Pricing, parts: Mapping[str, Part]
) -> RunSummary:
    """The run with one engine's layouts priced: per sheet, per format, in all and per part.

    A production run prices what it cuts (the engine pushed, else the one whose sheets the
    report shows), a quote the engine it recommends; the figures of one sheet times its
    layout's quantity add up to the format's quote line, the lines to ``summary.cutting``.

    Args:
        summary: The run, its engines nested.
        engine: The engine to price; the run is returned as it is when it did not nest.
        pricing: Material, cutting table and cost rates.
        parts: The parts' geometry by name.

    Returns:
        The summary with the engine's rows' ``cutting``, ``quote`` and ``part_quotes`` set.
    """
    found = summary.engine(engine)
    if found is None or not found.nested:
        return summary
    priced = priced_layouts(found, pricing, parts)
    lines = quote_lines(priced, pricing, parts)
    engines = [priced if e.engine == engine else e for e in summary.engines]
    return summary.model_copy(
        update={
            "engines": engines,
            "quote": lines,
            "part_quotes": part_quotes(priced, pricing, parts, lines),
        }
    )


def quote_lines(
    engine: EngineSummary, pricing: Pricing, parts: Mapping[str, Part] | None = None
) -> list[QuoteLine]:
    """Per sheet format: sheets, used length, utilisation, masses, cutting and costs.

    The cutting of a format is its sheets' (:func:`sheet_cutting`) times their quantities.

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
        sheets = [(r.quantity, sheet_cutting(r, cutting, rate)) for r in rows]
        seconds = sum(n * sheet.cut_time_s for n, sheet in sheets)
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
                cut_length=sum(n * sheet.cut_length for n, sheet in sheets),
                pierces=sum(n * sheet.pierces for n, sheet in sheets),
                marking_length=sum(n * sheet.marking_length for n, sheet in sheets),
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
