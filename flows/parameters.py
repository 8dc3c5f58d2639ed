"""Typed parameters of the flows, so the Prefect UI renders a form for manual runs.

Parameters carry block *names*, never secrets: Prefect stores and shows flow parameters in clear.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, create_model, model_validator

from nestflow.blocks.settings import SheetFormat
from nestflow.engines.registry import ENGINES

# The run's choices and settings live in the core (no Prefect there, so the command line can
# check them before importing Prefect); re-exported here, where the flows have always taken them.
from nestflow.run_choices import (
    DEFAULT_ENGINES,
    DEFAULT_QUOTE_ENGINE,
    EngineName,
    PushEngine,
    RunChoices,
    TargetKind,
)
from nestflow.run_options import DrawingSource, InDoubt, MaterialSpec, Mode, NestingSettings, Units

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
    "RunChoices",
    "TargetKind",
    "Units",
]


class RunBlocks(BaseModel):
    """The Prefect blocks a run reads its settings from (``BlockNames`` adds the credentials)."""

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
        return str(getattr(self, "cloudnest", DEFAULT_BLOCK))


#: Names of the Prefect blocks the run uses: a credentials block for each registered engine that
#: needs one (a field named for the engine, made from the registry), and the settings blocks.
BlockNames = create_model(
    "BlockNames",
    __base__=RunBlocks,
    __doc__="Names of the Prefect blocks the run uses (credentials and settings live there).",
    __module__=__name__,
    **{
        name: (
            str,
            Field(
                default=DEFAULT_BLOCK,
                description=f"{entry.title} credentials block (block type {entry.block}).",
            ),
        )
        for name, entry in ENGINES.items()
        if entry.block
    },
)


class NestToCncParameters(RunChoices):
    """Everything a nest-to-CNC run needs, in one validated object (cross-field checks).

    The choices that name no block and no sheet, and the rules between them, are
    :class:`~nestflow.run_choices.RunChoices` (checked by the command line before Prefect is
    imported); here the sheets and blocks join them.
    """

    sheets: list[SheetFormat] = Field(default_factory=lambda: [SheetFormat()], min_length=1)
    blocks: BlockNames = Field(default_factory=BlockNames)

    @model_validator(mode="after")
    def _pushes_somewhere(self) -> NestToCncParameters:
        if self.push is not PushEngine.NONE and not self.blocks.machine:
            raise ValueError("pushing layouts needs blocks.machine (a Machine Target block name)")
        return self
