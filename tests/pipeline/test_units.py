"""Units you can trust, end to end: the unitless inch clip, reader warnings, narrow holes.

The regression: a unitless drawing in inches (a clip of 4 x 2.5 with 0.25 holes) was read as mm,
nested, pushed and cut at 1/25.4 scale, and its warning showed nowhere. Now a production run
refuses it naming its size and the fix, a manifest ``units`` column (or the run's ``inch``)
reads it at 101.6 x 63.5 mm, and every reader warning reaches the run log, the report and
``summary.json``. The run's ``units mm`` (the README's own example) once silenced that refusal
and cut the clip 25.4 times too small, exit 0: a run-wide default answers for no single drawing.

A drawing's header can be wrong too: R12 exports whose header says metres for a drawing in mm
(DeepNest's) were refused as 200 m parts with no way to say otherwise; a manifest line's
``units`` now overrides the header, with a warning naming both. Runs use the local engine only
and push nothing: no vendor matters here.
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import ezdxf
import pytest
from prefect import flow

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
from nestflow.intake import Intake
from nestflow.report import RunSummary, report_markdown
from tests.units_drawings import r12_metres_header

MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=60.0)
HEADER = "file,quantity,material,thickness,rotations,units\n"


def write_clip(path: Path) -> Path:
    """The clip as drawn in inches with no $INSUNITS: 4 x 2.5 with two 0.25 holes."""
    doc = ezdxf.new("R2010", units=0)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (4, 0), (4, 2.5), (0, 2.5)], close=True)
    msp.add_circle((1, 1.25), 0.125)
    msp.add_circle((3, 1.25), 0.125)
    doc.saveas(path)
    return path


@pytest.fixture
def clip_folder(example_folder) -> Path:
    """A folder with the unitless clip and the (mm) gusset example."""
    folder = example_folder("gusset.dxf")
    write_clip(folder / "clip.dxf")
    return folder


@pytest.fixture(autouse=True)
def _working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's working folder is the test's ``tmp_path``, which holds its drawings.

    ``intake_of`` names no Drawing Roots block: a run then reads only its working folder.
    """
    monkeypatch.chdir(tmp_path)


@flow(name="units intake")
def intake_of(
    drawings: DrawingSource | None, manifest: str | None, units: Units, mode: Mode
) -> Intake:
    """The run's intake alone, as nest-to-cnc and quote read it."""
    return read_drawings(drawings, manifest, MATERIAL, NestingSettings(), units, mode, BlockNames())


def _parts(intake: Intake, file: str) -> list:
    (drawing,) = [d for d in intake.drawings if d.ref.file == file]
    return drawing.parts


def _run(job: str, folder: Path, pipeline_blocks, **kwargs) -> RunSummary:
    return nest_to_cnc(
        job_name=f"{job}-{uuid.uuid4().hex[:8]}",
        drawings=DrawingSource(folder=str(folder)),
        engines=[EngineName.LOCAL],
        material=MATERIAL,
        nesting=FAST,
        blocks=pipeline_blocks.names,
        **kwargs,
    )


def _written(summary: RunSummary) -> RunSummary:
    return RunSummary.model_validate(json.loads(Path(summary.outputs["summary.json"]).read_text()))


# --- production refuses the inch clip ------------------------------------------------------------


def test_production_refuses_the_unitless_inch_clip_naming_its_size_and_the_fix(
    clip_folder: Path, pipeline_blocks
) -> None:
    summary = _run("inch-clip", clip_folder, pipeline_blocks, mode=Mode.PRODUCTION)

    assert summary.drawings == ["gusset.dxf"]
    (refused,) = summary.rejected
    assert (refused.file, refused.kind) == ("clip.dxf", "units_unconfirmed")
    assert "4.000 x 2.500 mm" in refused.message and "101.6 x 63.5 mm" in refused.message
    assert "give its units in the units column in the manifest (mm or inch)" in refused.message
    assert _written(summary).rejected == summary.rejected
    assert "clip.dxf" in report_markdown(summary)
    local = summary.engine("local")
    assert local.nested
    assert {name for row in local.layouts for name in row.part_counts} == {"gusset"}


