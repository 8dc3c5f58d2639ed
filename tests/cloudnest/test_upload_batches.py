"""Uploads stay within a gateway's body limit: a request carries at most so many drawing bytes.

The sandbox refuses a multipart body over ``max_multipart_bytes`` (HTTP 413, status 2200), as a
real gateway refuses an oversize body. ``upload_drawings`` sends at most 20 files and at most
``max_batch_bytes`` of them per request, so drawings that together pass the limit still go up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from nestflow.cloudnest import jobs
from nestflow.cloudnest.errors import CloudNestError

if TYPE_CHECKING:
    from conftest import CloudNestClientFactory, CloudNestSandboxFactory, RectangleDxf

LIMIT = 48 * 1024


def _drawings(rectangle_dxf: RectangleDxf) -> list[tuple[str, bytes]]:
    """Four drawings of about 15 kB each: together over the limit, each well under it."""
    return [(f"plate-{i}.dxf", rectangle_dxf(100 + i, 50)) for i in range(4)]


def test_drawings_larger_together_than_a_request_may_be_go_up_in_several_requests(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
    cloudnest_client_for: CloudNestClientFactory,
    rectangle_dxf: RectangleDxf,
) -> None:
    client = cloudnest_client_for(cloudnest_sandbox_factory(max_multipart_bytes=LIMIT))
    drawings = _drawings(rectangle_dxf)
    assert sum(len(body) for _, body in drawings) > LIMIT
    job = jobs.ensure_job(client, "batched uploads")
    refs = jobs.upload_drawings(client, job, drawings, max_batch_bytes=LIMIT // 2)
    assert [ref.filename for ref in refs] == [name for name, _ in drawings]


def test_one_request_for_all_of_them_is_refused_by_the_same_gateway(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
    cloudnest_client_for: CloudNestClientFactory,
    rectangle_dxf: RectangleDxf,
) -> None:
    client = cloudnest_client_for(cloudnest_sandbox_factory(max_multipart_bytes=LIMIT))
    job = jobs.ensure_job(client, "one request")
    with pytest.raises(CloudNestError, match="max_multipart_bytes"):
        jobs.upload_drawings(client, job, _drawings(rectangle_dxf), max_batch_bytes=10 * LIMIT)
