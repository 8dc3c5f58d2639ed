"""What every machine target is: the layout it takes, its interface, what it is built from.

A target takes a :class:`LayoutToCut` (the layout's file, how many sheets, which engine made it)
and returns a reference (a production task, a cut task, a file written); a target that can tell
how far the machine got also answers ``wait_until_cut(reference)``. Each target is one module of
this package with one entry in :mod:`nestflow.targets.registry`; it is built by its class's
``build(setup)`` from a :class:`TargetSetup`: the machine's settings and what the run can reach
(the gateway's client, a filesystem as :class:`Storage`), which the Prefect side provides
(``nestflow/tasks/targets.py``), so no target imports Prefect.

The exactly-once record of each push is kept above this layer (``tasks/push.py``), keyed by
``target.key``, the job and the layout. Layouts reach a target only after the safety gate.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from nestflow.cloudnest.errors import (
    NOT_WORTH_RETRYING,
    CloudNestError,
    CloudNestRateLimited,
    CloudNestServerError,
    CloudNestTransportError,
)

if TYPE_CHECKING:  # the ledger reads the drawings (geometry): only its record's type is named
    from nestflow.cloudnest.client import CloudNestClient
    from nestflow.ledger import LedgerPush


class LayoutToCut(BaseModel):
    """One checked layout on its way to a machine."""

    model_config = ConfigDict(frozen=True)

    job: str = Field(description="The job the layout belongs to.")
    engine: str = Field(description="The engine that made it (cloudnest, almacam, ...).")
    layout_id: str = Field(description="The engine's id of the layout (GUID, '<order>-<n>').")
    index: int = Field(ge=0, description="Position of the layout in its engine's list.")
    quantity: int = Field(ge=1, description="Sheets to cut with this layout.")
    dxf: bytes | None = Field(default=None, description="The layout file, when there is one.")
    engine_job_id: int | None = Field(default=None, description="CloudNest job id, if any.")
    parts: dict[str, int] = Field(
        default_factory=dict, description="Part name -> copies on one sheet of the layout."
    )
    round: str = Field(
        default="", description="The job's round that nested it (the engines' job name)."
    )
    stock: str = Field(
        default="",
        description="What the sheets are cut from, file-name safe: 'S235JR-2mm-O2' ('' unknown).",
    )

    @property
    def file_name(self) -> str:
        """``<job>-<engine>-layout-01-<tag>-x3-S235JR-2mm-O2.dxf``: what, whose, how many, of what.

        The name is what the machine's operator reads, so it says the material, thickness and
        gas to load. It is not part of the push's identity (target, round, engine, layout id):
        the ledger keeps the name each push was written under.
        """
        job = re.sub(r"[^a-z0-9]+", "-", self.job.lower()).strip("-") or "job"
        # Rounds of one job (a re-run cutting what was missing) number their layouts from 1
        # again: a short hash of the round and layout keeps their files apart.
        tag = hashlib.sha256(f"{self.round}|{self.layout_id}".encode()).hexdigest()[:6]
        stock = f"-{self.stock}" if self.stock else ""
        return f"{job}-{self.engine}-layout-{self.index + 1:02d}-{tag}-x{self.quantity}{stock}.dxf"


#: Errors of a read that said nothing about the cut (no answer, 5xx, too frequent): a wait for
#: the cut may be retried on them; any other error ends it.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    CloudNestTransportError,
    CloudNestServerError,
    CloudNestRateLimited,
)
#: Errors a retry cannot mend (the gateway's: silent for its whole limit, an answer too large).
HOPELESS_ERRORS: tuple[type[Exception], ...] = NOT_WORTH_RETRYING


class PushLookup(BaseModel):
    """What a target can tell about a push whose answer was never recorded."""

    model_config = ConfigDict(frozen=True)

    landed: bool | None = Field(
        description="True: the machine has it; False: it surely does not; None: cannot tell."
    )
    reference: str = Field(default="", description="What the target holds, when it landed.")
    detail: str = Field(description="How the target knows (or why it cannot), for messages.")


def not_sent(error: Exception) -> bool:
    """True when ``error`` proves a push did not reach the machine: the target refused it.

    A vendor's answer with an error code (bad request, no permission, too frequent, machine
    not controllable) or a target's own refusal says so; no answer, a dropped connection or a
    server error (5xx) does not: the push may have landed behind it.
    """
    if isinstance(error, TargetError):
        return True
    return isinstance(error, CloudNestError) and not error.may_have_landed


class TargetError(RuntimeError):
    """A target refused a layout; nothing reached the machine through it."""


class CutProgress(BaseModel):
    """How far the machine got with one pushed layout."""

    model_config = ConfigDict(frozen=True)

    reference: str = Field(description="What the target created (production task, cut task).")
    status: str = Field(description="The machine's own word for the state.")
    cut: int = Field(ge=0, description="Sheets cut so far.")
    total: int = Field(ge=0, description="Sheets planned.")
    finished: bool = Field(description="Every planned sheet is cut.")

    def describe(self) -> str:
        """``<status>: <cut>/<total> sheet(s)``."""
        return f"{self.status}: {self.cut}/{self.total} sheet(s)"


#: Called after every read of a cut's progress while a run waits for it.
ProgressCallback = Callable[[CutProgress], None]


@runtime_checkable
class Target(Protocol):
    """Where checked layouts go: ``push`` and, when the target can tell, ``wait_until_cut``."""

    @property
    def key(self) -> str:
        """Identity of the target for exactly-once records (account and machine)."""

    @property
    def label(self) -> str:
        """How the target is named in reports ("gmid 165192", "card 000000165192")."""

    @property
    def reports_progress(self) -> bool:
        """Whether the target can tell how far the machine got (a run may wait for the cut)."""

    def accepts(self, layout: LayoutToCut) -> str | None:
        """Why the target cannot take ``layout``, or None when it can."""

    def push(self, layout: LayoutToCut) -> str:
        """Send the layout to the machine; return the reference of what was created."""

    def find(self, push: LedgerPush) -> PushLookup:
        """Whether an earlier push (whose answer was never recorded) reached the machine."""

    def wait_until_cut(
        self, reference: str, deadline_s: float, on_poll: ProgressCallback | None = None
    ) -> CutProgress:
        """Wait until the machine cut every sheet of ``reference``.

        Raises:
            TargetError: The target cannot tell (``reports_progress`` is false).
        """


class MachineSettings(Protocol):
    """What a target's builder reads of the machine (the Machine Target block's fields)."""

    gmid: int | None
    card_id: str | None
    drop_folder_block: str | None


class Storage(Protocol):
    """A folder a target writes files into and reads them back from (a filesystem block)."""

    def write(self, path: str, content: bytes) -> str:
        """Write ``content`` at ``path``; return where it went."""

    def read(self, path: str) -> bytes | None:
        """The content at ``path``; None when there is no such file."""


@dataclass(frozen=True)
class Gateway:
    """The gateway that reaches machines (CloudNest's API): its client and which account.

    Attributes:
        client: A client of the gateway (signed requests).
        account: Which server and account, for exactly-once keys (no secret).
    """

    client: CloudNestClient
    account: str


class TargetSetup(Protocol):
    """What a target is built from: the machine's settings and what the run can reach.

    The Prefect side implements it (``nestflow/tasks/targets.py``): blocks are loaded only when a
    target asks, so a drop folder needs no gateway credentials.
    """

    @property
    def machine(self) -> MachineSettings:
        """The machine's settings."""

    @property
    def machine_name(self) -> str:
        """The name of the machine's block (for messages)."""

    def gateway(self) -> Gateway | None:
        """The gateway's client and account; None when its credentials block is not saved."""

    def storage(self, block: str) -> Storage:
        """The filesystem block ``block`` (``"type-slug/name"`` or a LocalFileSystem name)."""


class BuildableTarget(Protocol):
    """A target's class: whether a machine is set up for it, and the target built for it."""

    @classmethod
    def set_up_on(cls, machine: MachineSettings) -> bool:
        """Whether ``machine`` names what the target reaches it by (``auto`` asks)."""

    @classmethod
    def build(cls, setup: TargetSetup) -> Target | str:
        """The target for ``setup.machine``, or why it cannot be built (a sentence)."""


class FileTarget:
    """A target that takes any engine's layout file and cannot tell how far the machine got.

    Subclasses give ``key``, ``label``, ``push`` and, when they can look, ``find``.
    """

    label: str
    reports_progress = False

    @classmethod
    def set_up_on(cls, machine: MachineSettings) -> bool:
        """A target that needs nothing named on the machine: always."""
        return True

    def accepts(self, layout: LayoutToCut) -> str | None:
        """Any layout with a DXF file."""
        return None if layout.dxf else f"{layout.engine} layout {layout.layout_id} has no file"

    def wait_until_cut(
        self, reference: str, deadline_s: float, on_poll: ProgressCallback | None = None
    ) -> CutProgress:
        """Nothing to wait for: the target reports nothing about the cut.

        Raises:
            TargetError: Always.
        """
        raise TargetError(f"{self.label} reports no production progress: nothing to wait for")

    def find(self, push: LedgerPush) -> PushLookup:
        """A file target keeps no list of what it was sent: it cannot tell."""
        return PushLookup(
            landed=None, detail=f"{self.label} keeps no list of the layouts it was sent"
        )
