"""Build an AlmaCAM order from geometry parts, and keep the way back from its ids to the user's.

Each :class:`OrderLine` becomes one order part with one instance; instance ids are ``1..n`` in
line order and sheet ids ``1..m`` in stock order. The :class:`OrderIndex` returned alongside the
order maps those numbers back to part names, file names and sheet names, so that a 400 error or a
placement can be reported in the user's terms. An :class:`OrderBundle` keeps the order, its index
and the stock formats together (:func:`order_bundle` builds it from the parts as ordered), and
:func:`foreign_result_reasons` tells whether a result read under an order's id is that order's.

Every part is moved so that its bounding box starts at (0, 0) before encoding: the placement
``position`` of an unrotated copy is then the corner of its box, which makes results readable.
The shift is kept in the index (:attr:`IndexedPart.offset`) so that a placement can be applied to
the original drawing coordinates.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from nestflow.almacam.models import (
    STRIP_LENGTH,
    FullResult,
    Instance,
    Nesting,
    Order,
    Orientation,
    PartSpec,
    PunctualOrientation,
    RangeOrientation,
    Sheet,
    StatsResult,
)
from nestflow.engines.base import EngineSettings, PartOrder
from nestflow.geometry.encoding import contour_to_almacam
from nestflow.geometry.layout import Placement
from nestflow.geometry.models import Part
from nestflow.stock import SheetFormat

#: Upper bound of a free rotation: the vendor's real orders use 359.9 for "any angle".
FREE_MAX_ANGLE = 359.9


class OrderLine(BaseModel):
    """One part to nest: how many copies and how they may be turned.

    ``rotations`` is a list of allowed angles in degrees (counter-clockwise; taken modulo 360) or
    ``"free"`` for any angle. ``flip_allowed`` adds the same orientations mirrored about x.
    """

    model_config = ConfigDict(frozen=True)

    part: Part
    quantity: int = Field(default=1, ge=1)
    rotations: list[float] | Literal["free"] = Field(default_factory=lambda: [0.0])
    flip_allowed: bool = False


class OrderSheet(BaseModel):
    """One sheet format in stock.

    ``length`` is the x extent (``None`` for a strip: infinitely long), ``height`` the y extent;
    ``border_gap`` is one margin for every edge or ``(left, right, bottom, top)``.
    """

    model_config = ConfigDict(frozen=True)

    name: str = ""
    length: Annotated[float, Field(gt=0.0)] | None
    height: float = Field(gt=0.0)
    quantity: int = Field(default=1, ge=1)
    border_gap: float | tuple[float, float, float, float] = 0.0

    @field_validator("border_gap", mode="before")
    @classmethod
    def _no_gap(cls, gap: object) -> object:
        return 0.0 if gap is None else gap  # null means no border gap, as for the vendor


class IndexedPart(BaseModel):
    """What an instance id of the order stands for."""

    model_config = ConfigDict(frozen=True)

    name: str
    source: str
    quantity: int
    offset: tuple[float, float] = Field(
        description="(dx, dy) added to the drawing's coordinates to get the order's."
    )
    part: Part = Field(
        description="The part as sent: moved by ``offset``; results place this geometry."
    )

    def label(self) -> str:
        """Human name: ``part 'bracket-2' from bracket.dxf``."""
        return f"part '{self.name}' from {self.source}" if self.source else f"part '{self.name}'"


class OrderIndex(BaseModel):
    """The way back from an order's numeric ids (and JSON paths) to the user's parts and sheets."""

    model_config = ConfigDict(frozen=True)

    parts: dict[int, IndexedPart] = Field(description="Instance id -> the part it stands for.")
    part_ids: list[int] = Field(description="Instance id of each entry of the order's `parts`.")
    sheets: dict[int, str] = Field(description="Sheet id -> the stock's name.")

    def part_label(self, part_id: int) -> str:
        """Human name of an instance id; says so when the order has no such id."""
        entry = self.parts.get(part_id)
        return entry.label() if entry else f"part id {part_id} (not in this order)"

    def sheet_label(self, sheet_id: int) -> str:
        """Human name of a sheet id."""
        if sheet_id not in self.sheets:
            return f"sheet id {sheet_id} (not in this order)"
        name = self.sheets[sheet_id]
        return f"sheet '{name}'" if name else f"sheet {sheet_id}"

    def path_label(self, path: Sequence[str | int]) -> str | None:
        """The part or sheet a JSON path of the order points into (``["parts", 2, …]``), or None."""
        if len(path) < 2 or not isinstance(path[1], int):
            return None
        key, position = path[0], path[1]
        if key == "parts" and 0 <= position < len(self.part_ids):
            return self.part_label(self.part_ids[position])
        if key == "sheets":
            return self.sheet_label(position + 1)
        return None


def orientations_for(
    rotations: list[float] | Literal["free"], flip_allowed: bool
) -> list[Orientation]:
    """The order's orientations for some allowed rotations, also mirrored when flip is allowed.

    Args:
        rotations: Allowed angles in degrees (duplicates and full turns are folded) or ``"free"``.
        flip_allowed: Whether mirrored copies are allowed as well (for the vendor ``flip: true``
            means the copy *is* mirrored, so both variants are listed).

    Raises:
        ValueError: When ``rotations`` is an empty list.
    """
    flips = (False, True) if flip_allowed else (False,)
    if rotations == "free":
        return [RangeOrientation(min_angle=0.0, max_angle=FREE_MAX_ANGLE, flip=f) for f in flips]
    if not rotations:
        raise ValueError("rotations: give at least one angle, or 'free'")
    # round() first so that 360.0 - 1e-12 folds to 0 rather than to an angle the schema rejects.
    angles = sorted({round(a, 9) % 360.0 for a in rotations})
    return [PunctualOrientation(angle=a, flip=f) for f in flips for a in angles]


def _sheet(stock: OrderSheet, sheet_id: int) -> Sheet:
    gap = stock.border_gap if isinstance(stock.border_gap, float) else list(stock.border_gap)
    return Sheet(
        id=sheet_id,
        length=STRIP_LENGTH if stock.length is None else stock.length,
        height=stock.height,
        quantity=stock.quantity,
        border_gap=gap or None,
    )


def _part_spec(
    line: OrderLine, sent: IndexedPart, instance_id: int, protection_offset: float
) -> PartSpec:
    part = sent.part
    return PartSpec(
        geometry=[contour_to_almacam(part.outer)],
        holes=[contour_to_almacam(h) for h in part.holes] or None,
        instances=[
            Instance(
                id=instance_id,
                quantity=line.quantity,
                orientations=orientations_for(line.rotations, line.flip_allowed),
            )
        ],
        protection_offset=protection_offset,
    )


def _indexed(line: OrderLine) -> IndexedPart:
    box = line.part.bbox
    return IndexedPart(
        name=line.part.name,
        source=line.part.source,
        quantity=line.quantity,
        offset=(-box.min_x, -box.min_y),
        part=line.part.normalized(),
    )


def build_order(
    lines: Sequence[OrderLine],
    sheets: Sequence[OrderSheet],
    time: float,
    protection_offset: float = 0.0,
) -> tuple[Order, OrderIndex]:
    """Build the nesting order for some parts and a sheet stock.

    Args:
        lines: Parts with quantities and allowed orientations; instance ids are 1..n in this order.
        sheets: Sheet formats in stock; sheet ids are 1..m in this order.
        time: Optimisation budget in seconds (0 < time <= 300).
        protection_offset: Minimum distance every part keeps from the others (>= 0).

    Returns:
        The order and the index mapping its ids back to part names, files and sheet names.

    Raises:
        ValueError: No line or no sheet, or a value the order schema rejects (pydantic's
            ``ValidationError`` is a ``ValueError``).
    """
    if not lines:
        raise ValueError("an order needs at least one part")
    if not sheets:
        raise ValueError("an order needs at least one sheet format")
    ids = list(range(1, len(lines) + 1))
    sent = {i: _indexed(line) for line, i in zip(lines, ids, strict=True)}
    order = Order(
        parts=[
            _part_spec(line, sent[i], i, protection_offset)
            for line, i in zip(lines, ids, strict=True)
        ],
        sheets=[_sheet(stock, j) for j, stock in enumerate(sheets, start=1)],
        time=time,
    )
    index = OrderIndex(
        parts=sent,
        part_ids=ids,
        sheets={j: stock.name for j, stock in enumerate(sheets, start=1)},
    )
    return order, index


class OrderBundle(BaseModel):
    """An order with what is needed to read its results in the user's terms."""

    order: Order
    index: OrderIndex
    sheets: dict[int, SheetFormat]
    """Sheet id -> the stock format."""

    def digest(self) -> str:
        """sha256 of the order's JSON, the order's business identity."""
        payload = json.dumps(self.order.to_payload(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()


def order_bundle(
    lines: Sequence[PartOrder], sheets: Sequence[SheetFormat], settings: EngineSettings
) -> OrderBundle:
    """The order of some parts as ordered: one order part per line.

    Each part is ordered with its line's quantity, rotations and flip.

    Args:
        lines: The parts to nest (:func:`nestflow.intake.order_lines`); instance ids are 1..n
            in this order.
        sheets: The stock formats; sheet ids are 1..m in this order.
        settings: The optimisation budget (the order's ``time``) and the spacing between parts
            (its ``protection_offset``).

    Returns:
        The order, its index and the stock formats by sheet id.

    Raises:
        ValueError: No part or no sheet, or a value the order schema rejects.
    """
    order_lines = [
        OrderLine(
            part=line.part,
            quantity=line.quantity,
            rotations=list(line.rotations),
            flip_allowed=line.flip,
        )
        for line in lines
    ]
    stock = [
        OrderSheet(
            name=s.label,
            length=s.length,
            height=s.height,
            quantity=s.quantity,
            border_gap=s.border_gap,
        )
        for s in sheets
    ]
    order, index = build_order(
        order_lines, stock, settings.time_s, protection_offset=settings.spacing
    )
    return OrderBundle(order=order, index=index, sheets=dict(enumerate(sheets, start=1)))


#: Slack of the size checks of :func:`foreign_result_reasons` (mm, and a share of the length):
#: the service measures outlines it flattened, so an arc may reach a little past its ``length``.
SIZE_SLACK_MM = 1.0
SIZE_SLACK_SHARE = 0.005


def foreign_result_reasons(result: FullResult | StatsResult, bundle: OrderBundle) -> list[str]:
    """Why ``result`` cannot be this order's result (empty when it can be).

    A restarted service numbers its orders from 1 again, so an order id remembered for these
    parts may now answer with another order's result, whose ids may well be a subset of this
    order's. A result is this order's only when:

    * every sheet id and part id it names is the order's;
    * every ordered part is accounted for: placed, or listed as not nested, exactly as many
      copies as ordered (a part neither placed nor listed means the result answers other parts);
    * this order's parts, as sized in the order, fit where the result puts them: in each
      nesting, their area is at most the used area (``length`` times the sheet's height), and
      with the full view each placed outline lies within the used length and the sheet.

    A service that leaves copies out without listing them (the vendor documents no such list;
    the sandbox sends ``unplaced_parts``) makes its own result look foreign here: it is then
    submitted again rather than trusted, the safe side of a doubt.

    Args:
        result: A result (full or stats) read under the order's id.
        bundle: The order.

    Returns:
        The reasons, as sentences naming the user's parts.
    """
    reasons: list[str] = []
    placed: Counter[int] = Counter()
    for nesting in result.nestings:
        if nesting.sheet not in bundle.sheets:
            reasons.append(f"sheet id {nesting.sheet} is not in the order")
        for part in nesting.nested_parts:
            placed[part.id] += nesting.quantity
    unplaced: Counter[int] = Counter()
    for entry in (result.model_extra or {}).get("unplaced_parts") or []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), int):
            unplaced[entry["id"]] += int(entry.get("quantity", 1))
    reasons += _count_reasons(placed, unplaced, bundle.index)
    if not reasons:  # sizes only mean something once every id is known
        reasons += _size_reasons(result, bundle)
    return reasons


