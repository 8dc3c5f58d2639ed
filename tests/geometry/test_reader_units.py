"""Everything comes out in mm: $INSUNITS is honoured, unitless drawings use the configured units."""

from pathlib import Path

import ezdxf
import pytest
from ezdxf.document import Drawing

from nestflow.geometry.reader import (
    ReadOptions,
    dxf_with_units,
    header_units,
    inch_suspect,
    mm_suspect,
    read_drawing,
    read_one,
)
from tests.units_drawings import r12_metres_header


def _plate(doc: Drawing) -> None:
    """A 4 x 3 plate with a hole of radius 0.5, in drawing units."""
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (4, 0), (4, 3), (0, 3)], close=True)
    msp.add_circle((2, 1.5), 0.5)


def test_inch_drawing_is_scaled_by_25_4(make_dxf) -> None:
    (part,) = read_drawing(make_dxf(_plate, units=1))
    assert (part.bbox.width, part.bbox.height) == pytest.approx((4 * 25.4, 3 * 25.4))
    (mm_part,) = read_drawing(make_dxf(_plate, name="mm.dxf", units=4))
    assert part.area == pytest.approx(mm_part.area * 25.4**2, rel=1e-12)
    assert part.units == "inch"


def test_centimetre_drawing_is_scaled_by_10(make_dxf) -> None:
    (part,) = read_drawing(make_dxf(_plate, units=5))
    assert part.bbox.width == pytest.approx(40)
    assert part.units == "cm"


def test_unitless_drawing_is_read_as_mm_by_default(make_dxf) -> None:
    (part,) = read_drawing(make_dxf(_plate, units=0))
    assert part.bbox.width == pytest.approx(4)
    assert part.units == "unitless->mm"


def test_small_unitless_drawing_gets_an_inch_warning(make_dxf) -> None:
    (part,) = read_drawing(make_dxf(_plate, units=0))
    assert any("inch" in w and "$INSUNITS = 0" in w for w in part.warnings)


def test_shop_sized_unitless_drawing_gets_no_units_warning(make_dxf) -> None:
    def draw(doc: Drawing) -> None:
        doc.modelspace().add_lwpolyline([(0, 0), (400, 0), (400, 300), (0, 300)], close=True)

    (part,) = read_drawing(make_dxf(draw, units=0))
    assert part.warnings == ()


def test_default_units_inch_scales_a_unitless_drawing(make_dxf) -> None:
    (part,) = read_drawing(make_dxf(_plate, units=0), options=ReadOptions(default_units="inch"))
    assert part.bbox.width == pytest.approx(4 * 25.4)
    assert part.units == "unitless->inch"
    assert part.warnings == ()


def test_default_units_never_override_declared_units(make_dxf) -> None:
    (part,) = read_drawing(make_dxf(_plate, units=4), default_units="inch")
    assert part.bbox.width == pytest.approx(4)
    assert part.units == "mm"


def test_keyword_override_wins_over_the_options_object(make_dxf) -> None:
    options = ReadOptions(default_units="inch")
    (part,) = read_drawing(make_dxf(_plate, units=0), options=options, default_units="mm")
    assert part.units == "unitless->mm"


def test_inch_suspect_gives_the_size_of_a_small_unitless_drawing_read_as_mm(make_dxf) -> None:
    parts = read_drawing(make_dxf(_plate, units=0))
    assert inch_suspect(parts) == pytest.approx((4.0, 3.0))


def test_inch_suspect_trusts_declared_units_and_inch_reading_and_shop_sizes(make_dxf) -> None:
    assert inch_suspect(read_drawing(make_dxf(_plate, name="mm.dxf", units=4))) is None
    assert inch_suspect(read_drawing(make_dxf(_plate, units=0), default_units="inch")) is None

    def big(doc: Drawing) -> None:
        doc.modelspace().add_lwpolyline([(0, 0), (400, 0), (400, 300), (0, 300)], close=True)

    assert inch_suspect(read_drawing(make_dxf(big, name="big.dxf", units=0))) is None


