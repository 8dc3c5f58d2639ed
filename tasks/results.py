"""Run results: layout DXF files, previews and the summary, and the run's Prefect artifacts.

Files go through a filesystem block (a local folder by default, any writable filesystem block for
shared storage); artifacts are a markdown comparison, layout tables and links to the files.
"""

from __future__ import annotations

import re
import socket

from prefect import task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.filesystems import WritableFileSystem

from nestflow.almacam.models import FullResult, StatsResult
from nestflow.gate import GateProblem, UnsafeLayouts, check_layouts, ordered_parts
from nestflow.geometry.layout import Placement, SheetLayout, write_layout_dxf
from tasks.almacam import OrderBundle
from tasks.storage import write_file
from tasks.summary import EngineSummary, RunSummary

ENGINE_TITLES = {"cloudnest": "CloudNest", "almacam": "AlmaCAM", "local": "Local solver"}


def slug(text: str) -> str:
    """Lowercase letters, digits and dashes only (artifact keys, folder names)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "run"


def almacam_layouts(result: FullResult, bundle: OrderBundle, job_name: str) -> list[SheetLayout]:
    """The sheet layouts of an AlmaCAM full result, with the parts as they were sent."""
    layouts = []
    for index, nesting in enumerate(result.nestings):
        sheet = bundle.sheets[nesting.sheet]
        placements = tuple(
            Placement(
                part=bundle.index.parts[placed.id].part,
                angle=placed.angle,
                flip=placed.flip,
                x=placed.position[0],
                y=placed.position[1],
            )
            for placed in nesting.nested_parts
        )
        layouts.append(
            SheetLayout(
                name=f"{job_name} layout {index + 1}",
                sheet_length=sheet.length,
                sheet_height=sheet.height,
                used_length=min(nesting.length, sheet.length),
                placements=placements,
                quantity=nesting.quantity,
                border_gap=(sheet.border_gap,) * 4,
            )
        )
    return layouts


def unknown_references(result: FullResult | StatsResult, bundle: OrderBundle) -> list[GateProblem]:
    """Part and sheet ids of a result that this order does not have (another order's result)."""
    problems = []
    for index, nesting in enumerate(result.nestings):
        name = f"layout {index + 1}"
        if nesting.sheet not in bundle.sheets:
            problems.append(
                GateProblem(
                    layout=name,
                    rule="unknown part",
                    message=f"sheet id {nesting.sheet} is not in this order",
                )
            )
        for part_id in sorted({p.id for p in nesting.nested_parts} - set(bundle.index.parts)):
            problems.append(
                GateProblem(
                    layout=name,
                    part=f"id {part_id}",
                    rule="unknown part",
                    message="part id not in this order (the result is another order's?)",
                )
            )
    return problems


def gated_almacam_layouts(
    result: FullResult, bundle: OrderBundle, job_name: str
) -> list[SheetLayout]:
    """AlmaCAM's layouts, once they passed the safety gate.

    Raises:
        UnsafeLayouts: The result names parts or sheets this order lacks, places a part off the
            sheet or over another, more often than ordered, or covers more than the sheet.
    """
    problems = unknown_references(result, bundle)
    if not problems:
        layouts = almacam_layouts(result, bundle, job_name)
        ordered = ordered_parts((e.part, e.quantity) for e in bundle.index.parts.values())
        problems = check_layouts(layouts, ordered)
    if problems:
        raise UnsafeLayouts("almacam", problems)
    return layouts


def layout_files(layouts: list[SheetLayout]) -> list[bytes]:
    """The DXF file of each layout."""
    return [write_layout_dxf(layout) for layout in layouts]


@task(name="Write run outputs", cache_policy=NO_CACHE)
def write_outputs(
    storage: WritableFileSystem, folder: str, files: dict[str, bytes]
) -> dict[str, str]:
    """Write files under ``folder`` of the storage block; return where each one went."""
    return {name: write_file(storage, f"{folder}/{name}", data) for name, data in files.items()}


def _percent(value: float) -> str:
    return f"{100.0 * value:.1f} %"


def comparison_rows(summary: RunSummary) -> list[tuple[str, ...]]:
    """The engine comparison as rows: figure, then one value per engine."""
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
    """The run's markdown report: comparison, rejected drawings, errors, pushes and files."""
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


def _section(title: str, items: list[str]) -> list[str]:
    return ["", f"## {title}", "", *[f"- {item}" for item in items]] if items else []


def is_web_link(location: str) -> bool:
    """True when a browser can open ``location`` from the Prefect UI (http or https)."""
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
    """One row per layout of an engine, for a table artifact."""
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


@task(name="Publish run report", cache_policy=NO_CACHE)
def publish_report(summary: RunSummary) -> None:
    """Markdown comparison, one layout table per engine, and a link to the summary file.

    The link artifact is made only when the summary is on web storage a browser can open.
    """
    key = f"nestflow-{slug(summary.job_name)}"
    create_markdown_artifact(
        markdown=report_markdown(summary),
        key=f"{key}-report",
        description=f"{summary.job_name}: CloudNest and AlmaCAM compared",
    )
    for engine in summary.engines:
        if engine.layouts:
            create_table_artifact(
                table=layout_table(engine),
                key=f"{key}-{engine.engine}-layouts",
                description=f"{ENGINE_TITLES[engine.engine]} layouts of {summary.job_name}",
            )
    if is_web_link(summary.outputs.get("summary.json", "")):
        create_link_artifact(
            link=summary.outputs["summary.json"],
            link_text=f"{summary.job_name} summary.json",
            key=f"{key}-summary",
        )
