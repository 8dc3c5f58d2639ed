"""The malformed-DXF corpus: every case generated here, none checked in as a blob.

Each :class:`Case` is a drawing's bytes (built on demand) and what the reader must do with it:
read it as ``parts`` parts of net ``area`` mm² in all, or refuse it with one of the error
``kinds``. :func:`outcome` judges a reader's answer the way the suite and
``bench/bench_corpus_dxf.py`` both count it.

The drawings are small on purpose (a 100 x 100 plate with a 20 mm hole, unless a case needs
something else), so the whole corpus reads in a few seconds.
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ezdxf
from ezdxf.document import Drawing

#: Net area of the plate every valid case draws: 100 x 100 with a 20 mm hole.
PLATE_AREA = 100.0 * 100.0 - math.pi * 10.0**2
#: Relative tolerance on a part's area (the issue's 0.1 %).
AREA_TOLERANCE = 1e-3
#: DXF versions ezdxf writes, R12 to R2018.
VERSIONS = ("R12", "R2000", "R2004", "R2007", "R2010", "R2013", "R2018")

READ = "read_right"
REFUSED = "refused_clear"
WRONG_REASON = "refused_other_reason"
VALID_REFUSED = "valid_refused"
ACCEPTED_WRONGLY = "accepted_wrongly"
RAW = "raw"
HANG = "hang"
#: Every outcome, in the order the bench prints them.
OUTCOMES = (READ, REFUSED, WRONG_REASON, VALID_REFUSED, ACCEPTED_WRONGLY, RAW, HANG)


@dataclass(frozen=True)
class Case:
    """One drawing and the reader's expected answer.

    Attributes:
        name: Identifier (also the file name given to the reader, with ``.dxf``).
        build: Makes the drawing's bytes.
        parts: Parts expected when the drawing must be read (None: it must be refused).
        area: Total net area (mm²) of the expected parts.
        kinds: Error kinds that are a right refusal (empty when the drawing must be read).
        why: What the case is about, for people reading a failure.
    """

    name: str
    build: Callable[[], bytes] = field(repr=False)
    parts: int | None = None
    area: float = 0.0
    kinds: frozenset[str] = frozenset()
    why: str = ""

    @property
    def valid(self) -> bool:
        """Whether the drawing must be read."""
        return self.parts is not None


def outcome(case: Case, parts: list | None, kind: str | None, raw: bool = False) -> str:
    """Judge a reader's answer: one of :data:`OUTCOMES` (except :data:`HANG`).

    Args:
        case: The case read.
        parts: The parts read (objects with ``area``), or None when the reader refused.
        kind: The refusal's error kind, when refused.
        raw: The reader raised something other than its typed error family.
    """
    if raw:
        return RAW
    if parts is None:
        if case.valid:
            return VALID_REFUSED
        return REFUSED if kind in case.kinds else WRONG_REASON
    if not case.valid:
        return ACCEPTED_WRONGLY
    area = sum(p.area for p in parts)
    right = len(parts) == case.parts and math.isclose(area, case.area, rel_tol=AREA_TOLERANCE)
    return READ if right else ACCEPTED_WRONGLY


# --------------------------------------------------------------------------- drawing helpers


def _ascii(doc: Drawing) -> bytes:
    """The document as its own encoding's bytes, LF line ends (ezdxf's own output)."""
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode(doc.output_encoding, errors="dxfreplace")


def _binary(doc: Drawing) -> bytes:
    stream = io.BytesIO()
    doc.write(stream, fmt="bin")
    return stream.getvalue()


def _square(layout, x: float, y: float, size: float, **attribs) -> None:
    points = [(x, y), (x + size, y), (x + size, y + size), (x, y + size)]
    _polygon(layout, points, attribs)


def _polygon(layout, points: list, attribs: dict | None = None) -> None:
    """A closed polyline: LWPOLYLINE, or a 2D POLYLINE in R12 (which has no LWPOLYLINE)."""
    if layout.doc.dxfversion == "AC1009":
        layout.add_polyline2d(points, close=True, dxfattribs=attribs)
    else:
        layout.add_lwpolyline(points, close=True, dxfattribs=attribs)


def _plate(layout, x: float = 0.0, y: float = 0.0, layer: str = "0") -> None:
    """The 100 x 100 plate with a 20 mm hole in its middle."""
    _square(layout, x, y, 100.0, layer=layer)
    layout.add_circle((x + 50.0, y + 50.0), 10.0, dxfattribs={"layer": layer})


def _doc(version: str = "R2010", draw: Callable[[Drawing], object] = None) -> Drawing:
    doc = ezdxf.new(version, units=4)
    (draw or (lambda d: _plate(d.modelspace())))(doc)
    return doc


#: A minimal SAT text: ezdxf writes an ACIS entity only when it holds some data.
_SAT = ["700 0 1 0", "@7 nestflow @4 ACIS @24 Thu Jan 01 00:00:00 2026", "End-of-ACIS-data"]


def _opaque(kind: str, layer: str = "0") -> bytes:
    """The plate beside geometry the reader cannot read as curves (ACIS body or mesh)."""
    doc = _doc("R2000")
    msp = doc.modelspace()
    attribs = {"layer": layer}
    if kind in ("region", "3dsolid"):
        body = msp.add_region(attribs) if kind == "region" else msp.add_3dsolid(attribs)
        body.sat = _SAT
    elif kind == "mesh":
        mesh = msp.add_mesh(attribs)
        with mesh.edit_data() as data:
            data.vertices = [(0, 0, 0), (10, 0, 0), (10, 10, 0)]
            data.faces = [(0, 1, 2)]
    else:
        msp.add_polyface(attribs).append_face([(0, 0, 0), (10, 0, 0), (10, 10, 0)])
    return _ascii(doc)


def _plate_bytes(version: str = "R2010") -> bytes:
    return _ascii(_doc(version))


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _mixed(data: bytes) -> bytes:
    lines = data.split(b"\n")
    return b"".join(line + (b"\r\n" if k % 3 else b"\n") for k, line in enumerate(lines))


def _with_handles(data: bytes, old: list[str], new: str) -> bytes:
    """Give the entities with handles ``old`` the handle ``new`` (a duplicate handle)."""
    text = data.decode("utf-8")
    for handle in old:
        text = text.replace(f"\n  5\n{handle}\n", f"\n  5\n{new}\n", 1)
    return text.encode("utf-8")


def _duplicate(draw: Callable, pick: Callable[[Drawing], list[str]]) -> bytes:
    doc = _doc("R2010", draw)
    return _with_handles(_ascii(doc), pick(doc), "2F")


def _without_block(version: str, nested: bool) -> bytes:
    """A plate plus an INSERT of a block whose definition was removed from the file."""

    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        _plate(msp)
        doc.blocks.new("GONE").add_circle((0, 0), 5)
        if nested:
            doc.blocks.new("OUTER").add_blockref("GONE", (0, 0))
            msp.add_blockref("OUTER", (300, 0))
        else:
            msp.add_blockref("GONE", (300, 0))

    doc = _doc(version, draw)
    doc.blocks.delete_block("GONE", safe=False)
    return _ascii(doc)


def _xref(overlay: bool = False, nested: bool = False) -> bytes:
    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        _plate(msp)
        flags = 4 | (8 if overlay else 0)
        doc.add_xref_def("C:/parts/flange.dwg", "FLANGE", flags=flags)
        if nested:
            doc.blocks.new("HOLDER").add_blockref("FLANGE", (0, 0))
            msp.add_blockref("HOLDER", (300, 0))
        else:
            msp.add_blockref("FLANGE", (300, 0))

    return _ascii(_doc("R2010", draw))


def _holes(*draw_holes: Callable) -> bytes:
    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        _square(msp, 0, 0, 100)
        for hole in draw_holes:
            hole(msp)

    return _ascii(_doc("R2010", draw))


def _circle(x: float, y: float, r: float) -> Callable:
    return lambda msp: msp.add_circle((x, y), r)


def _rect(x: float, y: float, w: float, h: float) -> Callable:
    points = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    return lambda msp: _polygon(msp, points)


def _at(x: float, version: str = "R2010") -> bytes:
    return _ascii(_doc(version, lambda d: _plate(d.modelspace(), x=x)))


def _insert_at(x: float, scale: float = 1.0) -> bytes:
    def draw(doc: Drawing) -> None:
        _plate(doc.blocks.new("P"))
        attribs = {"xscale": scale or 2.0, "yscale": scale or 2.0}
        doc.modelspace().add_blockref("P", (x, 0), dxfattribs=attribs)

    data = _ascii(_doc("R2010", draw))
    if scale == 0.0:  # ezdxf's attribute setter refuses 0: write it into the file instead
        data = _replace_value(data, " 41", "2.0", "0.0")
    return data


def _replace_value(data: bytes, code: str, old: str, new: str) -> bytes:
    """Replace the first ``code / old`` tag value in the ENTITIES section by ``new``."""
    start = data.index(b"ENTITIES")
    head, tail = data[:start], data[start:]
    needle = f"\n{code}\n{old}\n".encode()
    if needle not in tail:
        raise ValueError(f"no {code}/{old} in ENTITIES")
    return head + tail.replace(needle, f"\n{code}\n{new}\n".encode(), 1)


def _line_square(doc: Drawing, size: float = 100.0) -> None:
    msp = doc.modelspace()
    corners = [(0, 0), (size, 0), (size, size), (0, size)]
    for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
        msp.add_line(a, b)


def _nested(depth: int) -> bytes:
    """The plate inside ``depth`` levels of blocks, each inserting the next."""

    def draw(doc: Drawing) -> None:
        _plate(doc.blocks.new("B0"))
        for level in range(1, depth):
            doc.blocks.new(f"B{level}").add_blockref(f"B{level - 1}", (0, 0))
        doc.modelspace().add_blockref(f"B{depth - 1}", (0, 0))

    return _ascii(_doc("R2010", draw))


def _stretched_zero_circle() -> bytes:
    """A block stretched 2:1 holding a circle of radius 0, which ezdxf skips when exploding."""

    def draw(doc: Drawing) -> None:
        block = doc.blocks.new("B")
        _plate(block)
        block.add_circle((20, 20), 3.0)
        doc.modelspace().add_blockref("B", (0, 0), dxfattribs={"xscale": 2, "yscale": 1})

    return _ascii(_doc("R2010", draw)).replace(b"\n 40\n3.0\n", b"\n 40\n0.0\n", 1)


def _recursive() -> bytes:
    def draw(doc: Drawing) -> None:
        block = doc.blocks.new("SELF")
        _plate(block)
        block.add_blockref("SELF", (200, 0))
        doc.modelspace().add_blockref("SELF", (0, 0))

    return _ascii(_doc("R2010", draw))


def _encoded(version: str, codepage: str | None, layer: str) -> bytes:
    """The plate on a layer whose name needs the drawing's code page."""

    def draw(doc: Drawing) -> None:
        doc.layers.add(layer)
        _plate(doc.modelspace(), layer=layer)

    doc = _doc(version, draw)
    if codepage:
        doc.header["$DWGCODEPAGE"] = codepage
        doc.encoding = ezdxf.tools.codepage.toencoding(codepage)
    return _ascii(doc)


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _zip(compression: int = 0) -> bytes:
    """A ZIP archive holding the plate; stored (0), its DXF text is there to read as it is."""
    import zipfile

    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=compression) as archive:
        archive.writestr("part.dxf", _plate_bytes())
    return stream.getvalue()


