"""Isolation and bounds of the intake, end to end: what a run reads, and what it says about it.

The regressions (issue 12): a manifest line, hence an event payload naming a manifest, could make
a run read any file of the worker and a parse error echoed its content; a FIFO hung the run,
``/dev/zero`` read until MemoryError, a 300 MB file was read whole before its size was checked;
a drawing of 100k parts failed the run with ``EventTooLarge``; a quantity of 1e9 reached the
solver. Runs use the local engine only and push nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import threading
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ezdxf
import httpx
import pytest
from prefect import flow
from prefect.states import State

from nestflow.blocks.loading import BlockNotFound
from nestflow.blocks.settings import DrawingRoots
from nestflow.flows.engines import read_drawings
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import (
    BlockNames,
    DrawingSource,
    EngineName,
    MaterialSpec,
    Mode,
    NestingSettings,
    Units,
)
from nestflow.geometry.manifest import MAX_QUANTITY, ManifestError
from nestflow.geometry.reader import ReadOptions
from nestflow.intake import Intake, PlaceRefused
from nestflow.tasks.drawings import check_drawings
from nestflow.tasks.events import LISTED, QUOTED
from nestflow.urls import UrlPolicy
from tests.pipeline.tasks.support import parameter_model, to_check

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=60.0)
HEADER = "file,quantity,material,thickness,rotations\n"
#: A secret no trace of a run may hold (letters only: ezdxf would read digits as a number).
MARKER = "MARKER-" + uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))
#: A file holding the marker where a DXF reader quotes what it finds: a group code (line 1)...
MARKER_AS_TEXT = f"{MARKER}\n"
#: ... and a coordinate of a LINE (ezdxf's recovery logs the bad number it repaired).
MARKER_AS_NUMBER = (
    "0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n0\n"
    f"10\n1 {MARKER}\n20\n0\n11\n5\n21\n5\n0\nENDSEC\n0\nEOF\n"
)
#: Parts of the many-parts drawing, and a long file name: their names alone were ~6 MB of event.
MANY_PARTS = 100_000
MANY_PARTS_FILE = "plate_with_one_hundred_thousand_small_round_blanks_for_the_event_test.dxf"


@flow(name="bounds intake")
def intake_of(drawings: DrawingSource | None, manifest: str | None, blocks: BlockNames) -> Intake:
    """The run's intake alone, as nest-to-cnc and quote read it (in quote mode)."""
    return read_drawings(
        drawings, manifest, MATERIAL, NestingSettings(), Units.AUTO, Mode.QUOTE, blocks
    )


def _run(folder: Path, blocks: BlockNames, **kwargs) -> State:
    return nest_to_cnc(
        job_name=f"bounds-{uuid.uuid4().hex[:8]}",
        mode=Mode.QUOTE,
        engines=[EngineName.LOCAL],
        material=MATERIAL,
        nesting=FAST,
        blocks=blocks,
        return_state=True,
        **kwargs,
    )


def _traces(state: State, out: Path, records: list[logging.LogRecord]) -> str:
    """Everything the run said: its exception or summary, its summary.json, its log records."""
    result = state.result(raise_on_failure=False)
    said = [repr(result), str(result)]
    said += [p.read_text() for p in out.glob("bounds-*/summary.json")]
    said += [r.getMessage() for r in records]
    return "\n".join(said)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with one good drawing, next to a private folder holding the marker.

    Both lie in the run's working folder (the current folder, ``tmp_path``), where a run with
    no Drawing Roots block reads.
    """
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "shop"
    folder.mkdir()
    shutil.copy(EXAMPLES / "gusset.dxf", folder / "gusset.dxf")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "secret.dxf").write_text(MARKER_AS_TEXT)
    return folder


def _manifest(folder: Path, *lines: str) -> Path:
    path = folder / "orders.csv"
    path.write_text(HEADER + "".join(f"{line},2,S235JR,3,0\n" for line in lines))
    return path


# --- a manifest names drawings only in its own folder ---------------------------------------------


def test_a_manifest_naming_a_file_outside_its_folder_fails_the_run_without_reading_it(
    shop: Path, pipeline_blocks, drop_laser, caplog: pytest.LogCaptureFixture
) -> None:
    manifest = _manifest(shop, "gusset.dxf", "../private/secret.dxf")
    no_roots = drop_laser.model_copy(update={"drawing_roots": None})
    with caplog.at_level(logging.DEBUG):
        state = _run(shop, no_roots, manifest=str(manifest))

    assert state.is_failed()
    with pytest.raises(PlaceRefused, match=r"orders.csv line 3: '../private/secret.dxf'"):
        state.result()
    said = _traces(state, pipeline_blocks.out, caplog.records)
    assert "../private/secret.dxf" in said and MARKER not in said


@pytest.mark.parametrize("content", [MARKER_AS_TEXT, MARKER_AS_NUMBER], ids=["text", "number"])
def test_a_file_that_is_no_drawing_is_rejected_without_quoting_it(
    shop: Path, pipeline_blocks, drop_laser, caplog: pytest.LogCaptureFixture, content: str
) -> None:
    (shop / "notes.dxf").write_text(content)
    manifest = _manifest(shop, "gusset.dxf", "notes.dxf")
    with caplog.at_level(logging.DEBUG):
        state = _run(shop, drop_laser, manifest=str(manifest))

    summary = state.result()
    assert summary.drawings == ["gusset.dxf"]
    assert [r.file for r in summary.rejected] == ["notes.dxf"]
    said = _traces(state, pipeline_blocks.out, caplog.records)
    assert "notes.dxf" in said and MARKER not in said


def test_an_unreadable_file_is_named_by_the_line_where_reading_stopped(shop: Path) -> None:
    (shop / "notes.dxf").write_text(MARKER_AS_TEXT)
    intake = intake_of(DrawingSource(files=[str(shop / "notes.dxf")]), None, BlockNames())
    (rejected,) = intake.rejected
    assert (rejected.file, rejected.kind) == ("notes.dxf", "unreadable")
    assert "line 1" in rejected.message and MARKER not in rejected.message


# --- configured roots ---------------------------------------------------------------------------


@pytest.fixture
def roots_block(pipeline_blocks, shop: Path) -> BlockNames:
    """The session's blocks with a Drawing Roots block admitting only the shop folder."""
    name = f"roots-{uuid.uuid4().hex[:8]}"
    DrawingRoots(folders=[str(shop)]).save(name)
    return pipeline_blocks.names.model_copy(update={"drawing_roots": name})


