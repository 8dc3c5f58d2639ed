"""What a run is asked for: engines, mode, push, target kind, units, material, nesting, drawings.

Plain enums and pydantic models, no Prefect: the command line offers and checks these choices
before it imports Prefect (``nestflow --help`` and a refused flag answer at once), and the flows
take them as typed parameters (re-exported by ``flows.parameters``, which adds the models that
name blocks).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, model_validator


class Mode(StrEnum):
    """What the run is for."""

    QUOTE = "quote"
    """Price the job: AlmaCAM's cheap ``stats`` view and previews; nothing is pushed."""
    PRODUCTION = "production"
    """Cut the job: AlmaCAM's ``full`` view, nested DXF files, push to the machine."""


class EngineName(StrEnum):
    """A nesting engine a run can ask for."""

    CLOUDNEST = "cloudnest"
    """Bochu CloudNest: drawings, job, Boost nesting (an account on the vendor's cloud)."""
    ALMACAM = "almacam"
    """The AlmaCAM nesting API (an API token)."""
    LOCAL = "local"
    """Our own solver in the worker: no vendor account needed."""


class PushEngine(StrEnum):
    """Whose layouts go to the machine."""

    CLOUDNEST = "cloudnest"
    ALMACAM = "almacam"
    LOCAL = "local"
    NONE = "none"


class TargetKind(StrEnum):
    """How the pushed layouts reach the machine (the Machine Target block names the machine)."""

    AUTO = "auto"
    """CloudNest layouts by server-side push when the machine has a gmid, any other layout by
    the upload-cut task when it has a card id, else into its drop folder."""
    SERVER_PUSH = "server_push"
    """CloudNest's server-side push (CloudNest layouts only; the machine's gmid)."""
    UPLOAD_CUT = "upload_cut"
    """The documented IoT upload-cut task (any engine's layout DXF; the machine's card id)."""
    DROP_FOLDER = "drop_folder"
    """The layout DXF written into the machine's drop folder."""


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


#: The engines a run uses when it names none: both vendors, computing at once.
DEFAULT_ENGINES = (EngineName.CLOUDNEST, EngineName.ALMACAM)
#: The engine that prices a job when a quote names none: AlmaCAM's cheap ``stats`` view.
DEFAULT_QUOTE_ENGINE = EngineName.ALMACAM


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
