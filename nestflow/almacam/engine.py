"""AlmaCAM as a nesting engine (:class:`nestflow.engines.Engine`): submit, wait, read the layouts.

``trigger`` builds the order from the parts as ordered and submits it; the returned
:class:`AlmaCamNesting` waits for the result (first about the order's ``time``, then with back-off)
and turns the ``full`` view into sheet layouts of the parts as they were sent. A result that names
a part or a sheet this order does not have (another order's result, after a vendor restart) is
refused before anything is converted, and the layouts pass the safety gate before they are
returned; copies the service left out are named in the result's ``unplaced``. Previews are best
effort (:mod:`nestflow.almacam.previews`): one that cannot be had is named, never raised.

The Prefect tasks call these steps one by one, so that each can be cached or retried on its own.
"""

from __future__ import annotations

from collections.abc import Callable

from nestflow.almacam.client import AlmaCamClient, PollCallback
from nestflow.almacam.errors import AlmaCamNotFound, AlmaCamValidationError
from nestflow.almacam.layouts import gated_almacam_layouts
from nestflow.almacam.models import FullResult, StatsResult, View
from nestflow.almacam.orders import OrderBundle, foreign_result_reasons, order_bundle
from nestflow.almacam.previews import Previews, fetch_previews
from nestflow.almacam.summary import almacam_summary
from nestflow.engines.base import EngineResult, EngineSettings, PartOrder, SheetSpec
from nestflow.waiting import interruptible_sleep


class AlmaCamEngine:
    """The AlmaCAM nesting API as an engine.

    Args:
        client: A client of the account (its token stays in the client).
        view: ``"full"`` (production: every placement) or ``"stats"`` (quotes: counts only).
    """

    name = "almacam"

    def __init__(self, client: AlmaCamClient, view: View = "full") -> None:
        self.client = client
        self.view = view

    def trigger(
        self, lines: list[PartOrder], sheets: list[SheetSpec], settings: EngineSettings
    ) -> AlmaCamNesting:
        """Build the order from ``lines`` on ``sheets`` and submit it.

        Raises:
            ValueError: No part or no sheet, or a value the order schema rejects.
            AlmaCamValidationError: The service refused the order (names the parts and files).
        """
        return self.submit(order_bundle(lines, sheets, settings))

    def submit(self, bundle: OrderBundle) -> AlmaCamNesting:
        """Submit an order built before (never resent: a second order would be billed).

        Raises:
            AlmaCamValidationError: The service refused the order (names the parts and files).
            AlmaCamTransportError: No answer; ``request_sent`` says whether it may have landed.
        """
        order_id = self.client.submit(bundle.order, index=bundle.index)
        return self.nesting(order_id, bundle)

    def nesting(self, order_id: int, bundle: OrderBundle) -> AlmaCamNesting:
        """The run of an order submitted earlier (a remembered id: check ``foreign_reasons``)."""
        return AlmaCamNesting(self.client, order_id, bundle, self.view)


class AlmaCamNesting:
    """One submitted AlmaCAM order.

    Args:
        client: The client of the account that submitted it.
        order_id: The order's id at AlmaCAM.
        bundle: The order as sent, with the way back to the user's parts and sheets.
        view: Which view of the result to read.
    """

    def __init__(
        self, client: AlmaCamClient, order_id: int, bundle: OrderBundle, view: View
    ) -> None:
        self.client = client
        self.order_id = order_id
        self.bundle = bundle
        self.view = view
        self.result: FullResult | StatsResult | None = None

    def foreign_reasons(self) -> list[str]:
        """Why the order at AlmaCAM is not this one (empty when it is, or still computing).

        A remembered order id is reused only when this is empty: a restarted service numbers
        orders from 1 again, and id 1 may now be another job's order.
        """
        try:
            answer = self.client.result(self.order_id, "stats", index=self.bundle.index)
        except AlmaCamNotFound:
            return ["the service does not know it"]
        except AlmaCamValidationError:
            return []  # the order failed while solving: the wait reports it in the user's terms
        if isinstance(answer, StatsResult):
            return foreign_result_reasons(answer, self.bundle)
        return []  # still computing: its result goes through the gate before any use

    def wait_for_completion(
        self,
        timeout_s: float,
        on_poll: PollCallback | None = None,
        sleep: Callable[[float], None] = interruptible_sleep,
    ) -> FullResult | StatsResult:
        """Wait until the order is no longer computing and read its view.

        Raises:
            AlmaCamTimeout: Still computing after ``timeout_s`` (names the order).
            AlmaCamValidationError: The order failed while being solved (names parts, files).
        """
        self.result = self.client.wait(
            self.order_id,
            self.view,
            expected_time=self.bundle.order.time,
            deadline=timeout_s,
            on_poll=on_poll,
            sleep=sleep,
            index=self.bundle.index,
        )
        return self.result

    def fetch_result(self) -> EngineResult:
        """The layouts of the finished ``full`` result in the parts as sent, once gated.

        Named ``order <id> layout <n>``; each copy ordered but not nested is named in
        ``unplaced`` (with the service's reason when it gives one).

        Raises:
            RuntimeError: Not waited for yet, or the ``stats`` view (it has no placements).
            UnsafeLayouts: The result names parts or sheets this order does not have, or a layout
                fails the safety gate (off the sheet, overlapping, more copies than ordered).
        """
        if not isinstance(self.result, FullResult):
            raise RuntimeError(
                f"AlmaCAM order {self.order_id}: layouts need the finished 'full' view "
                f"(wait_for_completion first, with an engine of view 'full')"
            )
        layouts = gated_almacam_layouts(self.result, self.bundle, f"order {self.order_id}")
        unplaced = almacam_summary(self.order_id, self.result, self.bundle).unplaced
        return EngineResult(layouts=layouts, unplaced=unplaced)

    def previews(self) -> Previews:
        """The PNG preview of each nesting of the finished result (either view), best effort.

        A preview that cannot be had is listed in ``missing`` (order, index, endpoint, reason);
        it never raises: the layouts do not depend on it.

        Raises:
            RuntimeError: Not waited for yet.
        """
        if self.result is None:
            raise RuntimeError(
                f"AlmaCAM order {self.order_id}: its previews need the finished result "
                f"(wait_for_completion first)"
            )
        return fetch_previews(self.client, self.order_id, len(self.result.nestings))
