"""The CloudNest engine against the CloudNest sandbox over HTTP: job, uploads, Boost, files."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from nestflow.cloudnest.engine import CloudNestEngine, CloudNestMaterial
from nestflow.cloudnest.errors import CloudNestJobFailed
from nestflow.engines.base import EngineResult, EngineSettings, PartOrder, SheetSpec
from nestflow.gate import (
    DxfLayout,
    UnsafeLayouts,
    check_dxf_layouts,
    dxf_outlines,
    ordered_parts,
)
from nestflow.geometry.reader import read_drawing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHEET = SheetSpec(name="engine 1000x500", length=1000.0, height=500.0, quantity=5, border_gap=10)
MATERIAL = CloudNestMaterial(name="S235JR", thickness=3.0, gas="O2", density=7.85)
#: Boost solves for the sandbox's 1 s minimum.
SETTINGS = EngineSettings(time_s=1.0, spacing=5.0)
DEADLINE_S = 60.0
BROKEN = "broken_open_contour.dxf"


def example(file: str, quantity: int) -> tuple[list[PartOrder], dict[str, bytes]]:
    """Order lines of an example drawing, and its bytes by sha256 (read from those bytes)."""
    content = (EXAMPLES / file).read_bytes()
    parts = read_drawing(content, name=file)
    return [PartOrder(part=p, quantity=quantity) for p in parts], {
        hashlib.sha256(content).hexdigest(): content
    }


def order(*files: tuple[str, int]) -> tuple[list[PartOrder], dict[str, bytes]]:
    """Lines and drawing bytes of several example drawings."""
    lines: list[PartOrder] = []
    drawings: dict[str, bytes] = {}
    for file, quantity in files:
        more, content = example(file, quantity)
        lines += more
        drawings |= content
    return lines, drawings


def broken_line(quantity: int) -> tuple[PartOrder, dict[str, bytes]]:
    """A line CloudNest cannot process: the open-contour drawing, with a gusset's geometry."""
    content = (EXAMPLES / BROKEN).read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    (gusset,) = read_drawing(EXAMPLES / "gusset.dxf")
    part = gusset.model_copy(
        update={"name": "broken_open_contour", "source": BROKEN, "sha256": digest}
    )
    return PartOrder(part=part, quantity=quantity), {digest: content}


def gate_files(result: EngineResult, lines: list[PartOrder]) -> list:
    """The gate's problems with the result's files and the parts they name."""
    ordered = ordered_parts((line.part, line.quantity) for line in lines)
    files = [
        DxfLayout(
            sheet=layout,
            outlines=tuple(dxf_outlines(result.files[layout.name])),
            names=result.part_names[layout.name],
        )
        for layout in result.layouts
    ]
    return check_dxf_layouts(files, ordered)


def placed(result: EngineResult) -> Counter[str]:
    counts: Counter[str] = Counter()
    for layout in result.layouts:
        for name in result.part_names[layout.name]:
            counts[name] += layout.quantity
    return counts


def test_trigger_wait_fetch_gives_gated_layout_files_of_every_ordered_copy(
    cloudnest_client,
) -> None:
    lines, drawings = order(("gusset.dxf", 2), ("bracket.dxf", 1))
    engine = CloudNestEngine(cloudnest_client, "engine-nest", MATERIAL, drawings)
    nesting = engine.trigger(lines, [SHEET], SETTINGS)
    assert sorted(nesting.uploaded) == ["bracket.dxf", "gusset.dxf"]
    nesting.wait_for_completion(DEADLINE_S)
    result = nesting.fetch_result()

    assert placed(result) == {"gusset": 2, "bracket": 1}
    assert result.unplaced == []
    assert gate_files(result, lines) == []
    assert set(result.files) == {layout.name for layout in result.layouts}
    for layout in result.layouts:
        assert layout.placements == ()
        assert (layout.sheet_length, layout.sheet_height) == (1000.0, 500.0)
        assert layout.border_gap == (10.0,) * 4
        assert 0 < (layout.used_length or 0) <= layout.sheet_length
        assert result.files[layout.name][:4096].find(b"SECTION") >= 0