def _truncated(data: bytes, share: float) -> bytes:
    return data[: int(len(data) * share)]


def _bad_spline() -> bytes:
    """A square plus a closed SPLINE hole missing one knot value: ezdxf's audit removes it."""

    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        _square(msp, 0, 0, 100)
        points = [(30, 30), (70, 30), (70, 70), (30, 70), (30, 30)]
        msp.add_open_spline(points, degree=3)

    text = _ascii(_doc("R2010", draw)).decode()
    start = text.index("AcDbSpline")
    knot = text.index("\n 40\n", start)
    end = text.index("\n", knot + 5)
    return (text[:knot] + text[end:]).encode()


# ------------------------------------------------------------------------------ the corpus

_NOT_DXF = frozenset({"unreadable"})
_TRUNCATED = frozenset({"truncated", "unreadable"})
_NOTHING = frozenset({"unreadable", "no_closed_outline"})
_COORD = frozenset({"coordinate_out_of_range"})


def _valid(
    name: str, build: Callable[[], bytes], why: str, parts: int = 1, area: float = PLATE_AREA
):
    return Case(name, build, parts=parts, area=area, why=why)


def _refused(name: str, build: Callable[[], bytes], kinds: frozenset[str] | str, why: str) -> Case:
    return Case(name, build, kinds=frozenset({kinds}) if isinstance(kinds, str) else kinds, why=why)


