"""Machine targets: where a checked layout goes to be cut, behind one interface.

A target takes a :class:`LayoutToCut` (the layout's file, how many sheets, which engine made it)
and returns a reference (a production task, a cut task, a file written); a target that can tell
how far the machine got also answers ``wait_until_cut(reference)``. Targets:

* :class:`CloudNestServerPush` — CloudNest's server-side push of one of its own layouts to a
  machine named by ``gmid`` (provisional endpoint); it cannot take another engine's layout;
* :class:`UploadCutTarget` — the IoT "upload cut task" (documented, spec §Q.2): any engine's
  layout DXF to a machine named by its 12-digit card id;
* a drop folder (any Prefect writable filesystem; the Prefect side, ``tasks/push.py``).

The exactly-once record of each push is kept above this layer (``tasks/push.py``), keyed by
``target.key``, the job and the layout. Layouts reach a target only after the safety gate.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.errors import (
    NOT_WORTH_RETRYING,
    UNCONTROLLABLE_MACHINE,
    CloudNestError,
    CloudNestRateLimited,
    CloudNestServerError,
    CloudNestTransportError,
)
from nestflow.cloudnest.jobs import existing_push, push_layout, wait_production
from nestflow.cloudnest.models import PlanStatus, PlanTask
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


class CloudNestServerPush:
    """CloudNest's server-side push of its own layouts to machine ``gmid``.

    Args:
        client: A CloudNest client of the account that made the layouts.
        gmid: The machine's id on the Bochu cloud.
        account: Which server and account (for the exactly-once key; no secret).
    """

    def __init__(self, client: CloudNestClient, gmid: int, account: str) -> None:
        self.client = client
        self.gmid = gmid
        self.account = account

    @property
    def key(self) -> str:
        """Account and machine."""
        return f"cloudnest-push|{self.account}|{self.gmid}"

    @property
    def label(self) -> str:
        """``gmid <n>``."""
        return f"gmid {self.gmid}"

    reports_progress = True

    def accepts(self, layout: LayoutToCut) -> str | None:
        """Only CloudNest's own layouts of a known job can be pushed server-side."""
        if layout.engine != "cloudnest" or layout.engine_job_id is None:
            return (
                f"CloudNest's server-side push takes CloudNest layouts only, not {layout.engine}'s "
                "(use the upload-cut target or a drop folder)"
            )
        return None

    def push(self, layout: LayoutToCut) -> str:
        """Push the layout for its quantity; the job's existing production tasks are checked."""
        result = push_layout(
            self.client, layout.layout_id, self.gmid, layout.quantity, job=layout.engine_job_id
        )
        return result.plan_guid

    def find(self, push: LedgerPush) -> PushLookup:
        """Look for the production task among the CloudNest job's tasks on this machine."""
        if push.engine_job_id is None:
            return PushLookup(landed=None, detail="no CloudNest job id on record to look in")
        plan = existing_push(self.client, push.engine_job_id, push.layout_id, self.gmid)
        where = f"CloudNest job {push.engine_job_id}'s production tasks on gmid {self.gmid}"
        if plan is None:
            return PushLookup(landed=False, detail=f"not among {where}")
        return PushLookup(landed=True, reference=plan.guid, detail=f"found among {where}")

    def wait_until_cut(
        self, reference: str, deadline_s: float, on_poll: ProgressCallback | None = None
    ) -> CutProgress:
        """Poll the production task until every sheet is cut (back-off, deadline).

        Raises:
            CloudNestWaitTimeout: Sheets still to cut at the deadline.
        """

        def report(plan: PlanTask) -> None:
            if on_poll is not None:
                on_poll(_cut_progress(plan))

        return _cut_progress(wait_production(self.client, reference, deadline_s, report))


def _cut_progress(plan: PlanTask) -> CutProgress:
    cut, total = plan.finish_plate_amount, plan.total_plate_amount
    return CutProgress(
        reference=plan.guid,
        status=str(plan.status),
        cut=cut,
        total=total,
        finished=plan.status == PlanStatus.COMPLETED or (total > 0 and cut >= total),
    )


class FileTarget:
    """A target that takes any engine's layout file and cannot tell how far the machine got.

    Subclasses give ``key``, ``label``, ``push`` and, when they can look, ``find``.
    """

    label: str
    reports_progress = False

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


class UploadCutTarget(FileTarget):
    """The IoT "upload cut task": any engine's layout DXF to the machine with card ``card_id``.

    Args:
        client: A client of the gateway (same signed headers as CloudNest).
        card_id: The machine's 12-digit card id.
        account: Which server and account (for the exactly-once key; no secret).
    """

    def __init__(self, client: CloudNestClient, card_id: str, account: str) -> None:
        self.client = client
        self.card_id = card_id
        self.account = account

    @property
    def key(self) -> str:
        """Account and card."""
        return f"upload-cut|{self.account}|{self.card_id}"

    @property
    def label(self) -> str:
        """``card <id>``."""
        return f"card {self.card_id}"

    def push(self, layout: LayoutToCut) -> str:
        """Upload the file as a cut task of ``quantity`` sheets; return the task UUID.

        Raises:
            TargetError: The account cannot control this machine (vendor code 1010).
        """
        assert layout.dxf is not None
        try:
            return self.client.device_upload_cut(
                self.card_id,
                task_name=layout.file_name.removesuffix(".dxf"),
                amount=layout.quantity,
                file=(layout.file_name, layout.dxf),
            )
        except CloudNestError as exc:
            if exc.status == UNCONTROLLABLE_MACHINE:
                raise TargetError(
                    f"machine card {self.card_id}: this account cannot control it (vendor code "
                    f"1010, uncontrollable machine tool); check the card id and that the machine "
                    f"is IoT-certified within the account's quota. {exc.msg}"
                ) from exc
            raise
