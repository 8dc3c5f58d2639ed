"""CloudNest's layout files through the safety gate before anything of them reaches the machine.

CloudNest describes a layout by its file (what the machine cuts) and the names of the parts on
it; the gate checks the file's outlines against the order (see :mod:`nestflow.gate`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shapely.geometry import Polygon

from nestflow.cloudnest.models import NestLayout
from nestflow.engines.base import PartOrder
from nestflow.gate import DxfLayout, UnsafeLayouts, check_dxf_layouts, ordered_parts
from nestflow.geometry.layout import SheetLayout
from nestflow.stock import SheetFormat


def gate_cloudnest_layouts(
    layouts: Sequence[NestLayout],
    outlines: Mapping[str, Sequence[Polygon]],
    lines: Sequence[PartOrder],
    sheets: Sequence[SheetFormat],
) -> None:
    """Pass CloudNest's layout files through the safety gate.

    Args:
        layouts: The nesting's layouts.
        outlines: Result GUID -> the part outlines read from the layout's file
            (:func:`nestflow.gate.dxf_outlines`); a layout without outlines fails the gate.
        lines: The parts ordered, with their quantities
            (:func:`nestflow.intake.order_lines`).
        sheets: The stock formats, for each layout's border gap (0 for a size not in stock).

    Raises:
        UnsafeLayouts: A file is missing, or holds parts off the sheet, overlapping, not the
            ones it names, or more than ordered.
    """
    ordered = ordered_parts((line.part, line.quantity) for line in lines)
    files = []
    for index, layout in enumerate(layouts):
        gap = next(
            (
                s.border_gap
                for s in sheets
                if abs(s.length - layout.width) < 1e-6 and abs(s.height - layout.height) < 1e-6
            ),
            0.0,
        )
        sheet = SheetLayout(
            name=f"Layout {index + 1} ({layout.result_guid})",
            sheet_length=layout.width,
            sheet_height=layout.height,
            quantity=layout.amount,
            border_gap=(gap,) * 4,
        )
        names = tuple(p.part_name for p in layout.parts)
        shapes = tuple(outlines.get(layout.result_guid, ()))
        files.append(DxfLayout(sheet=sheet, outlines=shapes, names=names))
    problems = check_dxf_layouts(files, ordered)
    if problems:
        raise UnsafeLayouts("cloudnest", problems)