def test_confirmed_mm_units_silence_the_inch_warning(make_dxf) -> None:
    (part,) = read_drawing(make_dxf(_plate, units=0), units_confirmed=True)
    assert part.units == "unitless->mm"
    assert part.warnings == ()
    assert inch_suspect([part]) == pytest.approx((4.0, 3.0))  # the size still looks like inches


def test_inch_warning_names_the_size_and_how_to_confirm_the_units(make_dxf) -> None:
    (part,) = read_drawing(make_dxf(_plate, units=0))
    (warning,) = part.warnings
    assert "4.000 x 3.000 mm" in warning
    assert "units column in the manifest" in warning
    assert "units parameter" not in warning  # the run's units answer for no single drawing


# --- units given for one drawing override its header ---------------------------------------------


def test_units_given_for_a_drawing_override_a_header_in_metres(tmp_path: Path) -> None:
    drawing = r12_metres_header(tmp_path / "bracket.dxf")
    (part,) = read_drawing(drawing, units_override="mm")
    assert (part.bbox.width, part.bbox.height) == pytest.approx((200.0, 100.0))
    assert part.area == pytest.approx(200 * 100 - 20 * 20)
    assert part.units == "m->mm"  # what the header said, and what was read
    assert part.warnings == ()


def test_units_given_in_inches_override_a_header_in_mm(make_dxf) -> None:
    (part,) = read_drawing(make_dxf(_plate, units=4), units_override="inch")
    assert part.bbox.width == pytest.approx(4 * 25.4)
    assert part.units == "mm->inch"


def test_units_given_that_agree_with_the_header_read_it_as_it_says(make_dxf) -> None:
    (part,) = read_drawing(make_dxf(_plate, units=1), units_override="inch")
    assert (part.bbox.width, part.units) == (pytest.approx(4 * 25.4), "inch")


def test_units_given_for_a_unitless_drawing_read_it_in_them_without_a_doubt(make_dxf) -> None:
    (part,) = read_drawing(make_dxf(_plate, units=0), units_override="inch")
    assert (part.bbox.width, part.units) == (pytest.approx(4 * 25.4), "unitless->inch")
    assert part.warnings == ()


def test_header_units_describes_what_was_overridden(tmp_path: Path, make_dxf) -> None:
    overridden = read_drawing(r12_metres_header(tmp_path / "b.dxf"), units_override="mm")
    assert header_units(overridden) == ("metres", 6, "mm")
    assert header_units(read_drawing(make_dxf(_plate, units=5), units_override="inch")) == (
        "centimetres",
        5,
        "inch",
    )
    assert header_units(read_drawing(make_dxf(_plate, units=6))) is None  # nothing overridden
    assert header_units(read_drawing(make_dxf(_plate, units=0), units_override="mm")) is None


def test_a_part_too_large_as_its_header_says_names_the_header_and_the_override(
    tmp_path: Path,
) -> None:
    result = read_one(r12_metres_header(tmp_path / "bracket.dxf"))
    (failure,) = result.failures
    assert failure.kind == "part_too_large"
    assert "200000.0 x 100000.0 mm" in failure.message
    assert "the header says metres ($INSUNITS 6)" in failure.message
    assert "200.0 x 100.0 mm if it is drawn in mm" in failure.message
    assert "units column of the order manifest" in failure.message


def test_a_unitless_part_too_large_says_how_it_was_read_and_how_to_answer(make_dxf) -> None:
    def huge(doc: Drawing) -> None:
        doc.modelspace().add_lwpolyline([(0, 0), (300, 0), (300, 200), (0, 200)], close=True)

    (failure,) = read_one(make_dxf(huge, units=0), default_units="inch").failures
    assert failure.kind == "part_too_large"
    assert "no units ($INSUNITS = 0), read as inch" in failure.message
    assert "units column of the order manifest" in failure.message


