"""A run's report in words: the engine comparison, the markdown report and layout tables."""

from __future__ import annotations

import re
import socket

from nestflow.report.models import EngineSummary, RunSummary

ENGINE_TITLES = {"cloudnest": "CloudNest", "almacam": "AlmaCAM", "local": "Local solver"}


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


def report_markdown(summary: RunSummary) -> str:
    """The run's markdown report: comparison, rejected drawings, errors, pushes and files.

    Args:
        summary: The run.

    Returns:
        The markdown text, ending with a newline.
    """
    rows = comparison_rows(summary)
    lines = [f"# {summary.job_name}: {summary.mode} run", ""]
    lines.append(
        f"{len(summary.drawings)} drawing(s) nested, {len(summary.rejected)} rejected; "
        f"{summary.material} {summary.thickness:g} mm."
    )
    lines += ["", "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    if summary.recommended:
        lines += ["", f"**Recommended:** {ENGINE_TITLES[summary.recommended]}."]
    lines += _section(
        "Rejected drawings", [f"`{f.file}` ({f.kind}): {f.message}" for f in summary.rejected]
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
    )
    lines += _section("Notes", summary.notes)
    lines += _files_section(summary.outputs)
    return "\n".join(lines) + "\n"


def part_rows(summary: RunSummary) -> list[tuple[str, ...]]:
    """Header and one row per part: ordered, cut by earlier runs, cut by this one, missing."""
    rows = [("Part", "Drawing", "Ordered", "Already cut", "Cut now", "Missing")]
    for p in summary.parts:
        drawing = p.drawing + (" (superseded)" if p.superseded else "")
        counts = (p.ordered, p.already_cut, p.cut_now, p.missing)
        rows.append((p.part, drawing, *map(str, counts)))
    return rows


def _parts_section(summary: RunSummary) -> list[str]:
    """The per-part table of the report (none when the run recorded no parts)."""
    if not summary.parts:
        return []
    header, *rows = part_rows(summary)
    lines = ["", "## Parts", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _section(title: str, items: list[str]) -> list[str]:
    return ["", f"## {title}", "", *[f"- {item}" for item in items]] if items else []


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
    if all(is_web_link(loc) for loc in outputs.values()):
        return _section("Files", [f"[{name}]({loc})" for name, loc in outputs.items()])
    host = socket.gethostname()
    items = [
        f"[{name}]({loc})" if is_web_link(loc) else f"{name}: `{loc}`"
        for name, loc in outputs.items()
    ]
    section = _section(f"Files (written on worker `{host}`)", items)
    return section


def layout_table(engine: EngineSummary) -> list[dict[str, object]]:
    """One row per layout of an engine, for a table artifact.

    Args:
        engine: The engine's summary.

    Returns:
        One dict per layout: name, id, sheet, sheets, parts, used length, utilisation, files.
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
            "files": ", ".join(row.files.values()),
        }
        for row in engine.layouts
    ]
