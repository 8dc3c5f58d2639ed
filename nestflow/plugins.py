"""Plug-ins: engines and machine targets of other distributions, found by their entry points.

A distribution adds an engine or a target without touching nestflow: its ``pyproject.toml``
names a module in the entry-point group ``nestflow.plugins``::

    [project.entry-points."nestflow.plugins"]
    laser-vendor = "laser_vendor.nestflow_plugin"

and that module calls :func:`nestflow.engines.registry.register` and/or
:func:`nestflow.targets.registry.register` when imported. The plug-ins are imported once, just
before the run's choices are made from the registries (:mod:`nestflow.run_choices`): the run form,
the command line and the report know them from then on. A registration after that is refused (the
form would not offer it).
"""

from __future__ import annotations

import importlib.metadata

#: The entry-point group of nestflow's plug-ins.
GROUP = "nestflow.plugins"

_state = {"loaded": False, "choices_made": False}


class PluginError(RuntimeError):
    """A plug-in could not be imported, or registered too late; the message names it."""


def load_plugins() -> list[str]:
    """Import every plug-in module of the ``nestflow.plugins`` group (once per process).

    Returns:
        The entry points' names, in the order imported (empty after the first call).

    Raises:
        PluginError: A plug-in's module failed to import (names the entry point and why).
    """
    if _state["loaded"]:
        return []
    _state["loaded"] = True
    names = []
    for point in importlib.metadata.entry_points(group=GROUP):
        try:
            point.load()
        except Exception as exc:  # noqa: BLE001 - any failure of a third party's module
            where = f" of {point.dist.name}" if point.dist is not None else ""
            raise PluginError(
                f"nestflow plug-in {point.name!r}{where} ({point.value}) failed to import: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        names.append(point.name)
    return names


def mark_choices_made() -> None:
    """Record that the run's choices were made from the registries (by ``nestflow.run_choices``)."""
    _state["choices_made"] = True


def refuse_if_late(what: str) -> None:
    """Refuse a registration made after the run's choices (the run form would not offer it).

    Raises:
        PluginError: The choices were made already; says to load the plug-in first.
    """
    if _state["choices_made"]:
        raise PluginError(
            f"{what} is registered after nestflow.run_choices made the run's choices: import the "
            f"plug-in before the flows and the command line, or declare it in the {GROUP!r} "
            "entry-point group"
        )