def _count_reasons(placed: Counter[int], unplaced: Counter[int], index: OrderIndex) -> list[str]:
    """Ids the order lacks, and ordered parts whose copies the result does not account for."""
    reasons = []
    for part_id in sorted(set(placed) | set(unplaced) | set(index.parts)):
        known = index.parts.get(part_id)
        if known is None:
            reasons.append(f"part id {part_id} is not in the order")
        elif placed[part_id] > known.quantity:
            reasons.append(
                f"{known.label()} placed {placed[part_id]} times, ordered {known.quantity}"
            )
        elif placed[part_id] + unplaced[part_id] != known.quantity:
            reasons.append(
                f"{known.label()}: ordered {known.quantity}, placed {placed[part_id]} and "
                f"{unplaced[part_id]} listed as not nested: the copies do not add up"
            )
    return reasons


def _size_reasons(result: FullResult | StatsResult, bundle: OrderBundle) -> list[str]:
    """Nestings where this order's parts, as sized in the order, cannot lie as the result says."""
    reasons = []
    parts = bundle.index.parts
    for number, nesting in enumerate(result.nestings, start=1):
        sheet = bundle.sheets[nesting.sheet]
        length = min(nesting.length, sheet.length)
        slack = SIZE_SLACK_MM + SIZE_SLACK_SHARE * length
        area = sum(parts[p.id].part.area for p in nesting.nested_parts)
        used = (length + slack) * sheet.height
        if area > used:
            reasons.append(
                f"nesting {number}: the parts it lists cover {area:,.0f} mm\u00b2 in this order, "
                f"more than its used {nesting.length:g} x {sheet.height:g} mm of sheet"
            )
            continue
        if not isinstance(nesting, Nesting):
            continue  # the stats view says which parts, not where
        for placed in nesting.nested_parts:
            box = (
                Placement(
                    part=parts[placed.id].part,
                    angle=placed.angle,
                    flip=placed.flip,
                    x=placed.position[0],
                    y=placed.position[1],
                )
                .placed_part()
                .bbox
            )
            if (
                box.min_x < -slack
                or box.min_y < -slack
                or box.max_x > length + slack
                or box.max_y > sheet.height + slack
            ):
                reasons.append(
                    f"nesting {number}: {parts[placed.id].label()} placed there would span "
                    f"x {box.min_x:.1f}..{box.max_x:.1f}, y {box.min_y:.1f}..{box.max_y:.1f} mm, "
                    f"past its used {nesting.length:g} x {sheet.height:g} mm: a part of "
                    "another size was placed there"
                )
                break
    return reasons
