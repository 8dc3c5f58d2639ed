"""AlmaCAM's engine steps straight on the client: the engine without Prefect, for tests.

In a run the steps of :class:`~nestflow.engines.almacam.AlmaCamEngine` are Prefect tasks
(``nestflow.tasks.almacam.steps``); these call the client themselves, with no cache and no submit
record, and can answer a submit with an order id "remembered" as an earlier run's cache would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.models import View
from nestflow.almacam.orders import OrderBundle, order_bundle
from nestflow.almacam.previews import Previews, fetch_previews
from nestflow.engines.almacam import AlmaCamResult, remembered_order_reasons
from nestflow.engines.base import EngineSettings
from nestflow.intake import CheckedDrawing, order_lines
from nestflow.stock import SheetFormat


@dataclass
class ClientSteps:
    """The engine's steps straight on the client (no Prefect, no cache, no submit record).

    Attributes:
        remembered: An order id the first submit answers with instead of submitting, as an
            earlier run's cache would (``answered_since`` is then false for it).
        current: What ``order_is_current`` says regardless of the service (None: ask it), to
            stand for an order still computing when it was checked.
    """

    client: AlmaCamClient
    remembered: int | None = None
    current: bool | None = None
    submitted: list[int] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)
    previews_asked: list[int] = field(default_factory=list)

    def build_order(
        self, drawings: list[CheckedDrawing], sheets: list[SheetFormat], settings: EngineSettings
    ) -> OrderBundle:
        return order_bundle(order_lines(drawings), sheets, settings)

    def submit(self, bundle: OrderBundle, resend: bool) -> int:
        if self.remembered is not None:
            return self.remembered
        self.submitted.append(self.client.submit(bundle.order, index=bundle.index))
        return self.submitted[-1]

    def resubmit(self, bundle: OrderBundle, resend: bool, replacing: int) -> int:
        self.replaced.append(replacing)
        self.remembered = None
        return self.submit(bundle, resend)

    def answered_since(self, bundle: OrderBundle, order_id: int, since: datetime) -> bool:
        return order_id in self.submitted

    def order_is_current(self, order_id: int, bundle: OrderBundle) -> bool:
        if self.current is not None:
            return self.current
        return not remembered_order_reasons(self.client, order_id, bundle)

    def wait_result(
        self, order_id: int, view: View, bundle: OrderBundle, deadline_s: float
    ) -> AlmaCamResult:
        time = bundle.order.time
        return self.client.wait(
            order_id, view, expected_time=time, deadline=deadline_s, index=bundle.index
        )

    def fetch_previews(self, order_id: int, count: int) -> Previews:
        self.previews_asked.append(order_id)
        return fetch_previews(self.client, order_id, count)