def test_run_units_inch_reads_the_clip_at_101_6_by_63_5_mm(clip_folder: Path) -> None:
    intake = intake_of(DrawingSource(folder=str(clip_folder)), None, Units.INCH, Mode.PRODUCTION)
    assert intake.rejected == []
    (clip,) = _parts(intake, "clip.dxf")
    assert (clip.bbox.width, clip.bbox.height) == pytest.approx((101.6, 63.5))
    assert clip.units == "unitless->inch"
    (gusset,) = _parts(intake, "gusset.dxf")
    assert gusset.units == "mm"  # a drawing's own $INSUNITS always wins
    assert not [w for w in intake.warnings if "clip.dxf" in w]


def test_manifest_units_column_reads_the_clip_in_inches(clip_folder: Path) -> None:
    manifest = clip_folder / "orders.csv"
    manifest.write_text(HEADER + "clip.dxf,40,S235JR,3,0;180,inch\ngusset.dxf,2,S235JR,3,0,\n")
    intake = intake_of(None, str(manifest), Units.AUTO, Mode.PRODUCTION)
    assert intake.rejected == []
    (drawing,) = [d for d in intake.drawings if d.ref.file == "clip.dxf"]
    assert drawing.terms.quantity == 40 and drawing.terms.units == "inch"
    (clip,) = drawing.parts
    assert (clip.bbox.width, clip.bbox.height) == pytest.approx((101.6, 63.5))


def test_manifest_units_win_over_the_runs(clip_folder: Path) -> None:
    manifest = clip_folder / "orders.csv"
    manifest.write_text(HEADER + "clip.dxf,40,S235JR,3,0,inch\ngusset.dxf,2,S235JR,3,0,\n")
    intake = intake_of(None, str(manifest), Units.MM, Mode.PRODUCTION)
    (clip,) = _parts(intake, "clip.dxf")
    assert clip.bbox.width == pytest.approx(101.6)


def test_run_units_mm_never_silence_the_inch_clip_in_production(
    clip_folder: Path, pipeline_blocks
) -> None:
    summary = _run(
        "inch-clip-mm", clip_folder, pipeline_blocks, mode=Mode.PRODUCTION, units=Units.MM
    )

    assert summary.drawings == ["gusset.dxf"]
    (refused,) = summary.rejected
    assert (refused.file, refused.kind) == ("clip.dxf", "units_unconfirmed")
    assert "4.000 x 2.500 mm" in refused.message and "101.6 x 63.5 mm" in refused.message
    assert "the run's units (mm) answer for no single drawing" in refused.message
    assert "units column in the manifest" in refused.message
    local = summary.engine("local")
    assert {name for row in local.layouts for name in row.part_counts} == {"gusset"}


def test_manifest_mm_answers_for_the_clip_and_flags_its_holes(clip_folder: Path) -> None:
    manifest = clip_folder / "orders.csv"
    manifest.write_text(HEADER + "clip.dxf,40,S235JR,3,0,mm\ngusset.dxf,2,S235JR,3,0,\n")
    intake = intake_of(None, str(manifest), Units.MM, Mode.PRODUCTION)
    assert intake.rejected == []
    (clip,) = _parts(intake, "clip.dxf")
    assert clip.bbox.width == pytest.approx(4.0)
    (warning,) = [w for w in intake.warnings if w.startswith("clip.dxf")]
    assert "2 hole(s) narrower than 3 mm" in warning and "0.25 mm wide" in warning


def test_run_units_inch_refuse_a_unitless_mm_panel_in_production(example_folder) -> None:
    folder = example_folder("gusset.dxf")
    doc = ezdxf.new("R2010", units=0)  # a 100 x 50 mm panel: read in inches, 2540 x 1270 mm
    doc.modelspace().add_lwpolyline([(0, 0), (100, 0), (100, 50), (0, 50)], close=True)
    doc.saveas(folder / "panel.dxf")

    intake = intake_of(DrawingSource(folder=str(folder)), None, Units.INCH, Mode.PRODUCTION)

    assert intake.files == ["gusset.dxf"]
    (refused,) = intake.rejected
    assert (refused.file, refused.kind) == ("panel.dxf", "units_unconfirmed")
    assert "2540.0 x 1270.0 mm" in refused.message and "looks drawn in mm" in refused.message


