"""Unattended runs over an inbox: each drawing is cut once, then filed away.

Users saw the nightly deployment cut the same inbox every night: nothing moved the processed
drawings and the job name changed daily, so ``bracket-9001.dxf`` was pushed on two production
plans. The nightly run is named by content (``nightly-{content}``), files away what it cut and
what it rejected, and never nests a drawing another job already cut.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.outputs import PushIncomplete
from nestflow.flows.parameters import (
    DrawingSource,
    EngineName,
    MaterialSpec,
    NestingSettings,
    PushEngine,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=120.0)


@pytest.fixture
def nightly(drop_laser):
    """A nightly-style run over a folder: content-named job, local engine, drop folder."""
    names = drop_laser
    prefix = f"nightly-{uuid.uuid4().hex[:6]}"

    def run(inbox: Path, **options):
        return nest_to_cnc(
            job_name=prefix + "-{content}",
            drawings=DrawingSource(folder=str(inbox)),
            push=PushEngine.LOCAL,
            engines=[EngineName.LOCAL],
            material=MATERIAL,
            nesting=FAST,
            blocks=names,
            file_away=True,
            **options,
        )

    return run


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in ("bracket.dxf", "gusset.dxf"):
        shutil.copy(EXAMPLES / name, folder / name)
    return folder


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file())


def test_the_inbox_run_twice_cuts_every_drawing_once_and_files_it_away(inbox, nightly) -> None:
    first = nightly(inbox)
    second = nightly(inbox)

    assert [p.cut_now for p in first.parts] == [1, 1]
    assert _names(inbox / "processed") == ["bracket.dxf", "gusset.dxf"]
    assert _names(inbox) == []
    assert second.pushes == [] and second.engines == []
    assert second.notes == [f"no drawing in {inbox}: nothing to do"]


def test_a_drawing_sent_again_is_not_cut_again_but_filed(inbox, nightly) -> None:
    first = nightly(inbox)
    shutil.copy(EXAMPLES / "bracket.dxf", inbox / "bracket.dxf")  # the ERP sends it again
    shutil.copy(EXAMPLES / "tab_block.dxf", inbox / "tab_block.dxf")  # and a new one

    second = nightly(inbox)

    assert second.job_name != first.job_name
    assert [(p.part, p.already_cut, p.cut_now) for p in second.parts] == [
        ("tab_block", 0, 1),
        ("bracket", 1, 0),
    ]
    assert any(
        f"bracket.dxf: every copy already cut by job {first.job_name}" in note
        for note in second.notes
    )
    filed = sorted(p.name for p in (inbox / "processed").iterdir())
    assert [name.split("-")[0].removesuffix(".dxf") for name in filed] == [
        "bracket",
        "bracket",
        "gusset",
        "tab_block",
    ]
    assert _names(inbox) == []


def test_a_rejected_drawing_is_filed_with_the_reason(inbox, nightly) -> None:
    shutil.copy(EXAMPLES / "broken_open_contour.dxf", inbox / "broken_open_contour.dxf")

    with pytest.raises(PushIncomplete, match="broken_open_contour.dxf rejected") as failed:
        nightly(inbox)  # the rest is cut and filed, but the run is not green: a part is missing

    reason = (inbox / "rejected" / "broken_open_contour.dxf.txt").read_text()
    assert "broken_open_contour.dxf (open_contour): open contour" in reason
    assert reason.split(": ", 1)[1].strip() in str(failed.value)
    assert _names(inbox / "processed") == ["bracket.dxf", "gusset.dxf"]
    assert nightly(inbox).notes == [f"no drawing in {inbox}: nothing to do"]  # the next night


def test_the_nightly_job_is_named_by_the_drawings_content(inbox, nightly) -> None:
    first = nightly(inbox)
    again = inbox / "again"
    again.mkdir()
    for name in ("bracket.dxf", "gusset.dxf"):
        shutil.copy(EXAMPLES / name, again / name)

    second = nightly(again)

    assert second.job_name == first.job_name  # same drawings: same job, whose ledger knows them
    assert second.pushes == []
    assert all((p.already_cut, p.cut_now) == (1, 0) for p in second.parts)
