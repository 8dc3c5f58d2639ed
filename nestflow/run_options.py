"""What a run is asked for: mode, units, material, nesting, drawings, what to do in doubt.

Plain enums and pydantic models, no Prefect: the command line offers and checks these choices
before it imports Prefect (``nestflow --help`` and a refused flag answer at once), and the flows
take them as typed parameters (re-exported by ``flows.parameters``, which adds the models that
name blocks). The choices made from the engine and target registries (engines, push, target)
and the rules between all choices are :mod:`nestflow.run_choices`: the engines import this
module, so it must not build them before a plug-in registered; they are still importable from
here, built on first use.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator


class Mode(StrEnum):
    """What the run is for."""

    QUOTE = "quote"
    """Price the job: AlmaCAM's cheap ``stats`` view and previews; nothing is pushed."""
    PRODUCTION = "production"
    """Cut the job: AlmaCAM's ``full`` view, nested DXF files, push to the machine."""


class InDoubt(StrEnum):
    """What to do with a push an earlier run sent but never saw answered (it was stopped).

    CloudNest's server push is looked up at the vendor and a drop folder's file that is still
    there proves itself; the upload-cut task and a file the machine took cannot be checked, so a
    person looks at the machine and says.
    """

    REFUSE = "refuse"
    """Stop the run and name the layout, the machine and when it was sent."""
    LANDED = "landed"
    """The machine has the layout (checked by a person): record its parts as cut."""
    RESEND = "resend"
    """The machine does not have it (checked by a person): nest and push its parts again."""


class DrawingSource(BaseModel):
    """Where the DXF drawings come from; the three kinds may be combined."""

    folder: str | None = Field(
        default=None,
        description='A folder of DXF files, or a glob pattern such as "inbox/**/*.dxf".',
    )
    files: list[str] = Field(default_factory=list, description="Paths of single DXF files.")
    urls: list[str] = Field(
        default_factory=list,
        description="HTTP(S) URLs of DXF files; CloudNest downloads them itself.",
    )

    @model_validator(mode="after")
    def _not_empty(self) -> DrawingSource:
        if not (self.folder or self.files or self.urls):
            raise ValueError("give a folder (or glob), files or urls of the drawings to nest")
        return self


class Units(StrEnum):
    """The units of drawings without their own ($INSUNITS 0) and without a manifest answer.

    A default for the whole run, never an answer for one drawing: a unitless drawing whose
    size looks drawn in other units is refused in production whatever the run's units, until
    its manifest line's ``units`` answer for it (a quote keeps it, with a warning). Only a
    manifest line's ``units`` override a drawing's own $INSUNITS.
    """

    AUTO = "auto"
    """Read in millimetres; one whose largest part is under 60 mm looks drawn in inches."""
    MM = "mm"
    """Read in millimetres, as ``auto``: one under 60 mm still looks drawn in inches."""
    INCH = "inch"
    """Read in inches (converted to mm); one of 60 in (1524 mm) and more looks drawn in mm."""


class MaterialSpec(BaseModel):
    """The material every drawing of the run is cut from."""

    name: str = Field(default="S235JR", description="Material grade as CloudNest knows it.")
    thickness: float = Field(default=2.0, gt=0, description="Sheet thickness in mm.")
    gas: str = Field(default="O2", description="Cutting gas (O2, N2, air).")
    density: float = Field(
        default=7.85, gt=0, description="Density in kg/dm³ (g/cm³), to estimate masses."
    )


class NestingSettings(BaseModel):
    """How hard and how tight the engines nest."""

    time_s: float = Field(
        default=10.0, gt=0, le=300, description="Optimisation time given to each engine, in s."
    )
    spacing: float = Field(
        default=5.0, ge=0, description="Minimum distance between two parts, in mm."
    )
    rotations: list[float] = Field(
        default_factory=lambda: [0.0, 90.0, 180.0, 270.0],
        min_length=1,
        description="Allowed rotations in degrees, unless the order manifest says otherwise.",
    )
    allow_flip: bool = Field(
        default=False, description="Whether parts may be mirrored, unless the manifest says."
    )
    max_wait_s: float = Field(
        default=1800.0, gt=0, description="Longest wait for either service, in seconds."
    )
    min_hole_ratio: float = Field(
        default=1.0,
        ge=0,
        description=(
            "Holes narrower than the sheet thickness times this are flagged before nesting "
            "(0: never)."
        ),
    )
    lease_wait_s: float = Field(
        default=3600.0,
        gt=0,
        description="Longest wait for another run of the same job to finish, in seconds.",
    )


#: The names made from the registries (:mod:`nestflow.run_choices`), importable from here too.
_FROM_THE_REGISTRIES = frozenset(
    {
        "DEFAULT_ENGINES",
        "DEFAULT_QUOTE_ENGINE",
        "EngineName",
        "PushEngine",
        "RunChoices",
        "TargetKind",
    }
)


def __getattr__(name: str) -> Any:
    """``EngineName`` and the other choices from the registries, built on first use (PEP 562)."""
    if name not in _FROM_THE_REGISTRIES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from nestflow import run_choices  # noqa: PLC0415 - it imports this module

    return getattr(run_choices, name)
