"""Every sheet identifies itself: names, DXF header, pick list, sheet report, pictures, report."""

from __future__ import annotations

import base64
import csv
import io
import re

import ezdxf
import pytest
from PIL import Image
from rich.console import Console
from shapely.geometry import box

from nestflow.cli.terminal import print_summary
from nestflow.engines.results import cut_list
from nestflow.gate import dxf_outlines
from nestflow.geometry.layout import (
    LayoutInfo,
    SheetLayout,
    header_properties,
    layout_file_name,
    write_layout_dxf,
)
from nestflow.geometry.preview import render_layout_png
from nestflow.report import (
    MAX_PICTURES,
    EngineSummary,
    LayoutRow,
    RunSummary,
    layout_file,
    outline_sheet,
    pick_list_csv,
    png_data_uri,
    report_markdown,
    sheet_report_html,
    sheets_engine,
    tag_dxf_header,
    thumbnail_png,
)

INFO = LayoutInfo(
    job="A17", material="S235JR", thickness=2.0, gas="O2", sheet="3000x1500", quantity=3
)


def _row(engine: str = "local", index: int = 0, **update: object) -> LayoutRow:
    row = LayoutRow(
        engine=engine,
        layout_id=f"{engine}-{index}",
        name=f"Layout {index + 1}",
        sheet="3000x1500",
        sheet_length=3000.0,
        sheet_height=1500.0,
        quantity=3,
        used_length=1200.0,
        parts=5,
        part_counts={"bracket": 2, "flange": 3},
        parts_area=900_000.0,
        drawings={"bracket": "bracket.dxf", "flange": "flange_dn100.dxf"},
        info=INFO,
        files={"dxf": "/out/A17/local/layout.dxf"},
    )
    return row.model_copy(update=update)


def _summary(push: str = "none", **engines: list[LayoutRow]) -> RunSummary:
    return RunSummary(
        job_name="A17",
        mode="production",
        push_engine=push,
        material="S235JR",
        thickness=2.0,
        density=7.85,
        engines=[EngineSummary(engine=name, layouts=rows) for name, rows in engines.items()],
    )


