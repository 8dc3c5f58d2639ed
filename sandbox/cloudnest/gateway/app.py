"""The CloudNest sandbox as an ASGI app, mounted from the client's own route table.

Every route of :data:`nestflow.cloudnest.routes.DEFAULT_ROUTES` (or of a table with overrides) is
served at its method and path. A call passes the gateway in the vendor's order: signature checks
(1000-1005), org code (9010, nestflow's provisional code), endpoint permission (1007), rate limit
(1009), daily quota (1008), body size (HTTP 413 with 2200) and format (1006), request validation
(2200); then the handler runs in a worker thread and its ``data`` goes out in the envelope of
§3.1. A route that takes no signature (``server_version``, on CloudNest's own host at the vendor)
skips the gateway's checks.

A JSON body larger than ``max_json_bytes``, or a multipart (upload) body larger than
``max_multipart_bytes``, is refused from its ``Content-Length``, or, sent chunked, as soon as the
bytes read pass the limit: never read whole first (HTTP 413 with 2200 for both).

A method and path that match no route get the envelope too, with nestflow's provisional status
9404 and HTTP 404 (405 for a known path with another method): what the vendor's gateway answers
there is unknown (spec §3.2), and a client must not mistake it for any of the vendor's codes.

Every answer carries the sandbox's own ``Date`` header, from which clients correct their clock;
serve the app with the server's own date header off (``uvicorn.Config(date_header=False)``, see
:data:`SERVER_OPTIONS`) so there is only one.

Layout DXF files are served without signature at ``/cn-api/files/layout/<guid>.dxf``, like the
vendor's file links.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from pydantic import RootModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartParser
from starlette.requests import ClientDisconnect

from nestflow.cloudnest.errors import (
    BODY_NOT_JSON,
    INVALID_PARAMETER,
    UNKNOWN_ROUTE,
)
from nestflow.cloudnest.models import (
    ENDPOINT_MODELS,
    IMPORT_DXF_DATA_FIELD,
    UPLOAD_FILE_FIELD,
)
from nestflow.cloudnest.routes import DEFAULT_ROUTES, BodyKind, Route, RouteTable
from nestflow.cloudnest.signing import HEADER_ZONE_ID
from nestflow.sandbox.cloudnest.endpoints.handlers import HANDLERS
from nestflow.sandbox.cloudnest.endpoints.table import Call, UploadedFile, dump
from nestflow.sandbox.cloudnest.endpoints.views import LAYOUT_FILES_PATH
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal, answer, envelope
from nestflow.sandbox.cloudnest.gateway.auth import authenticate, check_org_code, check_permission
from nestflow.sandbox.cloudnest.settings import CloudNestSandboxSettings
from nestflow.sandbox.cloudnest.simulation.vendor import CloudNestSandbox
from nestflow.sandbox.cloudnest.state.clock import zone_of
from nestflow.sandbox.cloudnest.state.records import ResultRecord

log = logging.getLogger(__name__)

#: Options the ASGI server needs: the app writes its own ``Date`` (skew tests, one header only).
SERVER_OPTIONS: dict[str, Any] = {"date_header": False}


def create_app(
    settings: CloudNestSandboxSettings | None = None,
    *,
    routes: RouteTable = DEFAULT_ROUTES,
    sandbox: CloudNestSandbox | None = None,
) -> FastAPI:
    """Build the sandbox app.

    Args:
        settings: Accounts, limits, machines, speed, state file; from the environment when
            ``None``. Ignored when ``sandbox`` is given.
        routes: The route table to serve (a user's overrides included).
        sandbox: An existing sandbox to serve (tests inspect it); built from ``settings``
            otherwise. The app closes it on shutdown.

    Returns:
        The FastAPI app; ``app.state.sandbox`` is the :class:`CloudNestSandbox`.

    Raises:
        RuntimeError: A route of the table has no handler (the table and sandbox disagree).
    """
    missing = sorted(set(routes) - set(HANDLERS))
    if missing:
        raise RuntimeError(f"CloudNest sandbox has no handler for routes {missing}")
    service = sandbox or CloudNestSandbox(settings or CloudNestSandboxSettings.from_env())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(title="nestflow CloudNest sandbox", lifespan=lifespan, openapi_url=None)
    app.state.sandbox = service
    for route in routes.values():
        app.add_api_route(
            route.path, _endpoint(service, route), methods=[route.method], name=route.name
        )
    app.add_api_route(
        LAYOUT_FILES_PATH + "/{result_guid}.dxf", _layout_file(service), methods=["GET"]
    )
    app.add_exception_handler(HTTPException, _no_such_route(service))
    return app


def _no_such_route(service: CloudNestSandbox):  # noqa: ANN202 - Starlette exception handler
    async def no_such_route(request: Request, exc: HTTPException) -> Response:
        if exc.status_code not in (404, 405):
            return await http_exception_handler(request, exc)
        refusal = ApiRefusal(UNKNOWN_ROUTE, f"{request.method} {request.url.path}")
        return answer(
            envelope(refusal.status, refusal.msg, None),
            http_status=exc.status_code,
            clock_seconds=service.clock.now(),
            headers=exc.headers,  # 405 names the methods allowed
        )

    return no_such_route


def _endpoint(service: CloudNestSandbox, route: Route):  # noqa: ANN202 - FastAPI endpoint
    async def endpoint(request: Request) -> Response:
        return await dispatch(service, route, request)

    endpoint.__name__ = route.name
    return endpoint


def _layout_file(service: CloudNestSandbox):  # noqa: ANN202 - FastAPI endpoint
    async def layout_file(result_guid: str) -> Response:
        layout = service.store.get(ResultRecord, result_guid)
        data = service.store.get_blob(layout.dxf_blob_key) if layout else None
        if layout is None or data is None:
            return Response(f"no layout {result_guid}\n", status_code=404, media_type="text/plain")
        return Response(
            data,
            media_type="application/dxf",
            headers={"Content-Disposition": f'attachment; filename="{layout.result_guid}.dxf"'},
        )

    return layout_file


async def dispatch(service: CloudNestSandbox, route: Route, request: Request) -> Response:
    """Run one call through the gateway checks and the handler; answer in the envelope."""
    settings = service.settings
    try:
        app_id = pass_gateway(service, route, request.headers)
        payload, files = await read_payload(route, request, settings)
        call = Call(
            sandbox=service,
            base_url=str(request.base_url),
            zone=zone_of(request.headers.get(HEADER_ZONE_ID)),
            app_id=app_id,
            files=files,
        )
        body = validate(route.name, payload)
        data = await run_in_threadpool(HANDLERS[route.name], call, body)
        return answer(envelope(0, "OK", dump(data)), clock_seconds=service.clock.now())
    except ApiRefusal as refusal:
        return answer(
            envelope(refusal.status, refusal.msg, None),
            http_status=refusal.http_status or settings.error_http_status,
            clock_seconds=service.clock.now(),
        )
    except ClientDisconnect:
        # The caller gave up before its request was read whole: nothing to do, nobody to answer.
        log.info("CloudNest sandbox: the client of %s went away", route.describe())
        return Response(status_code=499)
    except Exception as exc:  # an answer, not a dropped connection, for a sandbox bug
        log.exception("CloudNest sandbox failed on %s", route.describe())
        return answer(
            envelope(500, f"internal sandbox error: {type(exc).__name__}: {exc}", None),
            http_status=500,
            clock_seconds=service.clock.now(),
        )


def pass_gateway(service: CloudNestSandbox, route: Route, headers: Headers) -> str:
    """Run the gateway's checks of a signed call and return the calling app's id.

    A route without signature (``server_version``) skips them: ``""``, no app.

    Raises:
        ApiRefusal: The first check that failed (1000-1005, 9010, 1007, 1009, 1008).
    """
    if not route.signed:
        return ""
    account = authenticate(headers, service.settings, service.clock.now_ms())
    check_org_code(headers, account)
    check_permission(account, route.name)
    service.rate_limiter.take(account.app_id, route.name)
    service.quota.spend(account.app_id, route.name)
    return account.app_id


async def read_payload(
    route: Route, request: Request, settings: CloudNestSandboxSettings
) -> tuple[Any, tuple[UploadedFile, ...]]:
    """The request's parameters (JSON body, query string or form fields) and its files.

    Raises:
        ApiRefusal: 1006 when the body is not in the route's format; 2200 (HTTP 413) when a
            JSON body is over ``max_json_bytes`` or a multipart body over
            ``max_multipart_bytes``.
    """
    if route.method == "GET":
        return dict(request.query_params), ()
    if route.body == BodyKind.MULTIPART:
        return await _read_multipart(route, request, settings)
    raw = await read_limited(route, request, settings.max_json_bytes)
    if not raw.strip():
        return {}, ()
    try:
        return json.loads(raw), ()
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiRefusal(BODY_NOT_JSON, f"{route.name}: {exc}") from None


async def read_limited(
    route: Route, request: Request, limit: int, setting: str = "max_json_bytes"
) -> bytes:
    """The request body, refused as soon as it is known to be over ``limit`` bytes.

    The declared ``Content-Length`` is checked before reading; a chunked body is counted as it
    arrives, so an oversize one never sits whole in memory.

    Args:
        route: The route called (named in the refusal).
        request: The request.
        limit: Most bytes read.
        setting: The setting holding ``limit``, named in the refusal.

    Raises:
        ApiRefusal: 2200 with HTTP 413, naming the limit.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(route, f"{int(declared):,} bytes", limit, setting)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(route, f"more than {limit:,} bytes", limit, setting)
    return bytes(body)


def _too_large(route: Route, size: str, limit: int, setting: str) -> ApiRefusal:
    return ApiRefusal(
        INVALID_PARAMETER,
        f"{route.name}: request body of {size} is over the limit of {limit:,} bytes "
        f"({setting}); send less per call",
        http_status=413,
    )


async def _read_multipart(
    route: Route, request: Request, settings: CloudNestSandboxSettings
) -> tuple[Any, tuple[UploadedFile, ...]]:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiRefusal(BODY_NOT_JSON, f"{route.name} takes multipart/form-data")
    # Counted as it arrives and refused like a JSON body over its limit (HTTP 413, 2200): the
    # body is then parsed from memory, at most max_multipart_bytes of it.
    raw = await read_limited(
        route, request, settings.max_multipart_bytes, setting="max_multipart_bytes"
    )

    async def body() -> AsyncIterator[bytes]:
        yield raw

    parser = MultiPartParser(
        request.headers, body(), max_files=settings.max_files_per_request, max_fields=100
    )
    try:
        form = await parser.parse()
    except Exception as exc:  # starlette raises its own MultiPartException/HTTPException
        raise ApiRefusal(BODY_NOT_JSON, f"{route.name}: unreadable multipart body: {exc}") from None
    fields: dict[str, Any] = {}
    files = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            if key == UPLOAD_FILE_FIELD:
                files.append(await _read_file(value, settings.max_upload_bytes))
        else:
            fields[key] = _form_value(value)
    await form.close()
    if issubclass(ENDPOINT_MODELS[route.name].request, RootModel):
        return fields.get(IMPORT_DXF_DATA_FIELD, []), tuple(files)
    return fields, tuple(files)


async def _read_file(upload: UploadFile, limit: int) -> UploadedFile:
    """A file part's bytes, read up to one byte past the limit so an oversize file is seen."""
    data = await upload.read(limit + 1)
    return UploadedFile(filename=upload.filename or "", data=data)


def _form_value(value: str) -> Any:
    """A form field: JSON arrays/objects decoded (``datas``, ``data``), other text as is."""
    text = value.strip()
    if text[:1] in {"[", "{"}:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ApiRefusal(BODY_NOT_JSON, f"form field is not valid JSON: {exc}") from None
    return value


def validate(name: str, payload: Any) -> Any:
    """The payload as the route's request model; refuses (2200) naming each bad field."""
    model = ENDPOINT_MODELS[name].request
    try:
        if issubclass(model, RootModel):
            return model.model_validate(payload)
        if not isinstance(payload, dict):
            raise ApiRefusal(BODY_NOT_JSON, f"{name} takes a JSON object")
        return model.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise ApiRefusal(INVALID_PARAMETER, problems) from None
