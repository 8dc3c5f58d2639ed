"""Candidate part selections for filling one sheet densely (issue 23, multi-sheet optimisation).

A sheet is filled best by a few part types packed as a block (plates in a grid, bars stacked,
triangles paired) rather than by a slice of every type: the awkward mix is left for the last
sheet. Each selection here is offered to a strip solve *overfilled* (about :data:`OVERFILL`
times what one sheet holds), so the solver packs more than the sheet takes and the sheet-long
window at the start of the strip is full; its ragged edge is then topped up from the pool.
"""

from __future__ import annotations

import math

from nestflow.nesting.inputs import PreparedItem

#: Outline area offered to a strip solve for one sheet, in sheets.
OVERFILL = 1.2
#: A type makes a block candidate when its copies fill at least this share of a sheet.
BLOCK_SHARE = 0.9
#: Each type of a paired candidate fills at least this share of a sheet.
PAIR_SHARE = 0.3
#: Most single-type and paired candidates per sheet (the largest by remaining area).
MAX_SINGLES = 2
MAX_PAIRS = 1

Selection = dict[int, int]


def block_selections(
    items: list[PreparedItem], counts: Selection, capacity: float
) -> list[Selection]:
    """Selections to try on one sheet: single types, then pairs, each overfilled.

    Only types with enough copies to fill (nearly) a sheet on their own, or two types with a
    good share each, make a block; the mix of everything is the density bisection's job.

    Args:
        items: Prepared items (``shape_area`` is the solver outline area of one copy).
        counts: Remaining copies per item index (only these may be selected).
        capacity: Outline area one sheet's strip holds.

    Returns:
        Distinct selections, blocks of the types with the most remaining area first.
    """
    budget = OVERFILL * capacity
    area = {i: items[i].shape_area * n for i, n in counts.items() if n > 0}
    ranked = sorted(area, key=lambda i: -area[i])
    big = [i for i in ranked if area[i] >= BLOCK_SHARE * capacity]
    selections = [_take(items, counts, [i], budget) for i in big[:MAX_SINGLES]]
    sizeable = [i for i in ranked[:3] if area[i] >= PAIR_SHARE * capacity]
    pairs = [(a, b) for k, a in enumerate(sizeable) for b in sizeable[k + 1 :]]
    pairs = [p for p in pairs if area[p[0]] + area[p[1]] >= capacity][:MAX_PAIRS]
    selections += [_take(items, counts, list(pair), budget) for pair in pairs]
    unique: list[Selection] = []
    for selection in selections:
        if selection and selection not in unique:
            unique.append(selection)
    return unique


def _take(
    items: list[PreparedItem], counts: Selection, types: list[int], budget: float
) -> Selection:
    """Copies of ``types`` worth about ``budget`` of outline area, in proportion to what is left.

    Each type gets its share of the budget by remaining area (all its copies when that is less),
    then copies are added round-robin, largest first, while the budget allows.
    """
    total = sum(items[i].shape_area * counts[i] for i in types)
    if total <= budget:
        return {i: counts[i] for i in types if counts[i] > 0}
    fraction = budget / total
    taken = {i: math.floor(counts[i] * fraction) for i in types}
    used = sum(items[i].shape_area * n for i, n in taken.items())
    added = True
    while added:
        added = False
        for i in sorted(types, key=lambda i: -items[i].shape_area):
            if taken[i] < counts[i] and used + items[i].shape_area <= budget:
                taken[i] += 1
                used += items[i].shape_area
                added = True
    return {i: n for i, n in taken.items() if n > 0}
