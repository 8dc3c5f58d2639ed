"""A multipart upload is bounded like a JSON body: HTTP 413 with status 2200, naming the limit.

The regression (issue 18): the sandbox took a 30 MiB multipart upload while JSON bodies stopped at
8 MiB; only a declared ``Content-Length`` above 50 files of 20 MiB was refused, and a chunked
upload was never counted. Now a multipart body over ``max_multipart_bytes`` (by default one
drawing of the largest size, with its form fields) is refused as it arrives, as JSON bodies are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nestflow.cloudnest.routes import DEFAULT_ROUTES
from nestflow.sandbox.cloudnest.settings import (
    DEFAULT_MAX_MULTIPART_BYTES,
    CloudNestSandboxSettings,
)
from tests.sandbox.cloudnest.raw_http import raw_exchange, raw_head

if TYPE_CHECKING:
    from conftest import (
        CloudNestSandboxFactory,
        CloudNestSandboxHandle,
        RectangleDxf,
        SignedApi,
        SignedApiFactory,
    )

MIB = 1024 * 1024
SMALL_LIMIT = 64 * 1024
BOUNDARY = "nestflowboundary"


def _job(api: SignedApi) -> int:
    return api.data("job_add", {"job_name": "uploads"})["job_id"]


def _upload(api: SignedApi, job_id: int, name: str, body: bytes):  # noqa: ANN202 - httpx type
    return api.request(
        "drawing_upload", data={"job_id": str(job_id)}, files=[("file", (name, body))]
    )


def test_the_multipart_limit_holds_one_drawing_of_the_largest_size_with_its_fields() -> None:
    settings = CloudNestSandboxSettings()
    assert settings.max_multipart_bytes == DEFAULT_MAX_MULTIPART_BYTES == 21 * MIB
    assert settings.max_upload_bytes < settings.max_multipart_bytes


def test_a_30_mib_upload_gets_413_and_2200_and_nothing_is_stored(cloudnest_api: SignedApi) -> None:
    job_id = _job(cloudnest_api)
    response = _upload(cloudnest_api, job_id, "huge.dxf", b"0" * (30 * MIB))
    assert response.status_code == 413
    envelope = response.json()
    assert envelope["status"] == 2200
    assert "22,020,096 bytes" in envelope["msg"] and "max_multipart_bytes" in envelope["msg"]
    assert cloudnest_api.data("job_drawing_status", {"job_id": job_id}) == []


def test_an_upload_within_a_small_limit_is_read(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
    cloudnest_api_for: SignedApiFactory,
    rectangle_dxf: RectangleDxf,
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(max_multipart_bytes=SMALL_LIMIT))
    envelope = _upload(api, _job(api), "part.dxf", rectangle_dxf(10, 10)).json()
    assert envelope["status"] == 0 and envelope["data"][0]["filename"] == "part.dxf"


def _multipart_head(sandbox: CloudNestSandboxHandle, extra: dict[str, str]) -> bytes:
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    return raw_head(sandbox, DEFAULT_ROUTES["drawing_upload"].path, content_type, extra)


def test_a_declared_oversize_upload_is_refused_before_any_of_it_arrives(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
) -> None:
    sandbox = cloudnest_sandbox_factory(max_multipart_bytes=SMALL_LIMIT)
    head = _multipart_head(sandbox, {"Content-Length": str(200 * MIB)})
    answer = raw_exchange(sandbox.base_url, head, [])
    assert answer.startswith(b"HTTP/1.1 413 ") and b'"status":2200' in answer


def test_a_chunked_oversize_upload_is_refused_once_the_limit_is_passed(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
) -> None:
    sandbox = cloudnest_sandbox_factory(max_multipart_bytes=SMALL_LIMIT)
    head = _multipart_head(sandbox, {"Transfer-Encoding": "chunked"})
    part = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.dxf"\r\n\r\n'
    ).encode()
    chunk = b"0" * 16 * 1024
    chunks = [b"%x\r\n%s\r\n" % (len(c), c) for c in [part, *[chunk] * 8]]  # never the last
    answer = raw_exchange(sandbox.base_url, head, chunks)
    assert answer.startswith(b"HTTP/1.1 413 ") and b"more than 65,536 bytes" in answer
