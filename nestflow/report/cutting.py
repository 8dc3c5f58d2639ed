"""What cutting a part takes: cut length, pierces, marking length, time, and what it costs.

The figures a shop prices a job with (issue 11, item 3):

* **cut length**: the outer contour and every hole, arcs measured exactly (not their chords);
* **pierces**: one per closed contour cut (the outer contour and each hole), one per marking path;
* **marking length**: the part's marking paths (etch layers), marked, not cut through, plus an
  estimate for its engraved text (:data:`TEXT_STROKE_PER_CHARACTER` text heights a character);
* **cut time**: cut length at the cutting speed, marking length at the marking speed, plus one
  pierce time per pierce, from a :class:`CuttingTable` row for the material, thickness and gas;
* **cost**: the sheets used, by their mass and a price per kg, plus the cut time at the machine's
  hourly rate (:class:`CostRates`).

Nothing here is a vendor's figure: :data:`DEFAULT_CUTTING_TABLE` holds round values typical of a
3 kW fibre laser (its ``source`` says so); a shop replaces it with its machine's own table
(the Prefect block ``CuttingParameters`` holds one).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from nestflow.geometry.arcs import STRAIGHT, arc_of_bulge
from nestflow.geometry.models import Contour, MarkText, Part


def contour_length(contour: Contour) -> float:
    """Length of a contour in mm, arcs exact (radius x sweep), the closing edge included."""
    total = 0.0
    for start, end, bulge in contour.edges():
        if abs(bulge) < STRAIGHT:
            total += math.dist(start, end)
        else:
            arc = arc_of_bulge(start, end, bulge)
            total += arc.radius * abs(arc.sweep)
    return total


class PartCutting(BaseModel):
    """What one copy of a part takes to cut."""

    model_config = ConfigDict(frozen=True)

    part: str
    cut_length: float = Field(description="mm: outer contour and holes, arcs exact.")
    pierces: int = Field(description="One per closed contour cut and per marking path.")
    marking_length: float = Field(
        description="mm of marking paths (not cut through), engraved text estimated."
    )


#: Estimated stroke length of one engraved character, in text heights: a single-stroke engraving
#: font traces about 2-2.5 heights per character (ezdxf's outline font about 4.4-4.9, twice
#: the strokes). The real figure depends on the font the machine's CAM engraves with.
TEXT_STROKE_PER_CHARACTER = 2.5


def text_marking_length(text: MarkText) -> float:
    """Estimated mm marked to engrave one line of text (spaces cost nothing)."""
    characters = sum(1 for c in text.text if not c.isspace())
    return TEXT_STROKE_PER_CHARACTER * text.height * text.width_factor * characters


def part_cutting(part: Part) -> PartCutting:
    """The cut length, pierces and marking length of one copy of ``part``.

    The marking length adds the marking paths (exact) and the engraved text (estimated by
    :func:`text_marking_length`); engraving starts are not pierces (the beam only marks).
    """
    return PartCutting(
        part=part.name,
        cut_length=contour_length(part.outer) + sum(contour_length(h) for h in part.holes),
        pierces=1 + len(part.holes) + len(part.marks),
        marking_length=sum(contour_length(m) for m in part.marks)
        + sum(text_marking_length(t) for t in part.mark_texts),
    )


class CuttingRate(BaseModel):
    """How fast one material, thickness and gas is cut and marked."""

    model_config = ConfigDict(frozen=True)

    material: str = Field(description="Material family matched by prefix, any case ('S235').")
    thickness: float = Field(gt=0, description="mm")
    gas: str = Field(description="O2, N2 or air.")
    cut_speed: float = Field(gt=0, description="mm/min")
    pierce_time: float = Field(ge=0, description="s per pierce")
    marking_speed: float = Field(gt=0, description="mm/min")


class CuttingTable(BaseModel):
    """Cutting rates per material, thickness and gas, and where the figures come from."""

    model_config = ConfigDict(frozen=True)

    source: str = Field(min_length=1, description="Where the figures come from, said with them.")
    rates: tuple[CuttingRate, ...] = Field(min_length=1)

    def rate_for(self, material: str, thickness: float, gas: str) -> tuple[CuttingRate, str]:
        """The row for a job, and a sentence saying how it was chosen.

        Rows of the same material family (the row's ``material`` is a prefix of the job's, any
        case) and gas are preferred; among them the nearest thickness at or above the job's
        (a thicker sheet cuts slower, so the time is not underestimated), else the thickest.
        Without such rows, the gas is ignored, then the material.
        """
        candidates = (
            [r for r in self.rates if _same_family(r, material) and r.gas.lower() == gas.lower()],
            [r for r in self.rates if _same_family(r, material)],
            list(self.rates),
        )
        rows = next(group for group in candidates if group)
        above = [r for r in rows if r.thickness >= thickness - 1e-9]
        row = (
            min(above, key=lambda r: r.thickness) if above else max(rows, key=lambda r: r.thickness)
        )
        exact = (
            _same_family(row, material)
            and row.gas.lower() == gas.lower()
            and abs(row.thickness - thickness) < 1e-9
        )
        how = "exact row" if exact else "nearest row"
        return row, (
            f"{how} {row.material} {row.thickness:g} mm {row.gas} for {material} "
            f"{thickness:g} mm {gas} ({self.source})"
        )


def _same_family(row: CuttingRate, material: str) -> bool:
    return material.lower().startswith(row.material.lower())


def cut_seconds(cutting: PartCutting, rate: CuttingRate) -> float:
    """Seconds to cut one copy: cut and marking lengths at their speeds, plus the pierces."""
    moving = cutting.cut_length / rate.cut_speed + cutting.marking_length / rate.marking_speed
    return 60.0 * moving + cutting.pierces * rate.pierce_time


class CostRates(BaseModel):
    """What sheets and machine time cost."""

    model_config = ConfigDict(frozen=True)

    currency: str = "EUR"
    sheet_price_per_kg: float = Field(default=1.2, ge=0, description="Price of sheet per kg.")
    machine_rate_per_hour: float = Field(default=90.0, ge=0, description="Laser time per hour.")


#: Round figures typical of a 3 kW fibre laser; a shop's own table replaces them.
DEFAULT_CUTTING_TABLE = CuttingTable(
    source=(
        "nestflow's defaults: round figures typical of a 3 kW fibre laser, not a vendor's table; "
        "replace them with your machine's in the CuttingParameters block"
    ),
    rates=(
        CuttingRate(
            material="S",
            thickness=1,
            gas="N2",
            cut_speed=20000,
            pierce_time=0.1,
            marking_speed=30000,
        ),
        CuttingRate(
            material="S",
            thickness=2,
            gas="N2",
            cut_speed=10000,
            pierce_time=0.2,
            marking_speed=30000,
        ),
        CuttingRate(
            material="S",
            thickness=3,
            gas="O2",
            cut_speed=3600,
            pierce_time=0.5,
            marking_speed=25000,
        ),
        CuttingRate(
            material="S",
            thickness=5,
            gas="O2",
            cut_speed=2600,
            pierce_time=1.0,
            marking_speed=25000,
        ),
        CuttingRate(
            material="S",
            thickness=8,
            gas="O2",
            cut_speed=1600,
            pierce_time=2.0,
            marking_speed=20000,
        ),
        CuttingRate(
            material="S",
            thickness=12,
            gas="O2",
            cut_speed=1000,
            pierce_time=3.5,
            marking_speed=20000,
        ),
        CuttingRate(
            material="S",
            thickness=20,
            gas="O2",
            cut_speed=600,
            pierce_time=6.0,
            marking_speed=20000,
        ),
        CuttingRate(
            material="1.4",
            thickness=2,
            gas="N2",
            cut_speed=8000,
            pierce_time=0.3,
            marking_speed=30000,
        ),
        CuttingRate(
            material="1.4",
            thickness=5,
            gas="N2",
            cut_speed=2200,
            pierce_time=1.0,
            marking_speed=25000,
        ),
        CuttingRate(
            material="AL",
            thickness=3,
            gas="N2",
            cut_speed=6000,
            pierce_time=0.5,
            marking_speed=30000,
        ),
    ),
)
