"""The engine registry: every engine a run can ask for, by name, with what the run needs to know.

Adding an engine is its module (a subclass of :class:`nestflow.engines.base.Engine`) and one
entry here, or one :func:`register` call in a plug-in (:mod:`nestflow.plugins`). Everything
that names engines is derived from this registry: the run parameters' choices
(``EngineName``, ``PushEngine``), the summary's engine keys, the report's titles, the blocks the
run loads. Entries name the engine's class by import path, so reading the registry imports no
engine (the command line offers the choices before it imports anything heavy).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nestflow.plugins import refuse_if_late

if TYPE_CHECKING:
    from nestflow.engines.base import Engine


@dataclass(frozen=True)
class EngineEntry:
    """One engine as the run knows it.

    Attributes:
        name: Its name in run parameters, summaries, file folders and push records.
        title: Its name in reports ("CloudNest", "Local solver").
        description: One line for the run form's choices.
        engine: Import path of its :class:`~nestflow.engines.base.Engine` class, ``module:Class``.
        block: Slug of the Prefect block type of its credentials (loaded by the name the run's
            ``blocks`` give for the engine), None when it needs none.
        quotes: Its summary prices a job (sheets and used length per format) in quote mode.
        waits_in_start: Its ``start`` waits on its service, so it is started after the engines
            whose start only submits (they compute meanwhile).
        default: It nests in a run that names no engine (a plug-in joins only when it says so).
    """

    name: str
    title: str
    description: str
    engine: str
    block: str | None = None
    quotes: bool = False
    waits_in_start: bool = False
    default: bool = False

    def load(self) -> type[Engine]:
        """The engine's class (imports its module)."""
        module, _, attribute = self.engine.partition(":")
        return getattr(importlib.import_module(module), attribute)


#: Every engine, by name, in the order the run form and the report list them.
ENGINES: dict[str, EngineEntry] = {
    entry.name: entry
    for entry in (
        EngineEntry(
            name="cloudnest",
            title="CloudNest",
            description=(
                "Bochu CloudNest: drawings, job, Boost nesting (an account on the vendor's cloud)."
            ),
            engine="nestflow.engines.cloudnest:CloudNestEngine",
            block="nestflow-cloudnest-credentials",
            quotes=False,
            waits_in_start=True,
            default=True,
        ),
        EngineEntry(
            name="almacam",
            title="AlmaCAM",
            description="The AlmaCAM nesting API (an API token).",
            engine="nestflow.engines.almacam:AlmaCamEngine",
            block="nestflow-almacam-credentials",
            quotes=True,
            default=True,
        ),
        EngineEntry(
            name="local",
            title="Local solver",
            description="Our own solver in the worker: no vendor account needed.",
            engine="nestflow.engines.local:LocalEngine",
            quotes=True,
        ),
    )
}


def register(entry: EngineEntry) -> None:
    """Add an engine (a plug-in, see :mod:`nestflow.plugins`), before the run's choices are made.

    Raises:
        ValueError: An engine of that name is registered already.
        PluginError: The run's choices were made already: the run form would not offer it.
    """
    if entry.name in ENGINES:
        raise ValueError(f"an engine named {entry.name!r} is registered already")
    refuse_if_late(f"engine {entry.name!r}")
    ENGINES[entry.name] = entry
