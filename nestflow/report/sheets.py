"""Every sheet of a run identifies itself: file names, DXF header, pick list and sheet report.

A layout's files are named after what the sheet is (job, material, thickness, gas, sheet format,
quantity, number: :func:`nestflow.geometry.layout.layout_file_name`), and its DXF carries the same
in its header. For the shop floor a run writes, next to the layouts of one engine, a pick list
(CSV, one row per layout and part: what to take off which sheet, and from which drawing it comes)
and a printable sheet report (HTML, one page per layout: its picture, its parts, material, sheet
and quantity). That engine is the one pushed to the machine (production: what is cut), else the
recommended one (a quote or a run that does not push: what would be cut), else the first that
nested.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from html import escape

from nestflow.geometry.layout import LayoutInfo, header_properties, layout_file_name
from nestflow.report.escape import csv_cell
from nestflow.report.models import EngineSummary, LayoutRow, RunSummary
from nestflow.report.pictures import png_data_uri

PICK_LIST = "pick-list.csv"
SHEET_REPORT = "sheet-report.html"

PICK_LIST_COLUMNS = (
    "job",
    "engine",
    "layout",
    "layout id",
    "sheet format",
    "sheet length (mm)",
    "sheet height (mm)",
    "sheets",
    "material",
    "thickness (mm)",
    "gas",
    "part",
    "per sheet",
    "total",
    "drawing",
    "file",
)


# ------------------------------------------------------------------------------ file names


def layout_stem(row: LayoutRow | None, index: int) -> str:
    """A layout's file name without extension: what the sheet is, or ``layout-NN`` without info.

    Args:
        row: The layout; its ``info`` names it (None: a file with no layout row, such as a
            preview the engine sent beyond its layouts).
        index: Position of the layout in its engine's list (0-based).

    Returns:
        e.g. ``A17-S235JR-2mm-O2-3000x1500-x3-01``; ``layout-01`` for a row without info.
    """
    if row is None or row.info is None:
        return f"layout-{index + 1:02d}"
    return layout_file_name(row.info, index + 1).removesuffix(".dxf")


def layout_title(row: LayoutRow, index: int) -> str:
    """``Layout 2``, followed by the engine's name of the layout when it says something else."""
    title = f"Layout {index + 1}"
    return title if row.name in (title, "") else f"{title}: {row.name}"


def layout_file(engine: str, row: LayoutRow | None, index: int, extension: str) -> str:
    """``<engine>/<stem>.<extension>``: where a layout's file goes in the run's folder."""
    return f"{engine}/{layout_stem(row, index)}.{extension}"


# ------------------------------------------------------------------------- DXF header


#: $ACADVER from which a DXF header holds custom properties (R2004), and writes UTF-8 (R2007).
_CUSTOM_PROPERTIES_FROM = "AC1018"
_UTF8_FROM = "AC1021"


def tag_dxf_header(dxf: bytes, info: LayoutInfo) -> bytes | None:
    """A vendor's layout DXF with ``info`` added to its header, every other byte unchanged.

    The properties are inserted as text just before the end of the HEADER section, so the
    entities (what the safety gate checked and the machine cuts) stay byte for byte the same;
    reading and writing the file with a DXF library would rewrite all of it.

    Args:
        dxf: The file as the vendor delivered it.
        info: Job, material, thickness, gas, sheet and quantity.

    Returns:
        The tagged file; None when it cannot carry the properties (binary DXF, a version before
        R2004, no HEADER section), and then it is kept as it is.
    """
    if dxf.startswith(b"AutoCAD Binary DXF"):
        return None
    text = dxf.decode("latin-1")  # one character per byte: positions are byte offsets
    newline = "\r\n" if "\r\n" in text[:256] else "\n"
    lines = text.split(newline)
    found = _header_end(lines)
    if found is None:
        return None
    version, end_line = found
    if version < _CUSTOM_PROPERTIES_FROM:
        return None
    offset = sum(len(line) + len(newline) for line in lines[:end_line])
    tags = []
    for key, value in header_properties(info).items():
        tags += ["  9", "$CUSTOMPROPERTYTAG", "  1", key, "  9", "$CUSTOMPROPERTY", "  1"]
        tags.append(_header_value(value, utf8=version >= _UTF8_FROM))
    inserted = "".join(tag + newline for tag in tags)
    codec = "utf-8" if version >= _UTF8_FROM else "ascii"
    return dxf[:offset] + inserted.encode(codec) + dxf[offset:]


