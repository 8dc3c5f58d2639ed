"""The engines of a run, built from the engine registry and driven by one adapter.

An engine is its core class (``nestflow/engines/<name>.py``), its steps as Prefect tasks
(``nestflow/tasks/<name>.py``, when it reaches a service), its credentials block when it needs
one, and one entry of :mod:`nestflow.engines.registry`. Nothing here names an engine.
"""

from __future__ import annotations

from nestflow.engines.base import EngineContext
from nestflow.flows.engines.adapter import FlowEngine, engine_runs
from nestflow.flows.engines.intake import read_drawings

#: What every engine of a run is given (the core's :class:`~nestflow.engines.base.EngineContext`).
RunContext = EngineContext

__all__ = ["EngineContext", "FlowEngine", "RunContext", "engine_runs", "read_drawings"]
