"""The CloudNest tasks, called directly against the CloudNest sandbox over HTTP."""

from __future__ import annotations

import hashlib
import io

import ezdxf
import pytest

from nestflow.blocks.settings import SheetFormat
from nestflow.cloudnest.errors import CloudNestJobFailed
from nestflow.engines.base import EngineContext
from nestflow.engines.cloudnest import CloudNestEngine
from nestflow.intake import CheckedDrawing, DrawingLocation, Intake
from nestflow.run_options import MaterialSpec, NestingSettings
from nestflow.tasks.cloudnest import (
    download_layout,
    ensure_job,
    job_is_current,
    prepare_plates,
    read_part_layout,
    start_boost,
    steps,
    upload_drawings,
    wait_drawings,
    wait_nesting,
)
from tests.pipeline.conftest import stored_as
from tests.pipeline.tasks.support import (
    EXAMPLES,
    GAS,
    SHEET,
    THICKNESS,
    checked,
    parameter_model,
    unique,
    upload_items,
)


def _plates_of(cloudnest, material: str) -> list:
    (found,) = [m for m in cloudnest.material_list() if m.material_name == material]
    return cloudnest.plate_list(material_id=found.material_id, thickness=THICKNESS)


def _jobs_named(cloudnest, name: str) -> list:
    return [job for job in cloudnest.job_search(name) if job.job_name == name]


# ----------------------------------------------------------------------------- plates


def test_prepare_plates_adds_nothing_when_called_again(cloudnest_credentials, cloudnest) -> None:
    material = unique("PLATES")
    first = prepare_plates(cloudnest_credentials, material, THICKNESS, 7.85, [SHEET])
    second = prepare_plates(cloudnest_credentials, material, THICKNESS, 7.85, [SHEET])
    assert second == first
    assert [p.plate_guid for p in _plates_of(cloudnest, material)] == first


def test_prepare_plates_sets_the_plate_stock_to_the_sheet_quantity(
    cloudnest_credentials, cloudnest
) -> None:
    material = unique("STOCK")
    (guid,) = prepare_plates(cloudnest_credentials, material, THICKNESS, 7.85, [SHEET])
    more = SHEET.model_copy(update={"quantity": 9})
    assert prepare_plates(cloudnest_credentials, material, THICKNESS, 7.85, [more]) == [guid]
    (plate,) = _plates_of(cloudnest, material)
    assert plate.remain_amount == 9


# -------------------------------------------------------------------------------- job


def test_ensure_job_finds_the_job_by_exact_name(cloudnest_credentials, cloudnest) -> None:
    name = unique("exact")
    existing = cloudnest.job_add(name).job_id
    cloudnest.job_add(f"{name}-2")
    assert ensure_job(cloudnest_credentials, name, "S235JR", THICKNESS, GAS) == existing
    assert [job.job_id for job in _jobs_named(cloudnest, name)] == [existing]


def test_ensure_job_creates_the_job_when_no_job_has_its_name(
    cloudnest_credentials, cloudnest
) -> None:
    name = unique("created")
    job_id = ensure_job(cloudnest_credentials, name, "S235JR", THICKNESS, GAS)
    assert [job.job_id for job in _jobs_named(cloudnest, name)] == [job_id]


def test_ensure_job_remembers_the_job_id_of_a_name_without_asking_again(
    cloudnest_credentials, cloudnest
) -> None:
    name = unique("cached")
    job_id = ensure_job(cloudnest_credentials, name, "S235JR", THICKNESS, GAS)
    cloudnest.job_delete(job_id)
    assert ensure_job(cloudnest_credentials, name, "S235JR", THICKNESS, GAS) == job_id
    assert _jobs_named(cloudnest, name) == []  # the cache answered: nothing was created


def test_job_is_current_for_the_job_that_still_has_the_name(
    cloudnest_credentials, nested_job
) -> None:
    assert job_is_current(cloudnest_credentials, nested_job.job_id, nested_job.name) is True


def test_job_is_current_is_false_for_a_job_id_of_another_name(
    cloudnest_credentials, nested_job
) -> None:
    assert job_is_current(cloudnest_credentials, nested_job.job_id, unique("other")) is False


