"""An AlmaCAM result read back against its order: sheet layouts, and the gate before the machine.

A result names parts and sheets by the order's numeric ids; read with the
:class:`~nestflow.almacam.orders.OrderBundle` it becomes layouts of the parts as they were sent.
A result that names ids the order does not have (another order's result) is refused, and a full
result's layouts pass the safety gate (:mod:`nestflow.gate`) before any file of them is written.
"""

from __future__ import annotations

from nestflow.almacam.models import FullResult, StatsResult
from nestflow.almacam.orders import OrderBundle
from nestflow.gate import GateProblem, UnsafeLayouts, check_layouts, ordered_parts
from nestflow.geometry.layout import Placement, SheetLayout


def almacam_layouts(result: FullResult, bundle: OrderBundle, job_name: str) -> list[SheetLayout]:
    """The sheet layouts of an AlmaCAM full result, with the parts as they were sent.

    Args:
        result: The order's full result.
        bundle: The order it answers.
        job_name: Names the layouts (``<job_name> layout <n>``).

    Returns:
        One layout per nesting, in order.
    """
    layouts = []
    for index, nesting in enumerate(result.nestings):
        sheet = bundle.sheets[nesting.sheet]
        placements = tuple(
            Placement(
                part=bundle.index.parts[placed.id].part,
                angle=placed.angle,
                flip=placed.flip,
                x=placed.position[0],
                y=placed.position[1],
            )
            for placed in nesting.nested_parts
        )
        layouts.append(
            SheetLayout(
                name=f"{job_name} layout {index + 1}",
                sheet_length=sheet.length,
                sheet_height=sheet.height,
                used_length=min(nesting.length, sheet.length),
                placements=placements,
                quantity=nesting.quantity,
                border_gap=(sheet.border_gap,) * 4,
            )
        )
    return layouts


def unknown_references(result: FullResult | StatsResult, bundle: OrderBundle) -> list[GateProblem]:
    """Part and sheet ids of a result that this order does not have (another order's result).

    Args:
        result: A result (full or stats) read for the order.
        bundle: The order.

    Returns:
        One problem per unknown sheet id and per unknown part id of each nesting.
    """
    problems = []
    for index, nesting in enumerate(result.nestings):
        name = f"layout {index + 1}"
        if nesting.sheet not in bundle.sheets:
            problems.append(
                GateProblem(
                    layout=name,
                    rule="unknown part",
                    message=f"sheet id {nesting.sheet} is not in this order",
                )
            )
        for part_id in sorted({p.id for p in nesting.nested_parts} - set(bundle.index.parts)):
            problems.append(
                GateProblem(
                    layout=name,
                    part=f"id {part_id}",
                    rule="unknown part",
                    message="part id not in this order (the result is another order's?)",
                )
            )
    return problems


def gated_almacam_layouts(
    result: FullResult, bundle: OrderBundle, job_name: str
) -> list[SheetLayout]:
    """AlmaCAM's layouts, once they passed the safety gate.

    Args:
        result: The order's full result.
        bundle: The order it answers.
        job_name: Names the layouts.

    Returns:
        The layouts (see :func:`almacam_layouts`).

    Raises:
        UnsafeLayouts: The result names parts or sheets this order lacks, places a part off the
            sheet or over another, more often than ordered, or covers more than the sheet.
    """
    problems = unknown_references(result, bundle)
    if not problems:
        layouts = almacam_layouts(result, bundle, job_name)
        ordered = ordered_parts((e.part, e.quantity) for e in bundle.index.parts.values())
        problems = check_layouts(layouts, ordered)
    if problems:
        raise UnsafeLayouts("almacam", problems)
    return layouts
