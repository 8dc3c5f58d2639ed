"""CloudNest's server-side push: its own layouts to a machine named by ``gmid``.

A provisional endpoint of the gateway; it cannot take another engine's layout (those go by the
upload-cut task or a drop folder). The only target that can tell how far the machine got.
"""

from __future__ import annotations

from nestflow.cloudnest.jobs import existing_push, push_layout, wait_production
from nestflow.cloudnest.models import PlanStatus, PlanTask
from nestflow.ledger import LedgerPush
from nestflow.targets.base import (
    CutProgress,
    LayoutToCut,
    ProgressCallback,
    PushLookup,
)
from nestflow.targets.gateway import GatewayTarget


class CloudNestServerPush(GatewayTarget):
    """CloudNest's server-side push of its own layouts to a machine by its gmid.

    Built with a CloudNest client of the account that made the layouts, the machine's id on the
    Bochu cloud (``machine_id``) and the account (see :class:`GatewayTarget`).
    """

    machine_field = "gmid"
    missing = "CloudNest gmid"
    no_gateway = "CloudNest's server-side push needs the CloudNest credentials block"
    key_prefix = "cloudnest-push"
    label_prefix = "gmid"

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
        job = layout.engine_job_id
        result = push_layout(
            self.client, layout.layout_id, self.machine_id, layout.quantity, job=job
        )
        return result.plan_guid

    def find(self, push: LedgerPush) -> PushLookup:
        """Look for the production task among the CloudNest job's tasks on this machine."""
        if push.engine_job_id is None:
            return PushLookup(landed=None, detail="no CloudNest job id on record to look in")
        plan = existing_push(self.client, push.engine_job_id, push.layout_id, self.machine_id)
        where = f"CloudNest job {push.engine_job_id}'s production tasks on gmid {self.machine_id}"
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
