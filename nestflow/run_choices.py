"""The run's choices made from the registries: engines, whose layouts to push, the target kind.

Prefect builds a flow's run form from its parameters' types, so each choice is an enum made at
import from :data:`nestflow.engines.registry.ENGINES` and
:data:`nestflow.targets.registry.TARGETS`: an engine or a target registered (an entry, or a
plug-in's :func:`~nestflow.engines.registry.register` call) before this module is imported is
offered by the form, the command line and the checks here. :class:`RunChoices` holds the rules
between the choices. No Prefect: the command line checks a run's choices before it imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from nestflow.engines.registry import ENGINES
from nestflow.plugins import load_plugins, mark_choices_made
from nestflow.run_options import DrawingSource, InDoubt, MaterialSpec, Mode, NestingSettings, Units
from nestflow.targets.registry import AUTO, TARGETS

#: ``push``'s choice for a run that pushes nothing.
NO_PUSH = "none"


def _choices(name: str, what: str, described: Mapping[str, str]) -> type[StrEnum]:
    """A StrEnum ``name`` of ``described``'s keys (members named in capitals).

    Its docstring, which the run form and the command line's help show, says what each one is.
    """
    choices = StrEnum(name, [(value.upper(), value) for value in described], module=__name__)
    lines = "; ".join(f"{value}: {text.rstrip('.')}" for value, text in described.items())
    choices.__doc__ = f"{what}: {lines}."
    return choices


# Plug-ins register their engines and targets before the choices below are made from them.
load_plugins()
_ENGINES = {name: entry.description for name, entry in ENGINES.items()}
EngineName = _choices("EngineName", "A nesting engine a run can ask for", _ENGINES)
PushEngine = _choices(
    "PushEngine", "Whose layouts go to the machine", {**_ENGINES, NO_PUSH: "nothing is pushed"}
)
TargetKind = _choices(
    "TargetKind",
    "How the pushed layouts reach the machine (the Machine Target block names the machine)",
    {
        AUTO: "the first target that takes the engine's layouts and is set up on the machine",
        **{kind: entry.description for kind, entry in TARGETS.items()},
    },
)

#: The engines a run uses when it names none (the entries marked ``default``: both vendors,
#: computing at once).
DEFAULT_ENGINES = tuple(EngineName(name) for name, entry in ENGINES.items() if entry.default)
#: The engine that prices a job when a quote names none: the first that quotes (AlmaCAM's cheap
#: ``stats`` view).
DEFAULT_QUOTE_ENGINE = next(EngineName(name) for name, entry in ENGINES.items() if entry.quotes)
mark_choices_made()


class RunChoices(BaseModel):
    """What a nest-to-CNC run is asked for, short of its sheets and blocks, and the rules between.

    ``flows.parameters.NestToCncParameters`` adds the sheets and the block names; the command line
    validates this part before it imports Prefect, so a refused choice is said at once.
    """

    job_name: str = Field(min_length=1, max_length=120)
    drawings: DrawingSource | None = None
    mode: Mode = Mode.PRODUCTION
    push: PushEngine = PushEngine.NONE
    target: TargetKind = TargetKind.AUTO
    engines: list[EngineName] = Field(default_factory=lambda: list(DEFAULT_ENGINES), min_length=1)
    material: MaterialSpec = Field(default_factory=MaterialSpec)
    nesting: NestingSettings = Field(default_factory=NestingSettings)
    manifest: str | None = None
    wait_production: bool = False
    units: Units = Units.AUTO
    recut: bool = Field(
        default=False,
        description=(
            "Cut the order once more (each drawing whose earlier cut is whole); normally a job's "
            "parts are cut once."
        ),
    )
    file_away: bool = Field(
        default=False,
        description="Move drawings cut whole to processed/, rejected ones to rejected/.",
    )
    in_doubt: InDoubt = Field(
        default=InDoubt.REFUSE,
        description="A push an earlier, stopped run never saw answered: refuse, landed, resend.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> RunChoices:
        if self.drawings is None and not self.manifest:
            raise ValueError("give the drawings (folder, files or urls) or an order manifest")
        if self.mode is Mode.QUOTE and self.push is not PushEngine.NONE:
            raise ValueError("a quote run never pushes: set push to 'none' or mode to 'production'")
        if self.push is not PushEngine.NONE and self.push.value not in self.engines:
            raise ValueError(
                f"push is {self.push.value!r} but engines are "
                f"{[e.value for e in self.engines]}: add it to engines"
            )
        if len(set(self.engines)) != len(self.engines):
            raise ValueError("name each engine once in engines")
        if self.file_away and (self.drawings is None or not self.drawings.folder):
            raise ValueError("file_away files drawings in their folder: give drawings.folder")
        return self
