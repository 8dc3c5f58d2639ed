"""The order manifest against the drawings, end to end: nothing ordered is dropped silently.

The regressions: a manifest line whose file name had a typo matched nothing and its drawing was
cut once instead of 25 times; two lines for one drawing (x2 plus x5) nested 2. Now a production
run fails before nesting, naming the line and the drawing it could have meant; identical lines
are summed (lines that differ are refused); a quote rejects the mismatches by name and prices
the rest. ``;``-separated manifests with decimal commas (spreadsheet exports) are read. Runs use
the local engine only and push nothing.
"""

from __future__ import annotations

import uuid
from pathlib import Path

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
from nestflow.geometry.manifest import ManifestError
from nestflow.intake import Intake, ManifestMismatch
from nestflow.report import slug

MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=60.0)
HEADER = "file,quantity,material,thickness,rotations\n"


def _manifest(folder: Path, text: str) -> Path:
    path = folder / "orders.csv"
    path.write_text(text, encoding="utf-8-sig")
    return path


def _job(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def _run(job: str, pipeline_blocks, **kwargs):
    return nest_to_cnc(
        job_name=job,
        engines=[EngineName.LOCAL],
        material=MATERIAL,
        nesting=FAST,
        blocks=pipeline_blocks.names,
        **kwargs,
    )


@pytest.fixture(autouse=True)
def _working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's working folder is the test's ``tmp_path``, which holds its drawings.

    ``intake_of`` names no Drawing Roots block: a run then reads only its working folder.
    """
    monkeypatch.chdir(tmp_path)


@flow(name="manifest intake")
def intake_of(drawings: DrawingSource | None, manifest: str | None, mode: Mode) -> Intake:
    """The run's intake alone, as nest-to-cnc and quote read it."""
    return read_drawings(
        drawings, manifest, MATERIAL, NestingSettings(), Units.AUTO, mode, BlockNames()
    )


def _quantities(intake: Intake) -> dict[str, int]:
    return {d.ref.file: d.terms.quantity for d in intake.drawings}


# --- a production run fails before nesting -------------------------------------------------------


def test_a_typo_in_a_manifest_line_fails_production_naming_the_line_and_the_drawing(
    example_folder, pipeline_blocks
) -> None:
    folder = example_folder("bracket.dxf", "gusset.dxf")
    manifest = _manifest(folder, HEADER + "brakcet.dxf,25,S235JR,3,0\ngusset.dxf,2,S235JR,3,0\n")
    job = _job("typo")

    with pytest.raises(ManifestMismatch) as caught:
        _run(
            job,
            pipeline_blocks,
            drawings=DrawingSource(folder=str(folder)),
            manifest=str(manifest),
            mode=Mode.PRODUCTION,
        )

    message = str(caught.value)
    assert "manifest line 2 orders 25 x brakcet.dxf" in message
    assert "did you mean bracket.dxf?" in message
    assert "bracket.dxf is in the run but no manifest line orders it" in message
    assert "nothing was nested" in message
    assert [p.kind for p in caught.value.problems] == ["not_a_drawing", "not_in_manifest"]
    assert not (pipeline_blocks.out / slug(job)).exists()  # no layout, no summary: not nested


def test_a_drawing_missing_from_a_given_manifest_fails_production(
    example_folder, pipeline_blocks
) -> None:
    folder = example_folder("bracket.dxf", "gusset.dxf")
    manifest = _manifest(folder, HEADER + "gusset.dxf,2,S235JR,3,0\n")
    with pytest.raises(ManifestMismatch, match=r"bracket\.dxf is in the run but no manifest line"):
        _run(
            _job("unordered"),
            pipeline_blocks,
            drawings=DrawingSource(folder=str(folder)),
            manifest=str(manifest),
            mode=Mode.PRODUCTION,
        )


def test_a_manifest_alone_naming_a_missing_file_fails_production(example_folder) -> None:
    folder = example_folder("gusset.dxf", "bracket.dxf")
    manifest = _manifest(folder, HEADER + "gusett.dxf,25,S235JR,3,0\nbracket.dxf,2,S235JR,3,0\n")
    with pytest.raises(ManifestMismatch) as caught:
        intake_of(None, str(manifest), Mode.PRODUCTION)
    (problem,) = caught.value.problems
    assert (problem.file, problem.kind) == ("gusett.dxf", "not_a_drawing")
    assert "manifest line 2 orders 25 x gusett.dxf" in problem.message
    assert "does not exist: did you mean gusset.dxf?" in problem.message


# --- a quote rejects the mismatches by name and prices the rest ---------------------------------


def test_a_quote_rejects_the_mismatches_by_name_and_goes_on(
    example_folder, pipeline_blocks
) -> None:
    folder = example_folder("bracket.dxf", "gusset.dxf")
    manifest = _manifest(folder, HEADER + "brakcet.dxf,25,S235JR,3,0\ngusset.dxf,2,S235JR,3,0\n")
    summary = _run(
        _job("typo-quote"),
        pipeline_blocks,
        drawings=DrawingSource(folder=str(folder)),
        manifest=str(manifest),
        mode=Mode.QUOTE,
    )
    assert summary.drawings == ["gusset.dxf"]
    assert sorted((f.file, f.kind) for f in summary.rejected) == [
        ("bracket.dxf", "not_in_manifest"),
        ("brakcet.dxf", "not_a_drawing"),
    ]
    assert any("line 2" in w and "did you mean bracket.dxf?" in w for w in summary.warnings)


# --- two lines for one drawing -------------------------------------------------------------------


def test_two_lines_for_one_drawing_are_summed_and_all_of_them_nested(
    example_folder, pipeline_blocks
) -> None:
    folder = example_folder("gusset.dxf")
    manifest = _manifest(
        folder, HEADER + "gusset.dxf,2,S235JR,3,0;90\ngusset.dxf,5,S235JR,3,0;90\n"
    )
    summary = _run(_job("x2-plus-x5"), pipeline_blocks, manifest=str(manifest))

    assert summary.rejected == []
    assert any("lines 2 and 3" in w and "summed, 7 in all" in w for w in summary.warnings)
    local = summary.engine("local")
    assert sum(row.quantity * row.part_counts.get("gusset", 0) for row in local.layouts) == 7


def test_two_lines_for_one_drawing_with_other_terms_are_refused(example_folder) -> None:
    folder = example_folder("gusset.dxf")
    manifest = _manifest(folder, HEADER + "gusset.dxf,2,S235JR,3,0;90\ngusset.dxf,5,S235JR,3,0\n")
    with pytest.raises(ManifestError, match=r"lines 2 and 3 both order gusset\.dxf"):
        intake_of(None, str(manifest), Mode.PRODUCTION)


# --- spreadsheet exports -------------------------------------------------------------------------


def test_a_semicolon_manifest_with_decimal_commas_is_read(example_folder) -> None:
    folder = example_folder("gusset.dxf", "bracket.dxf")
    text = (
        "File;Quantity;Material;Thickness;Rotations;Flip\n"
        'gusset.dxf;8;S235JR;3,0;"0;90;180;270";yes\n'
        "bracket.dxf;12;S235JR;3,0;0 180;no\n"
    )
    intake = intake_of(None, str(_manifest(folder, text)), Mode.PRODUCTION)
    assert intake.rejected == []
    assert _quantities(intake) == {"gusset.dxf": 8, "bracket.dxf": 12}
    rotations = {d.ref.file: d.terms.rotations for d in intake.drawings}
    assert rotations == {"gusset.dxf": [0.0, 90.0, 180.0, 270.0], "bracket.dxf": [0.0, 180.0]}
