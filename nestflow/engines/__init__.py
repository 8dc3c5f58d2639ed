"""Nesting engines behind one interface (see :mod:`nestflow.engines.base`)."""

from nestflow.engines.base import (
    Engine,
    EngineResult,
    EngineRun,
    EngineSettings,
    PartOrder,
    SheetSpec,
)
from nestflow.engines.local import LocalEngine

__all__ = [
    "Engine",
    "EngineResult",
    "EngineRun",
    "LocalEngine",
    "EngineSettings",
    "PartOrder",
    "SheetSpec",
]
