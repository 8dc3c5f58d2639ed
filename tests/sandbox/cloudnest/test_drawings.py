"""The CloudNest sandbox's drawings: uploads and URL downloads, processing, refusals, deletion."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import (
        CloudNestSandboxFactory,
        RectangleDxf,
        SignedApi,
        SignedApiFactory,
        StaticFiles,
    )

FINAL = {"success", "failed"}


def _job(api: SignedApi, name: str = "drawings") -> int:
    return api.data("job_add", {"job_name": name})["job_id"]


def _upload(
    api: SignedApi, job_id: int, files: list[tuple[str, bytes]], datas: list[dict] | None = None
) -> dict[str, Any]:
    form = {"job_id": str(job_id)}
    if datas is not None:
        form["datas"] = json.dumps(datas)
    return api.call(
        "drawing_upload", data=form, files=[("file", (name, body)) for name, body in files]
    )


def _processed(api: SignedApi, job_id: int) -> list[dict[str, Any]]:
    return api.wait_for(
        "job_drawing_status",
        {"job_id": job_id},
        lambda drawings: bool(drawings) and all(d["status"] in FINAL for d in drawings),
    )


def test_uploaded_dxf_becomes_a_part_with_the_given_attributes(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job(cloudnest_api)
    datas = [{"filename": "bracket.dxf", "part_name": "Bracket", "amount": 3, "prop": {"order": 7}}]
    upload = _upload(
        cloudnest_api, job_id, [("bracket.dxf", rectangle_dxf(200, 100, hole_radius=20))], datas
    )
    assert upload["status"] == 0
    [drawing] = _processed(cloudnest_api, job_id)
    assert (drawing["status"], drawing["part_count"]) == ("success", 1)
    [part] = cloudnest_api.data("job_parts", {"job_id": job_id})
    assert (part["part_name"], part["amount"], part["width"], part["height"]) == (
        "Bracket",
        3,
        200.0,
        100.0,
    )
    assert part["area"] == pytest.approx(200 * 100 - math.pi * 20**2, rel=1e-3)
    assert part["props"] == [{"prop_name": "order", "prop_value": 7}]
    assert part["drawing_guid"] == drawing["drawing_guid"]


def test_processing_runs_waiting_then_processing_then_success(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
    cloudnest_api_for: SignedApiFactory,
    rectangle_dxf: RectangleDxf,
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(speed=1.0, processing_seconds=1.0))
    job_id = _job(api)
    _upload(api, job_id, [("plate.dxf", rectangle_dxf(50, 50))])
    seen: list[str] = []
    api.wait_for(
        "job_drawing_status",
        {"job_id": job_id},
        lambda drawings: seen.append(drawings[0]["status"]) or drawings[0]["status"] in FINAL,
    )
    order = list(dict.fromkeys(seen))
    assert order[-2:] == ["processing", "success"]
    assert set(order) <= {"waiting", "processing", "success"}


def test_drawing_with_an_open_outline_fails_with_the_reader_message(
    cloudnest_api: SignedApi, open_contour_dxf: bytes
) -> None:
    job_id = _job(cloudnest_api)
    _upload(cloudnest_api, job_id, [("gap.dxf", open_contour_dxf)])
    [drawing] = _processed(cloudnest_api, job_id)
    assert drawing["status"] == "failed"
    assert drawing["msg"].startswith("gap.dxf: ")
    assert "open" in drawing["msg"] or "closed" in drawing["msg"]
    assert cloudnest_api.data("job_parts", {"job_id": job_id}) == []


def test_file_that_is_not_dxf_inside_fails_as_unreadable(cloudnest_api: SignedApi) -> None:
    job_id = _job(cloudnest_api)
    _upload(cloudnest_api, job_id, [("photo.dxf", b"\x89PNG\r\n\x1a\n not a drawing")])
    [drawing] = _processed(cloudnest_api, job_id)
    assert drawing["status"] == "failed"
    assert "photo.dxf" in drawing["msg"] and "DXF" in drawing["msg"]


def test_one_broken_drawing_does_not_stop_the_others(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job(cloudnest_api)
    files = [("good.dxf", rectangle_dxf(80, 40)), ("bad.dxf", b"garbage")]
    _upload(cloudnest_api, job_id, files)
    statuses = {d["filename"]: d["status"] for d in _processed(cloudnest_api, job_id)}
    assert statuses == {"good.dxf": "success", "bad.dxf": "failed"}


def test_url_on_loopback_is_downloaded_and_processed(
    cloudnest_api: SignedApi, static_files: StaticFiles, rectangle_dxf: RectangleDxf
) -> None:
    (static_files.folder / "flange.dxf").write_bytes(rectangle_dxf(120, 60, hole_radius=10))
    job_id = _job(cloudnest_api)
    body = {"job_id": job_id, "files": [{"url": static_files.url("flange.dxf"), "filename": ""}]}
    [ref] = cloudnest_api.data("drawing_upload_url", body)
    assert ref["filename"] == "flange.dxf"
    [drawing] = _processed(cloudnest_api, job_id)
    assert (drawing["status"], drawing["part_count"]) == ("success", 1)


def test_url_that_answers_404_fails_naming_the_status(
    cloudnest_api: SignedApi, static_files: StaticFiles
) -> None:
    job_id = _job(cloudnest_api)
    body = {"job_id": job_id, "files": [{"url": static_files.url("nope.dxf"), "filename": "a.dxf"}]}
    cloudnest_api.data("drawing_upload_url", body)
    [drawing] = _processed(cloudnest_api, job_id)
    assert drawing["status"] == "failed"
    assert "HTTP 404" in drawing["msg"]


@pytest.mark.parametrize(
    "url", ["http://example.com/a.dxf", "http://10.0.0.7/a.dxf", "file:///etc/passwd.dxf"]
)
def test_url_off_loopback_is_refused_with_2301(cloudnest_api: SignedApi, url: str) -> None:
    job_id = _job(cloudnest_api)
    body = {"job_id": job_id, "files": [{"url": url, "filename": "a.dxf"}]}
    envelope = cloudnest_api.call("drawing_upload_url", body)
    assert envelope["status"] == 2301
    assert cloudnest_api.data("job_drawing_status", {"job_id": job_id}) == []


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../etc/passwd.dxf", "passwd.dxf"),
        ("..\\..\\windows\\win.dxf", "win.dxf"),
        ("/abs/path/part 1.dxf", "part 1.dxf"),
        ("we<ird>|na:me.dxf", "we_ird_na_me.dxf"),
    ],
)
def test_file_names_are_stored_without_directories(
    cloudnest_api: SignedApi, given: str, stored: str, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job(cloudnest_api)
    [ref] = cloudnest_api.data(
        "drawing_upload",
        data={"job_id": str(job_id)},
        files=[("file", (given, rectangle_dxf(10, 10)))],
    )
    assert ref["filename"] == stored


def test_upload_larger_than_the_limit_is_refused_and_nothing_stored(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
    cloudnest_api_for: SignedApiFactory,
    rectangle_dxf: RectangleDxf,
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(max_upload_bytes=2_000))
    job_id = _job(api)
    envelope = _upload(api, job_id, [("ok.dxf", b"0\nEOF\n"), ("big.dxf", rectangle_dxf(10, 10))])
    assert envelope["status"] == 2300
    assert "big.dxf" in envelope["msg"] and "2000" in envelope["msg"]
    assert api.data("job_drawing_status", {"job_id": job_id}) == []


@pytest.mark.parametrize("name", ["notes.txt", "part.dxf.exe", "part.dwg"])
def test_upload_that_is_not_a_dxf_file_is_refused(
    cloudnest_api: SignedApi, name: str, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job(cloudnest_api)
    envelope = _upload(cloudnest_api, job_id, [(name, rectangle_dxf(10, 10))])
    assert envelope["status"] == 2300
    assert "only .dxf" in envelope["msg"]


def test_upload_to_an_unknown_job_gives_2000(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    assert _upload(cloudnest_api, 999_999, [("a.dxf", rectangle_dxf(10, 10))])["status"] == 2000


def test_delete_is_refused_while_processing_and_force_delete_is_not(
    cloudnest_sandbox_factory: CloudNestSandboxFactory,
    cloudnest_api_for: SignedApiFactory,
    rectangle_dxf: RectangleDxf,
) -> None:
    api = cloudnest_api_for(cloudnest_sandbox_factory(speed=1.0, processing_seconds=1.5))
    job_id = _job(api)
    [ref] = _upload(api, job_id, [("slow.dxf", rectangle_dxf(30, 30))])["data"]
    refused = api.call("drawing_delete", {"drawing_guid": ref["drawing_guid"]})
    assert refused["status"] == 2101
    assert "slow.dxf" in refused["msg"]
    assert api.call("drawing_force_delete", {"drawing_guid": ref["drawing_guid"]})["status"] == 0
    assert api.data("job_drawing_status", {"job_id": job_id}) == []


def test_delete_of_a_processed_drawing_is_refused(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job(cloudnest_api)
    _upload(cloudnest_api, job_id, [("done.dxf", rectangle_dxf(30, 30))])
    [drawing] = _processed(cloudnest_api, job_id)
    envelope = cloudnest_api.call("drawing_delete", {"drawing_guid": drawing["drawing_guid"]})
    assert envelope["status"] == 2101


def test_delete_of_a_failed_drawing_removes_it(cloudnest_api: SignedApi) -> None:
    job_id = _job(cloudnest_api)
    _upload(cloudnest_api, job_id, [("bad.dxf", b"garbage")])
    [drawing] = _processed(cloudnest_api, job_id)
    assert (
        cloudnest_api.call("drawing_delete", {"drawing_guid": drawing["drawing_guid"]})["status"]
        == 0
    )
    assert (
        cloudnest_api.call("drawing_info", {"drawing_guid": drawing["drawing_guid"]})["status"]
        == 2001
    )


def test_force_delete_removes_the_parts_of_the_drawing(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job(cloudnest_api)
    _upload(
        cloudnest_api, job_id, [("a.dxf", rectangle_dxf(30, 30)), ("b.dxf", rectangle_dxf(40, 20))]
    )
    drawings = _processed(cloudnest_api, job_id)
    cloudnest_api.data("drawing_force_delete", {"drawing_guid": drawings[0]["drawing_guid"]})
    parts = cloudnest_api.data("job_parts", {"job_id": job_id})
    assert [p["drawing_guid"] for p in parts] == [drawings[1]["drawing_guid"]]


def test_dxf_import_with_the_documented_body_names_parts_from_datas(
    cloudnest_api: SignedApi, rectangle_dxf: RectangleDxf
) -> None:
    job_id = _job(cloudnest_api)
    body = [
        {
            "datas": {"part_name": "201109-01", "material": "Q235", "thickness": 1.0, "amount": 2},
            "filename": "t21.dxf",
            "jobId": job_id,
            "optimization_parm": [{"type": "layer_map", "0": "process_work2"}],
        }
    ]
    refs = cloudnest_api.data(
        "part_import_dxf",
        data={"data": json.dumps(body)},
        files=[("file", ("t21.dxf", rectangle_dxf(60, 30)))],
    )
    assert [r["filename"] for r in refs] == ["t21.dxf"]
    _processed(cloudnest_api, job_id)
    [part] = cloudnest_api.data("job_parts", {"job_id": job_id})
    assert (part["part_name"], part["amount"], part["material"]) == ("201109-01", 2, "Q235")