# --- a quote keeps it and says so ----------------------------------------------------------------


def test_quote_keeps_the_clip_and_its_warnings_reach_the_log_report_and_summary_json(
    clip_folder: Path, pipeline_blocks, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        summary = _run("inch-quote", clip_folder, pipeline_blocks, mode=Mode.QUOTE)

    assert sorted(summary.drawings) == ["clip.dxf", "gusset.dxf"] and summary.rejected == []
    units = [w for w in summary.warnings if "$INSUNITS = 0" in w]
    assert len(units) == 1 and units[0].startswith("clip.dxf, part 'clip': ")
    assert "4.000 x 2.500 mm" in units[0] and "units column in the manifest" in units[0]
    holes = [w for w in summary.warnings if "hole(s) narrower than 3 mm" in w]
    assert len(holes) == 1 and "part 'clip'" in holes[0] and "sheet thickness 3 mm" in holes[0]
    assert _written(summary).warnings == summary.warnings
    assert units[0] in report_markdown(summary)
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert units[0] in logged and holes[0] in logged


def test_a_reader_warning_of_a_drawing_reaches_the_intake(example_folder) -> None:
    folder = example_folder("bracket.dxf")
    doc = ezdxf.readfile(folder / "bracket.dxf")
    # engraving text far from the part: the reader drops it, saying so
    doc.modelspace().add_text("LOST", height=5, dxfattribs={"layer": "ETCH", "insert": (9e3, 9e3)})
    doc.saveas(folder / "bracket.dxf")

    intake = intake_of(DrawingSource(folder=str(folder)), None, Units.AUTO, Mode.QUOTE)

    (warning,) = intake.warnings
    assert warning.startswith("bracket.dxf")
    assert "engraving text 'LOST' on layer 'ETCH'" in warning
    assert "outside every part" in warning


# --- a manifest line's units override a wrong header ------------------------------------------


@pytest.fixture
def metres_folder(example_folder) -> Path:
    """The (mm) gusset and a 200 x 100 mm plate whose R12 header says metres."""
    folder = example_folder("gusset.dxf")
    r12_metres_header(folder / "plate.dxf")
    return folder


def test_a_header_in_metres_is_refused_saying_how_to_override_it(metres_folder: Path) -> None:
    intake = intake_of(DrawingSource(folder=str(metres_folder)), None, Units.MM, Mode.PRODUCTION)

    assert intake.files == ["gusset.dxf"]
    (refused,) = intake.rejected
    assert (refused.file, refused.kind) == ("plate.dxf", "part_too_large")
    assert "200000.0 x 100000.0 mm" in refused.message
    assert "the header says metres ($INSUNITS 6)" in refused.message
    assert "units column of the order manifest" in refused.message


def test_manifest_units_override_a_header_in_metres_and_the_plate_nests(
    metres_folder: Path, pipeline_blocks, caplog: pytest.LogCaptureFixture
) -> None:
    manifest = metres_folder / "orders.csv"
    manifest.write_text(HEADER + "plate.dxf,3,S235JR,3,0;90,mm\ngusset.dxf,2,S235JR,3,0,\n")
    with caplog.at_level(logging.WARNING):
        summary = _run(
            "metres-header",
            metres_folder,
            pipeline_blocks,
            mode=Mode.PRODUCTION,
            manifest=str(manifest),
        )

    assert sorted(summary.drawings) == ["gusset.dxf", "plate.dxf"] and summary.rejected == []
    warning = "plate.dxf: the header says metres ($INSUNITS 6), manifest line 2 says mm: using mm"
    assert warning in summary.warnings
    assert warning in _written(summary).warnings
    assert warning in report_markdown(summary)
    assert warning in [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    local = summary.engine("local")
    assert sum(row.quantity * row.part_counts.get("plate", 0) for row in local.layouts) == 3
