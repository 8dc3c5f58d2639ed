"""Report rows of layouts given as sheets of placed parts (the local engine)."""

from __future__ import annotations

from collections import Counter

from nestflow.geometry.layout import SheetLayout
from nestflow.report.models import EngineKey, LayoutRow


def layouts_summary(
    engine: EngineKey, reference: str, layouts: list[SheetLayout], sheet_names: dict[tuple, str]
) -> list[LayoutRow]:
    """Rows of layouts given as sheets of placed parts (the local engine).

    Args:
        engine: The engine that produced the layouts.
        reference: Prefix of each layout id (``<reference>-<index>``).
        layouts: The layouts.
        sheet_names: ``(length, height)`` -> the stock format's name; a size not in it is named
            after the layout.

    Returns:
        One row per layout, in order.
    """
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
            part_counts=dict(Counter(p.part.name for p in layout.placements)),
            parts_area=layout.parts_area,
        )
        for index, layout in enumerate(layouts)
    ]
