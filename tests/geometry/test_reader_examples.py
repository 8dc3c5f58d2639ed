"""The shipped example drawings read as the parts the example generator says they hold."""

import importlib.util
from pathlib import Path

import pytest

from nestflow.geometry.errors import OpenContour
from nestflow.geometry.reader import read_drawing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_spec = importlib.util.spec_from_file_location("examples_generate", EXAMPLES / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)


@pytest.mark.parametrize("name", sorted(generate.EXPECTED))
def test_example_gives_its_expected_part(name: str) -> None:
    expected = generate.EXPECTED[name]
    (part,) = read_drawing(EXAMPLES / name)
    assert len(part.holes) == expected.holes
    # Exact arcs: areas agree to rounding, except the spline's (sampled by the generator).
    assert part.area == pytest.approx(expected.area, rel=1e-3 if "spline" in name else 1e-9)
    assert (part.bbox.width, part.bbox.height) == pytest.approx(
        (expected.width, expected.height), abs=0.05
    )


def test_broken_example_reports_its_4_mm_gap() -> None:
    with pytest.raises(OpenContour) as caught:
        read_drawing(EXAMPLES / "broken_open_contour.dxf")
    ((a, b),) = caught.value.gaps
    assert sorted([a, b]) == [(100.0, 100.0), (104.0, 100.0)]


def test_bracket_etching_becomes_marks_and_its_bend_line_is_not_cut() -> None:
    (part,) = read_drawing(EXAMPLES / "bracket.dxf")
    assert len(part.marks) == 2  # the etched cross, as two open strokes
    assert not any("'BEND'" in w for w in part.warnings)


def test_bracket_etched_text_travels_with_the_part() -> None:
    (part,) = read_drawing(EXAMPLES / "bracket.dxf")
    (text,) = part.mark_texts
    assert (text.text, text.x, text.y, text.height) == ("BR-180", 60, 30, 6)
    assert not any("TEXT" in w for w in part.warnings)  # kept, no longer reported as ignored
