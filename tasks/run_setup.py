"""What both flows make of their parameters before the engines run: job name, stock, pricing.

``nest_to_cnc`` and ``quote`` take the same drawings, material, sheets and blocks; each step here
receives the part of them it needs (a block's name, never the flow's whole parameter set).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from prefect.runtime import flow_run

from nestflow.blocks.loading import load_block
from nestflow.blocks.settings import CuttingParameters, SheetStock
from nestflow.intake import Intake
from nestflow.report import Pricing, RunSummary
from nestflow.run_options import MaterialSpec, Mode
from nestflow.stock import SheetFormat

#: Where a run's files go when no output storage block is named.
DEFAULT_OUTPUT_FOLDER = Path("out")


def resolve_job_name(name: str, intake: Intake | None = None) -> str:
    """Replace ``{date}`` by the run's scheduled day and ``{content}`` by the drawings' digest.

    ``{content}`` names a job after what it holds (the checked drawings' sha256): a scheduled run
    over the same drawings is the same job, whose ledger knows what was cut.
    """
    if "{date}" in name:
        scheduled = flow_run.scheduled_start_time or datetime.now(UTC)
        name = name.replace("{date}", scheduled.strftime("%Y-%m-%d"))
    if "{content}" in name:
        shas = sorted(d.sha256 for d in intake.drawings) if intake is not None else []
        digest = hashlib.sha256("\n".join(shas).encode()).hexdigest()[:12] if shas else "empty"
        name = name.replace("{content}", digest)
    return name


def stock_sheets(sheet_stock: str | None, sheets: list[SheetFormat]) -> list[SheetFormat]:
    """The sheet formats of the Sheet Stock block named ``sheet_stock``, else ``sheets``."""
    return load_block(SheetStock, sheet_stock).sheets if sheet_stock else sheets


def pricing_of(cutting: str | None, material: MaterialSpec) -> Pricing:
    """What quotes price with: the Cutting Parameters block named ``cutting``, else defaults."""
    rates = load_block(CuttingParameters, cutting) if cutting else None
    return Pricing(
        material=material.name,
        thickness=material.thickness,
        gas=material.gas,
        density=material.density,
        **({"table": rates.table, "costs": rates.costs} if rates is not None else {}),
    )


def new_summary(
    job: str, mode: Mode, push: str, material: MaterialSpec, intake: Intake
) -> RunSummary:
    """A run's summary before any engine ran: the job, its choices and its checked drawings."""
    return RunSummary(
        job_name=job,
        mode=mode.value,
        push_engine=push,
        material=material.name,
        thickness=material.thickness,
        density=material.density,
        drawings=intake.files,
        rejected=intake.rejected,
        warnings=intake.warnings,
    )
