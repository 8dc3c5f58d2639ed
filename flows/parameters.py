"""Typed parameters of the flows, so the Prefect UI renders a form for manual runs.

Parameters carry block *names*, never secrets: Prefect stores and shows flow parameters in clear.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from blocks.settings import SheetFormat

# The run's choices and settings live in the core (no Prefect there, so the command line can
# check them before importing Prefect); re-exported here, where the flows have always taken them.
from nestflow.run_options import (
    DEFAULT_ENGINES,
    DEFAULT_QUOTE_ENGINE,
    DrawingSource,
    EngineName,
    InDoubt,
    MaterialSpec,
    Mode,
    NestingSettings,
    PushEngine,
    TargetKind,
    Units,
)

DEFAULT_BLOCK = "default"

__all__ = [
    "DEFAULT_BLOCK",
    "DEFAULT_ENGINES",
    "DEFAULT_QUOTE_ENGINE",
    "BlockNames",
    "DrawingSource",
    "EngineName",
    "InDoubt",
    "MaterialSpec",
    "Mode",
    "NestToCncParameters",
    "NestingSettings",
    "PushEngine",
    "TargetKind",
    "Units",
]


class BlockNames(BaseModel):
    """Names of the Prefect blocks the run uses (credentials and settings live there)."""

    cloudnest: str = Field(
        default=DEFAULT_BLOCK, description="CloudNest Credentials block (nestflow-cloudnest-*)."
    )
    almacam: str = Field(default=DEFAULT_BLOCK, description="AlmaCAM Credentials block.")
    sheet_stock: str | None = Field(
        default=None, description="Sheet Stock block; when set, its formats replace `sheets`."
    )
    machine: str | None = Field(
        default=None, description="Machine Target block; required to push layouts."
    )
    output_storage: str | None = Field(
        default=None,
        description=(
            'Filesystem block for the run outputs ("type-slug/name" or a LocalFileSystem name); '
            "empty writes under ./out."
        ),
    )
    cutting: str | None = Field(
        default=None,
        description=(
            "Cutting Parameters block (speeds, pierce times, sheet price, laser rate) quotes are "
            "priced with; empty: nestflow's default table, its source named in the quote."
        ),
    )
    drawing_roots: str | None = Field(
        default=None,
        description=(
            "Drawing Roots block; when set, every drawing and manifest of the run must lie in "
            "one of its folders, and URLs may come from its hosts besides public ones. Empty: "
            "drawings only in the run's working folder, URLs only from public addresses."
        ),
    )

    @property
    def gateway(self) -> str:
        """The credentials block of the gateway that reaches machines (server push, upload cut)."""
        return self.cloudnest


class NestToCncParameters(BaseModel):
    """Everything a nest-to-CNC run needs, in one validated object (cross-field checks)."""

    job_name: str = Field(min_length=1, max_length=120)
    drawings: DrawingSource | None = None
    mode: Mode = Mode.PRODUCTION
    push: PushEngine = PushEngine.NONE
    target: TargetKind = TargetKind.AUTO
    engines: list[EngineName] = Field(default_factory=lambda: list(DEFAULT_ENGINES), min_length=1)
    material: MaterialSpec = Field(default_factory=MaterialSpec)
    sheets: list[SheetFormat] = Field(default_factory=lambda: [SheetFormat()], min_length=1)
    nesting: NestingSettings = Field(default_factory=NestingSettings)
    manifest: str | None = None
    blocks: BlockNames = Field(default_factory=BlockNames)
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
    def _consistent(self) -> NestToCncParameters:
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
        if self.push is not PushEngine.NONE and not self.blocks.machine:
            raise ValueError("pushing layouts needs blocks.machine (a Machine Target block name)")
        return self
