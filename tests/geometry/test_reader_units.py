"""Everything comes out in mm: $INSUNITS is honoured, unitless drawings use the configured units."""

import pytest
from ezdxf.document import Drawing

from nestflow.geometry.reader import ReadOptions, inch_suspect, read_drawing


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
    assert "units column in the manifest" in warning and "units parameter" in warning
