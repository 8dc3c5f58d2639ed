"""CloudNest's server-side push: its own layouts to a machine named by ``gmid``.

A provisional endpoint of the gateway; it cannot take another engine's layout (those go by the
upload-cut task or a drop folder). The only target that can tell how far the machine got.
"""

from __future__ import annotations

from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.jobs import existing_push, push_layout, wait_production
from nestflow.cloudnest.models import PlanStatus, PlanTask
from nestflow.ledger import LedgerPush
from nestflow.targets.base import (
    CutProgress,
    LayoutToCut,
    ProgressCallback,
    PushLookup,
    TargetSetup,
)


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

    @classmethod
    def build(cls, setup: TargetSetup) -> CloudNestServerPush | str:
        """The push to the machine's gmid through the gateway, or why there is none."""
        gmid = setup.machine.gmid
        if gmid is None:
            return f"Machine Target block {setup.machine_name!r} has no CloudNest gmid"
        gateway = setup.gateway()
        if gateway is None:
            return "CloudNest's server-side push needs the CloudNest credentials block"
        return cls(gateway.client, gmid, gateway.account)

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
