"""A run's report in words: the engine comparison, the markdown report and layout tables.

Every text of the report that a user or a vendor wrote (job, material, file, part and sheet
names, layout ids, states, messages) goes through :func:`~nestflow.report.escape.markdown_text`
(or :func:`~nestflow.report.escape.markdown_code` for paths): a job named
``[c](javascript:...)``, ``<img onerror=...>`` or a line break and ``# H1`` read as themselves.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator, Mapping
from urllib.parse import quote

from nestflow.engines.registry import ENGINES
from nestflow.report.escape import markdown_code, markdown_text
from nestflow.report.models import EngineSummary, RunSummary
from nestflow.report.sheets import SHEET_REPORT, layout_file, layout_title, sheets_engine


class _EngineTitles(Mapping[str, str]):
    """Each registered engine's title, read from the registry when asked (plug-ins included)."""

    def __getitem__(self, name: str) -> str:
        return ENGINES[name].title

    def __iter__(self) -> Iterator[str]:
        return iter(ENGINES)

    def __len__(self) -> int:
        return len(ENGINES)


#: An engine's name in reports ("CloudNest", "Local solver"), by its name in summaries.
ENGINE_TITLES: Mapping[str, str] = _EngineTitles()

#: Layout pictures shown inline in the report (each a thumbnail of a few tens of KB); the sheet
#: report file has them all.
MAX_PICTURES = 12


def engines_compared(summary: RunSummary) -> str:
    """``CloudNest and AlmaCAM compared``, ``Local solver``: what a run's report is about."""
    titles = [ENGINE_TITLES[e.engine] for e in summary.engines]
    if not titles:
        return "nothing nested"
    if len(titles) == 1:
        return titles[0]
    return f"{', '.join(titles[:-1])} and {titles[-1]} compared"


