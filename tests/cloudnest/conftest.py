"""Fixtures of the CloudNest tests (client and sandbox). Shared file: append, do not rewrite."""

from __future__ import annotations

import functools
import io
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import ezdxf
import httpx
import pytest

from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.routes import DEFAULT_ROUTES, RouteTable
from nestflow.cloudnest.signing import Signer
from nestflow.sandbox.cloudnest.service import CLOUDNEST
from nestflow.sandbox.cloudnest.settings import CloudNestSandboxSettings
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.faults import FaultLayer
from nestflow.sandbox.server import RunningSandbox, start_sandbox

# --- sandbox: a CloudNest server on 127.0.0.1, free port, fresh state ---------------------------

#: Speed factor of the test sandboxes: drawings process in ~25 ms, Boost solves for the solver's
#: 1 s minimum, machines cut a sheet in a second or two.
SANDBOX_TEST_SPEED = 0.05


@dataclass
class CloudNestSandboxHandle:
    """A running CloudNest sandbox and the development credentials it accepts.

    Attributes:
        base_url: ``http://127.0.0.1:<port>`` (no trailing slash).
        app_id: The accepted ``app-id``.
        app_secret: The app secret (a test value, never a real one).
        org_code: The accepted ``X-FS-Orgcode``.
        gmids: Ids of the simulated machines.
        settings: The settings it runs with (limits, speed, state file).
    """

    base_url: str
    app_id: str
    app_secret: str
    org_code: str
    gmids: tuple[int, ...]
    settings: CloudNestSandboxSettings
    _running: RunningSandbox

    def signer(self, **kwargs: Any) -> Signer:
        """A signer for these credentials (``zone_id=``, ``clock=`` as for :class:`Signer`)."""
        return Signer(self.app_id, self.app_secret, self.org_code, **kwargs)

    def headers(self, timestamp_ms: int | None = None) -> dict[str, str]:
        """Freshly signed headers (``timestamp_ms`` to sign a chosen time)."""
        return self.signer().headers(timestamp_ms)

    def stop(self) -> None:
        """Stop the server (its state file, if any, stays for a restart)."""
        self._running.stop()

    def faults(self) -> FaultLayer:
        """The sandbox's fault layer (``faults().set(FaultPlan(...))`` aims faults at routes)."""
        return self._running.faults("cloudnest")


CloudNestSandboxFactory = Callable[..., CloudNestSandboxHandle]


@pytest.fixture
def cloudnest_sandbox_factory() -> Iterator[CloudNestSandboxFactory]:
    """Start CloudNest sandboxes with chosen settings; all are stopped after the test.

    Call it with any :class:`CloudNestSandboxSettings` field, e.g.
    ``cloudnest_sandbox_factory(rate_limit=5.0)``, ``daily_quota=3``,
    ``endpoint_quotas={"job_add": 2}``, ``state_file=tmp_path / "state.db"``,
    ``clock_offset_seconds=1800``, ``machines=parse_machines("165192:6000,165193")``;
    ``speed=`` changes the speed factor (default :data:`SANDBOX_TEST_SPEED`). The environment is
    not read: the development credentials are used. The default rate limit is off.
    """
    started: list[CloudNestSandboxHandle] = []

    def start(*, speed: float = SANDBOX_TEST_SPEED, **overrides: Any) -> CloudNestSandboxHandle:
        overrides.setdefault("rate_limit", None)
        settings = CloudNestSandboxSettings.from_env({}, **overrides)
        config = SandboxConfig(
            cloudnest_port=0, speed=speed, state_file=settings.state_file, cloudnest=settings
        )
        running = start_sandbox(config, services=(CLOUDNEST,))
        app = settings.app
        handle = CloudNestSandboxHandle(
            base_url=running.url("cloudnest"),
            app_id=app.app_id,
            app_secret=app.app_secret.get_secret_value(),
            org_code=sorted(app.org_codes)[0],
            gmids=settings.gmids,
            settings=settings.model_copy(update={"speed": speed}),
            _running=running,
        )
        started.append(handle)
        return handle

    yield start
    for handle in reversed(started):
        handle.stop()


@pytest.fixture
def cloudnest_sandbox(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
) -> CloudNestSandboxHandle:
    """A CloudNest sandbox with default settings (no rate limit, no quota, machine 165192)."""
    return cloudnest_sandbox_factory()


# --- sandbox tests: signed plain-httpx calls, DXF samples, a loopback file server ---------------


