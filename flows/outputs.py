"""What a run leaves: its files and artifacts, and its outcome (why it ends Failed, if it does).

Shared by ``nest_to_cnc`` and ``quote``: layout DXF files and pictures are written first, with
the pick list and the sheet report of the engine pushed (else the recommended one), then
(production) the push (:mod:`tasks.push_protocol`), then ``summary.json`` and the artifacts, so
the report shows the push. The run's outcome is read from its final summary.
"""

from __future__ import annotations

from prefect.filesystems import WritableFileSystem

from nestflow.engines.results import file_name
from nestflow.report import (
    PICK_LIST,
    SHEET_REPORT,
    EngineSummary,
    RunSummary,
    pick_list_csv,
    sheet_report_html,
    sheets_engine,
    slug,
)
from nestflow.tasks.results import publish_report, report_pictures, write_outputs
from nestflow.tasks.storage import describe


class RunIncomplete(RuntimeError):
    """The run did not do what it was asked: it ends Failed, the message says why.

    Raised after ``summary.json`` and the report were written, so what was done is on record.
    """


class NothingNested(RunIncomplete):
    """No engine produced a layout: the run ends Failed with the reasons."""


class PushIncomplete(RunIncomplete):
    """A run asked to push left layouts (or parts) off the machine: it ends Failed."""


class PushInDoubt(RunIncomplete):
    """An earlier run's push may be on the machine and nobody can tell: nothing was done."""


def in_doubt_reason(summary: RunSummary) -> str | None:
    """Why the run stopped before nesting (pushes in doubt), or None."""
    if not summary.pushes_in_doubt:
        return None
    return (
        f"job {summary.job_name}: stopped before nesting, so nothing is cut twice: "
        + " | ".join(summary.pushes_in_doubt)
    )


def attach_files(engine: EngineSummary, written: dict[str, str]) -> EngineSummary:
    """Record on each layout row where its files were written."""
    rows = []
    for i, row in enumerate(engine.layouts):
        files = {
            ext: written[name]
            for ext in ("dxf", "png")
            if (name := file_name(engine, i, ext)) in written
        }
        rows.append(row.model_copy(update={"files": files}))
    return engine.model_copy(update={"layouts": rows})


def sheet_files(summary: RunSummary, files: dict[str, bytes]) -> dict[str, bytes]:
    """The pick list and the sheet report, next to the layouts they describe.

    They describe the engine pushed (what is cut), else the recommended one (what would be);
    none when no engine nested.
    """
    engine = sheets_engine(summary)
    if engine is None:
        return {}
    pictures = {
        i: png
        for i in range(len(engine.layouts))
        if (png := files.get(file_name(engine, i, "png"))) is not None
    }
    return {
        f"{engine.engine}/{PICK_LIST}": pick_list_csv(summary, engine).encode(),
        f"{engine.engine}/{SHEET_REPORT}": sheet_report_html(summary, engine, pictures).encode(),
    }


def write_layouts(
    summary: RunSummary, storage: WritableFileSystem, files: dict[str, bytes]
) -> RunSummary:
    """Write the layout files, pictures, pick list and sheet report; note where in the summary.

    The pick list and the sheet report are made once the layouts' files are written, so they
    name only files that exist (a quote's ``stats`` view has pictures and no DXF).
    """
    folder = slug(summary.job_name)
    written = write_outputs(storage, folder, files) if files else {}
    engines = [attach_files(engine, written) for engine in summary.engines]
    summary = summary.model_copy(update={"engines": engines})
    if extra := sheet_files(summary, files):
        written |= write_outputs(storage, folder, extra)
    return summary.model_copy(update={"outputs": written, "storage": describe(storage)})


def finish(summary: RunSummary, storage: WritableFileSystem) -> RunSummary:
    """Write ``summary.json`` and publish the artifacts; return the final summary.

    The file lists every other output; the returned summary (and the report) also link the
    file itself.
    """
    data = summary.model_dump_json(indent=2).encode()
    written = write_outputs(storage, slug(summary.job_name), {"summary.json": data})
    summary = summary.model_copy(update={"outputs": {**summary.outputs, **written}})
    publish_report(summary, report_pictures(summary, storage))
    return summary


def all_cut(summary: RunSummary) -> bool:
    """True when the job's ledger says every ordered part is cut (nothing left to do).

    A rejected drawing's row is not the ledger's: nothing of it can be nested until it is
    fixed, and :func:`push_incomplete_reason` names it.
    """
    read = [p for p in summary.parts if p.rejected is None]
    return bool(read) and all(p.missing == 0 for p in read)


def nothing_nested_reason(summary: RunSummary) -> str | None:
    """Why nothing was nested, or None when some engine produced layouts or none was needed."""
    if any(engine.nested for engine in summary.engines):
        return None
    if all_cut(summary) and not summary.engines:
        return None
    reasons = [
        f"{len(summary.drawings)} drawing(s) readable, {len(summary.rejected)} rejected"
        + "".join(f"; {f.file}: {f.message}" for f in summary.rejected)
    ]
    for engine in summary.engines:
        detail = "; ".join(engine.errors + engine.unplaced) or engine.status
        reasons.append(f"{engine.engine}: {detail}")
    return "nothing was nested: " + " | ".join(reasons)


def push_incomplete_reason(summary: RunSummary) -> str | None:
    """Why a run asked to push did not put the whole job on the machine, or None if it did.

    A layout found already pushed by an earlier run counts as on the machine; a failed push,
    a run that pushed nothing, parts the pushed engine left out and a drawing rejected by the
    check (its parts were ordered and are not cut) do not.
    """
    if summary.push_engine == "none":
        return None
    rejected = [
        f"drawing {f.file} rejected ({f.kind}): {f.message}; fix it and run the job again: "
        "only what is missing is cut"
        for f in summary.rejected
    ]
    if all_cut(summary) and not summary.engines:
        return _incomplete(summary, rejected) if rejected else None
    reasons = [
        f"{p.engine} layout {p.layout_id} -> {p.target}: push failed: {p.reference}"
        for p in summary.pushes
        if p.status == "failed"
    ]
    if not summary.pushes:
        engine = next((e for e in summary.engines if e.engine == summary.push_engine), None)
        why = [n for n in summary.notes if n.startswith("nothing pushed")]
        if engine is not None and not engine.nested:
            why.append(f"{engine.engine} produced no layout ({engine.status})")
            why += engine.errors
        reasons.append("nothing was pushed: " + ("; ".join(why) or "no layout to push"))
    for engine in summary.engines:
        if engine.engine == summary.push_engine and engine.unplaced:
            reasons.append(
                f"{engine.engine} left {len(engine.unplaced)} part(s) out of its layouts: "
                + ", ".join(engine.unplaced)
            )
    missing = [
        f"{p.part} ({p.drawing}) {p.missing}"
        for p in summary.parts
        if p.missing and p.rejected is None  # a rejected drawing is named below, with why
    ]
    if missing and reasons:
        reasons.append("still missing after this run: " + ", ".join(missing))
    elif missing:
        reasons.append("the job ledger says these are still missing: " + ", ".join(missing))
    reasons += rejected
    return _incomplete(summary, reasons) if reasons else None


def _incomplete(summary: RunSummary, reasons: list[str]) -> str:
    return f"job {summary.job_name}: push to the machine incomplete: " + " | ".join(reasons)
