"""The engine interface, shaped like Prefect's ``JobBlock``/``JobRun``: trigger, wait, fetch.

An engine is triggered with the checked parts (each with its quantity, rotations and flip), the
sheet stock and the settings, and returns a run; the run can be waited for and its result is a
list of layouts (sheet, quantity, placements of named parts, used length) plus the copies it left
out. Results go through the safety gate (:mod:`nestflow.gate`) before anything is written or
pushed.

Two kinds of answer exist. An engine that says where each part lies (the local solver, AlmaCAM's
``full`` view) gives layouts with placements, and the gate reads those
(:func:`nestflow.gate.check_layouts`). An engine whose answer has no usable placements (CloudNest
gives no flip, and its file is what the machine cuts) gives layouts without placements and, for
each, the file it delivered (:attr:`EngineResult.files`) with the names of the parts on it
(:attr:`EngineResult.part_names`); the gate reads the files
(:func:`nestflow.gate.check_dxf_layouts`).

What an engine needs beyond parts, sheets and settings (a client, a job name, a material, the
bytes of the drawings) is given to its constructor; the trigger is the same for all.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

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
    """What an engine produced: layouts of named parts, and what it left out (as sentences).

    Attributes:
        layouts: One per distinct sheet pattern (``quantity`` identical sheets each).
        unplaced: A sentence per part not nested as often as ordered, with the reason if known.
        files: Layout name -> the layout's file (DXF) as the engine delivered it. An engine whose
            answer has no placements gives its files here instead, and the gate reads those;
            empty for engines whose layouts carry their placements.
        part_names: Layout name -> the ordered part named for each outline of its file (one entry
            per placed copy on one sheet), what the gate matches the file's outlines against.
    """

    layouts: list[SheetLayout]
    unplaced: list[str] = Field(default_factory=list)
    files: dict[str, bytes] = Field(default_factory=dict, repr=False)
    part_names: dict[str, tuple[str, ...]] = Field(default_factory=dict)


@runtime_checkable
class EngineRun(Protocol):
    """A triggered nesting (``isinstance`` checks that its methods exist)."""

    def wait_for_completion(self, timeout_s: float) -> object:
        """Block until the nesting finished.

        What it returns is the engine's own (AlmaCAM: its raw answer); callers of the interface
        ignore it and call :meth:`fetch_result`. After ``timeout_s`` it raises the engine's
        timeout error: ``TimeoutError`` (local), ``AlmaCamTimeout``, ``CloudNestWaitTimeout``.
        """

    def fetch_result(self) -> EngineResult:
        """The finished nesting's layouts (raises when the nesting was not waited for)."""


@runtime_checkable
class Engine(Protocol):
    """Something that nests parts onto sheets (``isinstance`` checks its members exist)."""

    name: str

    def trigger(
        self, lines: list[PartOrder], sheets: list[SheetSpec], settings: EngineSettings
    ) -> EngineRun:
        """Start nesting ``lines`` onto ``sheets``."""
