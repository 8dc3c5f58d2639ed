"""The order manifest CSV: what a shop writes, and errors that say which cell to fix."""

import time
from pathlib import Path

import pytest

from nestflow.geometry import manifest
from nestflow.geometry.manifest import ManifestError, ManifestLine, read_manifest

HEADER = "file,quantity,material,thickness,rotations,flip\n"


def _write(folder: Path, text: str, encoding: str = "utf-8") -> Path:
    path = folder / "orders.csv"
    path.write_text(text, encoding=encoding)
    return path


def test_rows_become_typed_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "bracket.dxf,12,S235JR,3,0;90;180;270,yes\n")
    assert read_manifest(path) == [
        ManifestLine(
            file=tmp_path / "bracket.dxf",
            quantity=12,
            material="S235JR",
            thickness=3.0,
            rotations=(0.0, 90.0, 180.0, 270.0),
            flip=True,
            line=2,
        )
    ]


def test_relative_files_resolve_against_the_manifest_folder(tmp_path: Path) -> None:
    absolute = tmp_path / "elsewhere" / "b.dxf"
    path = _write(tmp_path, HEADER + f"parts/a.dxf,2,S235,3,0,no\n{absolute},2,S235,3,0,no\n")
    assert [line.file for line in read_manifest(path)] == [tmp_path / "parts" / "a.dxf", absolute]


def test_flip_column_is_optional_and_defaults_to_no(tmp_path: Path) -> None:
    path = _write(tmp_path, "file,quantity,material,thickness,rotations\na.dxf,2,S235,3,0;180\n")
    (line,) = read_manifest(path)
    assert line.flip is False and line.rotations == (0.0, 180.0)


def test_rotations_are_deduplicated_and_sorted(tmp_path: Path) -> None:
    (line,) = read_manifest(_write(tmp_path, HEADER + "a.dxf,2,S235,3, 180 ;0;180,no\n"))
    assert line.rotations == (0.0, 180.0)


def test_excel_style_header_with_bom_and_capitals_and_extra_columns(tmp_path: Path) -> None:
    text = "File,Quantity,Material,Thickness,Rotations,Note\na.dxf,3,1.4301,1.5,0;90,urgent\n"
    (line,) = read_manifest(_write(tmp_path, text, encoding="utf-8-sig"))
    assert (line.quantity, line.material, line.thickness) == (3, "1.4301", 1.5)


def test_blank_rows_are_skipped_and_line_numbers_stay_physical(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "a.dxf,2,S235,3,0,no\n\n,,,,,\nb.dxf,4,S235,3,0,no\n")
    assert [(line.file.name, line.line) for line in read_manifest(path)] == [
        ("a.dxf", 2),
        ("b.dxf", 5),
    ]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("a.dxf,many,S235,3,0,no", "quantity", "valid integer"),
        ("a.dxf,0,S235,3,0,no", "quantity", "greater than or equal to 1"),
        ("a.dxf,2,S235,three,0,no", "thickness", "valid number"),
        ("a.dxf,2,S235,-1,0,no", "thickness", "greater than 0"),
        ("a.dxf,2,S235,3,0;90;x,no", "rotations", "valid number"),
        ("a.dxf,2,S235,3,0;360,no", "rotations", "[0, 360)"),
        ("a.dxf,2,S235,3,,no", "rotations", "at least 1 item"),
        ("a.dxf,2,S235,3,0,maybe", "flip", "write yes or no"),
        (",2,S235,3,0,no", "file", "file name is required"),
        ("a.dxf,2,,3,0,no", "material", "at least 1 character"),
        ("a.dxf,2,S235", "thickness", "fewer cells than the header"),
    ],
)
def test_bad_cell_is_reported_with_line_and_column(
    tmp_path: Path, row: str, column: str, reason: str
) -> None:
    path = _write(tmp_path, HEADER + "ok.dxf,2,S235,3,0,no\n" + row + "\n")
    with pytest.raises(ManifestError) as caught:
        read_manifest(path)
    assert (caught.value.line, caught.value.column) == (3, column)
    assert f"orders.csv line 3, column {column!r}" in str(caught.value)
    assert reason in str(caught.value)


