"""A CloudNest nesting in the run's report: layout rows, totals and the parts left out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from nestflow.cloudnest.models import NestLayout, PartLayout
from nestflow.report.models import EngineSummary, LayoutRow
from nestflow.stock import SheetFormat


def cloudnest_summary(
    job_id: int,
    layouts: Sequence[NestLayout],
    used_lengths: Mapping[str, float],
    part_areas: Mapping[str, float],
    part_layouts: Sequence[PartLayout],
    sheets: Sequence[SheetFormat],
) -> EngineSummary:
    """Layouts and totals of a CloudNest nesting.

    Part areas come from our own reading of the drawings (by part name) so both engines are
    measured alike; a part CloudNest names differently falls back to CloudNest's utilisation.

    Args:
        job_id: The CloudNest job.
        layouts: The nesting's layouts.
        used_lengths: Result GUID -> used length read from the layout's file (else its width).
        part_areas: Part name -> net area, mm².
        part_layouts: Per part, how many were ordered and how many nested.
        sheets: The stock formats, to name each layout's sheet.

    Returns:
        One row per layout, and a sentence per part not nested as often as ordered.
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
    used_lengths: Mapping[str, float],
    part_areas: Mapping[str, float],
    sheets: Sequence[SheetFormat],
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
        part_counts=dict(Counter(part.part_name for part in layout.parts)),
        parts_area=area,
    )


def _fraction(utilization: float | None) -> float:
    """CloudNest's utilisation as a fraction, whether it came as 0..1 or as a percentage."""
    value = utilization or 0.0
    return value / 100.0 if value > 1.0 else value


def _format_name(layout: NestLayout, sheets: Sequence[SheetFormat]) -> str:
    for sheet in sheets:
        if abs(sheet.length - layout.width) < 1e-6 and abs(sheet.height - layout.height) < 1e-6:
            return sheet.label
    return layout.plate_name
