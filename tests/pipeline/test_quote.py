"""Quoting reads AlmaCAM's statistics view only: figures and previews, no DXF, nothing pushed."""

from __future__ import annotations

from pathlib import Path

import pytest

from nestflow.blocks import CuttingParameters
from nestflow.cloudnest.jobs import find_job
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import DrawingSource, EngineName, MaterialSpec, Mode, NestingSettings
from nestflow.flows.quote import quote
from nestflow.report import kilograms
from nestflow.report.cutting import CostRates, CuttingRate, CuttingTable

ROOT = Path(__file__).resolve().parents[2]
MATERIAL = MaterialSpec(name="S235JR", thickness=3.0, density=7.85)
FAST = NestingSettings(time_s=2.0, spacing=5.0, max_wait_s=120.0)


@pytest.fixture
def folder(example_folder) -> Path:
    return example_folder("bracket.dxf", "flange_dn100.dxf", "slotted_plate.dxf")


def test_quote_mode_reads_stats_and_pushes_nothing(folder, pipeline_blocks, cloudnest) -> None:
    summary = nest_to_cnc(
        job_name="quote-mode",
        drawings=DrawingSource(folder=str(folder)),
        mode=Mode.QUOTE,
        material=MATERIAL,
        nesting=FAST,
        blocks=pipeline_blocks.names,
    )
    almacam = summary.engine("almacam")
    assert almacam.nested
    assert all(set(row.files) == {"png"} for row in almacam.layouts)  # no DXF from stats
    assert summary.pushes == []
    job = find_job(cloudnest, "quote-mode")
    assert cloudnest.job_plan_detail([job.job_id]) == []
    # the quote prices the recommended engine's layouts: both name the same engine
    priced = summary.engine(summary.recommended)
    assert summary.quote and {line.engine for line in summary.quote} == {summary.recommended}
    assert sum(line.sheets for line in summary.quote) == priced.sheets
    assert sum(line.utilisation * line.sheets_area for line in summary.quote) == pytest.approx(
        priced.parts_area
    )


def test_quote_flow_prices_per_sheet_format_without_cloudnest(
    folder, pipeline_blocks, cloudnest, latest_artifact
) -> None:
    summary = quote(
        job_name="quote-flow",
        drawings=DrawingSource(folder=str(folder)),
        material=MATERIAL,
        nesting=FAST,
        blocks=pipeline_blocks.names,
    )
    assert [e.engine for e in summary.engines] == ["almacam"]
    assert find_job(cloudnest, "quote-flow") is None
    (line,) = summary.quote
    assert line.parts_area == pytest.approx(summary.engine("almacam").parts_area)
    assert line.parts_kg == pytest.approx(kilograms(line.parts_area, 3.0, 7.85))
    assert line.material_kg > line.parts_kg > 0
    table = latest_artifact("nestflow-quote-flow-quote")
    assert (
        table is not None
        and "material used (kg)" in table["data"]
        and "sheets (kg)" in table["data"]
    )


def test_a_quote_by_the_local_engine_needs_no_vendor_account(folder, pipeline_blocks) -> None:
    no_vendor = pipeline_blocks.names.model_copy(
        update={"cloudnest": "never-saved", "almacam": "never-saved"}
    )
    summary = quote(
        job_name="quote-local",
        drawings=DrawingSource(folder=str(folder)),
        material=MATERIAL,
        nesting=FAST,
        blocks=no_vendor,
        engine=EngineName.LOCAL,
    )
    assert [(e.engine, e.status) for e in summary.engines] == [("local", "ok")]
    (line,) = summary.quote
    assert line.sheets == summary.engine("local").sheets
    assert line.parts_kg == pytest.approx(kilograms(line.parts_area, 3.0, 7.85))


def test_a_quote_by_an_engine_that_does_not_quote_is_refused(folder, pipeline_blocks) -> None:
    with pytest.raises(ValueError, match="cloudnest does not quote: use almacam or local"):
        quote(
            job_name="quote-cloudnest",
            drawings=DrawingSource(folder=str(folder)),
            blocks=pipeline_blocks.names,
            engine=EngineName.CLOUDNEST,
        )


def test_a_quote_prices_cutting_with_the_named_cutting_parameters(folder, pipeline_blocks) -> None:
    rates = CuttingParameters(
        table=CuttingTable(
            source="shop chart 2026-11",
            rates=(
                CuttingRate(
                    material="S",
                    thickness=3,
                    gas="O2",
                    cut_speed=3000,
                    pierce_time=1.0,
                    marking_speed=6000,
                ),
            ),
        ),
        costs=CostRates(currency="CHF", sheet_price_per_kg=2.0, machine_rate_per_hour=150.0),
    )
    rates.save("quote-test-rates", overwrite=True)
    summary = quote(
        job_name="quote-priced",
        drawings=DrawingSource(folder=str(folder)),
        material=MATERIAL,
        nesting=FAST,
        blocks=pipeline_blocks.names.model_copy(update={"cutting": "quote-test-rates"}),
        engine=EngineName.LOCAL,
    )
    (line,) = summary.quote
    assert line.cut_length > 0 and line.pierces >= len(summary.drawings) and not line.unpriced
    assert line.cut_time_s >= line.pierces * 1.0 + 60 * line.cut_length / 3000
    assert line.machine_cost == pytest.approx(line.cut_time_s / 3600 * 150.0)
    assert line.sheet_cost == pytest.approx(line.material_kg * 2.0)
    assert line.currency == "CHF" and "shop chart 2026-11" in line.rates


def test_a_quote_without_cutting_parameters_says_whose_figures_it_used(
    folder, pipeline_blocks
) -> None:
    summary = quote(
        job_name="quote-default-rates",
        drawings=DrawingSource(folder=str(folder)),
        material=MATERIAL,
        nesting=FAST,
        blocks=pipeline_blocks.names,
    )
    (line,) = summary.quote
    assert line.cut_length > 0 and line.cost > 0 and not line.unpriced
    assert "not a vendor's table" in line.rates


def test_a_quote_prices_every_part_per_copy_and_the_parts_add_up_to_the_job(
    folder, pipeline_blocks, latest_artifact
) -> None:
    summary = quote(
        job_name="quote-parts",
        drawings=DrawingSource(folder=str(folder)),
        material=MATERIAL,
        nesting=FAST,
        blocks=pipeline_blocks.names,
    )
    (line,) = summary.quote
    by_part = {q.part: q for q in summary.part_quotes}
    assert {q.drawing for q in by_part.values()} == {
        "bracket.dxf",
        "flange_dn100.dxf",
        "slotted_plate.dxf",
    }
    layouts = summary.engine("almacam").layouts
    assert sum(q.copies for q in by_part.values()) == sum(r.quantity * r.parts for r in layouts)
    assert all(q.cut_length > 0 and q.pierces >= 1 and q.mass_kg > 0 for q in by_part.values())
    assert sum(q.total_cost for q in by_part.values()) == pytest.approx(line.cost)
    assert sum(q.copies * q.mass_kg for q in by_part.values()) == pytest.approx(line.parts_kg)
    table = latest_artifact("nestflow-quote-parts-quote-parts")
    assert table is not None and "flange_dn100.dxf" in table["data"]