def test_with_drawing_roots_a_drawing_outside_them_fails_the_run(
    shop: Path, roots_block: BlockNames
) -> None:
    secret = str(shop.parent / "private" / "secret.dxf")
    state = _run(shop, roots_block, drawings=DrawingSource(files=[secret]))
    with pytest.raises(PlaceRefused, match="drawings.files") as caught:
        state.result()
    assert secret in str(caught.value) and MARKER not in str(caught.value)


def test_with_drawing_roots_a_run_inside_them_nests(shop: Path, roots_block: BlockNames) -> None:
    summary = _run(shop, roots_block, drawings=DrawingSource(folder=str(shop))).result()
    assert summary.drawings == ["gusset.dxf"]


def test_with_drawing_roots_a_manifest_outside_them_fails_the_run(
    shop: Path, roots_block: BlockNames, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    manifest = _manifest(elsewhere, str(shop / "gusset.dxf"))
    with pytest.raises(PlaceRefused, match="order manifest"):
        _run(shop, roots_block, manifest=str(manifest)).result()


def test_a_missing_drawing_roots_block_fails_the_run_saying_how_to_create_it(
    shop: Path, pipeline_blocks
) -> None:
    blocks = pipeline_blocks.names.model_copy(update={"drawing_roots": "never-created"})
    with pytest.raises(BlockNotFound, match="Drawing Roots block named 'never-created'"):
        _run(shop, blocks, drawings=DrawingSource(folder=str(shop))).result()


# --- only regular files, size checked first -------------------------------------------------------


@pytest.fixture
def fifo(shop: Path) -> Iterator[Path]:
    """A FIFO named like a drawing; a watchdog opens it for writing should a reader block."""
    path = shop / "pipe.dxf"
    os.mkfifo(path)

    def release() -> None:
        try:  # the blocked reader gets end-of-file: the test fails instead of hanging
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass

    watchdog = threading.Timer(30.0, release)
    watchdog.start()
    yield path
    watchdog.cancel()


def test_a_fifo_named_as_a_drawing_is_rejected_and_the_others_are_read(
    shop: Path, fifo: Path
) -> None:
    files = [str(shop / "gusset.dxf"), str(fifo)]
    intake = intake_of(DrawingSource(files=files), None, BlockNames())
    assert intake.files == ["gusset.dxf"]
    (rejected,) = intake.rejected
    assert (rejected.file, rejected.kind) == ("pipe.dxf", "not_a_file")
    assert "FIFO" in rejected.message


def test_a_fifo_in_a_manifest_folder_is_rejected(shop: Path, fifo: Path) -> None:
    intake = intake_of(None, str(_manifest(shop, "gusset.dxf", fifo.name)), BlockNames())
    assert [(r.file, r.kind) for r in intake.rejected] == [("pipe.dxf", "not_a_file")]


def test_without_drawing_roots_a_device_outside_the_working_folder_fails_the_run(
    shop: Path,
) -> None:
    with pytest.raises(PlaceRefused, match="'/dev/zero' lies outside the run's working folder"):
        intake_of(DrawingSource(files=["/dev/zero"]), None, BlockNames())


def test_an_endless_device_named_as_a_drawing_is_rejected(pipeline_blocks) -> None:
    # /dev a root, so that what refuses it is its being a device, not its place.
    name = f"dev-root-{uuid.uuid4().hex[:8]}"
    DrawingRoots(folders=["/dev"]).save(name)
    intake = intake_of(DrawingSource(files=["/dev/zero"]), None, BlockNames(drawing_roots=name))
    (rejected,) = intake.rejected
    assert (rejected.file, rejected.kind) == ("zero", "not_a_file")
    assert "character device" in rejected.message


def test_a_300_mb_drawing_is_rejected_before_it_is_read(shop: Path) -> None:
    big = shop / "huge.dxf"
    with big.open("wb") as handle:  # sparse: 300 MB to stat, nothing on disk
        handle.truncate(300 * 1024 * 1024)
    tracemalloc.start()
    try:
        intake = intake_of(DrawingSource(files=[str(big)]), None, BlockNames())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 1024 * 1024  # the run's own work, nothing like the file's 300 MB
    (rejected,) = intake.rejected
    assert (rejected.file, rejected.kind) == ("huge.dxf", "file_too_large")
    assert "314,572,800 bytes" in rejected.message


# --- events carry summaries -----------------------------------------------------------------------


def _many_parts(path: Path) -> bytes:
    """One DXF of ``MANY_PARTS`` circles of 2 mm, 4 mm apart (each one a part)."""
    doc = ezdxf.new("R2010", units=ezdxf.units.MM)
    msp = doc.modelspace()
    side = int(MANY_PARTS**0.5) + 1
    for i in range(MANY_PARTS):
        msp.add_circle(((i % side) * 4.0, (i // side) * 4.0), 1.0)
    text = io.StringIO()
    doc.write(text)
    path.write_text(text.getvalue())
    return path.read_bytes()


def test_a_drawing_of_100k_parts_is_checked_and_its_event_lists_a_few(
    tmp_path: Path, wait_for_events
) -> None:
    path = tmp_path / MANY_PARTS_FILE
    sha256 = hashlib.sha256(_many_parts(path)).hexdigest()

    (drawing,) = check_drawings([to_check(path)], ReadOptions())

    assert drawing.ok and len(drawing.parts) == MANY_PARTS
    (event,) = wait_for_events("nestflow.drawing.checked", f"nestflow.drawing.{sha256}")
    parts = event.payload["parts"]
    assert (parts["count"], len(parts["first"]), parts["cut"]) == (MANY_PARTS, LISTED, True)
    assert len(json.dumps(event.payload)) < 10_000


def test_a_rejected_drawing_event_quotes_its_message_short(tmp_path: Path, wait_for_events) -> None:
    path = tmp_path / "open.dxf"
    # A comment of its own makes the content (its sha256, the event's resource) this test's only.
    broken = (EXAMPLES / "broken_open_contour.dxf").read_bytes()
    path.write_bytes(f"999\n{uuid.uuid4().hex}\n".encode() + broken)
    (drawing,) = check_drawings([to_check(path)], ReadOptions())
    sha256 = drawing.sha256
    (event,) = wait_for_events("nestflow.drawing.rejected", f"nestflow.drawing.{sha256}")
    assert event.payload["kind"] == "open_contour"
    assert event.payload["message"].startswith("open contour")
    assert len(event.payload["message"]) <= QUOTED + len("...")


# --- quantities -----------------------------------------------------------------------------------


def test_an_absurd_quantity_fails_the_run_before_anything_is_nested(shop: Path, drop_laser) -> None:
    manifest = shop / "orders.csv"
    manifest.write_text(HEADER + "gusset.dxf,1000000000,S235JR,3,0\n")
    state = _run(shop, drop_laser, manifest=str(manifest))
    with pytest.raises(ManifestError, match=rf"orders.csv line 2.*{MAX_QUANTITY:,}"):
        state.result()


# --- drawings given by URL ------------------------------------------------------------------------


def _url_to_check(url: str) -> Any:
    item = parameter_model(check_drawings, "items")
    return item.model_validate({"ref": {"file": "remote.dxf", "url": url}, "terms": {}})


def _on_loopback(url: str) -> UrlPolicy:
    """The allowance for the misbehaving server: loopback is never fetched unless allowed."""
    server = httpx.URL(url)
    return UrlPolicy(allowed_hosts=[f"{server.host}:{server.port}"])


def test_a_drawing_url_answering_more_than_the_limit_is_rejected_unread(misbehaving) -> None:
    options = ReadOptions(max_file_bytes=1024 * 1024)  # the server sends 8 MiB
    started = misbehaving.play("huge").requests
    url = misbehaving.base_url

    (drawing,) = check_drawings([_url_to_check(url)], options, None, _on_loopback(url))

    assert misbehaving.requests == started + 1
    assert drawing.failure is not None and drawing.failure.kind == "file_too_large"
    assert "above the limit of 1,048,576 bytes" in drawing.failure.message


def test_a_drawing_url_dripping_its_answer_is_rejected_within_its_deadline(
    misbehaving, monkeypatch
) -> None:
    # deadline 3 s; the drip is 10 s
    monkeypatch.setattr("nestflow.tasks.drawings.DOWNLOAD_TIMEOUT_S", 1.0)
    start = time.monotonic()

    url = misbehaving.play("drip").base_url
    (drawing,) = check_drawings([_url_to_check(url)], ReadOptions(), None, _on_loopback(url))

    assert time.monotonic() - start < 8.0
    assert drawing.failure is not None and drawing.failure.kind == "unreachable"
    assert "did not answer whole in 3 s" in drawing.failure.message
