"""The target registry: every way a layout can reach a machine, by kind, with when it applies.

Adding a target is its module (a class with ``build(setup)``, see
:class:`~nestflow.targets.base.BuildableTarget`) and one entry here, or one :func:`register`
call before the run's choices are built (a plug-in). The run parameter ``target``
(``TargetKind``) is made from this registry, and ``auto`` asks the entries which one takes an
engine's layouts and is set up on the machine. Entries name their class by import path, so
reading the registry imports no target (the command line offers the kinds before it imports
anything heavy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nestflow.lazy import imported
from nestflow.plugins import refuse_if_late

if TYPE_CHECKING:
    from nestflow.targets.base import BuildableTarget, MachineSettings, Target, TargetSetup

#: The kind that lets the registry choose by engine and machine.
AUTO = "auto"


@dataclass(frozen=True)
class TargetEntry:
    """One target as the run knows it.

    Attributes:
        kind: Its name in the run parameter ``target`` and the command line's ``--target``.
        description: One line for the run form and the command line's help.
        target: Import path of its class (``module:Class``), which has ``build(setup)``.
        engines: The engines whose layouts it takes; None: any engine's layout file.
        auto: Its rank when ``auto`` chooses (lower first), among the targets set up on the
            machine (its class's ``set_up_on``); None: chosen only by name.
    """

    kind: str
    description: str
    target: str
    engines: frozenset[str] | None = None
    auto: int | None = None

    def takes(self, engine: str) -> bool:
        """Whether it takes layouts made by ``engine``."""
        return self.engines is None or engine in self.engines

    def set_up_on(self, machine: MachineSettings) -> bool:
        """Whether ``machine`` names what this target reaches it by (asks its class)."""
        return self.load().set_up_on(machine)

    def load(self) -> type[BuildableTarget]:
        """The target's class (imports its module)."""
        return imported(self.target)


#: Every target, by kind, in the order the run form and the help list them.
TARGETS: dict[str, TargetEntry] = {
    entry.kind: entry
    for entry in (
        TargetEntry(
            kind="server_push",
            description=(
                "CloudNest's server-side push (CloudNest layouts only; the machine's gmid)."
            ),
            target="nestflow.targets.cloudnest_push:CloudNestServerPush",
            engines=frozenset({"cloudnest"}),
            auto=0,
        ),
        TargetEntry(
            kind="upload_cut",
            description=(
                "The documented IoT upload-cut task (any engine's layout DXF; the machine's card "
                "id)."
            ),
            target="nestflow.targets.upload_cut:UploadCutTarget",
            auto=1,
        ),
        TargetEntry(
            kind="drop_folder",
            description="The layout DXF written into the machine's drop folder.",
            target="nestflow.targets.drop_folder:DropFolderTarget",
            auto=2,
        ),
    )
}


def register(entry: TargetEntry) -> None:
    """Add a target (a plug-in), before the run's choices are made (``nestflow.run_choices``).

    Raises:
        ValueError: A target of that kind is registered already, or the kind is ``auto``.
        PluginError: The run's choices were made already: the run form would not offer it.
    """
    if entry.kind in TARGETS or entry.kind == AUTO:
        raise ValueError(f"a target of kind {entry.kind!r} is registered already")
    refuse_if_late(f"target {entry.kind!r}")
    TARGETS[entry.kind] = entry


def auto_kind(engine: str, machine: MachineSettings) -> str:
    """The kind ``auto`` means for ``engine``'s layouts and ``machine``.

    The first target by rank that takes the engine's layouts and is set up on the machine (today:
    CloudNest's layouts by server push when the machine has a gmid, any layout by upload-cut
    when it has a card id, else into its drop folder); when none is set up, the first that takes
    them, whose builder then says what the machine lacks.

    Raises:
        ValueError: No target ``auto`` may choose takes ``engine``'s layouts.
    """
    ranked = sorted(
        (e for e in TARGETS.values() if e.auto is not None and e.takes(engine)),
        key=lambda e: e.auto or 0,
    )
    if not ranked:
        raise ValueError(f"no machine target takes {engine}'s layouts: name the target kind")
    return next((e.kind for e in ranked if e.set_up_on(machine)), ranked[0].kind)


def build_target(kind: str, engine: str, setup: TargetSetup) -> Target | str:
    """The target of kind ``kind`` (``auto`` chooses by engine and machine), or why there is none.

    Args:
        kind: ``auto`` or a registered kind.
        engine: The engine whose layouts go to the machine.
        setup: The machine's settings and what the run can reach.
    """
    chosen = auto_kind(engine, setup.machine) if kind == AUTO else kind
    if chosen not in TARGETS:
        return f"no machine target of kind {chosen!r}: choose one of {', '.join(TARGETS)}"
    return TARGETS[chosen].load().build(setup)
