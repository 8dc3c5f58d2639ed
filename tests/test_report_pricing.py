"""A run priced for the shop: per sheet, per format and in all; rejected drawings listed missing."""

from __future__ import annotations

import io
import math

import pytest
from rich.console import Console

from nestflow.cli.terminal import print_summary
from nestflow.geometry.models import Contour, Part, Vertex
from nestflow.geometry.reader import DrawingFailure
from nestflow.report import (
    EngineSummary,
    LayoutRow,
    Pricing,
    RunSummary,
    part_rows,
    price_run,
    rejected_progress,
    report_markdown,
    sheet_report_html,
)
from nestflow.report.cutting import CostRates, CuttingRate, CuttingTable

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


def rectangle(x0: float, y0: float, x1: float, y1: float) -> Contour:
    return Contour(
        vertices=(Vertex(x=x0, y=y0), Vertex(x=x1, y=y0), Vertex(x=x1, y=y1), Vertex(x=x0, y=y1))
    )


def circle(cx: float, cy: float, r: float) -> Contour:
    return Contour(vertices=(Vertex(x=cx - r, y=cy, bulge=1.0), Vertex(x=cx + r, y=cy, bulge=1.0)))


#: A 100 x 60 plate with one 10 mm hole: 320 + 10 pi mm cut, 2 pierces.
PLATE = Part(
    name="plate", source="plate.dxf", outer=rectangle(0, 0, 100, 60), holes=(circle(50, 30, 5),)
)
#: A 40 x 40 tab: 160 mm cut, 1 pierce.
TAB = Part(name="tab", source="tab.dxf", outer=rectangle(0, 0, 40, 40))
PARTS = {"plate": PLATE, "tab": TAB}


def row(index: int, sheet: str, quantity: int, counts: dict[str, int]) -> LayoutRow:
    return LayoutRow(
        engine="local",
        layout_id=f"local-{index}",
        name=f"Layout {index + 1}",
        sheet=sheet,
        sheet_length=3000,
        sheet_height=1500,
        quantity=quantity,
        used_length=1000,
        parts=sum(counts.values()),
        part_counts=counts,
        parts_area=sum(n * PARTS[p].area for p, n in counts.items() if p in PARTS),
    )


def summary(*engines: EngineSummary, push: str = "local") -> RunSummary:
    return RunSummary(
        job_name="A17",
        mode="production",
        push_engine=push,
        material="S235JR",
        thickness=3,
        density=7.85,
        engines=list(engines),
    )


LOCAL = EngineSummary(
    engine="local",
    layouts=[
        row(0, "3000 x 1500", 2, {"plate": 3, "tab": 5}),
        row(1, "3000 x 1500", 1, {"tab": 7}),
        row(2, "2500 x 1250", 3, {"plate": 1}),
    ],
)
PLATE_CUT = 320 + 10 * math.pi


def test_each_sheet_is_priced_from_its_parts_geometry() -> None:
    priced = price_run(summary(LOCAL), "local", PRICING, PARTS).engine("local")
    assert priced is not None
    first = priced.layouts[0].cutting
    assert first is not None
    assert first.cut_length == pytest.approx(3 * PLATE_CUT + 5 * 160)
    assert first.pierces == 3 * 2 + 5 * 1
    seconds = 60 * (3 * PLATE_CUT + 5 * 160) / RATE.cut_speed + 11 * RATE.pierce_time
    assert first.cut_time_s == pytest.approx(seconds)


def test_the_sheets_add_up_to_each_formats_line_and_the_lines_to_the_total() -> None:
    run = price_run(summary(LOCAL), "local", PRICING, PARTS)
    rows = run.engine("local").layouts
    by_format = {line.sheet: line for line in run.quote}
    for name, line in by_format.items():
        mine = [r for r in rows if r.sheet == name]
        assert line.cut_length == pytest.approx(
            sum(r.quantity * r.cutting.cut_length for r in mine)
        )
        assert line.pierces == sum(r.quantity * r.cutting.pierces for r in mine)
        assert line.cut_time_s == pytest.approx(
            sum(r.quantity * r.cutting.cut_time_s for r in mine)
        )
    total = run.cutting
    assert total is not None and total.engine == "local" and total.sheets == 6
    assert total.pierces == 2 * 11 + 7 + 3 * 2
    assert total.cut_time_s == pytest.approx(sum(r.quantity * r.cutting.cut_time_s for r in rows))
    assert total.cost == pytest.approx(sum(line.cost for line in run.quote))


