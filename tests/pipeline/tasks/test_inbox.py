"""The inbox watcher's tasks: its memory through a storage block, new files, the arrival event."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from prefect.filesystems import LocalFileSystem

from nestflow.tasks.inbox import announce_arrival, find_new_drawings, load_state, save_state
from tests.pipeline.tasks.support import EXAMPLES


@pytest.fixture
def storage(tmp_path: Path) -> LocalFileSystem:
    """Where the watcher keeps its memory: an empty folder."""
    folder = tmp_path / "state"
    folder.mkdir()
    return LocalFileSystem(basepath=str(folder))


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """An inbox holding two drawings and a file that is not one."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in ("gusset.dxf", "bracket.dxf"):
        shutil.copy(EXAMPLES / name, folder / name)
    (folder / "notes.txt").write_text("not a drawing")
    return folder


def test_load_state_of_an_empty_storage_has_seen_nothing(storage) -> None:
    assert load_state(storage).seen == {}


def test_save_state_is_read_back_by_load_state(storage, inbox: Path) -> None:
    found = find_new_drawings(str(inbox), load_state(storage), 0.0)
    save_state(storage, load_state(storage).with_files(found))
    assert load_state(storage).seen == {f.name: f.sha256 for f in found}


def test_load_state_starts_afresh_when_the_state_file_is_unreadable(
    storage, tmp_path: Path
) -> None:
    save_state(storage, load_state(storage).model_copy(update={"seen": {"a.dxf": "0" * 64}}))
    (state_file,) = (tmp_path / "state").iterdir()
    state_file.write_text("{ not json")
    assert load_state(storage).seen == {}


def test_find_new_drawings_lists_each_dxf_file_with_its_content_hash(storage, inbox: Path) -> None:
    found = find_new_drawings(str(inbox), load_state(storage), 0.0)
    assert sorted((f.name, f.sha256) for f in found) == [
        (name, hashlib.sha256((inbox / name).read_bytes()).hexdigest())
        for name in ("bracket.dxf", "gusset.dxf")
    ]
    assert all(Path(f.path) == inbox.resolve() / f.name for f in found)


def test_find_new_drawings_does_not_announce_a_link_out_of_the_inbox(
    storage, inbox: Path, tmp_path: Path
) -> None:
    outside = Path(shutil.copy(EXAMPLES / "gusset.dxf", tmp_path / "victim.dxf"))
    (inbox / "link.dxf").symlink_to(outside)
    found = find_new_drawings(str(inbox), load_state(storage), 0.0)
    assert sorted(f.name for f in found) == ["bracket.dxf", "gusset.dxf"]


def test_find_new_drawings_ignores_files_already_seen(storage, inbox: Path) -> None:
    first = find_new_drawings(str(inbox), load_state(storage), 0.0)
    seen = load_state(storage).with_files([f for f in first if f.name == "gusset.dxf"])
    assert [f.name for f in find_new_drawings(str(inbox), seen, 0.0)] == ["bracket.dxf"]


def test_announce_arrival_emits_one_event_with_the_files_and_the_job_name(
    storage, inbox: Path, wait_for_events
) -> None:
    found = find_new_drawings(str(inbox), load_state(storage), 0.0)
    announce_arrival(str(inbox), found, "inbox-job-1")

    events = wait_for_events("nestflow.drawings.arrived", f"nestflow.inbox.{inbox.resolve()}")

    assert len(events) == 1
    payload = events[0].payload
    assert (payload["job_name"], payload["count"]) == ("inbox-job-1", 2)
    assert sorted(payload["drawings"]["files"]) == sorted(f.path for f in found)
