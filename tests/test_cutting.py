"""What cutting a part takes, and a quote priced with it: lengths, pierces, time and cost."""

from __future__ import annotations

import math

import pytest

from nestflow.geometry.models import Contour, MarkText, Part, Vertex
from nestflow.report import EngineSummary, LayoutRow, Pricing, kilograms, part_quotes, quote_lines
from nestflow.report.cutting import (
    DEFAULT_CUTTING_TABLE,
    CostRates,
    CuttingRate,
    CuttingTable,
    contour_length,
    cut_seconds,
    part_cutting,
)


def rectangle(x0: float, y0: float, x1: float, y1: float) -> Contour:
    return Contour(
        vertices=(Vertex(x=x0, y=y0), Vertex(x=x1, y=y0), Vertex(x=x1, y=y1), Vertex(x=x0, y=y1))
    )


def circle(cx: float, cy: float, r: float) -> Contour:
    # two half circles: bulge 1 is a half turn
    return Contour(vertices=(Vertex(x=cx - r, y=cy, bulge=1.0), Vertex(x=cx + r, y=cy, bulge=1.0)))


def plate() -> Part:
    """A 100 x 60 plate with two 10 mm holes and one 30 mm marking line."""
    mark = Contour(vertices=(Vertex(x=10, y=50), Vertex(x=40, y=50)), closed=False)
    return Part(
        name="plate",
        source="plate.dxf",
        outer=rectangle(0, 0, 100, 60),
        holes=(circle(25, 30, 5), circle(75, 30, 5)),
        marks=(mark,),
    )


RATE = CuttingRate(
    material="S", thickness=3, gas="O2", cut_speed=3000, pierce_time=0.5, marking_speed=6000
)
PRICING = Pricing(
    material="S235JR",
    thickness=3,
    gas="O2",
    density=7.85,
    table=CuttingTable(source="test rates", rates=(RATE,)),
    costs=CostRates(currency="CHF", sheet_price_per_kg=2.0, machine_rate_per_hour=120.0),
)


def test_a_circle_is_measured_along_its_arc_not_its_chords() -> None:
    assert contour_length(circle(0, 0, 10)) == pytest.approx(2 * math.pi * 10, rel=1e-12)


def test_an_open_marking_path_has_no_closing_edge() -> None:
    assert contour_length(plate().marks[0]) == pytest.approx(30.0)


def test_a_part_is_cut_along_its_outline_and_holes_with_a_pierce_each() -> None:
    cutting = part_cutting(plate())
    assert cutting.cut_length == pytest.approx(320 + 2 * math.pi * 10)
    assert cutting.pierces == 4  # outline, two holes, one marking path
    assert cutting.marking_length == pytest.approx(30.0)


def test_engraved_text_adds_an_estimated_marking_length_but_no_pierce() -> None:
    text = MarkText(text="P-1001 REV B", x=10, y=10, height=5.0)
    engraved = plate().model_copy(update={"mark_texts": (text,)})

    with_text, without = part_cutting(engraved), part_cutting(plate())

    # ten characters besides the spaces, each about 2.5 text heights of stroke
    assert with_text.marking_length - without.marking_length == pytest.approx(10 * 2.5 * 5.0)
    assert with_text.pierces == without.pierces


def test_cut_time_is_lengths_at_their_speeds_plus_the_pierces() -> None:
    cutting = part_cutting(plate())
    expected = 60 * ((320 + 20 * math.pi) / 3000 + 30 / 6000) + 4 * 0.5
    assert cut_seconds(cutting, RATE) == pytest.approx(expected)


def test_the_cutting_table_takes_the_exact_row_and_says_so() -> None:
    row, how = DEFAULT_CUTTING_TABLE.rate_for("S235JR", 3.0, "O2")
    assert (row.material, row.thickness, row.gas) == ("S", 3, "O2")
    assert how.startswith("exact row") and DEFAULT_CUTTING_TABLE.source in how


def test_between_two_thicknesses_the_thicker_slower_row_is_taken() -> None:
    row, how = DEFAULT_CUTTING_TABLE.rate_for("S355", 4.0, "O2")
    assert row.thickness == 5 and how.startswith("nearest row")


def test_a_material_the_table_does_not_know_falls_back_to_any_row_saying_so() -> None:
    table = CuttingTable(source="shop sheet 2026", rates=(RATE,))
    row, how = table.rate_for("Titanium", 3.0, "Ar")
    assert row == RATE and "nearest row" in how and "shop sheet 2026" in how