def test_job_is_current_is_false_once_the_server_lost_the_job(
    cloudnest_credentials, cloudnest
) -> None:
    name = unique("lost")
    job_id = cloudnest.job_add(name).job_id
    cloudnest.job_delete(job_id)
    assert job_is_current(cloudnest_credentials, job_id, name) is False


# --------------------------------------------------------------------------- drawings


def test_upload_drawings_skips_drawings_the_job_already_holds(
    cloudnest_credentials, cloudnest
) -> None:
    job_id = ensure_job(cloudnest_credentials, unique("skip"), "S235JR", THICKNESS, GAS)
    gusset, bracket = upload_items(checked("gusset.dxf", "bracket.dxf"))
    upload_drawings(cloudnest_credentials, job_id, [gusset], "S235JR", THICKNESS, GAS)

    outcome = upload_drawings(
        cloudnest_credentials, job_id, [gusset, bracket], "S235JR", THICKNESS, GAS
    )

    assert (outcome.uploaded, outcome.already_there) == (["bracket.dxf"], ["gusset.dxf"])
    assert sorted(r.filename for r in outcome.refs) == ["bracket.dxf", "gusset.dxf"]
    held = sorted(s.filename for s in cloudnest.job_drawing_status(job_id))
    assert held == stored_as(EXAMPLES / "bracket.dxf", EXAMPLES / "gusset.dxf")


def test_upload_drawings_orders_each_drawing_in_its_quantity(cloudnest, nested_job) -> None:
    parts = cloudnest.job_parts(nested_job.job_id)
    assert {p.part_name: p.amount for p in parts} == {"gusset": 2, "bracket": 1}


def test_wait_drawings_returns_each_drawing_processed_into_its_part(nested_job) -> None:
    states = {s.filename: (s.status, s.part_count) for s in nested_job.states}
    assert states == {"gusset.dxf": ("success", 1), "bracket.dxf": ("success", 1)}


def test_wait_drawings_reports_a_drawing_the_service_cannot_read_with_its_reason(
    cloudnest_credentials,
) -> None:
    content = (EXAMPLES / "broken_open_contour.dxf").read_bytes()
    item = parameter_model(upload_drawings, "items")(
        file="broken_open_contour.dxf", sha256=hashlib.sha256(content).hexdigest(), content=content
    )
    job_id = ensure_job(cloudnest_credentials, unique("broken"), "S235JR", THICKNESS, GAS)
    refs = upload_drawings(cloudnest_credentials, job_id, [item], "S235JR", THICKNESS, GAS).refs

    (state,) = wait_drawings(cloudnest_credentials, job_id, refs, 30.0)

    assert (state.filename, state.status) == ("broken_open_contour.dxf", "failed")
    assert "open contour" in state.msg


# ---------------------------------------------------------------------------- nesting


def test_start_boost_starts_a_nesting_of_a_job_without_one(nested_job) -> None:
    assert nested_job.boost == "started"
    assert nested_job.detail.status == "finished"


def test_start_boost_keeps_the_jobs_nesting_when_no_drawing_was_added(
    cloudnest_credentials, cloudnest, nested_job
) -> None:
    guids = [s.drawing_guid for s in nested_job.states]
    # another gap: not the cached start of the fixture, a new decision on the server's state
    again = start_boost(
        cloudnest_credentials, nested_job.job_id, guids, nested_job.plates, 6.0, 1, False
    )
    assert again == "reused"
    detail = cloudnest.job_nest_detail(nested_job.job_id)
    assert [r.result_guid for r in detail.results] == [
        r.result_guid for r in nested_job.detail.results
    ]


def test_wait_nesting_returns_layouts_holding_every_ordered_part(nested_job) -> None:
    placed: dict[str, int] = {}
    for layout in nested_job.detail.results:
        for part in layout.parts:
            placed[part.part_name] = placed.get(part.part_name, 0) + layout.amount
    assert placed == {"gusset": 2, "bracket": 1}


