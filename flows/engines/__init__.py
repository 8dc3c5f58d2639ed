"""The engines of a run, built from the engine registry and driven by one adapter.

An engine is its core class (``nestflow/engines/<name>.py``), its steps as Prefect tasks
(``nestflow/tasks/<name>.py``, when it reaches a service), its credentials block when it needs
one, and one entry of :mod:`nestflow.engines.registry`. Nothing here names an engine.
"""

from __future__ import annotations

from nestflow.engines.base import EngineContext
from nestflow.flows.engines.adapter import FlowEngine, engine_runs
from nestflow.flows.engines.intake import read_drawings

__all__ = ["EngineContext", "FlowEngine", "engine_runs", "read_drawings"]