def test_a_second_trigger_of_the_job_uploads_nothing_new(cloudnest_client) -> None:
    lines, drawings = order(("gusset.dxf", 2), ("tab_block.dxf", 3))
    engine = CloudNestEngine(cloudnest_client, "engine-again", MATERIAL, drawings)
    first = engine.trigger(lines, [SHEET], SETTINGS)
    first.wait_for_completion(DEADLINE_S)
    held = cloudnest_client.job_drawing_status(first.job_id)

    again = engine.trigger(lines, [SHEET], SETTINGS)
    assert again.job_id == first.job_id
    assert again.uploaded == []
    assert cloudnest_client.job_drawing_status(first.job_id) == held
    again.wait_for_completion(DEADLINE_S)
    result = again.fetch_result()
    assert placed(result) == {"gusset": 2, "tab_block": 3}
    assert gate_files(result, lines) == []


def test_a_drawing_cloudnest_cannot_process_is_named_in_unplaced(cloudnest_client) -> None:
    lines, drawings = order(("gusset.dxf", 2))
    broken, content = broken_line(4)
    engine = CloudNestEngine(cloudnest_client, "engine-broken", MATERIAL, drawings | content)
    nesting = engine.trigger([*lines, broken], [SHEET], SETTINGS)
    assert set(nesting.failed) == {BROKEN}
    nesting.wait_for_completion(DEADLINE_S)
    result = nesting.fetch_result()

    assert placed(result) == {"gusset": 2}
    (sentence,) = result.unplaced
    assert sentence.startswith(f"4 x part 'broken_open_contour' from {BROKEN} not nested")
    assert f"CloudNest could not process {BROKEN}: " in sentence
    assert nesting.failed[BROKEN] in sentence and "open contour" in sentence
    assert gate_files(result, [*lines, broken]) == []


def test_no_drawing_processed_is_an_error_naming_each_file(cloudnest_client) -> None:
    broken, content = broken_line(1)
    engine = CloudNestEngine(cloudnest_client, "engine-nothing", MATERIAL, content)
    with pytest.raises(CloudNestJobFailed, match=rf"could not process any drawing.*{BROKEN}: .*"):
        engine.trigger([broken], [SHEET], SETTINGS)


def test_fetch_result_before_waiting_raises(cloudnest_client) -> None:
    lines, drawings = order(("tab_block.dxf", 1))
    nesting = CloudNestEngine(cloudnest_client, "engine-early", MATERIAL, drawings).trigger(
        lines, [SHEET], SETTINGS
    )
    with pytest.raises(RuntimeError, match="wait_for_completion"):
        nesting.fetch_result()
    nesting.wait_for_completion(DEADLINE_S)  # leave no Boost running behind


def test_only_checked_bytes_are_uploaded(cloudnest_client) -> None:
    lines, drawings = order(("tab_block.dxf", 1))
    (digest,) = drawings
    with pytest.raises(ValueError, match="do not hash to their key"):
        CloudNestEngine(cloudnest_client, "engine-bytes", MATERIAL, {digest: b"other bytes"})
    engine = CloudNestEngine(cloudnest_client, "engine-bytes", MATERIAL, {})
    with pytest.raises(ValueError, match="tab_block.dxf: the engine was not given the checked"):
        engine.trigger(lines, [SHEET], SETTINGS)


def test_fetch_result_refuses_layouts_with_parts_of_another_order(cloudnest_client) -> None:
    first, first_drawings = order(("gusset.dxf", 1))
    engine = CloudNestEngine(cloudnest_client, "engine-shared", MATERIAL, first_drawings)
    engine.trigger(first, [SHEET], SETTINGS).wait_for_completion(DEADLINE_S)

    lines, drawings = order(("tab_block.dxf", 1))
    other = CloudNestEngine(cloudnest_client, "engine-shared", MATERIAL, drawings)
    nesting = other.trigger(lines, [SHEET], SETTINGS)  # Boost nests the gusset the job holds too
    nesting.wait_for_completion(DEADLINE_S)
    with pytest.raises(UnsafeLayouts, match="'gusset'.*not in the order"):
        nesting.fetch_result()
