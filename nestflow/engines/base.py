"""The engine interface, shaped like Prefect's ``JobBlock``/``JobRun``: trigger, wait, fetch.

An engine is triggered with the checked parts (each with its quantity, rotations and flip), the
sheet stock and the settings, and returns a run; the run can be waited for and its result is a
list of layouts (sheet, quantity, placements of named parts, used length) plus the copies it left
out. Results go through the safety gate (:mod:`nestflow.gate`) before anything is written or
pushed.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from nestflow.geometry.layout import SheetLayout
from nestflow.geometry.models import Part


class PartOrder(BaseModel):
    """One part to nest, as ordered."""

    model_config = ConfigDict(frozen=True)

    part: Part
    quantity: int = Field(ge=1)
    rotations: tuple[float, ...] = (0.0, 90.0, 180.0, 270.0)
    flip: bool = False


class SheetSpec(BaseModel):
    """One sheet format in stock (mm)."""

    model_config = ConfigDict(frozen=True)

    name: str
    length: float = Field(gt=0)
    height: float = Field(gt=0)
    quantity: int = Field(ge=1)
    border_gap: float = Field(default=0.0, ge=0)


class EngineSettings(BaseModel):
    """How long and how tight to nest."""

    model_config = ConfigDict(frozen=True)

    time_s: float = Field(gt=0)
    spacing: float = Field(ge=0)


class EngineResult(BaseModel):
    """What an engine produced: layouts of named parts, and what it left out (as sentences)."""

    layouts: list[SheetLayout]
    unplaced: list[str] = Field(default_factory=list)


class EngineRun(Protocol):
    """A triggered nesting."""

    def wait_for_completion(self, timeout_s: float) -> None:
        """Block until the nesting finished (raises TimeoutError after ``timeout_s``)."""

    def fetch_result(self) -> EngineResult:
        """The finished nesting's layouts."""


class Engine(Protocol):
    """Something that nests parts onto sheets."""

    name: str

    def trigger(
        self, lines: list[PartOrder], sheets: list[SheetSpec], settings: EngineSettings
    ) -> EngineRun:
        """Start nesting ``lines`` onto ``sheets``."""