def test_a_part_of_unknown_geometry_is_named_on_its_sheet_and_adds_nothing() -> None:
    engine = EngineSummary(engine="local", layouts=[row(0, "3000 x 1500", 1, {"tab": 1, "x": 2})])
    cut = price_run(summary(engine), "local", PRICING, PARTS).engine("local").layouts[0].cutting
    assert cut is not None and cut.unpriced == ["x"] and cut.pierces == 1


def test_only_the_engine_priced_gets_figures() -> None:
    other = EngineSummary(engine="almacam", layouts=[row(0, "3000 x 1500", 1, {"tab": 1})])
    run = price_run(summary(LOCAL, other), "local", PRICING, PARTS)
    assert run.engine("almacam").layouts[0].cutting is None
    assert {line.engine for line in run.quote} == {"local"}


def test_an_engine_that_did_not_nest_leaves_the_run_unpriced() -> None:
    failed = EngineSummary(engine="local", status="failed", errors=["solver died"])
    run = price_run(summary(failed), "local", PRICING, PARTS)
    assert run.quote == [] and run.cutting is None


def test_the_report_has_a_row_per_layout_and_a_total_in_minutes() -> None:
    run = price_run(summary(LOCAL), "local", PRICING, PARTS)
    text = report_markdown(run).replace("\\.", ".")
    assert "## Cutting (Local solver, pushed)" in text
    total = run.cutting
    assert total is not None
    (line,) = [ln for ln in text.splitlines() if ln.startswith("| Total |")]
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[2] == "6"
    assert cells[-3:] == [
        f"{total.cut_length / 1000:.2f}",
        str(total.pierces),
        f"{total.cut_time_s / 60:.1f}",
    ]
    assert sum(ln.startswith("| Layout ") for ln in text.splitlines()) == 1 + 3  # header, layouts
    assert "timed with the exact row S 3 mm O2 for S235JR 3 mm O2 (test rates)" in text


def test_the_sheet_report_gives_each_sheets_cutting() -> None:
    run = price_run(summary(LOCAL), "local", PRICING, PARTS)
    html = sheet_report_html(run, run.engine("local"), {})
    first = run.engine("local").layouts[0].cutting
    assert first is not None
    assert (
        f"<th>Cut per sheet</th><td>{first.cut_length / 1000:,.2f} m cut, {first.pierces} "
        f"pierces, {first.cut_time_s / 60:.1f} min</td>"
    ) in html
    assert "<p>Every sheet: " in html


# ----------------------------------------------------------------- rejected drawings missing


def test_a_rejected_drawing_ordered_is_a_row_with_every_copy_missing() -> None:
    failure = DrawingFailure(file="gusset.dxf", kind="open_contour", message="open contour: gap")
    (progress,) = rejected_progress([failure], {"gusset.dxf": 4})
    assert (progress.part, progress.drawing, progress.ordered, progress.missing) == (
        "gusset",
        "gusset.dxf",
        4,
        4,
    )
    assert progress.rejected == "open_contour: open contour: gap"
    run = summary(LOCAL).model_copy(update={"parts": [progress]})
    assert part_rows(run)[1] == (
        "gusset",
        "gusset.dxf",
        "4",
        "0",
        "0",
        "4",
        "rejected (open_contour): open contour: gap",
    )


def test_a_refusal_no_order_asked_for_has_no_row_and_a_file_has_one() -> None:
    failures = [
        DrawingFailure(file="a.dxf", kind="open_contour", message="open contour"),
        DrawingFailure(file="a.dxf", kind="duplicate_name", message="another drawing is a.dxf"),
        DrawingFailure(file="b.dxf", kind="other_material", message="ordered in 1.4301"),
    ]
    rows = rejected_progress(failures, {"a.dxf": 2})
    assert [(r.drawing, r.rejected) for r in rows] == [("a.dxf", "open_contour: open contour")]


def test_the_terminal_calls_a_production_runs_priced_lines_cutting_and_a_quotes_quote() -> None:
    production = price_run(summary(LOCAL), "local", PRICING, PARTS)
    quoted = production.model_copy(update={"mode": "quote"})
    screens = {}
    for run in (production, quoted):
        screen = io.StringIO()
        print_summary(Console(file=screen, width=300), run)
        screens[run.mode] = screen.getvalue()
    assert screens["production"].count("cutting (Local solver) ") == len(production.quote) == 2
    assert "quote (" not in screens["production"]
    assert screens["quote"].count("quote (Local solver) ") == 2
