"""Crashes inside the sandbox's background work fail one drawing or nesting, never the server.

The solver and the DXF reader are replaced in-process by functions raising a ``BaseException``
subclass, the way a Rust panic surfaces from spyrrow; everything else goes over real HTTP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import pytest

from nestflow.sandbox.cloudnest.simulation import boost, processing

if TYPE_CHECKING:
    from conftest import RectangleDxf, SignedApi


class FakePanic(BaseException):
    """Stands in for ``pyo3_runtime.PanicException`` (a ``BaseException``, not an ``Exception``)."""


def _panic(*_: object, **__: object) -> NoReturn:
    raise FakePanic("engine exploded")


def _upload_and_wait(api: SignedApi, job_id: int, rectangle_dxf: RectangleDxf) -> list[dict]:
    api.data(
        "drawing_upload",
        data={"job_id": str(job_id)},
        files=[("file", ("part.dxf", rectangle_dxf(100, 60)))],
    )
    return api.wait_for(
        "job_drawing_status",
        {"job_id": job_id},
        lambda ds: ds[0]["status"] in {"success", "failed"},
    )


def test_reader_crash_fails_the_drawing_and_the_server_keeps_answering(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(processing, "read_drawing", _panic)
    job_id = cloudnest_api.data("job_add", {"job_name": "reader crash"})["job_id"]
    [drawing] = _upload_and_wait(cloudnest_api, job_id, rectangle_dxf)
    assert drawing["status"] == "failed"
    assert "FakePanic: engine exploded" in drawing["msg"]
    assert cloudnest_api.call("job_list", {})["status"] == 0


def test_solver_crash_fails_the_nesting_and_the_next_boost_works(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = cloudnest_api.data("job_add", {"job_name": "solver crash"})["job_id"]
    _upload_and_wait(cloudnest_api, job_id, rectangle_dxf)
    real_solve = boost.solve
    monkeypatch.setattr(boost, "solve", _panic)
    cloudnest_api.data("job_boost", {"job_id": job_id, "time_limit": 1})
    failed = cloudnest_api.wait_for(
        "job_nest_detail", {"job_id": job_id}, lambda d: d["status"] != "nesting"
    )
    assert (failed["status"], failed["results"]) == ("failed", [])
    assert "internal solver error: FakePanic" in failed["msg"]
    monkeypatch.setattr(boost, "solve", real_solve)
    cloudnest_api.data("job_boost", {"job_id": job_id, "time_limit": 1})
    finished = cloudnest_api.wait_for(
        "job_nest_detail", {"job_id": job_id}, lambda d: d["status"] != "nesting", timeout=60
    )
    assert finished["status"] == "finished"
