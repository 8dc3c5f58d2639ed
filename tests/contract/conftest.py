"""Fixtures of the contract tests: the vendors' JSON examples and one sandbox per test module.

The JSON files under ``fixtures/`` are the request and response examples of
``docs/specs/almacam-api.md`` and ``docs/specs/cloudnest-api.md``, transcribed from the spec text
(``fixtures/README.md`` says which section each comes from and what was left out). They are the
vendors' examples, never output of our models.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ezdxf
import httpx
import pytest

from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.routes import DEFAULT_ROUTES
from nestflow.cloudnest.signing import Signer
from nestflow.sandbox.cloudnest.settings import CloudNestSandboxSettings
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.server import RunningSandbox, start_sandbox

FIXTURES = Path(__file__).parent / "fixtures"
ALMACAM_FIXTURES = FIXTURES / "almacam"
CLOUDNEST_FIXTURES = FIXTURES / "cloudnest"

#: Speed factor of the contract sandboxes: the §3.8 order's ``time`` of 30 s is solved in 1.5 s.
CONTRACT_SPEED = 0.05

#: Longest wait for anything the sandbox simulates (nesting, processing, cutting), in seconds.
WAIT_SECONDS = 30.0


def load(path: Path) -> Any:
    """The parsed JSON of a fixture file.

    Args:
        path: The fixture file.

    Returns:
        Its JSON value.
    """
    return json.loads(path.read_text(encoding="utf-8"))


def example_name(path: Path) -> str:
    """A fixture's example name: its file name without ``.request.json``/``.response.json``."""
    return path.name.removesuffix(".json").rsplit(".", 1)[0]


def fixture_files(folder: Path, kind: str) -> list[Path]:
    """The fixture files of one kind (``"request"`` or ``"response"``) in ``folder``, sorted."""
    return sorted(folder.glob(f"*.{kind}.json"))


# --- AlmaCAM ------------------------------------------------------------------------------------

#: Model (name in :mod:`nestflow.almacam.models`) of each AlmaCAM response example.
ALMACAM_RESPONSE_MODELS: dict[str, str] = {
    "3.9-submit": "SubmitResponse",
    "4-full-result": "FullResult",
    "5-not-json-406": "StatusMessage",
    "9.1-emulator-error": "ErrorBody",
    "9.1-error-object": "ErrorBody",
    "A-computing-202": "StatusMessage",
    "A-error-400": "ErrorBody",
    "A-error-400-empty-orientations": "ErrorBody",
    "A-error-400-self-intersecting": "ErrorBody",
    "A-error-401": "StatusMessage",
    "A-error-404": "StatusMessage",
}


@dataclass(frozen=True)
class Refusal:
    """What the spec says the service answers to an invalid order.

    Attributes:
        status: HTTP status.
        codes: The ``error_code`` of every error of the body.
        path: The ``path`` of every error, when the spec gives it (``None``: not given).
        answer: The spec's whole answer example, when it has one (a response fixture name).
    """

    status: int
    codes: frozenset[int]
    path: tuple[str | int, ...] | None = None
    answer: str | None = None


_ORIENTATION = ("parts", 0, "instances", 0, "orientations")

#: The invalid-order examples: section A's two examples (the answer is the spec's) and the
#: §11 validation cases (every schema violation is -3000, §9.1; paths as §11 lists them).
INVALID_ORDERS: dict[str, Refusal] = {
    "A-invalid-empty-orientations": Refusal(
        400, frozenset({-3000}), _ORIENTATION, answer="A-error-400-empty-orientations"
    ),
    "A-invalid-self-intersecting": Refusal(
        400, frozenset({-979}), answer="A-error-400-self-intersecting"
    ),
    "11-invalid-missing-time": Refusal(400, frozenset({-3000}), ()),
    "11-invalid-time-zero": Refusal(400, frozenset({-3000}), ("time",)),
    "11-invalid-time-301": Refusal(400, frozenset({-3000}), ("time",)),
    "11-invalid-angle-360": Refusal(400, frozenset({-3000}), (*_ORIENTATION, 0)),
    "11-invalid-orientation-step": Refusal(400, frozenset({-3000})),
    "11-invalid-sheet-contour-and-length": Refusal(400, frozenset({-3000}), ("sheets", 0)),
    "11-invalid-sheet-height-zero": Refusal(400, frozenset({-3000}), ("sheets", 0, "height")),
    "11-invalid-vertex-sag-and-bul": Refusal(
        400, frozenset({-3000}), ("parts", 0, "geometry", 0, 0)
    ),
    "11-invalid-instance-id-string": Refusal(
        400, frozenset({-3000}), ("parts", 0, "instances", 0, "id")
    ),
}


def is_invalid_order(path: Path) -> bool:
    """Whether an AlmaCAM request fixture is one of the invalid-order examples."""
    return example_name(path) in INVALID_ORDERS


# --- CloudNest ----------------------------------------------------------------------------------

