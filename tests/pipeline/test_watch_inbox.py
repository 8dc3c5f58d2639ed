"""The inbox watcher announces each new or changed DXF file once, in one event per look (several
for a drop too large for one event)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from nestflow.flows.watch_inbox import watch_inbox
from nestflow.tasks.inbox import (
    ARRIVAL_BYTES,
    ARRIVAL_FILES,
    STATE_FILE,
    InboxFile,
    arrival_batches,
    arrival_payload,
)


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


def test_a_drop_too_large_for_one_event_is_announced_as_several_jobs(
    tmp_path: Path, wait_for_events
) -> None:
    folder = tmp_path / "big-inbox"
    folder.mkdir()
    for k in range(ARRIVAL_FILES + 3):
        _drop(folder, f"part-{k:04d}.dxf", f"0\nEOF\n999\n{k}\n".encode())

    announced = watch_inbox(inbox=str(folder))

    assert len(announced) == ARRIVAL_FILES + 3
    events = wait_for_events(
        "nestflow.drawings.arrived", f"nestflow.inbox.{folder.resolve()}", at_least=2
    )
    payloads = sorted((e.payload for e in events), key=lambda p: p["count"])
    assert [p["count"] for p in payloads] == [3, ARRIVAL_FILES]
    assert len({p["job_name"] for p in payloads}) == 2
    files = [f for p in payloads for f in p["drawings"]["files"]]
    assert sorted(files) == sorted(announced)
    assert watch_inbox(inbox=str(folder)) == []


def _file(name: str, path_length: int = 40) -> InboxFile:
    return InboxFile(path="/" + "p" * path_length + "/" + name, name=name, sha256="0" * 64)


def test_arrivals_are_cut_at_the_file_count_in_name_order() -> None:
    files = [_file(f"{k:03d}.dxf") for k in (4, 0, 3, 1, 2)]
    batches = arrival_batches(files, max_files=2)
    assert [[f.name for f in b] for b in batches] == [
        ["000.dxf", "001.dxf"],
        ["002.dxf", "003.dxf"],
        ["004.dxf"],
    ]


def test_arrivals_of_very_long_paths_are_cut_below_the_byte_budget() -> None:
    files = [_file(f"{k:03d}.dxf", path_length=4000) for k in range(ARRIVAL_FILES)]
    batches = arrival_batches(files)
    assert sum(len(b) for b in batches) == ARRIVAL_FILES
    for batch in batches:
        payload = json.dumps(arrival_payload("inbox-0123456789ab", batch))
        assert len(payload) <= ARRIVAL_BYTES + 100  # the files, plus the payload's fixed keys