def test_message_quotes_the_bad_value(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"got '3,5 mm'"):
        read_manifest(_write(tmp_path, HEADER + 'a.dxf,2,S235,"3,5 mm",0,no\n'))


def test_missing_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"line 1: missing column\(s\) rotations"):
        read_manifest(_write(tmp_path, "file,quantity,material,thickness\na.dxf,2,S235,3\n"))


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="empty file"):
        read_manifest(_write(tmp_path, ""))


def test_header_without_rows_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no drawings listed"):
        read_manifest(_write(tmp_path, HEADER))


def test_missing_manifest_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="nothing.csv: cannot read the manifest"):
        read_manifest(tmp_path / "nothing.csv")


def test_non_utf8_manifest_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="not UTF-8"):
        read_manifest(_write(tmp_path, HEADER + "blech_ä.dxf,2,S235,3,0,no\n", encoding="latin-1"))


# --- spreadsheet exports: ';' separators, decimal commas ---------------------------------------


def test_semicolon_separated_manifest_with_decimal_commas_is_read(tmp_path: Path) -> None:
    text = (
        "File;Quantity;Material;Thickness;Rotations;Flip\n"
        'clip.dxf;40;S235JR;2,5;"0;180";yes\n'
        "plate.dxf;3;S235JR;2,5;0 90 180 270;no\n"
    )
    clip, plate = read_manifest(_write(tmp_path, text, encoding="utf-8-sig"))
    assert (clip.quantity, clip.thickness, clip.rotations, clip.flip) == (
        40,
        2.5,
        (0.0, 180.0),
        True,
    )
    assert (plate.thickness, plate.rotations) == (2.5, (0.0, 90.0, 180.0, 270.0))


def test_tab_separated_manifest_is_read(tmp_path: Path) -> None:
    text = "file\tquantity\tmaterial\tthickness\trotations\na.dxf\t2\tS235\t3\t0;90\n"
    (line,) = read_manifest(_write(tmp_path, text))
    assert (line.quantity, line.thickness, line.rotations) == (2, 3.0, (0.0, 90.0))


def test_decimal_comma_thickness_in_a_comma_separated_manifest(tmp_path: Path) -> None:
    (line,) = read_manifest(_write(tmp_path, HEADER + 'a.dxf,2,S235,"2,5",0,no\n'))
    assert line.thickness == 2.5


def test_unquoted_angles_in_a_semicolon_manifest_are_refused_with_a_hint(tmp_path: Path) -> None:
    text = "file;quantity;material;thickness;rotations\na.dxf;2;S235;3;0;90;180\n"
    with pytest.raises(ManifestError) as caught:
        read_manifest(_write(tmp_path, text))
    message = str(caught.value)
    assert caught.value.line == 2
    assert "7 cells" in message and "5 columns" in message
    assert "quote the rotations" in message


def test_trailing_empty_cells_are_not_extra_cells(tmp_path: Path) -> None:
    (line,) = read_manifest(_write(tmp_path, HEADER + "a.dxf,2,S235,3,0,no,,,\n"))
    assert line.quantity == 2


def test_comma_between_angles_is_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"separate the angles with ';' or spaces"):
        read_manifest(_write(tmp_path, HEADER + 'a.dxf,2,S235,3,"0,90",no\n'))


# --- the units column ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "units"),
    [("mm", "mm"), ("MM", "mm"), ("inch", "inch"), ("in", "inch"), ("Inches", "inch"), ("", None)],
)
def test_units_column_says_mm_or_inch_or_nothing(tmp_path: Path, cell: str, units: str) -> None:
    path = _write(tmp_path, "file,quantity,material,thickness,rotations,units\n")
    path.write_text(path.read_text() + f"a.dxf,2,S235,3,0,{cell}\n")
    (line,) = read_manifest(path)
    assert line.units == units


def test_units_column_is_optional(tmp_path: Path) -> None:
    (line,) = read_manifest(_write(tmp_path, HEADER + "a.dxf,2,S235,3,0,no\n"))
    assert line.units is None


