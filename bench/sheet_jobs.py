"""Fixed sheet-metal jobs for the nesting benchmarks (issue 23): part-in-part and generated mixes.

* :func:`part_in_part_job`: flanges with bores, washers and brackets with bolt holes; the washers
  fit in the flanges' bores.
* :func:`generated_job`: a seeded mix of rectangles, L shapes, discs and parts with holes, sized
  so the job needs about a given number of 3000 x 1500 sheets. :data:`GENERATED` fixes the five
  jobs of the benchmark (seed, parts, sheets): 50 to 400 parts, 1 to 8 sheets.

Every job: spacing 5, orientations 0/90/180/270, sheets 3000 x 1500 with a 5 mm border gap.
Only numpy-seeded numbers: the same seed gives the same job on every machine.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import Polygon

from nestflow.nesting import NestItem, NestRequest, NestSheet, Orientation

LENGTH, HEIGHT = 3000.0, 1500.0
FOUR_WAYS = [Orientation(angle=a) for a in (0, 90, 180, 270)]
#: (seed, parts, sheets the job is sized for) of the five generated jobs.
GENERATED = ((1, 50, 1), (2, 120, 2), (3, 200, 3), (4, 300, 5), (5, 400, 8))
#: Part area of a generated job: this share of its sheets, the last one counted as 60 % used.
SIZING_DENSITY = 0.72

Ring = list[tuple[float, float]]


def rect(w: float, h: float, x: float = 0.0, y: float = 0.0) -> Ring:
    """Rectangle ``w`` x ``h`` with its lower left corner at (x, y)."""
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def circle(r: float, n: int = 48, cx: float = 0.0, cy: float = 0.0) -> Ring:
    """Regular ``n``-gon of radius ``r`` centred at (cx, cy)."""
    return [
        (cx + r * math.cos(2 * math.pi * k / n), cy + r * math.sin(2 * math.pi * k / n))
        for k in range(n)
    ]


def ell(w: float, h: float, leg: float) -> Ring:
    """L shape ``w`` x ``h`` with legs ``leg`` wide."""
    return [(0, 0), (w, 0), (w, leg), (leg, leg), (leg, h), (0, h)]


def request(items: list[NestItem], sheets: int = 20) -> NestRequest:
    """The job on 3000 x 1500 sheets (border 5), ``time_limit`` set per run."""
    sheet = NestSheet(id=1, length=LENGTH, height=HEIGHT, quantity=sheets, border_gap=(5, 5, 5, 5))
    return NestRequest(items=items, sheets=[sheet], time_limit=1.0, seed=0)


def _item(k: int, outer: Ring, holes: list[Ring], quantity: int) -> NestItem:
    return NestItem(
        id=k, outer=outer, holes=holes, quantity=quantity, orientations=FOUR_WAYS, spacing=5.0
    )


def part_in_part_job() -> NestRequest:
    """Flanges r250 with a r160 bore x12, washers r70 with a r30 hole x60, brackets x30.

    The brackets are L 400 x 300 (leg 90) with two r12 bolt holes; three washers fit a bore.
    """
    bracket_holes = [circle(12, 16, 45, 200), circle(12, 16, 300, 45)]
    items = [
        _item(1, circle(250, 64), [circle(160, 48)], 12),
        _item(2, circle(70, 32), [circle(30, 24)], 60),
        _item(3, ell(400, 300, 90), bracket_holes, 30),
    ]
    return request(items)


def generated_job(seed: int, parts: int, sheets: int) -> NestRequest:
    """A seeded mix of ``parts`` copies sized to need about ``sheets`` sheets.

    3 to 7 part types, each a rectangle, an L shape, a disc, a plate with two bolt holes or a
    ring (disc with a bore); random proportions, then every dimension scaled by one factor so the
    part area is :data:`SIZING_DENSITY` of ``sheets - 0.4`` sheets. Quantities split ``parts``
    at random (each type at least 2).
    """
    rng = np.random.default_rng(seed)
    types = int(rng.integers(3, 8))
    kinds = rng.choice(["rect", "ell", "disc", "plate", "ring"], size=types)
    raw = [_raw_shape(str(kind), rng) for kind in kinds]
    shares = rng.dirichlet(np.ones(types))
    quantities = [2 + int(q) for q in np.floor(shares * (parts - 2 * types))]
    quantities[0] += parts - sum(quantities)
    area = sum(
        _net_area(outer, holes) * q for (outer, holes), q in zip(raw, quantities, strict=True)
    )
    target = SIZING_DENSITY * (sheets - 0.4) * LENGTH * HEIGHT
    scale = math.sqrt(target / area)
    items = []
    for k, ((outer, holes), quantity) in enumerate(zip(raw, quantities, strict=True)):
        items.append(
            _item(k + 1, _scaled(outer, scale), [_scaled(h, scale) for h in holes], quantity)
        )
    return request(items, sheets=sheets + 6)


def _raw_shape(kind: str, rng: np.random.Generator) -> tuple[Ring, list[Ring]]:
    """One part type before scaling: outline and holes, about 100 units across."""
    w, h = float(rng.uniform(60, 160)), float(rng.uniform(30, 100))
    if kind == "rect":
        return rect(w, h), []
    if kind == "ell":
        return ell(w, max(h, 60.0), float(rng.uniform(0.25, 0.4)) * min(w, h)), []
    r = float(rng.uniform(30, 70))
    if kind == "disc":
        return circle(r), []
    if kind == "ring":
        return circle(r), [circle(r * float(rng.uniform(0.3, 0.6)), 32)]
    hole = 0.08 * min(w, h)
    return rect(w, h), [circle(hole, 16, 2 * hole, h / 2), circle(hole, 16, w - 2 * hole, h / 2)]


def _net_area(outer: Ring, holes: list[Ring]) -> float:
    return Polygon(outer, holes).area


def _scaled(ring: Ring, factor: float) -> Ring:
    return [(round(x * factor, 3), round(y * factor, 3)) for x, y in ring]