class SignedApi:
    """Plain httpx calls to a CloudNest sandbox by route name, signed with its credentials.

    The sandbox tests use this instead of the client, so they check the server on its own.
    """

    def __init__(
        self, sandbox: CloudNestSandboxHandle, routes: RouteTable = DEFAULT_ROUTES
    ) -> None:
        self.sandbox = sandbox
        self.routes = routes
        self.http = httpx.Client(base_url=sandbox.base_url, timeout=30.0)

    def request(
        self, name: str, body: Any = None, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send ``body`` (JSON, or query for GET) to route ``name``; ``headers`` replace the signed
        ones entirely when given; other keyword arguments go to httpx (``files=``, ``data=``)."""
        route = self.routes[name]
        sent = self.sandbox.headers() if headers is None else headers
        if route.method == "GET":
            return self.http.get(route.path, params=body or {}, headers=sent)
        if body is not None:
            kwargs["json"] = body
        return self.http.request(route.method, route.path, headers=sent, **kwargs)

    def call(self, name: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        """The answer envelope of :meth:`request` (asserting HTTP 200)."""
        response = self.request(name, body, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, name: str, body: Any = None, **kwargs: Any) -> Any:
        """The ``data`` of a successful call (asserting ``status`` 0)."""
        envelope = self.call(name, body, **kwargs)
        assert envelope["status"] == 0, envelope
        return envelope["data"]

    def wait_for(
        self,
        name: str,
        body: Any,
        done: Callable[[Any], bool],
        timeout: float = 30.0,
    ) -> Any:
        """Poll route ``name`` until ``done(data)``; the last data, or fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            data = self.data(name, body)
            if done(data):
                return data
            assert time.monotonic() < deadline, f"{name} not done after {timeout} s: {data}"
            time.sleep(0.05)

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


@pytest.fixture
def cloudnest_api(cloudnest_sandbox: CloudNestSandboxHandle) -> Iterator[SignedApi]:
    """Signed plain-httpx access to the default :func:`cloudnest_sandbox`."""
    api = SignedApi(cloudnest_sandbox)
    yield api
    api.close()


RectangleDxf = Callable[..., bytes]


def _dxf_bytes(doc: Any) -> bytes:
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode()


@pytest.fixture
def rectangle_dxf() -> RectangleDxf:
    """Make a DXF (R2010, mm) holding one ``width`` x ``height`` rectangle part.

    Call as ``rectangle_dxf(width, height, hole_radius=None, units=4)``; with ``hole_radius`` a
    round hole sits in the middle; ``units`` is the ``$INSUNITS`` code.
    """

    def make(
        width: float, height: float, *, hole_radius: float | None = None, units: int = 4
    ) -> bytes:
        doc = ezdxf.new("R2010", units=units)
        msp = doc.modelspace()
        msp.add_lwpolyline([(0, 0), (width, 0), (width, height), (0, height)], close=True)
        if hole_radius:
            msp.add_circle((width / 2, height / 2), hole_radius)
        return _dxf_bytes(doc)

    return make


@pytest.fixture
def open_contour_dxf() -> bytes:
    """A DXF whose only outline has a 5 mm gap: no part in it."""
    doc = ezdxf.new("R2010", units=4)
    doc.modelspace().add_lwpolyline([(0, 0), (100, 0), (100, 50), (0, 50), (0, 5)], close=False)
    return _dxf_bytes(doc)


@dataclass
class StaticFiles:
    """A loopback HTTP server serving the files of a folder."""

    folder: Path
    base_url: str

    def url(self, name: str) -> str:
        """URL of the file ``name`` in :attr:`folder`."""
        return f"{self.base_url}/{name}"


@pytest.fixture
def static_files(tmp_path: Path) -> Iterator[StaticFiles]:
    """A ``http.server`` on 127.0.0.1 (free port) serving ``tmp_path / "files"``."""
    folder = tmp_path / "files"
    folder.mkdir()
    handler = functools.partial(QuietFileHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield StaticFiles(folder, f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


class QuietFileHandler(SimpleHTTPRequestHandler):
    """A file handler that does not log each request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        return


SignedApiFactory = Callable[[CloudNestSandboxHandle], SignedApi]


@pytest.fixture
def cloudnest_api_for() -> Iterator[SignedApiFactory]:
    """Make :class:`SignedApi` access to sandboxes from ``cloudnest_sandbox_factory``."""
    made: list[SignedApi] = []

    def make(sandbox: CloudNestSandboxHandle) -> SignedApi:
        made.append(SignedApi(sandbox))
        return made[-1]

    yield make
    for api in made:
        api.close()


# --- client side: CloudNestClient bound to a sandbox ---------------------------------------------

CloudNestClientFactory = Callable[..., CloudNestClient]


@pytest.fixture
def cloudnest_client_for() -> Iterator[CloudNestClientFactory]:
    """Make :class:`CloudNestClient` instances for sandboxes of ``cloudnest_sandbox_factory``.

    Call as ``cloudnest_client_for(sandbox, **options)``: the sandbox's development credentials
    are used unless ``app_id=``, ``app_secret=``, ``org_code=`` override them; other options go
    to the client (``rate_limits=``, ``default_rate=``, ``transport=``...). Client-side pacing is
    off unless asked for (``default_rate=None``). Every client is closed after the test.
    """
    made: list[CloudNestClient] = []

    def make(sandbox: CloudNestSandboxHandle, **options: Any) -> CloudNestClient:
        values: dict[str, Any] = {
            "app_id": sandbox.app_id,
            "app_secret": sandbox.app_secret,
            "org_code": sandbox.org_code,
            "default_rate": None,
            "timeout": 30.0,
        }
        values.update(options)
        made.append(CloudNestClient(sandbox.base_url, **values))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
def cloudnest_client(
    cloudnest_sandbox: CloudNestSandboxHandle, cloudnest_client_for: CloudNestClientFactory
) -> CloudNestClient:
    """A client of the default :func:`cloudnest_sandbox` (no pacing, no quota tracking)."""
    return cloudnest_client_for(cloudnest_sandbox)
