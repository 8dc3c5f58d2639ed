"""Every sheet identifies itself: part labels, job data in header and file name, PNG legend."""

import io
import re

import ezdxf
import pytest
from ezdxf.document import Drawing
from shapely.geometry import Point

from nestflow.geometry.layout import (
    LABEL_MIN_HEIGHT,
    LayoutInfo,
    Placement,
    SheetLayout,
    layout_file_name,
    placed_parts,
    stock_label,
    write_layout_dxf,
)
from nestflow.geometry.models import Contour, Part, Vertex
from nestflow.geometry.preview import legend_entries, part_colour

INFO = LayoutInfo(
    job="A17/2026", material="S235JR", thickness=2.5, gas="O2", sheet="sheet 1", quantity=3
)


def _read(data: bytes) -> Drawing:
    return ezdxf.read(io.StringIO(data.decode("utf-8")))


def _square(name: str, side: float) -> Part:
    corners = ((0, 0), (side, 0), (side, side), (0, side))
    outer = Contour(vertices=tuple(Vertex(x=x, y=y) for x, y in corners), closed=True)
    return Part(name=name, source=f"{name}.dxf", outer=outer)


def _labels(data: bytes) -> list:
    return list(_read(data).modelspace().query('TEXT[layer=="LABELS"]'))


def test_every_placed_part_gets_a_numbered_label_inside_it(mixed_layout: SheetLayout) -> None:
    labels = _labels(write_layout_dxf(mixed_layout))
    parts = placed_parts(mixed_layout)
    assert len(labels) == len(parts)
    for number, (label, part) in enumerate(zip(labels, parts, strict=True), start=1):
        assert label.dxf.text == f"{part.name} #{number}"
        assert label.dxf.height >= LABEL_MIN_HEIGHT
        _, point, _ = label.get_placement()
        assert part.to_shapely().contains(Point(point.x, point.y))


def test_tiny_part_gets_its_number_and_the_table_explains_it() -> None:
    layout = SheetLayout(
        name="tiny",
        sheet_length=500,
        sheet_height=300,
        placements=(
            Placement(part=_square("big-plate", 200), x=10, y=10),
            Placement(part=_square("washer-blank", 5), x=300, y=50),
        ),
    )
    labels = _labels(write_layout_dxf(layout))
    texts = [t.dxf.text for t in labels]
    assert texts[:2] == ["big-plate #1", "#2"]
    (table,) = [t for t in labels if t.dxf.text.startswith("#2 =")]
    assert table.dxf.text == "#2 = washer-blank"
    assert table.get_placement()[1].y > layout.sheet_height  # next to the sheet, not on it
    assert len(labels) == 3  # the readable label needs no table line


def test_labels_can_be_left_out(mixed_layout: SheetLayout) -> None:
    assert _labels(write_layout_dxf(mixed_layout, labels=False)) == []


def test_info_travels_in_the_header(mixed_layout: SheetLayout) -> None:
    variables = _read(write_layout_dxf(mixed_layout, info=INFO)).header.custom_vars
    assert variables.get("nestflow.job") == "A17/2026"
    assert variables.get("nestflow.material") == "S235JR"
    assert variables.get("nestflow.thickness") == "2.5"
    assert variables.get("nestflow.gas") == "O2"
    assert variables.get("nestflow.sheet") == "sheet 1"
    assert variables.get("nestflow.quantity") == "3"


def test_info_quantity_must_match_the_layout(mixed_layout: SheetLayout) -> None:
    with pytest.raises(ValueError, match="quantity"):
        write_layout_dxf(mixed_layout, info=INFO.model_copy(update={"quantity": 1}))


def test_file_name_carries_the_info_with_unsafe_characters_replaced() -> None:
    name = layout_file_name(INFO, 1)
    assert name == "A17_2026-S235JR-2.5mm-O2-sheet_1-x3-01.dxf"
    assert re.fullmatch(r"[A-Za-z0-9._+-]+", name)


def test_stock_label_names_material_thickness_and_gas_file_name_safe() -> None:
    info = INFO.model_copy(update={"material": "1.4301 / X5CrNi18-10", "gas": "N2"})
    assert stock_label(info) == "1.4301_X5CrNi18-10-2.5mm-N2"


def test_same_part_name_has_the_same_colour_in_two_layouts(
    mixed_layout: SheetLayout, bracket_part: Part
) -> None:
    other = SheetLayout(
        name="other",
        sheet_length=400,
        sheet_height=400,
        placements=(Placement(part=_square("plate", 50)), Placement(part=bracket_part, x=100)),
    )
    first = {e.name: e.colour for e in legend_entries(mixed_layout)}
    second = {e.name: e.colour for e in legend_entries(other)}
    assert first[bracket_part.name] == second[bracket_part.name] == part_colour(bracket_part.name)
    assert part_colour("plate") != part_colour(bracket_part.name)


def test_legend_lists_each_part_with_its_count(mixed_layout: SheetLayout) -> None:
    entries = legend_entries(mixed_layout)
    names = [p.part.name for p in mixed_layout.placements]
    assert [e.name for e in entries] == sorted(set(names))
    assert all(e.count == names.count(e.name) for e in entries)