def cases() -> list[Case]:
    """Every case of the malformed-DXF corpus, in a stable order."""
    out: list[Case] = []
    for v in VERSIONS:
        out += [
            _valid(f"{v}-lf", lambda v=v: _plate_bytes(v), f"{v} as ezdxf writes it (LF)"),
            _valid(f"{v}-crlf", lambda v=v: _crlf(_plate_bytes(v)), f"{v} with Windows line ends"),
            _valid(f"{v}-binary", lambda v=v: _binary(_doc(v)), f"{v} as binary DXF"),
            _valid(
                f"{v}-crlf-bom",
                lambda v=v: b"\xef\xbb\xbf" + _crlf(_plate_bytes(v)),
                f"{v}, CRLF, UTF-8 byte order mark",
            ),
            _refused(
                f"{v}-truncated-half",
                lambda v=v: _truncated(_plate_bytes(v), 0.5),
                _TRUNCATED,
                f"{v} cut in the middle",
            ),
            _refused(
                f"{v}-crlf-truncated-90",
                lambda v=v: _truncated(_crlf(_plate_bytes(v)), 0.9),
                _TRUNCATED,
                f"{v} with CRLF cut at 90 %",
            ),
            _refused(
                f"{v}-binary-truncated-80",
                lambda v=v: _truncated(_binary(_doc(v)), 0.8),
                _TRUNCATED,
                f"{v} binary cut at 80 %",
            ),
        ]
    out += [
        _valid("cr-only", lambda: _plate_bytes().replace(b"\n", b"\r"), "old Mac line ends (CR)"),
        _valid("mixed-line-ends", lambda: _mixed(_plate_bytes()), "LF and CRLF mixed"),
        _valid("bom-lf", lambda: b"\xef\xbb\xbf" + _plate_bytes(), "UTF-8 byte order mark"),
        _valid(
            "trailing-garbage-after-eof",
            lambda: _plate_bytes() + b"\x00\x1a trailing bytes of an old copy\n",
            "bytes after 0/EOF",
        ),
        _valid(
            "trailing-blank-lines", lambda: _crlf(_plate_bytes()) + b"\r\n\r\n   \r\n", "blank tail"
        ),
        _valid(
            "missing-eof-marker",
            lambda: _plate_bytes().rstrip()[: -len(b"EOF")],
            "ends after ENDSEC without 0/EOF: nothing lost",
        ),
        _valid(
            "group-codes-unpadded",
            lambda: b"\n".join(line.strip() for line in _plate_bytes().split(b"\n")),
            "group codes without the usual padding",
        ),
        _valid(
            "R12-cp1252-layer",
            lambda: _encoded("R12", "ANSI_1252", "SCHNITT_ÄÖÜ"),
            "R12 in cp1252 with umlauts",
        ),
        _valid(
            "R2000-cp1251-layer",
            lambda: _encoded("R2000", "ANSI_1251", "РЕЗКА"),
            "R2000 in cp1251 with Cyrillic",
        ),
        _valid(
            "R2000-cp932-layer",
            lambda: _encoded("R2000", "ANSI_932", "切断"),
            "R2000 in Shift-JIS (cp932)",
        ),
        _valid(
            "R2004-cp1250-crlf",
            lambda: _crlf(_encoded("R2004", "ANSI_1250", "CIĘCIE")),
            "R2004 in cp1250, CRLF",
        ),
        _valid(
            "R2010-utf8-layer", lambda: _encoded("R2010", None, "切割_Ω"), "R2007+ is always UTF-8"
        ),
        _valid(
            "R12-dxf-unicode-escapes",
            lambda: _encoded("R12", "ANSI_1252", "切割"),
            "R12 writes characters outside its code page as \\U+XXXX",
        ),
        _valid("nested-inserts-3", lambda: _nested(3), "plate three blocks deep"),
        _valid("nested-inserts-12", lambda: _nested(12), "plate twelve blocks deep"),
        _valid("far-but-fine-1e7", lambda: _at(1e7), "plate at x = 10 km: inside the bound"),
        _valid("negative-far-1e7", lambda: _at(-1e7), "plate at x = -10 km"),
        _valid(
            "far-on-both-axes-9e7",
            lambda: _ascii(_doc("R2010", lambda d: _plate(d.modelspace(), x=9e7, y=9e7))),
            "plate at (90 km, 90 km): inside the bound, area still exact",
        ),
        _valid("lines-square", lambda: _ascii(_doc("R2010", _line_square)), "four LINEs", area=1e4),
        _valid(
            "lines-square-crlf",
            lambda: _crlf(_ascii(_doc("R12", _line_square))),
            "four LINEs, R12, CRLF",
            area=1e4,
        ),
        _valid(
            "two-plates",
            lambda: _ascii(
                _doc("R2010", lambda d: (_plate(d.modelspace()), _plate(d.modelspace(), x=200)))
            ),
            "two parts",
            parts=2,
            area=2 * PLATE_AREA,
        ),
        _valid(
            "hole-near-hole",
            lambda: _holes(_circle(30, 50, 10), _circle(50.5, 50, 10)),
            "holes 0.5 mm apart are fine",
            area=1e4 - 2 * math.pi * 100,
        ),
        _valid(
            "island-in-hole",
            lambda: _holes(_rect(20, 20, 60, 60), _rect(40, 40, 20, 20)),
            "a part inside a hole is its own part",
            parts=2,
            area=1e4 - 3600 + 400,
        ),
        # --- not a drawing at all
        _refused("empty", lambda: b"", _NOT_DXF, "zero bytes"),
        _refused("whitespace-only", lambda: b"  \r\n\t\n", _NOT_DXF, "only blanks"),
        _refused("eof-only", lambda: b"  0\nEOF\n", _NOTHING, "0/EOF and nothing else"),
        _refused("png", _png, _NOT_DXF, "a PNG named .dxf"),
        _refused("zip", _zip, _NOT_DXF, "a ZIP (holding a DXF, stored) named .dxf"),
        _refused("zip-deflated", lambda: _zip(8), _NOT_DXF, "a ZIP (holding a DXF, deflated)"),
        _refused(
            "pdf", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", _NOT_DXF, "PDF"
        ),
        _refused(
            "dwg", lambda: b"AC1032\x00\x00\x00\x00\x00\x0f\x01" + bytes(200), _NOT_DXF, "DWG"
        ),
        _refused("gzip", lambda: zlib.compress(_plate_bytes()), _NOT_DXF, "compressed DXF"),
        _refused("text", lambda: b"Dear shop,\nplease cut 10 of these.\n", _NOT_DXF, "a letter"),
        _refused("json", lambda: b'{"part": "bracket", "qty": 10}', _NOT_DXF, "JSON"),
        _refused("random-bytes", lambda: bytes(range(256)) * 8, _NOT_DXF, "noise"),
        _refused(
            "svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', _NOT_DXF, "SVG"
        ),
        _refused(
            "binary-header-only",
            lambda: b"AutoCAD Binary DXF\r\n\x1a\x00",
            _NOTHING,
            "binary sentinel",
        ),
        # --- damaged structure
        _refused(
            "bad-group-code",
            lambda: _plate_bytes().replace(b"\n 10\n", b"\nxx\n", 1),
            _NOT_DXF,
            "a group code that is not a number",
        ),
        _refused(
            "coordinate-not-a-number",
            lambda: _replace_value(_plate_bytes(), " 40", "10.0", "ten"),
            frozenset({"unreadable", "zero_radius"}),
            "a radius that is not a number",
        ),
        _refused(
            "truncated-header",
            lambda: _truncated(_plate_bytes(), 0.05),
            _TRUNCATED,
            "cut inside the HEADER",
        ),
        _refused(
            "truncated-at-last-entity",
            lambda: _plate_bytes()[: _plate_bytes().rindex(b"CIRCLE") + 6],
            _TRUNCATED,
            "cut in the middle of the last entity: its hole is lost",
        ),
        # --- never a wrong part: what ezdxf drops or cannot resolve
        _refused(
            "duplicate-handle-outline-and-hole",
            lambda: _duplicate(None, lambda d: [e.dxf.handle for e in d.modelspace()]),
            "dropped_entities",
            "the outline and its hole share handle 2F: ezdxf drops the outline",
        ),
        _refused(
            "duplicate-handle-two-lines",
            lambda: _duplicate(_line_square, lambda d: [e.dxf.handle for e in d.modelspace()][:2]),
            "dropped_entities",
            "two LINEs of a square share a handle",
        ),
        _refused(
            "duplicate-handle-crlf",
            lambda: _crlf(_duplicate(None, lambda d: [e.dxf.handle for e in d.modelspace()])),
            "dropped_entities",
            "shared handle, CRLF (the recover read)",
        ),
        _refused(
            "missing-block",
            lambda: _without_block("R2010", False),
            "missing_block",
            "INSERT of nothing",
        ),
        _refused(
            "missing-block-R12", lambda: _without_block("R12", False), "missing_block", "R12 INSERT"
        ),
        _refused(
            "missing-nested-block",
            lambda: _without_block("R2010", True),
            "missing_block",
            "a block inserts a block that does not exist",
        ),
        _refused("xref", _xref, "external_reference", "an XREF to C:/parts/flange.dwg"),
        _refused("xref-overlay", lambda: _xref(overlay=True), "external_reference", "overlay XREF"),
        _refused(
            "xref-nested", lambda: _xref(nested=True), "external_reference", "XREF in a block"
        ),
        _refused(
            "spline-removed-by-audit",
            _bad_spline,
            "dropped_entities",
            "a SPLINE hole ezdxf's audit removes as invalid",
        ),
        # --- holes
        _refused(
            "tangent-holes",
            lambda: _holes(_circle(30, 50, 10), _circle(50, 50, 10)),
            "holes_touch",
            "two round holes touching at one point",
        ),
        _refused(
            "holes-sharing-an-edge",
            lambda: _holes(_rect(20, 20, 20, 20), _rect(40, 20, 20, 20)),
            "holes_touch",
            "two square holes side by side",
        ),
        _refused(
            "holes-sharing-part-of-an-edge",
            lambda: _holes(_rect(20, 20, 20, 20), _rect(40, 30, 20, 20)),
            "holes_touch",
            "two square holes sharing half an edge",
        ),
        _refused(
            "holes-corner-to-corner",
            lambda: _holes(_rect(20, 20, 20, 20), _rect(40, 40, 20, 20)),
            "holes_touch",
            "two square holes meeting at a corner",
        ),
        _refused(
            "overlapping-holes",
            lambda: _holes(_circle(40, 50, 10), _circle(50, 50, 10)),
            "holes_touch",
            "two round holes overlapping",
        ),
        _refused(
            "hole-on-outline",
            lambda: _holes(_circle(10, 50, 10)),
            "hole_on_outline",
            "a hole touching the outline",
        ),
        # --- coordinates
        _refused("plate-at-1e17", lambda: _at(1e17), _COORD, "the issue's 100 mm square at 1e17"),
        _refused("plate-at-1e10", lambda: _at(1e10), _COORD, "beyond the 1e8 mm bound"),
        _refused("plate-at-minus-1e12", lambda: _at(-1e12), _COORD, "far on the negative side"),
        _refused("plate-at-2e8", lambda: _at(2e8), _COORD, "twice the bound: 200 km"),
        _refused("plate-at-1e17-R12", lambda: _at(1e17, "R12"), _COORD, "R12 far away"),
        _refused("insert-at-1e17", lambda: _insert_at(1e17), _COORD, "a block placed at 1e17"),
        _refused("insert-scaled-1e12", lambda: _insert_at(0, 1e12), _COORD, "a block scaled 1e12"),
        _refused(
            "circle-centre-1e15",
            lambda: _replace_value(_plate_bytes(), " 10", "50.0", "1e15"),
            _COORD,
            "the hole's centre at 1e15",
        ),
        _refused(
            "nan-coordinate",
            lambda: _replace_value(_plate_bytes(), " 10", "50.0", "nan"),
            "bad_coordinate",
            "NaN centre",
        ),
        _refused(
            "inf-coordinate",
            lambda: _replace_value(_plate_bytes(), " 10", "50.0", "inf"),
            "bad_coordinate",
            "infinite centre",
        ),
        _refused(
            "insert-at-nan", lambda: _insert_at(float("nan")), "bad_coordinate", "block at NaN"
        ),
        _refused(
            "zero-radius",
            lambda: _replace_value(_plate_bytes(), " 40", "10.0", "0.0"),
            "zero_radius",
            "a circle of radius 0",
        ),
        _refused(
            "negative-radius",
            lambda: _replace_value(_plate_bytes(), " 40", "10.0", "-10.0"),
            "zero_radius",
            "a circle of radius -10",
        ),
        _refused("insert-scale-0", lambda: _insert_at(0, 0.0), "zero_scale_insert", "scale 0"),
        _refused("deep-nesting-20", lambda: _nested(20), "unreadable", "blocks 20 deep (limit 16)"),
        _refused("recursive-block", _recursive, "unreadable", "a block inserting itself"),
        _refused(
            "block-entity-skipped-by-ezdxf",
            _stretched_zero_circle,
            frozenset({"dropped_entities", "zero_radius"}),
            "ezdxf skips a circle it cannot stretch: the part would lose it",
        ),
        # --- geometry nestflow cannot read as curves, on a cut layer
        _refused("region-on-cut", lambda: _opaque("region"), "opaque_geometry", "an ACIS REGION"),
        _refused("solid-on-cut", lambda: _opaque("3dsolid"), "opaque_geometry", "a 3DSOLID"),
        _refused("mesh-on-cut", lambda: _opaque("mesh"), "opaque_geometry", "a MESH"),
        _refused(
            "polyface-on-cut", lambda: _opaque("polyface"), "opaque_geometry", "a polyface mesh"
        ),
        _valid(
            "solid-on-excluded-layer",
            lambda: _opaque("3dsolid", layer="DIM"),
            "an ACIS body on an excluded layer is no part of the cut",
        ),
        # --- geometry the existing rules refuse
        _refused(
            "open-contour",
            lambda: _ascii(_doc("R2010", lambda d: d.modelspace().add_line((0, 0), (100, 0)))),
            "open_contour",
            "one loose LINE",
        ),
        _refused(
            "bow-tie",
            lambda: _ascii(
                _doc(
                    "R2010",
                    lambda d: d.modelspace().add_lwpolyline(
                        [(0, 0), (10, 10), (10, 0), (0, 10)], close=True
                    ),
                )
            ),
            "self_intersection",
            "a polygon crossing itself",
        ),
        _refused(
            "only-text",
            lambda: _ascii(_doc("R2010", lambda d: d.modelspace().add_text("PART 1"))),
            "no_closed_outline",
            "a drawing with text only",
        ),
        _refused(
            "empty-modelspace",
            lambda: _ascii(_doc("R2010", lambda d: None)),
            "no_closed_outline",
            "a valid drawing with nothing in it",
        ),
    ]
    return out


def write(folder: Path) -> list[Path]:
    """Write every case to ``folder`` as ``<name>.dxf`` (for looking at them by hand)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in cases():
        path = folder / f"{case.name}.dxf"
        path.write_bytes(case.build())
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover - a helper for people
    import sys

    for path in write(Path(sys.argv[1] if len(sys.argv) > 1 else "malformed-dxf")):
        print(path)
