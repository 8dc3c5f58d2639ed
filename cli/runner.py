"""Starting a flow by name from the command line (``nestflow run``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from prefect.exceptions import ParameterTypeError
from pydantic import ValidationError

from blocks.loading import BlockNotFound
from flows.nest_to_cnc import nest_to_cnc
from flows.outputs import RunIncomplete
from flows.quote import quote
from flows.watch_inbox import watch_inbox
from tasks.leases import JobBusy

FLOWS = {"nest-to-cnc": nest_to_cnc, "quote": quote, "watch-inbox": watch_inbox}

#: Failures of a run that are the user's to fix, printed without a traceback.
RUN_FAILURES = (
    RunIncomplete,
    JobBusy,
    BlockNotFound,
    ParameterTypeError,
    ValidationError,
    FileNotFoundError,
)


def parameters_from(
    text: str | None,
    *,
    job: str | None = None,
    drawings: str | None = None,
    manifest: Path | None = None,
) -> dict[str, Any]:
    """Flow parameters from JSON (or ``@file.json``) plus the command line's shortcuts.

    Raises:
        ValueError: The JSON cannot be read or is not an object.
    """
    values: dict[str, Any] = {}
    if text:
        raw = Path(text[1:]).read_text() if text.startswith("@") else text
        try:
            values = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"--params is not valid JSON: {exc.msg} at {exc.pos}") from None
        if not isinstance(values, dict):
            raise ValueError("--params must be a JSON object of parameter names to values")
    if job:
        values["job_name"] = job
    if drawings:
        values["drawings"] = {"folder": drawings}
    if manifest:
        values["manifest"] = str(manifest)
    return values


def run_flow(name: str, parameters: dict[str, Any]) -> Any:
    """Run flow ``name`` with ``parameters`` (validated by Prefect) and return its result."""
    return FLOWS[name](**parameters)
