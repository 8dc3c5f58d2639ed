"""Engine figures: both utilisations, counted with each layout's multiplicity."""

import pytest

from nestflow.report import EngineSummary, LayoutRow


def row(quantity: int, used_length: float, parts_area: float) -> LayoutRow:
    return LayoutRow(
        engine="almacam",
        layout_id=f"1-{quantity}",
        name="layout",
        sheet="3000 x 1500",
        sheet_length=3000,
        sheet_height=1500,
        quantity=quantity,
        used_length=used_length,
        parts=10,
        parts_area=parts_area,
    )


def test_utilisation_counts_whole_sheets_and_utilisation_to_offcut_the_used_length() -> None:
    engine = EngineSummary(
        engine="almacam", layouts=[row(2, 3000, 3_600_000), row(1, 1000, 1_200_000)]
    )
    parts = 2 * 3_600_000 + 1_200_000
    assert engine.utilisation == pytest.approx(parts / (3 * 3000 * 1500))
    assert engine.utilisation_to_offcut == pytest.approx(parts / ((2 * 3000 + 1000) * 1500))


def test_an_engine_without_layouts_has_zero_utilisation() -> None:
    engine = EngineSummary(engine="cloudnest", status="failed")
    assert engine.utilisation == 0.0 and engine.utilisation_to_offcut == 0.0