# --- a unitless drawing read in inches can look drawn in mm --------------------------------------


def test_mm_suspect_gives_the_size_of_a_large_unitless_drawing_read_in_inches(make_dxf) -> None:
    def plate(doc: Drawing) -> None:
        doc.modelspace().add_lwpolyline([(0, 0), (100, 0), (100, 50), (0, 50)], close=True)

    parts = read_drawing(make_dxf(plate, units=0), default_units="inch")
    assert mm_suspect(parts) == pytest.approx((2540.0, 1270.0))
    (warning,) = parts[0].warnings
    assert "read as inches" in warning and "2540.0 x 1270.0 mm" in warning
    assert "100.000 x 50.000 mm" in warning
    assert "units column in the manifest" in warning


def test_mm_suspect_trusts_small_inch_parts_and_declared_units(make_dxf) -> None:
    def plate(doc: Drawing) -> None:
        doc.modelspace().add_lwpolyline([(0, 0), (100, 0), (100, 50), (0, 50)], close=True)

    assert mm_suspect(read_drawing(make_dxf(_plate, units=0), default_units="inch")) is None
    assert mm_suspect(read_drawing(make_dxf(plate, units=1))) is None


def test_units_given_for_a_drawing_silence_the_mm_warning(make_dxf) -> None:
    def plate(doc: Drawing) -> None:
        doc.modelspace().add_lwpolyline([(0, 0), (100, 0), (100, 50), (0, 50)], close=True)

    (part,) = read_drawing(make_dxf(plate, units=0), units_override="inch")
    assert part.warnings == ()
    assert mm_suspect([part]) == pytest.approx((2540.0, 1270.0))  # the size still looks like mm


# --- the bytes sent on say the units the drawing was read in -------------------------------------


def test_units_written_into_a_header_in_metres_read_as_given(tmp_path: Path) -> None:
    data = r12_metres_header(tmp_path / "plate.dxf").read_bytes()
    written = dxf_with_units(data, "mm")
    assert written is not None and written.count(b"$INSUNITS") == 1
    (part,) = read_drawing(written, name="plate.dxf")  # no answer needed any more
    assert (part.units, part.bbox.width) == ("mm", pytest.approx(200.0))
    assert written.replace(b"$INSUNITS\n70\n4\n", b"$INSUNITS\n70\n6\n") == data  # nothing else


def test_units_written_into_a_unitless_drawing_of_any_line_ends(make_dxf) -> None:
    data = make_dxf(_plate, units=0).read_bytes()
    for line_end in (b"\r\n", b"\r"):
        written = dxf_with_units(data.replace(b"\n", line_end), "inch")
        (part,) = read_drawing(written)
        assert (part.units, part.bbox.width) == ("inch", pytest.approx(4 * 25.4))


def test_units_written_into_a_drawing_without_a_header_section() -> None:
    square = "".join(
        f"0\nLINE\n8\n0\n10\n{a[0]}\n20\n{a[1]}\n11\n{b[0]}\n21\n{b[1]}\n"
        for a, b in [((0, 0), (4, 0)), ((4, 0), (4, 3)), ((4, 3), (0, 3)), ((0, 3), (0, 0))]
    )
    data = f"0\nSECTION\n2\nENTITIES\n{square}0\nENDSEC\n0\nEOF\n".encode()
    (part,) = read_drawing(dxf_with_units(data, "inch"))
    assert (part.units, part.bbox.width) == ("inch", pytest.approx(4 * 25.4))


def test_units_are_not_written_into_a_binary_drawing(make_dxf, tmp_path: Path) -> None:
    doc = ezdxf.readfile(make_dxf(_plate, units=0))
    doc.saveas(tmp_path / "binary.dxf", fmt="bin")
    assert dxf_with_units((tmp_path / "binary.dxf").read_bytes(), "inch") is None