def test_a_quote_line_adds_cutting_time_and_cost_per_sheet_format() -> None:
    row = LayoutRow(
        engine="local",
        layout_id="1-0",
        name="Layout 1",
        sheet="3000x1500",
        sheet_length=3000,
        sheet_height=1500,
        quantity=2,
        used_length=1000,
        parts=5,
        part_counts={"plate": 4, "unknown-part": 1},
        parts_area=4 * plate().area,
    )
    engine = EngineSummary(engine="local", layouts=[row])
    pricing = PRICING

    (line,) = quote_lines(engine, pricing, {"plate": plate()})

    one = part_cutting(plate())
    assert line.cut_length == pytest.approx(8 * one.cut_length)  # 4 per sheet, 2 sheets
    assert line.pierces == 8 * 4
    assert line.cut_time_s == pytest.approx(8 * cut_seconds(one, RATE))
    assert line.sheet_cost == pytest.approx(line.material_kg * 2.0)
    assert line.sheets_kg == pytest.approx(kilograms(2 * 3000 * 1500, 3, 7.85))
    assert line.material_kg == pytest.approx(kilograms(2 * 1000 * 1500, 3, 7.85))
    assert line.machine_cost == pytest.approx(line.cut_time_s / 3600 * 120.0)
    assert line.cost == pytest.approx(line.sheet_cost + line.machine_cost)
    assert line.currency == "CHF" and "test rates" in line.rates
    assert line.unpriced == ["unknown-part"]


def test_the_default_table_says_it_is_not_a_vendors() -> None:
    assert "not a vendor's table" in DEFAULT_CUTTING_TABLE.source


def test_utilisation_means_the_same_in_the_quote_as_in_the_engines_summary() -> None:
    row = LayoutRow(
        engine="almacam",
        layout_id="7-0",
        name="Layout 1",
        sheet="3000x1500",
        sheet_length=3000,
        sheet_height=1500,
        quantity=3,
        used_length=1200,
        parts=4,
        part_counts={"plate": 4},
        parts_area=4 * plate().area,
    )
    engine = EngineSummary(engine="almacam", layouts=[row])
    pricing = Pricing(material="S235JR", thickness=3, gas="O2", density=7.85)

    (line,) = quote_lines(engine, pricing, {"plate": plate()})

    assert line.engine == "almacam"
    assert line.utilisation == pytest.approx(engine.utilisation)
    assert line.utilisation_to_offcut == pytest.approx(engine.utilisation_to_offcut)
    assert line.utilisation < line.utilisation_to_offcut


def priced_job() -> tuple[EngineSummary, Pricing, dict[str, Part]]:
    """Two formats: 2 sheets of 3000 x 1500 with 4 plates each, 1 sheet of 2000 x 1000 with 3."""
    rows = [
        LayoutRow(
            engine="local",
            layout_id=f"1-{i}",
            name=f"Layout {i + 1}",
            sheet=sheet,
            sheet_length=length,
            sheet_height=height,
            quantity=quantity,
            used_length=used,
            parts=count,
            part_counts={"plate": count},
            parts_area=count * plate().area,
        )
        for i, (sheet, length, height, quantity, used, count) in enumerate(
            [("3000x1500", 3000, 1500, 2, 1000, 4), ("2000x1000", 2000, 1000, 1, 400, 3)]
        )
    ]
    return EngineSummary(engine="local", layouts=rows), PRICING, {"plate": plate()}


def test_a_part_quote_gives_one_copys_cut_length_pierces_time_and_mass() -> None:
    engine, pricing, parts = priced_job()

    (quote,) = part_quotes(engine, pricing, parts, quote_lines(engine, pricing, parts))

    one = part_cutting(plate())
    assert (quote.part, quote.drawing, quote.copies) == ("plate", "plate.dxf", 11)
    assert quote.cut_length == pytest.approx(one.cut_length)
    assert (quote.pierces, quote.marking_length) == (one.pierces, one.marking_length)
    assert quote.cut_time_s == pytest.approx(cut_seconds(one, RATE))
    assert quote.mass_kg == pytest.approx(kilograms(plate().area, 3, 7.85))
    assert quote.machine_cost == pytest.approx(quote.cut_time_s / 3600 * 120.0)
    assert quote.currency == "CHF"


def test_the_sheets_cost_is_shared_by_part_area_within_each_format() -> None:
    engine, pricing, parts = priced_job()
    big, small = quote_lines(engine, pricing, parts)

    (quote,) = part_quotes(engine, pricing, parts, [big, small])

    # 8 copies bear the big format's sheets, 3 the small one's
    assert quote.material_cost * quote.copies == pytest.approx(big.sheet_cost + small.sheet_cost)
    assert quote.total_cost == pytest.approx(big.cost + small.cost)


def test_a_part_whose_geometry_is_unknown_gets_no_part_quote() -> None:
    engine, pricing, _ = priced_job()

    assert part_quotes(engine, pricing, {}, quote_lines(engine, pricing, {})) == []
