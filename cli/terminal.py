"""What people read at a terminal (rich tables): drawings read, and a run's summary."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nestflow.geometry.inspect import InspectReport, PartRecord
from nestflow.report import (
    ENGINE_TITLES,
    RunSummary,
    comparison_rows,
    part_rows,
    push_difference_line,
)


def drawings_table(report: InspectReport) -> Table:
    """One row per part read (size, area, holes, units, warnings) and per failed file (why)."""
    table = Table("File", "Part", "Width mm", "Height mm", "Area mm²", "Holes", "Units", "Notes")
    for r in report.records:
        if isinstance(r, PartRecord):
            cells = (f"{r.width:.3f}", f"{r.height:.3f}", f"{r.area:.1f}", str(r.holes))
            notes = escape("\n".join(r.warnings))
            table.add_row(escape(r.file), escape(r.name), *cells, r.units, notes)
        else:
            kind, message = f"[red]{r.kind}[/red]", escape(r.message)
            table.add_row(escape(r.file), kind, "", "", "", "", "", message)
    return table


def comparison_table(summary: RunSummary) -> Table:
    """Both engines side by side: sheets, used length, utilisation..."""
    header, *rows = comparison_rows(summary)
    table = Table(*header, title=f"{summary.job_name}: {summary.mode} run")
    for row in rows:
        table.add_row(*row)
    return table


def parts_table(summary: RunSummary) -> Table:
    """Per part (from the job ledger): ordered, already cut, cut now, still missing."""
    header, *rows = part_rows(summary)
    table = Table(*header, title="Parts")
    for row in rows:
        table.add_row(*map(escape, row))
    return table


def print_summary(console: Console, summary: RunSummary) -> None:
    """Comparison, rejected drawings, engine errors, pushes, quote and where the files are."""
    if summary.engines:
        console.print(comparison_table(summary))
    if summary.recommended:
        console.print(f"Recommended engine: [bold]{ENGINE_TITLES[summary.recommended]}[/bold]")
    if (difference := push_difference_line(summary)) is not None:
        console.print(f"[yellow]pushed engine differs[/yellow]: {escape(difference)}")
    for failure in summary.rejected:
        console.print(
            f"[yellow]rejected[/yellow] {escape(failure.file)} ({failure.kind}): "
            f"{escape(failure.message)}"
        )
    for warning in summary.warnings:
        console.print(f"[yellow]warning[/yellow] {escape(warning)}")
    for engine in summary.engines:
        for line in engine.errors + engine.unplaced:
            console.print(f"[red]{ENGINE_TITLES[engine.engine]}[/red]: {escape(line)}")
    if summary.parts:
        console.print(parts_table(summary))
    for push in summary.pushes:
        production = f", production {push.production}" if push.production else ""
        console.print(
            f"pushed {ENGINE_TITLES[push.engine]} layout {push.layout_id} x{push.quantity} "
            f"to {escape(push.target)}: {push.status}{production}"
        )
    # A production run prices what it cuts; a quote what it would.
    priced = "cutting" if summary.mode == "production" else "quote"
    for line in summary.quote:
        console.print(
            f"{priced} ({ENGINE_TITLES[line.engine] if line.engine else '?'}) "
            f"{escape(line.sheet)}: "
            f"{line.sheets} sheet(s), {line.used_length:,.0f} mm used, "
            f"{100 * line.utilisation:.1f} % utilisation "
            f"({100 * line.utilisation_to_offcut:.1f} % to the offcut), "
            f"{line.material_kg:.1f} kg of sheet, "
            f"{line.parts_kg:.1f} kg of parts; {line.cut_length / 1000:,.2f} m cut, "
            f"{line.pierces} pierces, {line.cut_time_s / 60:.1f} min; sheet "
            f"{line.sheet_cost:,.2f} + laser {line.machine_cost:,.2f} = {line.cost:,.2f} "
            f"{escape(line.currency)} (timed with the {escape(line.rates)})"
        )
    for note in summary.notes:
        console.print(f"note: {escape(note)}")
    if summary.outputs:
        files = Table("File", "Written to", title=f"Outputs ({escape(summary.storage)})")
        for name, location in summary.outputs.items():
            files.add_row(escape(name), escape(location))
        console.print(files)