def slug(text: str) -> str:
    """Lowercase letters, digits and dashes only (artifact keys, folder names).

    Args:
        text: Any text, e.g. a job name.

    Returns:
        The slug; ``"run"`` when nothing of ``text`` is left.
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "run"


def _percent(value: float) -> str:
    return f"{100.0 * value:.1f} %"


def comparison_rows(summary: RunSummary) -> list[tuple[str, ...]]:
    """The engine comparison as rows: figure, then one value per engine.

    Args:
        summary: The run.

    Returns:
        A header row (``Engine`` and the engines' titles), then one row per figure.
    """
    engines = summary.engines
    rows = [("Engine", *[ENGINE_TITLES[e.engine] for e in engines])]
    rows.append(("Status", *[e.status for e in engines]))
    rows.append(("Sheets", *[str(e.sheets) for e in engines]))
    rows.append(("Layouts", *[str(len(e.layouts)) for e in engines]))
    rows.append(("Used length (mm)", *[f"{e.used_length:,.0f}" for e in engines]))
    rows.append(("Part area (m²)", *[f"{e.parts_area / 1e6:.3f}" for e in engines]))
    rows.append(("Utilisation", *[_percent(e.utilisation) for e in engines]))
    rows.append(("Utilisation to offcut", *[_percent(e.utilisation_to_offcut) for e in engines]))
    rows.append(("Parts not nested", *[str(len(e.unplaced)) for e in engines]))
    return rows


def push_difference_line(summary: RunSummary) -> str | None:
    """What pushing another engine than the recommended one costs, in one sentence (or None).

    Args:
        summary: The run.

    Returns:
        e.g. ``CloudNest is pushed, not the recommended AlmaCAM: +1 sheet(s), +1,200 mm used
        length, -8.5 points of utilisation (-3.1 to the offcut)``; None when the pushed engine
        is the recommended one, or either is missing.
    """
    diff = summary.push_difference
    if diff is None:
        return None
    return (
        f"{ENGINE_TITLES[diff.engine]} is pushed, not the recommended "
        f"{ENGINE_TITLES[diff.against]}: {diff.sheets:+d} sheet(s), "
        f"{diff.used_length:+,.0f} mm used length, {100 * diff.utilisation:+.1f} points of "
        f"utilisation ({100 * diff.utilisation_to_offcut:+.1f} to the offcut)"
    )


def pictured_layouts(summary: RunSummary) -> list[str]:
    """The PNG files the report shows inline: the sheets engine's first :data:`MAX_PICTURES`.

    Args:
        summary: The run, its layout files written.

    Returns:
        ``<engine>/<file>.png`` names (relative to the run's folder), in layout order.
    """
    engine = sheets_engine(summary)
    if engine is None:
        return []
    names = [
        layout_file(engine.engine, row, index, "png")
        for index, row in enumerate(engine.layouts)
        if "png" in row.files
    ]
    return names[:MAX_PICTURES]


def report_markdown(summary: RunSummary, pictures: Mapping[str, str] | None = None) -> str:
    """The run's markdown report: comparison, sheets, rejected drawings, errors, pushes, files.

    Args:
        summary: The run.
        pictures: ``<engine>/<file>.png`` (see :func:`pictured_layouts`) -> an image URL the
            browser can show (a ``data:`` URI of a thumbnail); layouts without one are listed.

    Returns:
        The markdown text, ending with a newline.
    """
    rows = comparison_rows(summary)
    lines = [f"# {markdown_text(summary.job_name)}: {summary.mode} run", ""]
    lines.append(
        f"{len(summary.drawings)} drawing(s) nested, {len(summary.rejected)} rejected; "
        f"{markdown_text(summary.material)} {summary.thickness:g} mm."
    )
    lines += ["", *_table(rows)]
    if summary.recommended:
        lines += ["", f"**Recommended:** {ENGINE_TITLES[summary.recommended]}."]
    if (difference := push_difference_line(summary)) is not None:
        lines += ["", f"**Pushed engine differs:** {difference}."]
    lines += _sheets_section(summary, pictures or {})
    lines += _cutting_section(summary)
    lines += _section(
        "Rejected drawings",
        [
            f"{markdown_code(f.file)} ({markdown_text(f.kind)}): {markdown_text(f.message)}"
            for f in summary.rejected
        ],
        escaped=True,
    )
    lines += _section("Pushes in doubt: nothing was nested", summary.pushes_in_doubt)
    lines += _section("Warnings", summary.warnings)
    lines += _parts_section(summary)
    for engine in summary.engines:
        title = ENGINE_TITLES[engine.engine]
        lines += _section(f"{title} errors", engine.errors)
        lines += _section(f"{title}: parts not nested", engine.unplaced)
    lines += _section(
        "Pushed to the machine",
        [
            f"{ENGINE_TITLES[p.engine]} {p.layout_id} x{p.quantity} -> {p.target}: {p.status}"
            + (f" ({p.reference})" if p.reference else "")
            + (f", production {p.production}" if p.production else "")
            for p in summary.pushes
        ],
    )  # escaped with every other item by _section
    lines += _section("Notes", summary.notes)
    lines += _files_section(summary.outputs)
    return "\n".join(lines) + "\n"


def part_rows(summary: RunSummary) -> list[tuple[str, ...]]:
    """Header and one row per part: ordered, cut by earlier runs, cut by this one, missing.

    A drawing the check rejected has a row of its own (named after its file): its ordered
    copies missing, and the last column says why.
    """
    rows = [("Part", "Drawing", "Ordered", "Already cut", "Cut now", "Missing", "Note")]
    for p in summary.parts:
        drawing = p.drawing + (" (superseded)" if p.superseded else "")
        counts = (p.ordered, p.already_cut, p.cut_now, p.missing)
        note = f"rejected ({p.rejected.replace(': ', '): ', 1)}" if p.rejected else ""
        rows.append((p.part, drawing, *map(str, counts), note))
    return rows


def _parts_section(summary: RunSummary) -> list[str]:
    """The per-part table of the report (none when the run recorded no parts)."""
    if not summary.parts:
        return []
    return ["", "## Parts", "", *_table(part_rows(summary))]


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f}"


def _metres(mm: float) -> str:
    return f"{mm / 1000:.2f}"


def cutting_rows(summary: RunSummary) -> list[tuple[str, ...]]:
    """What cutting the priced layouts takes: one row per layout, then the total.

    Each layout's row gives one sheet's cut length, pierces and laser time, then all its
    sheets' (one sheet's times the layout's quantity); the total adds up every sheet.

    Args:
        summary: The run, priced (``summary.cutting``).

    Returns:
        A header row, the layouts' rows and a ``Total`` row; nothing when nothing is priced.
    """
    total = summary.cutting
    engine = summary.engine(total.engine) if total is not None and total.engine else None
    if total is None or engine is None:
        return []
    rows = [
        (
            "Layout",
            "Sheet",
            "Sheets",
            "Cut per sheet (m)",
            "Pierces per sheet",
            "Time per sheet (min)",
            "Cut, all sheets (m)",
            "Pierces, all sheets",
            "Time, all sheets (min)",
        )
    ]
    for index, row in enumerate(engine.layouts):
        if (cut := row.cutting) is None:
            continue
        rows.append(
            (
                layout_title(row, index),
                row.sheet,
                str(row.quantity),
                _metres(cut.cut_length),
                str(cut.pierces),
                _minutes(cut.cut_time_s),
                _metres(row.quantity * cut.cut_length),
                str(row.quantity * cut.pierces),
                _minutes(row.quantity * cut.cut_time_s),
            )
        )
    rows.append(
        (
            "Total",
            "",
            str(total.sheets),
            "",
            "",
            "",
            _metres(total.cut_length),
            str(total.pierces),
            _minutes(total.cut_time_s),
        )
    )
    return rows


def _cutting_section(summary: RunSummary) -> list[str]:
    """Cut length, pierces and laser time per sheet and in all, of the layouts priced."""
    rows = cutting_rows(summary)
    total = summary.cutting
    if not rows or total is None or total.engine is None:
        return []
    lines = ["", f"## Cutting ({ENGINE_TITLES[total.engine]}, {_why(summary, total.engine)})"]
    lines += ["", *_table(rows), ""]
    lines.append(
        markdown_text(
            f"Laser time in all: {_minutes(total.cut_time_s)} min "
            f"({total.machine_cost:,.2f} {total.currency} at the machine rate; sheets and laser "
            f"{total.cost:,.2f} {total.currency}); timed with the {total.rates}."
        )
    )
    engine = summary.engine(total.engine)
    rows_priced = [row.cutting for row in engine.layouts if row.cutting] if engine else []
    unpriced = sorted({name for cut in rows_priced for name in cut.unpriced})
    if unpriced:
        lines += ["", markdown_text(f"Not priced (geometry unknown): {', '.join(unpriced)}.")]
    return lines


def _why(summary: RunSummary, engine: str) -> str:
    """Why the report shows this engine's sheets: ``pushed``, ``recommended`` or first nested."""
    if engine == summary.push_engine:
        return "pushed"
    return "recommended" if engine == summary.recommended else "first nested"


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    """A markdown table: the first row its header, every cell escaped (a ``|`` stays text)."""
    header, *body = [[markdown_text(cell) for cell in row] for row in rows]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in body]


def _sheets_section(summary: RunSummary, pictures: Mapping[str, str]) -> list[str]:
    """Each layout of the sheets engine with its picture inline, the first few of them."""
    engine = sheets_engine(summary)
    if engine is None:
        return []
    lines = ["", f"## Sheets ({ENGINE_TITLES[engine.engine]}, {_why(summary, engine.engine)})"]
    shown = 0
    for index, row in enumerate(engine.layouts):
        picture = pictures.get(layout_file(engine.engine, row, index, "png"))
        if picture is None or shown == MAX_PICTURES:
            continue
        shown += 1
        title = markdown_text(f"{layout_title(row, index)}, {row.sheet} x{row.quantity}")
        parts = ", ".join(f"{name} x{count}" for name, count in sorted(row.part_counts.items()))
        lines += ["", f"**{title}** ({markdown_text(parts)})", "", f"![{title}]({picture})"]
    left = len(engine.layouts) - shown
    if left:
        more = "more layout(s)" if shown else "layout(s), no picture here"
        lines += ["", f"{left} {more}: every sheet is in `{engine.engine}/{SHEET_REPORT}`."]
    return lines


def _section(title: str, items: list[str], *, escaped: bool = False) -> list[str]:
    """A ``## title`` and one list item per text (escaped here unless ``escaped`` says done)."""
    if not items:
        return []
    shown = items if escaped else [markdown_text(item) for item in items]
    return ["", f"## {title}", "", *[f"- {item}" for item in shown]]


def is_web_link(location: str) -> bool:
    """True when a browser can open ``location`` from the Prefect UI (http or https).

    Args:
        location: Where a file was written (a URL or a path).

    Returns:
        Whether ``location`` is an http(s) URL.
    """
    return location.startswith(("http://", "https://"))


def _files_section(outputs: dict[str, str]) -> list[str]:
    """Where the files went: links when the storage is on the web, else paths on the worker.

    A ``file://`` link to a worker's disk opens nothing in the UI's browser, so local files are
    named by host and path, to be fetched from that machine (or from shared storage).
    """
    if not outputs:
        return []
    items = [
        f"[{markdown_text(name)}]({_link(loc)})"
        if is_web_link(loc)
        else f"{markdown_text(name)}: {markdown_code(loc)}"
        for name, loc in outputs.items()
    ]
    if all(is_web_link(loc) for loc in outputs.values()):
        return _section("Files", items, escaped=True)
    host = markdown_code(socket.gethostname())
    return _section(f"Files (written on worker {host})", items, escaped=True)


def _link(url: str) -> str:
    """An http(s) URL as a link's destination: what could end it (space, ``()<>``) %-encoded."""
    return quote(url, safe=":/?#[]@!$&'*+,;=%~")


def layout_table(engine: EngineSummary) -> list[dict[str, object]]:
    """One row per layout of an engine, for a table artifact.

    Args:
        engine: The engine's summary.

    Returns:
        One dict per layout: name, id, sheet, sheets, parts, used length, utilisation, one
        sheet's cut length, pierces and cut time (when priced), files.
    """
    return [
        {
            "layout": row.name,
            "id": row.layout_id,
            "sheet": row.sheet,
            "sheets": row.quantity,
            "parts per sheet": row.parts,
            "used length (mm)": round(row.used_length, 1),
            "utilisation": _percent(row.utilisation),
            **(
                {
                    "cut per sheet (m)": round(row.cutting.cut_length / 1000, 2),
                    "pierces per sheet": row.cutting.pierces,
                    "cut time per sheet (min)": round(row.cutting.cut_time_s / 60, 1),
                }
                if row.cutting is not None
                else {}
            ),
            "files": ", ".join(row.files.values()),
        }
        for row in engine.layouts
    ]
