"""A production run's outputs for the shop: what is cut is priced, what is not is listed missing.

One local-engine production run (layouts dropped in the test's drop folder) of an order whose
manifest also orders a drawing the check rejects: the rest is cut and the run ends Failed, its
``summary.json`` and report written first. The drawings cut carry no marking, so every pierce
is a contour cut through and the layout files alone tell the cut length and the pierces.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import pytest
from PIL import Image

from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.outputs import PushIncomplete
from nestflow.flows.parameters import EngineName, PushEngine
from nestflow.gate import dxf_outlines
from nestflow.report import RunSummary, slug
from nestflow.report.cutting import DEFAULT_CUTTING_TABLE
from tests.pipeline.conftest import EXAMPLES, LOCAL_FAST, LOCAL_MATERIAL, with_drop_laser

#: Ordered copies per drawing; the broken one is rejected by the check (an open contour).
ORDER = {"slotted_plate.dxf": 2, "gusset.dxf": 3, "tab_block.dxf": 4, "broken_open_contour.dxf": 2}


@pytest.fixture(scope="module")
def run(pipeline_blocks, tmp_path_factory) -> tuple[str, PushIncomplete]:
    """The order in production with the local engine: the job's name and how it ended."""
    folder = tmp_path_factory.mktemp("priced-order")
    for name in ORDER:
        shutil.copy(EXAMPLES / name, folder / name)
    manifest = folder / "orders.csv"
    manifest.write_text(
        "file,quantity,material,thickness,rotations,flip\n"
        + "".join(f"{name},{copies},S235JR,3,0;90;180;270,no\n" for name, copies in ORDER.items())
    )
    job = f"priced-{uuid.uuid4().hex[:6]}"
    with pytest.raises(PushIncomplete) as failed:
        nest_to_cnc(
            job_name=job,
            manifest=str(manifest),
            push=PushEngine.LOCAL,
            engines=[EngineName.LOCAL],
            material=LOCAL_MATERIAL,
            nesting=LOCAL_FAST,
            blocks=with_drop_laser(pipeline_blocks.names, "drop-laser"),
        )
    return job, failed.value


@pytest.fixture(scope="module")
def summary(run, pipeline_blocks) -> RunSummary:
    """What the run wrote down (``summary.json``, written before it ended Failed)."""
    job, _ = run
    path = pipeline_blocks.out / slug(job) / "summary.json"
    return RunSummary.model_validate_json(path.read_bytes())


@pytest.fixture(scope="module")
def report(run, summary) -> str:
    """The run's markdown report artifact."""
    from prefect.artifacts import Artifact

    job, _ = run
    found = Artifact.get(f"nestflow-{slug(job)}-report", _sync=True)
    assert found is not None
    return str(found.data)


# ------------------------------------------------------------ a rejected drawing is missing


def test_a_rejected_drawings_ordered_copies_are_listed_as_missing_with_the_rejection(
    summary,
) -> None:
    (row,) = [p for p in summary.parts if p.drawing == "broken_open_contour.dxf"]
    assert (row.ordered, row.already_cut, row.cut_now, row.missing) == (2, 0, 0, 2)
    assert row.rejected is not None
    assert row.rejected.startswith("open_contour: open contour")


def test_the_drawings_cut_are_not_missing_beside_the_rejected_one(summary) -> None:
    cut = {p.drawing: (p.ordered, p.cut_now, p.missing) for p in summary.parts if not p.rejected}
    assert cut == {
        name: (copies, copies, 0) for name, copies in ORDER.items() if not name.startswith("broken")
    }


def test_the_reports_parts_table_shows_the_rejected_drawings_copies_missing(report) -> None:
    (line,) = [ln for ln in report.splitlines() if ln.startswith("| broken_open_contour |")]
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    assert cells[1:6] == ["broken_open_contour.dxf", "2", "0", "0", "2"]
    assert cells[6].startswith("rejected (open_contour): open contour")


def test_the_failed_runs_message_names_the_rejected_drawing_once(run) -> None:
    _, failed = run
    assert str(failed).count("broken_open_contour") == 1


# ----------------------------------------------------------------- what is cut is priced


def _layout_geometry(dxf: Path) -> tuple[float, int]:
    """Cut length and pierces of one sheet, read from its layout file (outlines and holes)."""
    outlines = dxf_outlines(dxf.read_bytes())
    length = sum(polygon.length for polygon in outlines)  # exterior and every interior ring
    pierces = sum(1 + len(polygon.interiors) for polygon in outlines)
    return length, pierces


def test_each_sheet_is_priced_as_its_layout_files_geometry_says(summary) -> None:
    rate, _ = DEFAULT_CUTTING_TABLE.rate_for("S235JR", 3.0, LOCAL_MATERIAL.gas)
    layouts = summary.engine("local").layouts
    assert layouts
    for row in layouts:
        length, pierces = _layout_geometry(Path(row.files["dxf"]))
        assert row.cutting is not None, row.layout_id
        assert row.cutting.cut_length == pytest.approx(length, rel=1e-3)
        assert row.cutting.pierces == pierces
        seconds = 60.0 * length / rate.cut_speed + pierces * rate.pierce_time
        assert row.cutting.cut_time_s == pytest.approx(seconds, rel=1e-3)


def test_the_sheets_figures_add_up_to_the_runs_totals(summary) -> None:
    layouts = summary.engine("local").layouts
    total = summary.cutting
    assert total is not None and total.engine == "local"
    assert total.sheets == sum(row.quantity for row in layouts)
    assert total.cut_length == pytest.approx(
        sum(row.quantity * row.cutting.cut_length for row in layouts)
    )
    assert total.pierces == sum(row.quantity * row.cutting.pierces for row in layouts)
    assert total.cut_time_s == pytest.approx(
        sum(row.quantity * row.cutting.cut_time_s for row in layouts)
    )
    assert total.cut_time_s == pytest.approx(sum(line.cut_time_s for line in summary.quote))
    assert total.pierces == sum(line.pierces for line in summary.quote)


def test_the_report_gives_each_sheets_cut_time_and_the_total(summary, report) -> None:
    assert "## Cutting (Local solver, pushed)" in report
    total = summary.cutting
    assert total is not None
    (line,) = [ln for ln in report.splitlines() if ln.startswith("| Total |")]
    line = line.replace("\\.", ".")  # a cell starting "10." is escaped as a list's number
    assert f"| {total.pierces} |" in line
    assert f"{total.cut_time_s / 60:.1f}" in line
    rows = [ln for ln in report.splitlines() if re.match(r"\| Layout \d+", ln)]
    assert len(rows) == len(summary.engine("local").layouts)


# --------------------------------------------------------------- the pictures written


def test_each_sheets_picture_has_its_title_band_above_the_sheet(summary) -> None:
    margin = 0.02 * 3000  # the preview's empty border: 2 % of the sheet's longer side
    for row in summary.engine("local").layouts:
        with Image.open(Path(row.files["png"])) as picture:
            width, height = picture.size
        sheet_only = width * (row.sheet_height + 2 * margin) / (row.sheet_length + 2 * margin)
        assert height > sheet_only + 10, row.files["png"]  # the title line's band
