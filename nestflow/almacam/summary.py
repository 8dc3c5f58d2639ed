"""An AlmaCAM result in the run's report: layout rows, totals and the parts left out."""

from __future__ import annotations

from collections import Counter

from nestflow.almacam.models import FullResult, StatsResult
from nestflow.almacam.orders import OrderBundle
from nestflow.report.models import EngineSummary, LayoutRow


def almacam_summary(
    order_id: int, result: FullResult | StatsResult, bundle: OrderBundle
) -> EngineSummary:
    """Layouts and totals of an AlmaCAM result (full or stats: only part ids are needed).

    Args:
        order_id: The order's id on the service.
        result: Its result.
        bundle: The order (parts, areas and stock formats by id).

    Returns:
        One row per nesting, and a sentence per part not nested as often as ordered.
    """
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
                layout_id=f"{order_id}-{bundle.digest()[:8]}-{index}",
                name=f"Layout {index + 1}",
                sheet=sheet.name,
                sheet_length=sheet.length,
                sheet_height=sheet.height,
                quantity=nesting.quantity,
                used_length=nesting.length,
                parts=len(ids),
                part_counts=dict(Counter(bundle.index.parts[i].part.name for i in ids)),
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