def _png(colour: str = "red", size: tuple[int, int] = (1600, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


# ------------------------------------------------------------------------------ file names


def test_a_layouts_files_are_named_after_what_the_sheet_is() -> None:
    assert layout_file("local", _row(), 0, "dxf") == "local/A17-S235JR-2mm-O2-3000x1500-x3-01.dxf"
    assert layout_file("local", _row(), 1, "png").endswith("-x3-02.png")


def test_a_row_of_an_old_summary_keeps_the_plain_layout_name() -> None:
    assert layout_file("almacam", _row(info=None), 0, "png") == "almacam/layout-01.png"


def test_a_summary_json_written_before_sheet_info_still_loads() -> None:
    old = _row().model_dump(mode="json")
    del old["info"], old["drawings"]
    assert LayoutRow.model_validate(old).info is None


def test_push_identity_does_not_depend_on_output_names() -> None:
    """A job pushed under the old names is recognised: identity is engine, round and layout id."""
    named = EngineSummary(engine="local", layouts=[_row()])
    plain = EngineSummary(engine="local", layouts=[_row(info=None)])
    new_files = {"local/A17-S235JR-2mm-O2-3000x1500-x3-01.dxf": b"new"}
    (new,) = cut_list(named, "A17", new_files)
    (old,) = cut_list(plain, "A17", {"local/layout-01.dxf": b"old"})
    assert new.dxf == b"new" and old.dxf == b"old"
    assert (new.engine, new.round, new.layout_id) == (old.engine, old.round, old.layout_id)


def test_the_machine_file_name_says_the_material_thickness_and_gas_to_load() -> None:
    (layout,) = cut_list(EngineSummary(engine="local", layouts=[_row()]), "A17", {})
    assert re.fullmatch(r"a17-local-layout-01-[0-9a-f]{6}-x3-S235JR-2mm-O2\.dxf", layout.file_name)


def test_a_layout_of_an_old_summary_goes_to_the_machine_under_its_old_name() -> None:
    (layout,) = cut_list(EngineSummary(engine="local", layouts=[_row(info=None)]), "A17", {})
    assert re.fullmatch(r"a17-local-layout-01-[0-9a-f]{6}-x3\.dxf", layout.file_name)


# ------------------------------------------------------------------------- DXF header


def _custom_vars(dxf: bytes) -> dict[str, str]:
    doc = ezdxf.read(io.StringIO(dxf.decode("utf-8")))
    return dict(doc.header.custom_vars)


def test_header_properties_are_those_write_layout_dxf_writes() -> None:
    layout = SheetLayout(name="L1", sheet_length=3000, sheet_height=1500, quantity=3)
    written = _custom_vars(write_layout_dxf(layout, info=INFO))
    assert header_properties(INFO).items() <= written.items()


def test_a_vendor_dxf_gets_the_info_in_its_header_and_keeps_every_entity_byte() -> None:
    vendor = ezdxf.new("R2010")
    vendor.modelspace().add_lwpolyline([(0, 0), (100, 0), (100, 50)], close=True)
    vendor.modelspace().add_circle((200, 200), 20)
    stream = io.StringIO()
    vendor.write(stream)
    original = stream.getvalue().encode("utf-8")

    tagged = tag_dxf_header(original, INFO.model_copy(update={"job": "Früh-Auftrag"}))

    assert tagged is not None
    assert _custom_vars(tagged)["nestflow.job"] == "Früh-Auftrag"
    assert _custom_vars(tagged)["nestflow.gas"] == "O2"
    entities = original.index(b"ENTITIES")
    assert tagged.endswith(original[entities - 200 :])  # everything after the header unchanged
    assert [o.area for o in dxf_outlines(tagged)] == [o.area for o in dxf_outlines(original)]


def test_a_dxf_too_old_for_custom_properties_is_left_as_it_is() -> None:
    stream = io.StringIO()
    ezdxf.new("R12").write(stream)
    assert tag_dxf_header(stream.getvalue().encode(), INFO) is None


# ----------------------------------------------------------------- pick list and report


def test_the_pick_list_has_a_row_per_layout_and_part_with_counts_and_drawings() -> None:
    summary = _summary(
        local=[_row(), _row(index=1, quantity=2, info=INFO.model_copy(update={"quantity": 2}))]
    )
    rows = list(csv.DictReader(io.StringIO(pick_list_csv(summary, summary.engines[0]))))
    assert [(r["layout"], r["part"], r["per sheet"], r["total"]) for r in rows] == [
        ("1", "bracket", "2", "6"),
        ("1", "flange", "3", "9"),
        ("2", "bracket", "2", "4"),
        ("2", "flange", "3", "6"),
    ]
    first = rows[0]
    assert (first["job"], first["material"], first["thickness (mm)"], first["gas"]) == (
        "A17",
        "S235JR",
        "2",
        "O2",
    )
    assert (first["sheet format"], first["sheets"], first["drawing"]) == (
        "3000x1500",
        "3",
        "bracket.dxf",
    )
    assert first["file"] == "local/A17-S235JR-2mm-O2-3000x1500-x3-01.dxf"


def test_the_sheet_report_embeds_each_picture_and_breaks_the_page_per_layout() -> None:
    summary = _summary(local=[_row(), _row(index=1)])
    picture = _png()
    html = sheet_report_html(summary, summary.engines[0], {0: picture})
    (embedded,) = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert base64.b64decode(embedded) == picture
    assert html.count('<section class="sheet">') == 2
    assert "No picture of this layout" in html  # the second layout has none
    assert "page-break-after: always" in html and "@media print" in html
    assert "flange_dn100.dxf" in html and "O2" in html and "3000x1500" in html


def test_the_sheet_report_escapes_every_name_from_the_run() -> None:
    row = _row(part_counts={"<script>x</script>": 1}, drawings={"<script>x</script>": "a&b.dxf"})
    summary = _summary(local=[row])
    html = sheet_report_html(summary, summary.engines[0], {})
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "a&amp;b.dxf" in html


def test_the_sheets_are_the_pushed_engines_else_the_recommended_ones() -> None:
    fewer = [_row("almacam", quantity=1, info=INFO.model_copy(update={"quantity": 1}))]
    assert sheets_engine(_summary(local=[_row()], almacam=fewer)).engine == "almacam"
    pushed = _summary(push="local", local=[_row()], almacam=fewer)
    assert sheets_engine(pushed).engine == "local"


# ------------------------------------------------------------------ pictures and report


def test_a_thumbnail_is_a_small_png_at_most_600_px_wide() -> None:
    layout = SheetLayout(name="L1", sheet_length=3000, sheet_height=1500)
    thumb = thumbnail_png(render_layout_png(layout))
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.format == "PNG" and max(image.size) == 600
    assert len(thumb) < 40_000


def test_a_vendors_outlines_are_drawn_as_the_parts_whose_area_they_have() -> None:
    sheet = SheetLayout(name="L1", sheet_length=1000, sheet_height=500)
    outlines = [box(0, 0, 100, 50), box(200, 0, 300, 50), box(400, 0, 420, 20)]
    drawn = outline_sheet(sheet, outlines, {"plate": 2, "tab": 1}, {"plate": 5000, "tab": 400})
    assert [p.part.name for p in drawn.placements] == ["plate", "plate", "tab"]
    assert drawn.placements[0].part.area == pytest.approx(5000)
    assert render_layout_png(drawn).startswith(b"\x89PNG")


def test_the_report_shows_the_sheets_pictures_inline_and_says_how_many_more() -> None:
    rows = [_row(index=i) for i in range(MAX_PICTURES + 2)]
    summary = _summary(local=rows)
    pictures = {
        layout_file("local", row, i, "png"): png_data_uri(_png()) for i, row in enumerate(rows)
    }
    markdown = report_markdown(summary, pictures)
    assert markdown.count("](data:image/png;base64,") == MAX_PICTURES
    assert "2 more layout(s): every sheet is in `local/sheet-report.html`" in markdown
    assert "## Sheets (Local solver, recommended)" in markdown


def test_the_report_says_when_the_pushed_engine_is_not_the_recommended_and_by_how_much() -> None:
    one = INFO.model_copy(update={"quantity": 1})
    summary = _summary(
        push="local",
        local=[_row()],
        almacam=[_row("almacam", quantity=1, used_length=1000.0, info=one)],
    )
    difference = summary.push_difference
    assert difference is not None
    assert (difference.engine, difference.against, difference.sheets) == ("local", "almacam", 2)
    assert difference.used_length == pytest.approx(3 * 1200 - 1000)
    assert "push_difference" in summary.model_dump(mode="json")
    markdown = report_markdown(summary)
    assert "**Pushed engine differs:** Local solver is pushed, not the recommended AlmaCAM" in (
        markdown
    )
    assert "+2 sheet(s), +2,600 mm used length" in markdown
    screen = io.StringIO()
    print_summary(Console(file=screen, width=300), summary)
    assert "pushed engine differs: Local solver is pushed, not the recommended AlmaCAM" in (
        screen.getvalue()
    )


def test_no_difference_is_reported_when_the_recommended_engine_is_pushed() -> None:
    summary = _summary(push="local", local=[_row()])
    assert summary.push_difference is None
    assert "differs" not in report_markdown(summary)


def test_a_layout_file_name_matches_the_geometry_modules_naming() -> None:
    assert layout_file("local", _row(), 4, "dxf") == "local/" + layout_file_name(INFO, 5)


def test_the_pick_list_names_no_file_for_a_layout_without_a_dxf() -> None:
    summary = _summary(almacam=[_row("almacam", files={"png": "/out/A17/almacam/x.png"})])
    rows = list(csv.DictReader(io.StringIO(pick_list_csv(summary, summary.engines[0]))))
    assert {r["file"] for r in rows} == {""}
