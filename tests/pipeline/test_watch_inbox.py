"""The inbox watcher announces each new or changed DXF file once, in one event per look."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from flows.watch_inbox import watch_inbox
from tasks.inbox import STATE_FILE


def _drop(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    old = time.time() - 60  # older than the settle time, as a file fully copied a while ago
    os.utime(path, (old, old))
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    _drop(folder, "bracket.dxf", b"0\nEOF\n")
    _drop(folder, "PLATE.DXF", b"0\nSECTION\n0\nEOF\n")
    _drop(folder, "notes.txt", b"not a drawing")
    return folder


def test_first_look_announces_every_dxf_file(inbox: Path, wait_for_events) -> None:
    announced = watch_inbox(inbox=str(inbox))
    assert sorted(Path(p).name for p in announced) == ["PLATE.DXF", "bracket.dxf"]
    events = wait_for_events("nestflow.drawings.arrived", f"nestflow.inbox.{inbox.resolve()}")
    assert len(events) == 1
    payload = events[0].payload
    names = sorted(Path(p).name for p in payload["drawings"]["files"])
    assert names == ["PLATE.DXF", "bracket.dxf"]
    assert payload["job_name"].startswith("inbox-")


def test_second_look_announces_nothing(inbox: Path) -> None:
    watch_inbox(inbox=str(inbox))
    assert watch_inbox(inbox=str(inbox)) == []


def test_changed_file_is_announced_again(inbox: Path) -> None:
    watch_inbox(inbox=str(inbox))
    _drop(inbox, "bracket.dxf", b"0\nSECTION\n0\nENDSEC\n0\nEOF\n")
    assert [Path(p).name for p in watch_inbox(inbox=str(inbox))] == ["bracket.dxf"]


def test_file_still_being_copied_waits_for_the_next_look(inbox: Path) -> None:
    watch_inbox(inbox=str(inbox))
    (inbox / "fresh.dxf").write_bytes(b"0\nEOF\n")
    assert watch_inbox(inbox=str(inbox), settle_s=30.0) == []
    assert [Path(p).name for p in watch_inbox(inbox=str(inbox), settle_s=0.0)] == ["fresh.dxf"]


def test_state_is_kept_in_the_inbox_as_json(inbox: Path) -> None:
    watch_inbox(inbox=str(inbox))
    state = json.loads((inbox / STATE_FILE).read_text())
    assert set(state["seen"]) == {"bracket.dxf", "PLATE.DXF"}
