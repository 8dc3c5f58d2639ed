"""Quote arithmetic: per sheet format, the sheets, used length, part area and masses."""

from __future__ import annotations

from nestflow.report.models import EngineSummary, QuoteLine


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


def quote_lines(engine: EngineSummary, thickness: float, density: float) -> list[QuoteLine]:
    """Per sheet format: sheets, used length, utilisation, part area and masses.

    Args:
        engine: The engine whose layouts are quoted.
        thickness: Sheet thickness, mm.
        density: Material density, kg/dm³.

    Returns:
        One line per sheet format, in the order the formats first appear in the layouts.
    """
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
