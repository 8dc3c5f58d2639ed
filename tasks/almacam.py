"""AlmaCAM steps as Prefect tasks: build the order, submit it once, wait, read results and previews.

The order is submitted at most once per content: the submit task caches on the account and a
hash of the order's JSON, so a re-run of the same drawings, stock and settings reads the same
order's result instead of paying for a second one. It is retried only when the connection never
opened (the order provably did not land).

Every order is billed, and AlmaCAM cannot list orders: a submit whose answer never came back
(the run was killed, the connection dropped after sending) may have created one nobody can find.
So a submit is written down before it is sent (``<result storage>/nestflow-almacam/submits``)
and its order id once answered. A later run finding a submit never answered does not submit
again on its own: it stops the engine saying so, unless the run asks to resubmit.

A remembered order id is checked against the service before it is used (a restarted service
numbers orders from 1 again): :func:`order_is_current`, and :func:`answered_since` tells an
order this run submitted from a remembered one. Previews are best effort
(:func:`fetch_previews`): a missing one is a warning, never a failure.

:func:`steps` gives these tasks to :class:`~nestflow.engines.almacam.AlmaCamEngine` as its
:class:`~nestflow.engines.almacam.AlmaCamSteps`: the engine decides, the tasks reach the service.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext
from prefect.utilities.annotations import quote
from pydantic import BaseModel

from nestflow.almacam.errors import (
    NOT_WORTH_RETRYING,
    AlmaCamError,
    AlmaCamServerError,
    AlmaCamTransportError,
    AlmaCamValidationError,
)
from nestflow.almacam.models import View
from nestflow.almacam.orders import OrderBundle, order_bundle
from nestflow.almacam.previews import Previews
from nestflow.almacam.previews import fetch_previews as best_effort_previews
from nestflow.blocks.credentials import AlmaCamCredentials
from nestflow.engines.almacam import AlmaCamResult, AlmaCamSteps, remembered_order_reasons
from nestflow.engines.base import EngineSettings
from nestflow.intake import CheckedDrawing, order_lines
from nestflow.stock import SheetFormat
from nestflow.tasks.clients import almacam_client, service_key
from nestflow.tasks.events import emit, order_resource, refused_order_resource
from nestflow.tasks.policy import business_key, read_only, retry_when
from nestflow.tasks.progress import Progress
from nestflow.tasks.storage import shared_folder, write_atomically

CACHE_DAYS = 7
PROGRESS_STEP_S = 0.5


@task(name="Build AlmaCAM order", cache_policy=NO_CACHE)
def build_order(
    drawings: list[CheckedDrawing], sheets: list[SheetFormat], time_s: float, spacing: float
) -> OrderBundle:
    """One order part per drawing part, with the drawing's quantity, rotations and flip."""
    settings = EngineSettings(time_s=time_s, spacing=spacing)
    return order_bundle(order_lines(drawings), sheets, settings)


def order_key(credentials: AlmaCamCredentials, bundle: OrderBundle) -> str:
    """The business key of an order: the account and the order's content."""
    return business_key("almacam-order", service_key(credentials), bundle.digest())


def _order_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    return order_key(parameters["credentials"], parameters["bundle"])


#: The submit is retried only when the connection never opened: the order provably did not land.
not_sent = retry_when(lambda exc: isinstance(exc, AlmaCamTransportError) and not exc.request_sent)

#: Checks of a remembered order retry a server failure or a missing answer (a 400/401/404 will
#: not change), but not a hopeless one.
READ_ONLY = read_only(AlmaCamServerError, AlmaCamTransportError, never=NOT_WORTH_RETRYING)


class OrderInDoubt(RuntimeError):
    """An earlier submit of this order never got its answer: a billed order may already exist."""


class SubmitRecord(BaseModel):
    """One submit of an order: when it was sent, and its order id once answered."""

    sent_at: datetime
    order_id: int | None = None


def _submit_path(key: str) -> Path:
    return shared_folder("nestflow-almacam") / "submits" / f"{key}.json"


def _read_submit(key: str) -> SubmitRecord | None:
    path = _submit_path(key)
    return SubmitRecord.model_validate_json(path.read_bytes()) if path.exists() else None


def _write_submit(key: str, record: SubmitRecord) -> None:
    write_atomically(_submit_path(key), record.model_dump_json().encode())


