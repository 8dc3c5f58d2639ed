"""Request and result models of the nesting solver (pydantic v2).

Coordinates are millimetres. An item is given in its own coordinates; every placement transform is
about the item's own (0, 0): rotate counter-clockwise by ``angle`` degrees, then mirror about the x
axis when ``flip`` is set, then translate by ``(x, y)`` (AlmaCAM's rule).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

Point = tuple[float, float]


class Orientation(BaseModel):
    """One allowed pose of an item: rotation in degrees CCW, then an optional mirror about x."""

    model_config = ConfigDict(frozen=True)

    angle: float = 0.0
    flip: bool = False


class NestItem(BaseModel):
    """A part to nest ``quantity`` times.

    ``spacing`` is the protection offset: the placed outline keeps at least
    ``max(spacing of this item, spacing of the other item)`` from every other placed item and at
    least its own spacing from sheet defects. Distance to the sheet edge is governed by the
    sheet's ``border_gap`` alone.
    """

    id: int
    outer: list[Point]
    holes: list[list[Point]] = Field(default_factory=list)
    quantity: int = 1
    orientations: list[Orientation] = Field(default_factory=lambda: [Orientation()])
    spacing: float = 0.0


class NestSheet(BaseModel):
    """A sheet format: ``quantity`` identical sheets of ``length`` x ``height``.

    ``length=None`` is a strip (infinite length): its nesting's length is the used length.
    ``border_gap`` is the margin per side as (left, right, bottom, top). ``defects`` are polygons
    in sheet coordinates where no part may lie.
    """

    id: int
    length: float | None
    height: float
    quantity: int = 1
    border_gap: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    defects: list[list[Point]] = Field(default_factory=list)


class NestRequest(BaseModel):
    """Everything one solve needs. ``time_limit`` is the overall budget in seconds.

    ``part_in_part`` lets smaller items be nested inside the holes of larger ones (each keeping
    its spacing from the hole edge and from its neighbours).
    """

    items: list[NestItem]
    sheets: list[NestSheet]
    time_limit: float
    seed: int | None = None
    part_in_part: bool = True


class ItemPlacement(BaseModel):
    """Where one copy of an item lies on the sheet.

    placed geometry = translate(mirror_x_if_flip(rotate(item, angle about (0, 0))), (x, y))
    """

    item_id: int
    angle: float
    flip: bool
    x: float
    y: float


class SolverLayout(BaseModel):
    """One sheet layout, cut ``quantity`` times (pattern multiplicity).

    ``length`` is the used length up to a straight vertical offcut: the largest x of the placed
    parts plus that part's spacing (so cutting the offcut never touches a part), capped at the
    sheet length, in sheet coordinates (so it includes the left border gap). ``height`` is the
    sheet height (indicative).
    """

    sheet_id: int
    quantity: int
    length: float
    height: float
    placements: list[ItemPlacement]


class Unplaced(BaseModel):
    """Copies of an item that were not nested, with a reason a person can act on."""

    item_id: int
    count: int
    reason: str


class NestResult(BaseModel):
    """Layouts plus every copy that could not be placed (nothing is dropped silently)."""

    nestings: list[SolverLayout]
    unplaced: list[Unplaced]
