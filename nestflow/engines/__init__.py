"""Nesting engines behind one contract (:class:`nestflow.engines.base.Engine`) and one registry.

The engines' classes are imported through the registry (:mod:`nestflow.engines.registry`), not
re-exported here: their modules import this package's base, and a run imports only the engines it
asks for. The names below are imported on first use (PEP 562): the run's choices are made from
the registry (:mod:`nestflow.run_choices`), which the command line reads before it imports
anything heavy (the base imports the geometry).
"""

from __future__ import annotations

from nestflow.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "base": (
            "Engine",
            "EngineContext",
            "EngineResult",
            "EngineSettings",
            "PartOrder",
        ),
        "registry": ("ENGINES", "EngineEntry", "register"),
    },
)
