"""The CloudNest sandbox as an ASGI app, mounted from the client's own route table.

Every route of :data:`nestflow.cloudnest.routes.DEFAULT_ROUTES` (or of a table with overrides) is
served at its method and path. A call passes the gateway in the vendor's order: signature checks
(1000-1005), org code (1010), endpoint permission (1007), rate limit (1009), daily quota (1008),
body format (1006), request validation (2200); then the handler runs in a worker thread and its
``data`` goes out in the envelope of §3.1. Every answer carries the sandbox's own ``Date`` header,
from which clients correct their clock; serve the app with the server's own date header off
(``uvicorn.Config(date_header=False)``, see :data:`SERVER_OPTIONS`) so there is only one.

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
from pydantic import RootModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from nestflow.cloudnest.errors import BODY_NOT_JSON, INVALID_PARAMETER, UNSUPPORTED_FILE
from nestflow.cloudnest.models import (
    ENDPOINT_MODELS,
    IMPORT_DXF_DATA_FIELD,
    UPLOAD_FILE_FIELD,
)
from nestflow.cloudnest.routes import DEFAULT_ROUTES, BodyKind, Route, RouteTable
from nestflow.cloudnest.signing import HEADER_ZONE_ID

# The api_* modules register their handlers on import.
from nestflow.sandbox.cloudnest import (  # noqa: F401
    api_drawings,
    api_jobs,
    api_library,
    api_others,
    api_parts,
    api_production,
)
from nestflow.sandbox.cloudnest.answers import ApiRefusal, answer, envelope
from nestflow.sandbox.cloudnest.auth import authenticate, check_org_code, check_permission
from nestflow.sandbox.cloudnest.clock import zone_of
from nestflow.sandbox.cloudnest.endpoints import HANDLERS, Call, UploadedFile, dump
from nestflow.sandbox.cloudnest.records import ResultRecord
from nestflow.sandbox.cloudnest.service import CloudNestSandbox
from nestflow.sandbox.cloudnest.settings import CloudNestSandboxSettings
from nestflow.sandbox.cloudnest.views import LAYOUT_FILES_PATH

log = logging.getLogger(__name__)

#: Options the ASGI server needs: the app writes its own ``Date`` (skew tests, one header only).
SERVER_OPTIONS: dict[str, Any] = {"date_header": False}

#: Room for form fields next to the files of a multipart request.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024


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
    return app


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
        account = authenticate(request.headers, settings, service.clock.now_ms())
        check_org_code(request.headers, account)
        check_permission(account, route.name)
        service.rate_limiter.take(account.app_id, route.name)
        service.quota.spend(account.app_id, route.name)
        payload, files = await read_payload(route, request, settings)
        call = Call(
            sandbox=service,
            base_url=str(request.base_url),
            zone=zone_of(request.headers.get(HEADER_ZONE_ID)),
            app_id=account.app_id,
            files=files,
        )
        body = validate(route.name, payload)
        data = await run_in_threadpool(HANDLERS[route.name], call, body)
        return answer(envelope(0, "OK", dump(data)), clock_seconds=service.clock.now())
    except ApiRefusal as refusal:
        return answer(
            envelope(refusal.status, refusal.msg, None),
            http_status=settings.error_http_status,
            clock_seconds=service.clock.now(),
        )
    except Exception as exc:  # an answer, not a dropped connection, for a sandbox bug
        log.exception("CloudNest sandbox failed on %s", route.describe())
        return answer(
            envelope(500, f"internal sandbox error: {type(exc).__name__}: {exc}", None),
            http_status=500,
            clock_seconds=service.clock.now(),
        )


async def read_payload(
    route: Route, request: Request, settings: CloudNestSandboxSettings
) -> tuple[Any, tuple[UploadedFile, ...]]:
    """The request's parameters (JSON body, query string or form fields) and its files.

    Raises:
        ApiRefusal: 1006 when the body is not in the route's format; 2201 when too large.
    """
    if route.method == "GET":
        return dict(request.query_params), ()
    if route.body == BodyKind.MULTIPART:
        return await _read_multipart(route, request, settings)
    raw = await request.body()
    if not raw.strip():
        return {}, ()
    try:
        return json.loads(raw), ()
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiRefusal(BODY_NOT_JSON, f"{route.name}: {exc}") from None


async def _read_multipart(
    route: Route, request: Request, settings: CloudNestSandboxSettings
) -> tuple[Any, tuple[UploadedFile, ...]]:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiRefusal(BODY_NOT_JSON, f"{route.name} takes multipart/form-data")
    limit = settings.max_upload_bytes * settings.max_files_per_request + MULTIPART_OVERHEAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiRefusal(UNSUPPORTED_FILE, f"request of {declared} bytes exceeds {limit} bytes")
    try:
        form = await request.form(max_files=settings.max_files_per_request, max_fields=100)
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
