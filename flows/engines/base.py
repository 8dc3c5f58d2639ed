"""The engines' shared helpers, kept under their old name while AlmaCAM's flow-side run remains.

They live in :mod:`nestflow.engines.results` (core, no Prefect): import them from there. This
module goes with ``flows/engines/almacam.py`` (issue 20).
"""

from __future__ import annotations

from nestflow.engines.base import EngineContext
from nestflow.engines.results import (
    cut_list,
    drawn_pictures,
    failed,
    failure_lines,
    file_name,
    identified,
    named_files,
    sheet_info,
)

#: What every engine of a run is given (the core's contract).
RunContext = EngineContext

__all__ = [
    "RunContext",
    "cut_list",
    "drawn_pictures",
    "failed",
    "failure_lines",
    "file_name",
    "identified",
    "named_files",
    "sheet_info",
]
