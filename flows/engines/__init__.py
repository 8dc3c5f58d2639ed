"""Every engine a run can ask for, by name: adding one is its module, its block and one line.

An engine's module here holds its part of a run (start, finish, files, layouts to cut); its
tasks are in ``tasks/<engine>.py``, its client and rules in ``nestflow/<engine>/``, and its
credentials in ``blocks/``. Nothing else names a vendor.
"""

from __future__ import annotations

from flows.engines.almacam import AlmaCamRun
from flows.engines.base import FlowEngine, RunContext
from flows.engines.cloudnest import CloudNestRun
from flows.engines.intake import read_drawings
from flows.engines.local import LocalRun
from flows.parameters import BlockNames

#: The engines by the name a run's ``engines`` parameter uses.
ENGINES: dict[str, type[FlowEngine]] = {
    "cloudnest": CloudNestRun,
    "almacam": AlmaCamRun,
    "local": LocalRun,
}


def engine_runs(names: list[str], blocks: BlockNames) -> list[FlowEngine]:
    """One run per engine asked for, in the order asked, with its blocks loaded."""
    return [ENGINES[name].from_blocks(blocks) for name in names]


__all__ = ["ENGINES", "FlowEngine", "RunContext", "engine_runs", "read_drawings"]