def _header_end(lines: list[str]) -> tuple[str, int] | None:
    """The file's $ACADVER and the line where the HEADER section's ``0 / ENDSEC`` starts."""
    in_header, version = False, ""
    for i in range(0, len(lines) - 1, 2):
        code, value = lines[i].strip(), lines[i + 1].strip()
        if code == "2" and value == "HEADER":
            in_header = True
        elif in_header and code == "9" and value == "$ACADVER" and i + 3 < len(lines):
            version = lines[i + 3].strip()
        elif in_header and code == "0" and value == "ENDSEC":
            return version, i
    return None


def _header_value(value: str, *, utf8: bool) -> str:
    r"""One line of text (no line breaks); before R2007 non-ASCII as DXF's ``\U+XXXX``."""
    value = re.sub(r"[\r\n]+", " ", value)
    if utf8:
        return value
    return "".join(c if ord(c) < 128 else f"\\U+{ord(c):04X}" for c in value)


# ----------------------------------------------------------------- pick list and report


def sheets_engine(summary: RunSummary) -> EngineSummary | None:
    """The engine whose sheets the pick list and sheet report describe (see the module doc)."""
    nested = [e for e in summary.engines if e.nested]
    pushed = next((e for e in nested if e.engine == summary.push_engine), None)
    recommended = next((e for e in nested if e.engine == summary.recommended), None)
    return pushed or recommended or (nested[0] if nested else None)


def pick_list_rows(summary: RunSummary, engine: EngineSummary) -> list[dict[str, str]]:
    """One row per layout and part of ``engine``: which sheet, how many, from which drawing.

    Args:
        summary: The run (job, material, thickness when a row has no info).
        engine: The engine whose layouts are listed.

    Returns:
        Rows keyed by :data:`PICK_LIST_COLUMNS`, layouts in order, parts by name.
    """
    rows = []
    for index, layout in enumerate(engine.layouts):
        info = layout.info
        for part, count in sorted(layout.part_counts.items()):
            values = (
                info.job if info else summary.job_name,
                engine.engine,
                str(index + 1),
                layout.layout_id,
                layout.sheet,
                f"{layout.sheet_length:g}",
                f"{layout.sheet_height:g}",
                str(layout.quantity),
                info.material if info else summary.material,
                f"{info.thickness if info else summary.thickness:g}",
                info.gas if info else "",
                part,
                str(count),
                str(count * layout.quantity),
                layout.drawings.get(part, ""),
                _dxf_name(engine, layout, index),
            )
            rows.append(dict(zip(PICK_LIST_COLUMNS, values, strict=True)))
    return rows


def _dxf_name(engine: EngineSummary, row: LayoutRow, index: int) -> str:
    """The layout's DXF in the run's folder; empty when none was written (a quote's view)."""
    return layout_file(engine.engine, row, index, "dxf") if "dxf" in row.files else ""


def pick_list_csv(summary: RunSummary, engine: EngineSummary) -> str:
    """The pick list as CSV text (comma-separated, a header line, quoted where needed).

    A text cell a spreadsheet would run as a formula (a job or file named ``=HYPERLINK(...)``)
    starts with ``'`` (:func:`~nestflow.report.escape.csv_cell`); numbers stay numbers.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PICK_LIST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        {column: csv_cell(value) for column, value in row.items()}
        for row in pick_list_rows(summary, engine)
    )
    return out.getvalue()


_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #1b2631; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #999; padding: 0.2em 0.6em; text-align: left; }
td.n { text-align: right; }
img { max-width: 100%; max-height: 60vh; border: 1px solid #ccc; }
section.sheet { margin-bottom: 2em; }
@media print {
  body { margin: 0; }
  section.sheet { break-after: page; page-break-after: always; margin: 0; }
  section.sheet:last-child { break-after: auto; page-break-after: auto; }
  img { max-height: 55vh; }
}
"""


