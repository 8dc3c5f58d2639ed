"""Drawings whose names a vendor rewrites still reach CloudNest once and come back by name.

The CloudNest sandbox stores a file under a "safe" name, as vendors do: Unicode normalised,
brackets, quotes and ``%`` replaced, long names cut at 120 characters. A drawing is therefore
uploaded under a name nestflow chose to survive that (:func:`vendor_filename`), and its parts
keep the drawing's own name.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from nestflow.cloudnest.jobs import VENDOR_STEM_LENGTH, find_job, vendor_filename
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import DrawingSource, EngineName, PushEngine
from tests.pipeline.conftest import EXAMPLES, LOCAL_FAST, LOCAL_MATERIAL

NAMES = {
    "Größe é.dxf": "bracket.dxf",
    "bracket [rev A].dxf": "bracket.dxf",
    "O'Brien 50%.dxf": "gusset.dxf",
    unicodedata.normalize("NFD", "Flansch Ö.dxf"): "l_profile.dxf",
    "x" * 130 + ".dxf": "tab_block.dxf",
}


@pytest.fixture
def awkward_names(tmp_path: Path) -> Path:
    for name, example in NAMES.items():
        (tmp_path / name).write_bytes((EXAMPLES / example).read_bytes())
    return tmp_path


def run(job: str, folder: Path, blocks):
    return nest_to_cnc(
        job_name=job,
        drawings=DrawingSource(folder=str(folder)),
        engines=[EngineName.CLOUDNEST],
        push=PushEngine.CLOUDNEST,
        material=LOCAL_MATERIAL,
        nesting=LOCAL_FAST,
        blocks=blocks,
    )


def test_drawings_with_names_the_vendor_rewrites_are_nested_cut_and_not_uploaded_again(
    awkward_names, pipeline_blocks, cloudnest
) -> None:
    first = run("awkward-names", awkward_names, pipeline_blocks.names)
    second = run("awkward-names", awkward_names, pipeline_blocks.names)

    assert first.engine("cloudnest").status == "ok", first.engine("cloudnest").errors
    assert sorted(p.drawing for p in first.parts) == sorted(first.drawings)
    assert all(p.cut_now == p.ordered and p.missing == 0 for p in first.parts)
    job = find_job(cloudnest, "awkward-names")
    held = cloudnest.job_drawing_status(job.job_id)
    assert len(held) == len(NAMES) and all(d.status == "success" for d in held)
    assert second.engines == [] and all(p.cut_now == 0 for p in second.parts)
    assert len(cloudnest.job_drawing_status(job.job_id)) == len(NAMES)  # nothing uploaded again


@pytest.mark.parametrize("name", list(NAMES), ids=lambda n: n[:20])
def test_an_upload_name_is_plain_short_and_told_apart_by_content(name: str) -> None:
    first, second = vendor_filename(name, "a" * 64), vendor_filename(name, "b" * 64)
    assert first != second and first.endswith("-aaaaaaaaaaaa.dxf")
    assert first.isascii() and all(c.isalnum() or c in "-_." for c in first)
    assert len(first) <= VENDOR_STEM_LENGTH + len("-aaaaaaaaaaaa.dxf")


def test_the_same_name_in_nfc_and_nfd_gets_the_same_upload_name() -> None:
    nfc, nfd = (unicodedata.normalize(form, "Größe é.dxf") for form in ("NFC", "NFD"))
    assert vendor_filename(nfc, "c" * 64) == vendor_filename(nfd, "c" * 64)
