"""`nestflow inspect`: a record per part or failed file; exit 0 all read, 1 some failed, 2 usage."""

import json

import pytest
from ezdxf.document import Drawing
from typer.testing import CliRunner

from nestflow.cli.app import app

runner = CliRunner()


def _open_outline(doc: Drawing) -> None:
    doc.modelspace().add_lwpolyline([(0, 0), (50, 0), (50, 50), (0, 50)])


def _small_unitless(doc: Drawing) -> None:
    doc.modelspace().add_lwpolyline([(0, 0), (4, 0), (4, 3), (0, 3)], close=True)


def _records(output: str) -> list[dict]:
    records = json.loads(output)
    assert isinstance(records, list)
    return records


def test_all_files_read_gives_part_records_and_exit_0(plate_dxf) -> None:
    result = runner.invoke(app, ["inspect", str(plate_dxf), "--json"])
    assert result.exit_code == 0
    (record,) = _records(result.stdout)
    assert record == {
        "record": "part",
        "file": "plate.dxf",
        "name": "plate",
        "width": 300.0,
        "height": 200.0,
        "area": pytest.approx(58657.522, abs=1e-3),
        "holes": 1,
        "narrowest_hole": 40.0,
        "marks": 0,
        "mark_texts": 0,
        "units": "mm",
        "warnings": [],
    }


def test_a_failed_file_gives_a_failure_record_and_exit_1(make_dxf, draw_plate, tmp_path) -> None:
    make_dxf(draw_plate, name="good.dxf")
    make_dxf(_open_outline, name="open.dxf")
    result = runner.invoke(app, ["inspect", str(tmp_path), "--json"])
    assert result.exit_code == 1
    good, bad = _records(result.stdout)
    assert (good["record"], good["file"]) == ("part", "good.dxf")
    assert set(bad) == {"record", "file", "kind", "message"}
    assert (bad["record"], bad["file"], bad["kind"]) == ("failure", "open.dxf", "open_contour")
    assert bad["message"].startswith("open contour: gap between (0.000, 0.000) and (0.000, 50.000)")


def test_missing_path_is_a_usage_error(tmp_path) -> None:
    result = runner.invoke(app, ["inspect", str(tmp_path / "nothere.dxf")])
    assert result.exit_code == 2


def test_folder_without_drawings_is_a_usage_error(tmp_path) -> None:
    result = runner.invoke(app, ["inspect", str(tmp_path)])
    assert result.exit_code == 2
    assert "no .dxf files" in result.output


def test_unknown_units_are_a_usage_error(plate_dxf) -> None:
    assert runner.invoke(app, ["inspect", str(plate_dxf), "--units", "cubit"]).exit_code == 2


def test_units_option_reads_unitless_drawings_in_inches(make_dxf) -> None:
    path = make_dxf(_small_unitless, units=0)
    as_mm = _records(runner.invoke(app, ["inspect", str(path), "--json"]).stdout)[0]
    as_inch = _records(
        runner.invoke(app, ["inspect", str(path), "--json", "--units", "inch"]).stdout
    )[0]
    assert (as_mm["width"], as_mm["units"]) == (4.0, "unitless->mm")
    assert any("inch" in w for w in as_mm["warnings"])
    assert (as_inch["width"], as_inch["units"]) == (101.6, "unitless->inch")


def test_table_shows_parts_and_failures(make_dxf, draw_plate, tmp_path) -> None:
    make_dxf(draw_plate, name="good.dxf")
    make_dxf(_open_outline, name="open.dxf")
    result = runner.invoke(app, ["inspect", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "good.dxf" in result.stdout and "300.000" in result.stdout
    assert "open_contour" in result.stdout
    assert "1 part(s), 1 failed file(s)" in result.stdout
