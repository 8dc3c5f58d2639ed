"""A run's outputs identify every sheet: names, DXF headers, pictures, pick list, UI report."""

from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path

import ezdxf
import pytest
from PIL import Image

from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import DrawingSource, EngineName, MaterialSpec, NestingSettings
from nestflow.report import PICK_LIST, SHEET_REPORT, RunSummary, thumbnail_png
from nestflow.report.sheets import layout_title
from tests.pipeline.conftest import copy_examples

MATERIAL = MaterialSpec(name="S235JR", thickness=3.0, gas="N2")
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=120.0)
JOB = "sheet-report"


@pytest.fixture(scope="module")
def run(pipeline_blocks, tmp_path_factory) -> RunSummary:
    """One run of two engines: ours (sheets of parts) and CloudNest (layout files)."""
    folder = copy_examples(tmp_path_factory.mktemp("drawings"), "bracket.dxf", "gusset.dxf")
    return nest_to_cnc(
        job_name=JOB,
        drawings=DrawingSource(folder=str(folder)),
        engines=[EngineName.LOCAL, EngineName.CLOUDNEST],
        material=MATERIAL,
        nesting=FAST,
        blocks=pipeline_blocks.names,
    )


def test_every_engines_layout_has_a_dxf_and_a_picture_named_after_the_sheet(run) -> None:
    for engine in run.engines:
        assert engine.nested
        for index, row in enumerate(engine.layouts):
            # job, material, thickness, gas, sheet (made file-name safe), quantity, number
            name = Path(row.files["dxf"]).name
            assert name.startswith(f"{JOB}-S235JR-3mm-N2-"), name
            assert name.endswith(f"-x{row.quantity}-{index + 1:02d}.dxf"), name
            assert Path(row.files["dxf"]).parent.name == engine.engine
            assert Path(row.files["png"]).name == name.removesuffix(".dxf") + ".png"
            assert Path(row.files["png"]).read_bytes().startswith(b"\x89PNG")


def test_every_layout_dxf_says_what_the_sheet_is_in_its_header(run) -> None:
    for engine in run.engines:  # ours written with the info, CloudNest's tagged on the copy
        for row in engine.layouts:
            doc = ezdxf.readfile(row.files["dxf"])
            header = dict(doc.header.custom_vars)
            assert (header["nestflow.job"], header["nestflow.gas"]) == (JOB, "N2"), engine.engine
            assert header["nestflow.thickness"] == "3"
            assert header["nestflow.quantity"] == str(row.quantity)
            assert header["nestflow.sheet"] == row.sheet


def test_pick_list_and_sheet_report_sit_next_to_the_recommended_engines_layouts(run) -> None:
    engine = run.engine(run.recommended)
    pick_list = Path(run.outputs[f"{engine.engine}/{PICK_LIST}"])
    report = Path(run.outputs[f"{engine.engine}/{SHEET_REPORT}"])
    assert pick_list.parent == Path(engine.layouts[0].files["dxf"]).parent
    rows = list(csv.DictReader(pick_list.open()))
    placed = sum(sum(r.part_counts.values()) * r.quantity for r in engine.layouts)
    assert sum(int(r["total"]) for r in rows) == placed
    assert {r["drawing"] for r in rows} == {"bracket.dxf", "gusset.dxf"}
    html = report.read_text()
    assert html.count("data:image/png;base64,") == len(engine.layouts)


def test_the_ui_report_shows_each_layouts_picture_inline(run, latest_artifact) -> None:
    report = latest_artifact(f"nestflow-{JOB}-report")
    assert report is not None and report["type"] == "markdown"
    images = re.findall(r"!\[([^\]]*)\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", report["data"])
    engine = run.engine(run.recommended)
    assert len(images) == len(engine.layouts)
    for (alt, data), row in zip(images, engine.layouts, strict=True):
        png = base64.b64decode(data)
        with Image.open(io.BytesIO(png)) as image:
            assert image.format == "PNG" and max(image.size) <= 600
        assert alt.startswith(layout_title(row, engine.layouts.index(row)))
        # the very picture written for this layout, thumbnailed
        assert png == thumbnail_png(Path(row.files["png"]).read_bytes())
    assert "file://" not in report["data"]
