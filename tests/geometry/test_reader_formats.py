"""Every valid DXF is read whatever wrote it: line ends, binary DXF, byte order marks.

The examples are rewritten at test time (CRLF, binary) and must give the same parts as the LF
originals; the strict loader's empty answer sends the drawing to ``ezdxf.recover``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nestflow.geometry import reader
from nestflow.geometry.errors import UnreadableDrawing
from nestflow.geometry.models import Part
from nestflow.geometry.reader import read_drawing, read_one
from tests.geometry.conftest import EXAMPLES_DIR
from tests.geometry.corpus.real_corpus import as_binary, as_crlf

EXAMPLES = sorted(p for p in EXAMPLES_DIR.glob("*.dxf") if read_one(p).ok)


def _shape(parts: list[Part]) -> list[tuple[str, float, int, tuple[float, ...]]]:
    return [
        (
            p.name,
            round(p.area, 6),
            len(p.holes),
            tuple(round(v, 6) for v in p.bbox.model_dump().values()),
        )
        for p in parts
    ]


def test_every_readable_example_is_checked() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_with_windows_line_ends_gives_the_same_parts(path: Path) -> None:
    data = as_crlf(path)
    assert b"\r\n" in data
    assert _shape(read_drawing(data, name=path.name)) == _shape(read_drawing(path))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_as_binary_dxf_gives_the_same_parts(path: Path) -> None:
    data = as_binary(path)
    assert data.startswith(b"AutoCAD Binary DXF")
    assert _shape(read_drawing(data, name=path.name)) == _shape(read_drawing(path))


def test_broken_example_as_crlf_is_refused_for_the_same_reason() -> None:
    path = EXAMPLES_DIR / "broken_open_contour.dxf"
    assert read_one(as_crlf(path), name=path.name).failures == read_one(path).failures


def test_crlf_file_keeps_its_sha256_of_the_bytes_read() -> None:
    data = as_crlf(EXAMPLES_DIR / "bracket.dxf")
    (part,) = read_drawing(data, name="bracket.dxf")
    import hashlib

    assert part.sha256 == hashlib.sha256(data).hexdigest()


def test_strict_loader_finding_nothing_hands_the_file_to_recover(monkeypatch) -> None:
    calls: list[int] = []
    recover_read = reader.recover.read

    def counting(stream, *args, **kwargs):
        calls.append(1)
        return recover_read(stream, *args, **kwargs)

    monkeypatch.setattr(reader, "_parse_strict", lambda data: None)
    monkeypatch.setattr(reader.recover, "read", counting)
    (part,) = read_drawing(EXAMPLES_DIR / "bracket.dxf")
    assert calls == [1] and part.name == "bracket"


def test_byte_order_mark_is_skipped() -> None:
    data = b"\xef\xbb\xbf" + as_crlf(EXAMPLES_DIR / "gusset.dxf")
    assert [p.name for p in read_drawing(data, name="gusset.dxf")] == ["gusset"]


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(40), "a PNG image"),
        (b"PK\x03\x04" + bytes(40), "a ZIP archive"),
        (b"AC1032" + bytes(40), "a DWG drawing"),
        (b"%PDF-1.7\n", "a PDF document"),
    ],
    ids=["png", "zip", "dwg", "pdf"],
)
def test_file_of_another_format_is_refused_saying_what_it_is(data: bytes, what: str) -> None:
    with pytest.raises(UnreadableDrawing, match=f"not a DXF file: it is {what}"):
        read_drawing(data, name="upload.dxf")


def test_text_without_a_dxf_section_is_not_a_dxf_file() -> None:
    with pytest.raises(UnreadableDrawing, match=r"no DXF section \(0/SECTION\)"):
        read_drawing(b'{"secret": "do not echo me"}\n', name="order.dxf")


def test_refusal_of_a_non_dxf_file_does_not_echo_its_content() -> None:
    one = read_one(
        b"password=hunter2\n0\nSECTION\n2\nENTITIES\n0\nLINE\n10\nhunter2\n", name="x.dxf"
    )
    assert one.failures and "hunter2" not in one.failures[0].message
