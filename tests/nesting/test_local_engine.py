"""The local engine's solve nests ordered parts with our solver into gated-ready layouts."""

from __future__ import annotations

from nestflow.engines import EngineSettings, PartOrder
from nestflow.engines.local import start_solve
from nestflow.gate import check_layouts, ordered_parts
from nestflow.geometry.models import Contour, Part, Vertex
from nestflow.stock import SheetFormat


def _plate(name: str, w: float, h: float) -> Part:
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    outer = Contour(vertices=tuple(Vertex(x=x, y=y) for x, y in corners))
    return Part(name=name, source=f"{name}.dxf", outer=outer)


def test_local_engine_places_every_ordered_part_on_the_sheet_and_passes_the_gate() -> None:
    lines = [
        PartOrder(part=_plate("a", 300, 200), quantity=3),
        PartOrder(part=_plate("b", 150, 80), quantity=4),
    ]
    sheets = [SheetFormat(name="small", length=1000, height=500, quantity=5, border_gap=10)]

    run = start_solve(lines, sheets, EngineSettings(time_s=1.0, spacing=5.0))
    run.wait_for_completion(60)
    result = run.fetch_result()

    placed = [
        p.part.name
        for layout in result.layouts
        for p in layout.placements
        for _ in range(layout.quantity)
    ]
    assert sorted(placed) == ["a"] * 3 + ["b"] * 4
    assert result.unplaced == []
    order = ordered_parts((line.part, line.quantity) for line in lines)
    assert check_layouts(result.layouts, order) == []


def test_a_part_larger_than_every_sheet_is_reported_not_dropped() -> None:
    lines = [PartOrder(part=_plate("huge", 2000, 900), quantity=1)]
    sheets = [SheetFormat(name="small", length=1000, height=500, quantity=1)]

    run = start_solve(lines, sheets, EngineSettings(time_s=1.0, spacing=5.0))
    run.wait_for_completion(60)
    result = run.fetch_result()

    assert result.layouts == []
    assert (
        len(result.unplaced) == 1 and "part 'huge' from huge.dxf not nested" in result.unplaced[0]
    )