def test_wait_nesting_raises_with_the_servers_reason_when_no_part_fits(
    cloudnest_credentials,
) -> None:
    material = unique("TINY")
    tiny = SheetFormat(name="tiny", length=100.0, height=100.0, quantity=1, border_gap=0.0)
    plates = prepare_plates(cloudnest_credentials, material, THICKNESS, 7.85, [tiny])
    job_id = ensure_job(cloudnest_credentials, unique("no-fit"), material, THICKNESS, GAS)
    items = upload_items(checked("gusset.dxf"))
    refs = upload_drawings(cloudnest_credentials, job_id, items, material, THICKNESS, GAS).refs
    states = wait_drawings(cloudnest_credentials, job_id, refs, 30.0)
    guids = [s.drawing_guid for s in states]
    start_boost(cloudnest_credentials, job_id, guids, plates, 5.0, 1, True)

    with pytest.raises(CloudNestJobFailed, match=rf"job {job_id} failed: no part could be placed"):
        wait_nesting(cloudnest_credentials, job_id, 1.0, 60.0)


def test_download_layout_returns_the_layouts_dxf_file(cloudnest_credentials, nested_job) -> None:
    layout = nested_job.detail.results[0]
    content = download_layout(cloudnest_credentials, layout)
    doc = ezdxf.read(io.StringIO(content.decode()))
    assert len(doc.modelspace()) >= len(layout.parts)


def test_read_part_layout_counts_each_part_nested_against_ordered(
    cloudnest_credentials, nested_job
) -> None:
    counts = read_part_layout(cloudnest_credentials, nested_job.job_id)
    assert {p.part_name: (p.nested_amount, p.amount) for p in counts} == {
        "gusset": (2, 2),
        "bracket": (1, 1),
    }


# ----------------------------------------------------------------------------- engine

#: The solver's floor; the sandbox answers well within the wait.
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=60.0)


def _context(job: str, drawings: list) -> EngineContext:
    """The engine's view of a run: ``drawings`` under ``job``, a material of its own."""
    material = MaterialSpec(name=unique("ENGINE"), thickness=THICKNESS, gas=GAS)
    return EngineContext(job, Intake(drawings=drawings), material, [SHEET], FAST)


def _ran(ctx: EngineContext, cloudnest_credentials) -> CloudNestEngine:
    """The engine as a run builds it (its steps are the tasks), started and finished."""
    engine = CloudNestEngine(steps(cloudnest_credentials))
    engine.start(ctx)
    engine.finish(ctx)
    return engine


def test_the_engine_names_a_drawing_cloudnest_cannot_process_and_nests_the_others(
    cloudnest_credentials,
) -> None:
    content = (EXAMPLES / "broken_open_contour.dxf").read_bytes()
    # A drawing our reader took but CloudNest refuses: it reaches CloudNest with no part of ours.
    refused = CheckedDrawing(
        ref=DrawingLocation(file="broken_open_contour.dxf"),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
    ctx = _context(unique("engine-refused"), [*checked(("gusset.dxf", 2)), refused])

    engine = _ran(ctx, cloudnest_credentials)

    summary = engine.summary
    assert summary.status == "ok" and summary.unplaced == []
    (error,) = summary.errors
    assert error.startswith("CloudNest could not process broken_open_contour.dxf: ")
    assert sum(row.part_counts["gusset"] * row.quantity for row in summary.layouts) == 2
    cut = engine.layouts_to_cut(ctx.job, engine.files())
    assert cut and all(c.dxf and c.engine_job_id == engine.job_id for c in cut)


def test_the_engine_refuses_layouts_holding_parts_of_another_order(
    cloudnest_credentials,
) -> None:
    job = unique("engine-shared")
    first = _ran(_context(job, checked("gusset.dxf")), cloudnest_credentials)
    assert first.summary.status == "ok"

    # The job holds the gusset too: CloudNest's Boost nests it with the tab block.
    other = _ran(_context(job, checked("tab_block.dxf")), cloudnest_credentials)

    assert other.job_id == first.job_id
    assert other.summary.status == "failed" and not other.summary.layouts
    assert any("'gusset'" in e and "not in the order" in e for e in other.summary.errors)
    assert other.files() == {}