def test_unknown_units_are_refused_naming_the_cell(tmp_path: Path) -> None:
    text = "file,quantity,material,thickness,rotations,units\na.dxf,2,S235,3,0,cm\n"
    with pytest.raises(ManifestError, match=r"line 2, column 'units': write mm or inch"):
        read_manifest(_write(tmp_path, text))


# --- two lines for one drawing ----------------------------------------------------------------


def test_two_identical_lines_for_one_drawing_are_summed(tmp_path: Path) -> None:
    path = _write(
        tmp_path, HEADER + "a.dxf,2,S235,3,0;90,no\nb.dxf,1,S235,3,0,no\na.dxf,5,S235,3,90;0,no\n"
    )
    a, b = read_manifest(path)
    assert (a.file.name, a.quantity, a.line, a.summed_lines) == ("a.dxf", 7, 2, (2, 4))
    assert (b.file.name, b.quantity, b.summed_lines) == ("b.dxf", 1, ())
    assert a.where == "lines 2 and 4"


def test_two_lines_for_one_drawing_with_other_rotations_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "a.dxf,2,S235,3,0;90,no\na.dxf,5,S235,3,0,no\n")
    with pytest.raises(ManifestError) as caught:
        read_manifest(path)
    message = str(caught.value)
    assert caught.value.line == 3
    assert "lines 2 and 3 both order a.dxf" in message
    assert "rotations" in message and "merge them into one line" in message


def test_one_drawing_in_two_materials_is_two_orders(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "a.dxf,2,S235,3,0,no\na.dxf,5,1.4301,2,0,no\n")
    assert [(line.material, line.quantity) for line in read_manifest(path)] == [
        ("S235", 2),
        ("1.4301", 5),
    ]


def test_two_different_files_of_one_name_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "x/a.dxf,2,S235,3,0,no\ny/a.dxf,5,S235,3,0,no\n")
    with pytest.raises(ManifestError, match=r"two different files named a\.dxf"):
        read_manifest(path)


# --- bounds: linear time, short messages -------------------------------------------------------

#: Identical lines summed in the linear-time test, its limit raised to let them all in; the
#: quadratic sum took about 50 s for this many, linear summing about 2 s.
MANY_LINES = 100_000


def _seconds_to_sum(tmp_path: Path, lines: int) -> float:
    folder = tmp_path / str(lines)
    folder.mkdir()
    path = _write(folder, HEADER + "a.dxf,1,S235,3,0,no\n" * lines)
    start = time.perf_counter()
    (line,) = read_manifest(path)
    assert line.quantity == lines
    return time.perf_counter() - start


def test_summing_many_identical_lines_takes_linear_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ten times the lines: about ten times the time when linear, a hundred when quadratic. The
    # ratio, measured back to back, does not depend on how busy the machine is (a fixed 15 s
    # bound failed with 8 busy processes: 21.6 s).
    monkeypatch.setattr(manifest, "MAX_LINES", MANY_LINES)
    tenth = _seconds_to_sum(tmp_path, MANY_LINES // 10)
    whole = _seconds_to_sum(tmp_path, MANY_LINES)
    assert whole < 30 * tenth, f"{MANY_LINES} lines {whole:.2f} s, a tenth {tenth:.2f} s"


def test_many_summed_lines_are_counted_not_listed(tmp_path: Path) -> None:
    (line,) = read_manifest(_write(tmp_path, HEADER + "a.dxf,1,S235,3,0,no\n" * 1000))
    assert line.where == "lines 2, 3, 4, 5 and 996 more"


def test_a_quantity_of_thousands_of_digits_is_not_spelled_out(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="the quantity is above the limit") as caught:
        read_manifest(_write(tmp_path, HEADER + "a.dxf," + "9" * 4000 + ",S235,3,0,no\n"))
    assert "9" * 100 not in str(caught.value)


def test_a_problem_found_before_the_rows_names_its_line_in_a_cr_only_file(tmp_path: Path) -> None:
    text = HEADER.replace("\n", "\r") + "a.dxf,2,S235,3,0,no\rb\x1b.dxf,2,S235,3,0,no\r"
    with pytest.raises(ManifestError, match=r"orders.csv line 3: a control character \(U\+001B\)"):
        read_manifest(_write(tmp_path, text))
