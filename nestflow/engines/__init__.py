"""Nesting engines behind one interface (see :mod:`nestflow.engines.base`).

The vendors' engines live with their clients and are imported from there:
:class:`nestflow.almacam.engine.AlmaCamEngine`, :class:`nestflow.cloudnest.engine.CloudNestEngine`.
They are not re-exported here: those packages import :mod:`nestflow.engines.base`, so importing
them from this package would be an import cycle.
"""

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