def answered_since(
    credentials: AlmaCamCredentials, bundle: OrderBundle, order_id: int, since: datetime
) -> bool:
    """Whether ``order_id`` answered a submit of this order sent at or after ``since``.

    True for an order this run submitted; false for one remembered from an earlier run (its
    record is older, or gone while Prefect's cache still held the id), which a restarted
    service may since have given to another job.
    """
    record = _read_submit(order_key(credentials, bundle))
    return record is not None and record.order_id == order_id and record.sent_at >= since


def _did_not_land(exc: AlmaCamError) -> bool:
    """The service refused the order (a 4xx answer), or the request never left.

    A server failure (5xx) or an answer that could not be read (malformed, too large) may
    come after the order was created: that submit stays in doubt.
    """
    return not exc.may_have_landed


def _in_doubt(record: SubmitRecord, bundle: OrderBundle) -> OrderInDoubt:
    return OrderInDoubt(
        f"AlmaCAM order of {len(bundle.index.parts)} part(s) (content {bundle.digest()[:12]}) "
        f"was submitted at {record.sent_at:%Y-%m-%d %H:%M:%S} UTC by a run that never got the "
        "answer: a billed order may already exist, and AlmaCAM cannot list orders to find it. "
        "Run the job again with in_doubt=resend to submit it once more (a second order is "
        "billed), or leave AlmaCAM out of its engines"
    )


@task(
    name="Submit AlmaCAM order",
    cache_key_fn=_order_key,
    cache_expiration=timedelta(days=CACHE_DAYS),
    retries=2,
    retry_delay_seconds=[1, 5],
    retry_condition_fn=not_sent,
)
def submit_order(
    credentials: AlmaCamCredentials,
    bundle: OrderBundle,
    resubmit_unanswered: bool = False,
    replacing: int | None = None,
) -> int:
    """Submit the order; a 400 raises with every error naming the user's parts and files.

    Args:
        credentials: The AlmaCAM account.
        bundle: The order.
        resubmit_unanswered: Submit again when an earlier submit of this order was never
            answered (a second order is billed); otherwise that stops with ``OrderInDoubt``.
        replacing: An order id found stale (the service lost it): a record of it is not reused.

    Raises:
        OrderInDoubt: An earlier submit was never answered and ``resubmit_unanswered`` is off.
    """
    key = order_key(credentials, bundle)
    record = _read_submit(key)
    if record is not None and record.order_id is not None and record.order_id != replacing:
        get_run_logger().info("AlmaCAM order %s was submitted before; reused", record.order_id)
        return record.order_id
    if record is not None and record.order_id is None and not resubmit_unanswered:
        raise _in_doubt(record, bundle)
    sent = SubmitRecord(sent_at=datetime.now(UTC))
    _write_submit(key, sent)
    try:
        order_id = almacam_client(credentials).submit(bundle.order, index=bundle.index)
    except AlmaCamError as exc:
        if _did_not_land(exc):
            _submit_path(key).unlink(missing_ok=True)
        if isinstance(exc, AlmaCamValidationError):
            _emit_failed(refused_order_resource(bundle.digest()), exc)
        raise
    _write_submit(key, sent.model_copy(update={"order_id": order_id}))
    emit(
        "nestflow.nesting.submitted",
        order_resource(order_id),
        payload={"engine": "almacam", "parts": len(bundle.index.parts), "time": bundle.order.time},
    )
    return order_id


def _emit_failed(resource: dict[str, str], exc: AlmaCamValidationError) -> None:
    emit(
        "nestflow.nesting.failed",
        resource,
        payload={"engine": "almacam", "errors": exc.describe(), "codes": exc.codes()},
    )


@task(name="Check the remembered AlmaCAM order", **READ_ONLY)
def order_is_current(credentials: AlmaCamCredentials, order_id: int, bundle: OrderBundle) -> bool:
    """Whether the (cached) order id still answers for this order's parts on the server.

    Read from the cheap ``stats`` view (:func:`~nestflow.engines.almacam.remembered_order_reasons`:
    ids, counts, areas). An order still computing cannot be told apart and is kept: the engine
    checks its result again once finished, before anything of it is written or pushed.
    """
    reasons = remembered_order_reasons(almacam_client(credentials), order_id, bundle)
    if reasons:
        get_run_logger().warning(
            "AlmaCAM order %s remembered for these drawings is not theirs any more (%s); "
            "submitting the order again",
            order_id,
            "; ".join(reasons[:5]),
        )
    return not reasons