def sheet_report_html(
    summary: RunSummary, engine: EngineSummary, pictures: Mapping[int, bytes]
) -> str:
    """A self-contained, printable page per layout: picture, parts, material, sheet, quantity.

    Args:
        summary: The run.
        engine: The engine whose layouts are described.
        pictures: Layout index (0-based) -> its PNG, embedded as a data URI; a layout without
            one says so.

    Returns:
        The HTML document (every text from the run escaped).
    """
    title = f"{summary.job_name}: sheets of {engine.engine}"
    sheets = sum(row.quantity for row in engine.layouts)
    head = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>\n"
        f"<h1>{escape(title)}</h1>\n<p>{len(engine.layouts)} layout(s), {sheets} sheet(s) to cut; "
        f"{escape(summary.material)} {summary.thickness:g} mm.</p>\n"
    )
    total = summary.cutting
    if total is not None and total.engine == engine.engine:
        head += (
            f"<p>Every sheet: {_cutting(total.cut_length, total.pierces, total.cut_time_s)} "
            f"(timed with the {escape(total.rates)}).</p>\n"
        )
    sections = [
        _sheet_section(summary, engine, index, row, pictures.get(index))
        for index, row in enumerate(engine.layouts)
    ]
    return head + "\n".join(sections) + "\n</body></html>\n"


def _cutting(length_mm: float, pierces: int, seconds: float) -> str:
    """``12.35 m cut, 48 pierces, 6.3 min``."""
    return f"{length_mm / 1000:,.2f} m cut, {pierces} pierces, {seconds / 60:.1f} min"


def _sheet_section(
    summary: RunSummary, engine: EngineSummary, index: int, row: LayoutRow, png: bytes | None
) -> str:
    info = row.info
    facts = [
        ("Job", info.job if info else summary.job_name),
        ("Material", info.material if info else summary.material),
        ("Thickness", f"{info.thickness if info else summary.thickness:g} mm"),
        ("Gas", info.gas if info else "not recorded"),
        ("Sheet format", f"{row.sheet} ({row.sheet_length:g} x {row.sheet_height:g} mm)"),
        ("Sheets to cut", str(row.quantity)),
        ("Used length", f"{row.used_length:,.0f} mm"),
        ("Utilisation", f"{100 * row.utilisation:.1f} %"),
        ("File", _dxf_name(engine, row, index) or "none (no layout file)"),
        ("Layout id", row.layout_id),
    ]
    if (cut := row.cutting) is not None:
        facts[8:8] = [
            ("Cut per sheet", _cutting(cut.cut_length, cut.pierces, cut.cut_time_s)),
            (
                "Cut, all sheets",
                _cutting(
                    row.quantity * cut.cut_length,
                    row.quantity * cut.pierces,
                    row.quantity * cut.cut_time_s,
                ),
            ),
        ]
    picture = (
        f'<img src="{png_data_uri(png)}" alt="{escape(row.name)}">'
        if png
        else "<p><em>No picture of this layout.</em></p>"
    )
    parts = "".join(
        f"<tr><td>{escape(part)}</td><td>{escape(row.drawings.get(part, ''))}</td>"
        f'<td class="n">{count}</td><td class="n">{count * row.quantity}</td></tr>'
        for part, count in sorted(row.part_counts.items())
    )
    return (
        f'<section class="sheet"><h2>{escape(layout_title(row, index))}</h2>\n{picture}\n'
        "<table>"
        + "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
        + "</table>\n<table><tr><th>Part</th><th>Drawing</th><th>Per sheet</th>"
        f"<th>Total</th></tr>{parts}</table></section>"
    )
