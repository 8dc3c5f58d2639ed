"""Loading: the fast strict loader for sound files, ezdxf.recover for files with flaws."""

import io

import ezdxf
import pytest

from nestflow.geometry.errors import UnreadableDrawing
from nestflow.geometry.reader import read_drawing, read_one


def square_dxf(size: float = 100.0) -> bytes:
    doc = ezdxf.new("R2010")
    doc.units = ezdxf.units.MM
    doc.modelspace().add_lwpolyline([(0, 0), (size, 0), (size, size), (0, size)], close=True)
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode("utf-8")


def test_sound_file_is_read() -> None:
    (part,) = read_drawing(square_dxf(), name="square.dxf")
    assert part.area == pytest.approx(10_000)


def test_file_missing_its_eof_marker_is_still_read_through_recover() -> None:
    data = square_dxf().rstrip()
    assert data.endswith(b"EOF")
    (part,) = read_drawing(data[: -len(b"EOF")], name="truncated.dxf")
    assert part.area == pytest.approx(10_000)


def test_garbage_is_unreadable_and_names_the_file() -> None:
    with pytest.raises(UnreadableDrawing, match="garbage.dxf"):
        read_drawing(
            b"0\nSECTION\n2\nENTITIES\n0\nLWPOLYLINE\n90\nnot-a-number\n", name="garbage.dxf"
        )


def test_read_one_gives_the_parts_of_a_good_drawing_from_bytes() -> None:
    one = read_one(square_dxf(), name="square.dxf")
    assert one.ok and [p.source for p in one.parts] == ["square.dxf"]


def test_read_one_turns_a_bad_drawing_into_a_failure_naming_it() -> None:
    one = read_one(b"not a dxf at all", name="junk.dxf")
    assert one.parts == []
    [failure] = one.failures
    assert failure.file == "junk.dxf" and failure.kind == "unreadable"