@task(
    name="Wait for AlmaCAM result",
    task_run_name="wait for order {order_id} ({view})",
    **read_only(AlmaCamServerError, AlmaCamTransportError, delays=(5,), never=NOT_WORTH_RETRYING),
)
def wait_result(
    credentials: AlmaCamCredentials,
    order_id: int,
    view: View,
    bundle: OrderBundle,
    deadline_s: float,
) -> AlmaCamResult:
    """Wait until the order is no longer computing (202) and read the ``view``.

    A progress artifact follows the optimisation time, then each poll.
    """
    expected = bundle.order.time
    progress = Progress("AlmaCAM", f"nesting of order {order_id} ({expected:g} s budget)")
    started = time.monotonic()

    def sleep(seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(PROGRESS_STEP_S, left))
            progress.update(min(0.95, (time.monotonic() - started) / max(expected, 1.0)))

    def on_poll(attempt: int, elapsed: float, status: int | None) -> None:
        progress.update(min(0.95, elapsed / max(expected, 1.0)), f"poll {attempt}: {status}")

    client = almacam_client(credentials)
    try:
        result = client.wait(
            order_id,
            view,
            expected_time=expected,
            deadline=deadline_s,
            on_poll=on_poll,
            sleep=sleep,
            index=bundle.index,
        )
    except AlmaCamValidationError as exc:
        _emit_failed(order_resource(order_id), exc)
        raise
    progress.done(f"{len(result.nestings)} nesting(s)")
    emit(
        "nestflow.nesting.finished",
        order_resource(order_id),
        payload={"engine": "almacam", "view": view, "nestings": len(result.nestings)},
    )
    return result


@task(
    name="Fetch AlmaCAM previews",
    task_run_name="previews of order {order_id}",
    cache_policy=NO_CACHE,
)
def fetch_previews(credentials: AlmaCamCredentials, order_id: int, count: int) -> Previews:
    """The PNG preview of each nesting of a finished order, best effort.

    A preview is for people: one that cannot be fetched (no answer, a server failure after the
    retries, a refusal, not a PNG) is logged as a warning naming the order, the layout, the
    endpoint and the reason, and returned as missing; it never fails the task, so it never costs
    the engine its layouts or the run its push. The retries are :func:`fetch_previews`'s own,
    per preview, so the task has none.
    """
    previews = best_effort_previews(almacam_client(credentials), order_id, count)
    for missing in previews.missing:
        get_run_logger().warning("%s", missing.sentence())
    return previews


@dataclass(frozen=True)
class AlmaCamTaskSteps:
    """AlmaCAM's steps as this module's tasks, for one account (see :class:`AlmaCamSteps`).

    Big inputs (drawings, the order) are passed to the tasks under ``quote()``: Prefect does not
    walk them looking for futures.
    """

    credentials: AlmaCamCredentials

    def build_order(
        self, drawings: list[CheckedDrawing], sheets: list[SheetFormat], settings: EngineSettings
    ) -> OrderBundle:
        """:func:`build_order`."""
        return build_order(quote(drawings), sheets, settings.time_s, settings.spacing)

    def submit(self, bundle: OrderBundle, resend: bool) -> int:
        """:func:`submit_order`, cached on the account and the order's content."""
        return submit_order(self.credentials, quote(bundle), resend)

    def resubmit(self, bundle: OrderBundle, resend: bool, replacing: int) -> int:
        """:func:`submit_order` past its cache, the remembered ``replacing`` not reused."""
        again = submit_order.with_options(refresh_cache=True)
        return again(self.credentials, quote(bundle), resend, replacing=replacing)

    def answered_since(self, bundle: OrderBundle, order_id: int, since: datetime) -> bool:
        """:func:`answered_since` (reads the submit record)."""
        return answered_since(self.credentials, bundle, order_id, since)

    def order_is_current(self, order_id: int, bundle: OrderBundle) -> bool:
        """:func:`order_is_current`."""
        return order_is_current(self.credentials, order_id, quote(bundle))

    def wait_result(
        self, order_id: int, view: View, bundle: OrderBundle, deadline_s: float
    ) -> AlmaCamResult:
        """:func:`wait_result`."""
        return wait_result(self.credentials, order_id, view, quote(bundle), deadline_s)

    def fetch_previews(self, order_id: int, count: int) -> Previews:
        """:func:`fetch_previews`."""
        return fetch_previews(self.credentials, order_id, count)


def steps(credentials: AlmaCamCredentials) -> AlmaCamSteps:
    """The steps of :class:`~nestflow.engines.almacam.AlmaCamEngine` for an account's block."""
    return AlmaCamTaskSteps(credentials)
