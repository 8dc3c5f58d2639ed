"""One engine contract: what every nesting engine implements (CloudNest, AlmaCAM, our solver).

A run drives every engine it asks for through :class:`Engine`, in two halves, so that all of them
compute at once: ``start`` triggers the nesting (AlmaCAM and the local solver only submit;
CloudNest's start waits for its drawings to be processed, so it is started last), ``finish``
waits, fetches, passes every layout through the safety gate (:mod:`nestflow.gate`) and
summarises. Then ``files`` gives the gated layout files and pictures, and ``layouts_to_cut`` the
layouts as they go to a machine. An engine never raises from ``start`` or ``finish``: a failure is
recorded in its :attr:`Engine.summary` and the others go on; the run decides at the end.

An engine is its module plus one entry of :mod:`nestflow.engines.registry` (name, title,
credentials block, capabilities); the run's choices, the report's titles and the summary's keys
come from the registry. What an engine reaches through Prefect (its tasks: submit records that
survive a restart, retries, caching) it is given as *steps*, a small protocol its own module
defines and ``nestflow/tasks/<engine>.py`` implements; the core never imports Prefect. Vendor
specifics (parts a service refuses, previews, a submit nobody saw answered) live in the engine's
own module.

The lower-level types here (:class:`PartOrder`, :class:`EngineSettings`, :class:`EngineResult`)
are what an engine's nesting takes and gives: the parts as ordered, and the layouts of named
parts plus what was left out.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from nestflow.engines.registry import EngineEntry
from nestflow.geometry.layout import SheetLayout
from nestflow.geometry.models import Part
from nestflow.run_options import InDoubt, MaterialSpec, Mode, NestingSettings
from nestflow.stock import SheetFormat

if TYPE_CHECKING:  # both import this module (their models name PartOrder)
    from nestflow.intake import Intake
    from nestflow.report import EngineSummary
    from nestflow.targets import LayoutToCut


class PartOrder(BaseModel):
    """One part to nest, as ordered."""

    model_config = ConfigDict(frozen=True)

    part: Part
    quantity: int = Field(ge=1)
    rotations: tuple[float, ...] = (0.0, 90.0, 180.0, 270.0)
    flip: bool = False


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


@dataclass(frozen=True)
class EngineContext:
    """What every engine of a run is given: the job, the checked drawings, stock and settings.

    Attributes:
        job: The round's job name (the name the services know the job by).
        intake: The checked drawings of this round (what the ledger says is missing).
        material: Material, thickness, gas and density of every drawing.
        sheets: The sheet formats in stock.
        nesting: Optimisation time, spacing, rotations, flip, longest wait.
        mode: ``quote`` (statistics, previews) or ``production`` (layout files, push).
        in_doubt: What to do with a request an earlier run sent but never saw answered.
    """

    job: str
    intake: Intake
    material: MaterialSpec
    sheets: list[SheetFormat]
    nesting: NestingSettings
    mode: Mode = Mode.PRODUCTION
    in_doubt: InDoubt = InDoubt.REFUSE


class Engine(ABC):
    """One nesting engine's part of a run: start, finish, files, layouts to cut.

    Subclasses set :attr:`entry` (their registry entry) and :attr:`summary` (an empty one for
    their name until ``finish``). See the module docstring for the protocol. A run builds an
    engine with one argument, its steps, made by ``nestflow.tasks.<name>.steps(credentials)``
    (its credentials block, or None when its entry names no block); an engine without a tasks
    module is built with none (``flows/engines/adapter.py``).
    """

    #: The engine's registry entry: name, title, credentials block and capabilities.
    entry: ClassVar[EngineEntry]
    #: What the engine did: layouts (gated), left-out parts, errors; failed when it stopped.
    summary: EngineSummary

    @property
    def name(self) -> str:
        """The engine's name in parameters, summaries, file folders and push records."""
        return self.entry.name

    @abstractmethod
    def start(self, ctx: EngineContext) -> None:
        """Trigger the nesting (failures are recorded in ``summary``, never raised)."""

    @abstractmethod
    def finish(self, ctx: EngineContext) -> None:
        """Wait, fetch, pass every layout through the safety gate, summarise (never raises)."""

    @abstractmethod
    def files(self) -> dict[str, bytes]:
        """The gated layout files and their pictures, by file name (``<engine>/<sheet>.dxf``)."""

    @abstractmethod
    def layouts_to_cut(self, job: str, files: dict[str, bytes]) -> list[LayoutToCut]:
        """The gated layouts as they go to a machine."""
