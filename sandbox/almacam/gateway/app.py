"""The AlmaCAM sandbox's HTTP API: ``POST /new`` and the three result views, as the vendor answers.

Every endpoint needs ``Authorization: Bearer <token>`` (else 401). ``POST /new`` validates the
order synchronously (400 with the vendor's error body) and answers 201 with the order id; solving
runs in the background (:mod:`sandbox.almacam.simulation.runner`). The result views answer 202
while computing, 404 for an unknown order (or image index), 400 with the stored error body for an
order that failed, 200 with the result or PNG otherwise.

Bounds: an order body over :attr:`AlmaCamLimits.max_order_bytes` is answered 413 with the
vendor's error body (code -6000, the vendor's code for an order over its limits) as soon as that
is known: from its ``Content-Length`` before a byte of it is read, or, for a chunked body, once
the bytes read pass the limit; it is never read whole. Error bodies are bounded
(:mod:`sandbox.almacam.gateway.answers`), stored ones too when they are answered, so that a state
file written by an earlier sandbox cannot bring back an unbounded one.

Sandbox extension: result answers of a finished order carry ``X-Sandbox-Solved-At`` (epoch
seconds at which solving finished), so latency from solver to client can be measured.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from nestflow.almacam.models import ErrorBody, StatusMessage, SubmitResponse
from nestflow.sandbox.almacam.endpoints.validation import validate_order
from nestflow.sandbox.almacam.gateway.answers import (
    ErrorCode,
    OrderRejected,
    error_body,
    error_item,
)
from nestflow.sandbox.almacam.simulation.conversion import stats_view
from nestflow.sandbox.almacam.simulation.images import nesting_png
from nestflow.sandbox.almacam.state.store import OrderStatus, OrderStore, StoredOrder
from nestflow.sandbox.config import AlmaCamSandboxSettings

SUBMITTED = "Nesting order submitted"
COMPUTING = "This nesting order is still computing"
UNKNOWN_ORDER = "This nesting order does not exist"
UNKNOWN_NESTING = "This nesting does not exist"
BAD_AUTH = "Incorrect authentication"

#: Largest id SQLite can hold; anything above is simply unknown.
MAX_ORDER_ID = 2**63 - 1

#: Response header with the time (epoch seconds) the solver finished the order.
SOLVED_AT_HEADER = "X-Sandbox-Solved-At"

#: Default largest order body read (bytes). An order at the vendor's limits (1,500 parts, each
#: a detailed outline of a few hundred vertices) is a few MiB of JSON; the vendor's emulator caps
#: content at 10 MiB (specs section 10).
DEFAULT_MAX_ORDER_BYTES = 8 * 1024 * 1024


class AlmaCamLimits(BaseModel):
    """How much the AlmaCAM sandbox reads of a request.

    Attributes:
        max_order_bytes: Largest ``POST /new`` body read; a larger one is answered 413.
    """

    model_config = ConfigDict(frozen=True)

    max_order_bytes: int = Field(default=DEFAULT_MAX_ORDER_BYTES, gt=0)


class OrderTooLarge(Exception):
    """An order body longer than the limit; it was not read whole."""

    def __init__(self, limit: int, declared: int | None) -> None:
        how = f"it declares {declared:,}" if declared is not None else "reading stopped there"
        super().__init__(
            f"The order is larger than {limit:,} bytes ({how}): it was not read; "
            "split the job into smaller orders"
        )


async def read_order(request: Request, limit: int) -> bytes:
    """The body of ``POST /new``, read only while it stays within ``limit`` bytes.

    Raises:
        OrderTooLarge: ``Content-Length`` says more than ``limit`` (nothing read), or a body
            without one grew past it (reading stopped there).
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise OrderTooLarge(limit, int(declared))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise OrderTooLarge(limit, None)
    return bytes(body)


def _message(status: int, text: str) -> JSONResponse:
    return JSONResponse(StatusMessage(message=text).model_dump(mode="json"), status_code=status)


def _authorized(request: Request, token: str) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    offered = value.strip().encode()
    return scheme.lower() == "bearer" and secrets.compare_digest(offered, token.encode())


def _solved_header(stored: StoredOrder) -> dict[str, str]:
    return {SOLVED_AT_HEADER: f"{stored.solved_at:.6f}"} if stored.solved_at is not None else {}


def create_app(
    settings: AlmaCamSandboxSettings,
    store: OrderStore,
    submit: Callable[[int], None],
    limits: AlmaCamLimits | None = None,
) -> FastAPI:
    """Build the AlmaCAM sandbox application.

    Args:
        settings: Token, capacity and CAM rules (the minimum web between holes).
        store: Where orders and results live.
        submit: Queues a freshly stored order for solving.
        limits: How much of a request is read (defaults when ``None``).

    Returns:
        The ASGI application.
    """
    app = FastAPI(
        title="AlmaCAM nesting API (nestflow sandbox)",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    token = settings.token.get_secret_value()
    max_order_bytes = (limits or AlmaCamLimits()).max_order_bytes
    min_hole_web = settings.min_hole_web_mm

    @app.middleware("http")
    async def bearer_auth(request: Request, call_next: Callable[[Request], Any]) -> Response:
        if not _authorized(request, token):
            return _message(401, BAD_AUTH)
        return await call_next(request)

    @app.post("/new")
    async def new_order(request: Request) -> Response:
        try:
            order = validate_order(await read_order(request, max_order_bytes), min_hole_web)
        except OrderTooLarge as refused:
            error = error_item(ErrorCode.TOO_MANY_PARTS, str(refused), path=[])
            return JSONResponse(error_body([error]), status_code=413)
        except OrderRejected as rejected:
            return JSONResponse(error_body(rejected.errors), status_code=400)
        order_id = store.create(order)
        submit(order_id)
        body = SubmitResponse(message=SUBMITTED, nesting_order_id=order_id)
        return JSONResponse(body.model_dump(mode="json"), status_code=201)

    def finished(order_id: str) -> StoredOrder | Response:
        """The stored, solved order, or the answer to give instead (404, 202, 400)."""
        known = order_id.isdigit() and int(order_id) <= MAX_ORDER_ID
        stored = store.get(int(order_id)) if known else None
        if stored is None:
            return _message(404, UNKNOWN_ORDER)
        if stored.status is OrderStatus.COMPUTING:
            return _message(202, COMPUTING)
        if stored.status is OrderStatus.FAILED:
            body = error_body(ErrorBody.model_validate(stored.error).errors)
            return JSONResponse(body, status_code=400, headers=_solved_header(stored))
        return stored

    @app.get("/result/{order_id}/full")
    def full(order_id: str) -> Response:
        stored = finished(order_id)
        if isinstance(stored, Response):
            return stored
        return JSONResponse(stored.result, headers=_solved_header(stored))

    @app.get("/result/{order_id}/stats")
    def stats(order_id: str) -> Response:
        stored = finished(order_id)
        if isinstance(stored, Response):
            return stored
        assert stored.result is not None
        return JSONResponse(stats_view(stored.result), headers=_solved_header(stored))

    @app.get("/result/{order_id}/image/{index}")
    def image(order_id: str, index: str) -> Response:
        stored = finished(order_id)
        if isinstance(stored, Response):
            return stored
        assert stored.result is not None
        if not index.isdigit() or int(index) >= len(stored.result["nestings"]):
            return _message(404, UNKNOWN_NESTING)
        png = nesting_png(stored.order, stored.result, int(index), f"order {stored.id}")
        return Response(png, media_type="image/png", headers=_solved_header(stored))

    return app