#: Route name (:data:`nestflow.cloudnest.routes.DEFAULT_ROUTES`) of each CloudNest example;
#: ``None`` for the bare envelopes of §3.1 and §3.2, which belong to no endpoint.
CLOUDNEST_ENDPOINTS: dict[str, str | None] = {
    "3.1-envelope": None,
    "3.2-error-envelope": None,
    "8.1-job-plate-used": "job_plate_used",
    "8.2-job-plan-detail": "job_plan_detail",
    "8.3-part-loc-info": "part_loc_info",
    "8.3-part-loc-info-task": "part_loc_info",
    "8.4-machine-result-list": "machine_result_list",
    "8.5-plate-add": "plate_add",
    "8.6-part-smart-draw": "part_smart_draw",
    "8.7-part-import-dxf": "part_import_dxf",
    "P.1-drawing-upload": "drawing_upload",
    "P.1-drawing-upload-url": "drawing_upload_url",
    "P.1-job-add": "job_add",
    "P.1-job-boost": "job_boost",
    "P.1-job-drawing-status": "job_drawing_status",
    "P.1-job-info": "job_info",
    "P.1-job-nest-detail": "job_nest_detail",
    "P.1-job-search": "job_search",
    "P.1-production-detail": "production_detail",
    "P.1-production-push": "production_push",
    "Q.3-server-version": "server_version",
}


def cloudnest_endpoint(path: Path) -> str | None:
    """The route name a CloudNest fixture belongs to (``None`` for a bare envelope)."""
    return CLOUDNEST_ENDPOINTS[example_name(path)]


# --- one sandbox per module, over real loopback HTTP --------------------------------------------


@pytest.fixture(scope="module")
def contract_sandbox() -> Iterator[RunningSandbox]:
    """Both sandboxed services on 127.0.0.1 (free ports), fast, without a rate limit.

    The environment is not read, so the development credentials apply whatever the shell sets.
    """
    cloudnest = CloudNestSandboxSettings.from_env({}, rate_limit=None)
    config = SandboxConfig.from_env(
        {}, almacam_port=0, cloudnest_port=0, speed=CONTRACT_SPEED, cloudnest=cloudnest
    )
    with start_sandbox(config) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def almacam_http(contract_sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    """Plain httpx access to the AlmaCAM sandbox with its Bearer token."""
    headers = {"Authorization": f"Bearer {contract_sandbox.almacam_token}"}
    with httpx.Client(
        base_url=contract_sandbox.almacam_url, headers=headers, timeout=WAIT_SECONDS
    ) as http:
        yield http


class RawCloudNest:
    """Signed plain-httpx calls to the CloudNest sandbox by route name: answers as sent.

    Args:
        sandbox: The running sandbox.
    """

    def __init__(self, sandbox: RunningSandbox) -> None:
        app = sandbox.config.cloudnest.app
        self.app_id = app.app_id
        self.app_secret = app.app_secret.get_secret_value()
        self.org_code = sorted(app.org_codes)[0]
        self.base_url = sandbox.url("cloudnest")
        self.signer = Signer(self.app_id, self.app_secret, self.org_code)
        self.http = httpx.Client(base_url=self.base_url, timeout=WAIT_SECONDS)

    def envelope(
        self, name: str, body: Any = None, *, signed: bool = True, **kwargs: Any
    ) -> dict[str, Any]:
        """The answer envelope of route ``name`` (asserting HTTP 200).

        Args:
            name: Route name.
            body: JSON body (POST) or query (GET).
            signed: Send the signed headers; ``False`` sends none.
            **kwargs: Passed to httpx (``data=``, ``files=`` for multipart routes).

        Returns:
            The parsed JSON answer, untouched.
        """
        route = DEFAULT_ROUTES[name]
        headers = self.signer.headers() if signed else {}
        if route.method == "GET":
            response = self.http.get(route.path, params=body or {}, headers=headers)
        else:
            if body is not None:
                kwargs["json"] = body
            response = self.http.request(route.method, route.path, headers=headers, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def client(self) -> CloudNestClient:
        """A :class:`CloudNestClient` of the same sandbox and credentials (no pacing)."""
        return CloudNestClient(
            self.base_url,
            self.app_id,
            self.app_secret,
            self.org_code,
            default_rate=None,
            timeout=WAIT_SECONDS,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


@pytest.fixture(scope="module")
def cloudnest_raw(contract_sandbox: RunningSandbox) -> Iterator[RawCloudNest]:
    """Signed raw access to the CloudNest sandbox of :func:`contract_sandbox`."""
    raw = RawCloudNest(contract_sandbox)
    yield raw
    raw.close()


def rectangle_dxf(width: float, height: float) -> bytes:
    """A DXF (R2010, mm) holding one ``width`` x ``height`` rectangle part."""
    doc = ezdxf.new("R2010", units=4)
    doc.modelspace().add_lwpolyline([(0, 0), (width, 0), (width, height), (0, height)], close=True)
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode()
