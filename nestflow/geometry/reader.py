"""Read DXF drawings into :class:`~nestflow.geometry.models.Part` objects.

The pipeline for one drawing:

1. Load the bytes (size limit first), hash them, parse: ezdxf's binary loader for a binary DXF;
   for ASCII (any line ends, a UTF-8 byte order mark skipped, the header's code page) ezdxf's
   strict loader plus an audit, and ``ezdxf.recover`` when that fails or finds nothing (it
   repairs what can be repaired; a structure error it cannot repair becomes
   :class:`UnreadableDrawing` with the line number). Bytes of another format (PNG, ZIP, PDF,
   DWG, ...) or without a DXF section are :class:`UnreadableDrawing` saying so. A file that ends
   inside a section, without the ``EOF`` marker, is :class:`TruncatedDrawing` before any
   parsing: the recovery would read the part before the cut and silently lose the rest.
   Whenever ezdxf repaired anything, the entities the file declares are counted from its raw
   tags and compared with those loaded: a dropped entity is :class:`DroppedEntities`, a dropped
   reference to an undefined block :class:`MissingBlock` (:mod:`nestflow.geometry.declared`).
2. Convert ``$INSUNITS`` to mm; a unitless drawing uses ``ReadOptions.default_units``, and
   units given for the drawing (``ReadOptions.units_override``) override either.
3. Explode block references (scaled, rotated, mirrored, nested; layer ``0`` inside a block takes
   the reference's layer) and convert entities to pieces with exact bulges
   (:mod:`nestflow.geometry.entities`); ELLIPSE and SPLINE are flattened within the chord tolerance.
4. Sort pieces by layer role (:class:`~nestflow.geometry.layers.LayerRules`): cut, mark, excluded.
5. Chain loose cut pieces into loops (:mod:`nestflow.geometry.chaining`; end points closer than
   ``gap_tolerance`` become one vertex, bulges untouched) and classify loops into outer contours
   and holes by containment (:mod:`nestflow.geometry.outlines`).
6. Attach marking paths and engraving text (TEXT/MTEXT on marking layers) to the part they lie
   in; build one part per outer contour.

Decisions worth knowing:

* **Open cut geometry is an error.** Any loose end on a cut layer raises :class:`OpenContour`,
  even when valid closed outlines exist next to it: the loose chain is either a broken outline or
  stray geometry the laser would cut, and guessing either way cuts the part wrong. Put construction
  lines on an excluded layer. Marking layers may hold open paths.
* **Branches are an error.** Three or more edge ends meeting at one point on a cut layer raise
  :class:`SelfIntersection` naming the point (the loop through it is ambiguous).
* **A hole touching its outer contour is an error** (:class:`HoleOnOutline`), whether it runs
  along the contour (an invalid polygon) or touches it at a single point (valid in OGC terms):
  the laser cannot cut either, so rejecting both is the safe choice.
* **Holes touching or overlapping each other are an error** (:class:`HolesTouch`, the same
  family as :class:`HoleOnOutline`): the web between them has no width.
* **Never a wrong part**: geometry ezdxf drops while loading or repairing a damaged file
  (duplicate handles, invalid entities), or cannot place when exploding a block, a block
  reference to an undefined block (:class:`MissingBlock`) and an external reference
  (:class:`ExternalReference`, naming the XREF's path) are refused, never read as a smaller
  part.
* **Far coordinates are an error**: beyond 100 km from the origin
  (:class:`CoordinateOutOfRange`, a :class:`BadCoordinate`; see its docstring for the bound).
* **Untrustworthy geometry is an error**: NaN or infinite coordinates (:class:`BadCoordinate`),
  circles and arcs without a positive radius (:class:`ZeroRadius`) and block references scaled by
  0 (:class:`ZeroScaleInsert`) name the entity handle and layer
  (:mod:`nestflow.geometry.entities`).
* **Geometry that is not curves is an error on a cut layer**: a proxy entity, an ACIS body
  (REGION, 3DSOLID, BODY, SURFACE) or a mesh (:class:`OpaqueGeometry`, naming it): the part
  would be cut without it. On a marking layer it is ignored and counted in a warning.
* **Repeats are dropped with a warning**: an edge or a closed contour drawn twice.
* **Several outlines** give several parts named ``<stem>``, ``<stem>-2``, ... (largest first)
  when ``split_outlines`` is on; with it off they raise :class:`MultipleOutlines`. An island inside
  a hole is an outline of its own, so it is a separate part (or an error without
  ``split_outlines``).
* **Closed contours on excluded layers** are ignored with a warning naming the layer;
  dimensions, hatches, points and other non-curve entities on cut or mark layers, and text on cut
  layers, are ignored and counted in a warning.
* **Engraving text** (TEXT/MTEXT on a marking layer) becomes ``Part.mark_texts``, readable and in
  the same coordinates as the geometry; text on excluded layers (``TEXT``, ``DIM``, ...) stays
  ignored. Text whose alignment point lies outside every part is dropped with a warning naming
  the file, the layer and the text.
* **Units**: a unitless drawing read as mm whose largest part is smaller than
  :data:`INCH_SUSPECT_MM` on its longest side gets a warning suggesting inches (an inch drawing
  read as mm is 25.4 times too small; sheet-metal parts under 60 mm are rare enough that the
  warning is worth its false alarms); one read as inches whose largest part is at least
  :data:`MM_SUSPECT_INCH` inches long gets a warning suggesting mm (a mm drawing read as
  inches is 25.4 times too big: a 100 mm bracket is a 2.54 m plate, which still fits a sheet).
  The two bounds are one: a drawing's number under 60 looks like inches, from 60 up like mm.
  Neither warning is given when ``ReadOptions.units_confirmed`` says a person answered for the
  drawing. :func:`inch_suspect` and :func:`mm_suspect` tell the same from the parts, for callers
  that refuse such a drawing instead.
* **Units given for a drawing override its header** (``ReadOptions.units_override``, an order
  line's units column): headers can be wrong (R12 exports that hard-code ``$INSUNITS`` 6, metres,
  for drawings in mm: read as the header says, a 200 mm plate is a 200 m part).
  :func:`header_units` tells what a header said that was overridden. A part too large for
  ``max_part_size`` is refused naming the units it was read in and how to give others.
* ``Part.units`` records ``"mm"``, ``"inch"``, another ``$INSUNITS`` name (``"cm"``, ``"m"``,
  ``"ft"``, ...), ``"unitless->mm"``/``"unitless->inch"``, or for a header overridden by the
  units given, the header's name and the units read (``"m->mm"``).
* **Warnings are per file**: every part of a drawing carries the drawing's warnings.
* **No message quotes the file**: ezdxf's errors (and its recovery's log lines) quote the text
  they could not read; the values they quote are cut out, keeping the kind of problem and the
  line, so a file that is not a drawing (a key, a password file) is never echoed back. The one
  exception is engraving text outside every part, which the warning quotes (up to 40 printable
  characters): it is text the drawing itself marks for engraving, and the way to find it.
"""

from __future__ import annotations

import codecs
import gc
import hashlib
import io
import logging
import re
import struct
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

import ezdxf.units
import shapely
from ezdxf import recover
from ezdxf.document import Drawing
from ezdxf.filemanagement import dxf_stream_info
from ezdxf.lldxf.const import DXFError
from ezdxf.lldxf.tagger import binary_tags_loader
from pydantic import BaseModel, ConfigDict, Field

from nestflow.dxf_bytes import BINARY_SENTINEL, starts_like_dxf
from nestflow.geometry.chaining import Chains, chain_pieces, pair_gaps
from nestflow.geometry.declared import declared, lost
from nestflow.geometry.entities import Extraction, extract
from nestflow.geometry.errors import (
    DrawingError,
    DroppedEntities,
    FileTooLarge,
    HoleOnOutline,
    HolesTouch,
    MissingBlock,
    MultipleOutlines,
    NoClosedOutline,
    OpenContour,
    PartTooLarge,
    Point,
    SelfIntersection,
    TooManyEntities,
    TruncatedDrawing,
    UnreadableDrawing,
    format_point,
)
from nestflow.geometry.layers import LayerRole, LayerRules
from nestflow.geometry.models import BoundingBox, Contour, MarkText, Part, Vertex
from nestflow.geometry.outlines import Outline, Ring, classify, hole_contact, holes_contact

#: Longest side (mm) under which a unitless drawing read as mm is suspected to be in inches.
INCH_SUSPECT_MM = 60.0
#: Longest side (inches) from which a unitless drawing read as inches is suspected to be in mm:
#: the same number as :data:`INCH_SUSPECT_MM`, so each size of a unitless drawing looks drawn in
#: one unit. An inch part of 60 in (1.52 m) and more is rarer than a mm part of 60 to 118 mm,
#: which read as inches is a 1.5 to 3 m plate that still fits a 3 m sheet and is cut.
MM_SUSPECT_INCH = 60.0
#: ``Part.units`` of a drawing without ``$INSUNITS`` read as mm: the one whose size is checked.
UNITLESS_MM = "unitless->mm"
#: ``Part.units`` of a drawing without ``$INSUNITS`` read as inches.
UNITLESS_INCH = "unitless->inch"
#: What to do about a drawing whose units are in doubt: answer for that drawing.
CONFIRM_UNITS = "give its units in the units column in the manifest (mm or inch)"
#: ``$INSUNITS`` of the units an order may give, and their mm per unit.
_GIVEN_CODES = {"mm": 4, "inch": 1}
_GIVEN_FACTORS = {"mm": 1.0, "inch": 25.4}
#: Names of ``$INSUNITS`` codes in messages (others are named by their label).
_UNIT_NAMES = {
    1: "inches",
    2: "feet",
    4: "millimetres",
    5: "centimetres",
    6: "metres",
    7: "kilometres",
    8: "microinches",
    9: "mils",
    10: "yards",
    13: "micrometres",
    14: "decimetres",
}

#: Label and mm per unit for imperial ``$INSUNITS`` codes: ezdxf's table stores 39.37007874
#: inches per metre (25.4000000033 mm per inch) and has no entry for mils and microinches.
_IMPERIAL_MM = {
    1: ("inch", 25.4),
    2: ("ft", 304.8),
    8: ("microinch", 25.4e-6),
    9: ("mil", 0.0254),
    10: ("yd", 914.4),
    21: ("us-ft", 1200 / 3.937),
}

_DEFAULT_NAME = "drawing.dxf"
_MAX_PAIRED_ENDS = 200
_LINE_NUMBER = re.compile(r"line:?\s*(\d+)", re.IGNORECASE)
_MAX_MESSAGE = 200
#: Longest drawing text (engraving) quoted in a warning.
_MAX_SHOWN = 40
_T = TypeVar("_T")
#: A value quoted in ezdxf's (or Python's) messages: text of the file being read.
_QUOTED = re.compile(r""""[^"\n]*"|'[^'\n]*'""")
#: Bytes after the last tag that do not count: line ends, padding, the old DOS end-of-file mark.
_TRAILING = b" \t\r\n\x00\x1a"
#: File signatures of what shops upload instead of a DXF, and what to call them.
_NOT_DXF: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (unpack it and send the DXF inside)"),
    (b"\x1f\x8b", "a gzip archive (unpack it and send the DXF inside)"),
    (b"AC10", "a DWG drawing (export it as DXF)"),
)
#: The start of a section, ``0 / SECTION / 2 / <name>``, in an ASCII DXF file.
#: The same in a binary DXF file: ``SECTION``, group code 2 (one or two bytes), the name.
_BINARY_SECTION = re.compile(rb"SECTION\x00\x02\x00?(\w+)\x00")
_SECTION = re.compile(rb"\n[ \t]*SECTION[ \t]*\r?\n[ \t]*2[ \t]*\r?\n[ \t]*(\w+)")


class ReadOptions(BaseModel):
    """How drawings are read; every field has a shop-safe default.

    Attributes:
        default_units: Units of drawings whose ``$INSUNITS`` is 0 (unitless).
        units_override: Units a person gave for this drawing (an order line's units column):
            they override its ``$INSUNITS`` (headers can be wrong) and ``default_units``, and
            answer any doubt about its size (no warning suggesting other units); None: the
            header's units, else ``default_units``.
        units_confirmed: A person answered for this drawing's units: a unitless drawing whose
            size looks drawn in other units gets no warning saying so. A run-wide default is
            no answer for one drawing.
        gap_tolerance: End points closer than this (mm) are joined when chaining loose edges.
        chord_tolerance: Largest deviation (mm) when flattening SPLINE and ELLIPSE, and when arcs
            are flattened for the containment and validity checks (arcs themselves stay exact).
        split_outlines: Several separate outlines in one drawing give several parts; when false
            they raise :class:`~nestflow.geometry.errors.MultipleOutlines`.
        max_part_size: Longest allowed bounding-box side of a part (mm).
        max_file_bytes: Largest file read.
        max_entities: Most entities read, block references counted exploded.
        layers: Which layers are cut, marking or excluded.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    default_units: Literal["mm", "inch"] = "mm"
    units_override: Literal["mm", "inch"] | None = None
    units_confirmed: bool = False
    gap_tolerance: float = Field(default=0.05, gt=0)
    chord_tolerance: float = Field(default=0.05, gt=0)
    split_outlines: bool = True
    max_part_size: float = Field(default=6000.0, gt=0)
    max_file_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_entities: int = Field(default=200_000, gt=0)
    layers: LayerRules = Field(default_factory=LayerRules)


class DrawingFailure(BaseModel):
    """One drawing of a batch that could not be read."""

    model_config = ConfigDict(frozen=True)

    file: str
    kind: str
    message: str


class BatchResult(BaseModel):
    """Parts read from a batch of drawings, and the drawings that failed."""

    model_config = ConfigDict(frozen=True)

    parts: list[Part] = Field(default_factory=list)
    failures: list[DrawingFailure] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every drawing was read."""
        return not self.failures


def read_drawing(
    source: Path | str | bytes,
    *,
    name: str | None = None,
    options: ReadOptions | None = None,
    **overrides: Any,
) -> list[Part]:
    """Read one DXF drawing into parts (outer CCW, holes CW, arcs exact, mm).

    Args:
        source: A file path, or the file's bytes.
        name: File name used in parts and errors; defaults to the path's name (``drawing.dxf``
            for bytes).
        options: Reading options; defaults to :class:`ReadOptions`.
        **overrides: Option fields overriding ``options`` (e.g. ``default_units="inch"``).

    Returns:
        The parts, largest first, named after the file stem (``-2``, ``-3``, ... for extra ones).

    Raises:
        DrawingError: One subclass per reason, each naming the file; see
            :mod:`nestflow.geometry.errors`.
    """
    opts = _resolve(options, overrides)
    data, file = _load(source, name, opts.max_file_bytes)
    with _cyclic_gc_paused():
        doc, repaired = _parse(data, file)
        return _parts(doc, file, hashlib.sha256(data).hexdigest(), opts, repaired)


def read_document(
    doc: Drawing,
    *,
    name: str,
    sha256: str = "",
    options: ReadOptions | None = None,
    **overrides: Any,
) -> list[Part]:
    """Parts of an already loaded ezdxf document (the file-level limits do not apply).

    Args:
        doc: The document, e.g. from ``ezdxf.recover.read``.
        name: File name used in parts and errors.
        sha256: Hash to record in the parts (of the bytes the document came from).
        options: Reading options; defaults to :class:`ReadOptions`.
        **overrides: Option fields overriding ``options``.

    Raises:
        DrawingError: As :func:`read_drawing`, except for the file-level reasons.
    """
    return _parts(doc, name, sha256, _resolve(options, overrides), repaired=0)


def _parts(doc: Drawing, file: str, sha256: str, opts: ReadOptions, repaired: int) -> list[Part]:
    factor, units = _units(doc, opts, file)
    msp = doc.modelspace()
    if len(msp) > opts.max_entities:
        raise TooManyEntities(file, opts.max_entities)
    with _cyclic_gc_paused():
        extraction = extract(
            msp,
            file=file,
            rules=opts.layers,
            factor=factor,
            chord_tolerance=opts.chord_tolerance,
            max_entities=opts.max_entities,
        )
        return _Builder(file, opts, extraction, repaired).parts(sha256=sha256, units=units)


def _units(doc: Drawing, opts: ReadOptions, file: str) -> tuple[float, str]:
    """Factor from drawing units to mm, and the label recorded in ``Part.units``."""
    code = int(doc.units or 0)
    given = opts.units_override
    if given is not None and code not in (0, _GIVEN_CODES[given]):
        # The header is overridden: the label keeps what it said (``m->mm``), even a code
        # that names no unit (the answer given is what counts).
        try:
            header = _code_units(code, file)[1]
        except UnreadableDrawing:
            header = str(code)
        return _GIVEN_FACTORS[given], f"{header}->{given}"
    if code == 0:
        read_as = given or opts.default_units
        return _GIVEN_FACTORS[read_as], f"unitless->{read_as}"
    return _code_units(code, file)


def _code_units(code: int, file: str) -> tuple[float, str]:
    """Factor to mm and label of a nonzero ``$INSUNITS`` code."""
    if code in _IMPERIAL_MM:
        label, factor = _IMPERIAL_MM[code]
        return factor, label
    try:
        factor = ezdxf.units.conversion_factor(code, ezdxf.units.MM)
    except (TypeError, ValueError, IndexError) as exc:
        raise UnreadableDrawing(file, f"unsupported drawing units ($INSUNITS = {code})") from exc
    return factor, ezdxf.units.decode(code) or str(code)


def _label_code(label: str) -> int | None:
    """The ``$INSUNITS`` code a ``Part.units`` label (of a nonzero code) names."""
    if label.lstrip("-").isdigit():  # a code that names no unit is labelled by its number
        return int(label)
    for code, (imperial, _) in _IMPERIAL_MM.items():
        if imperial == label:
            return code
    for code in range(1, 21):
        if code not in _IMPERIAL_MM and ezdxf.units.decode(code) == label:
            return code
    return None


def header_units(parts: Sequence[Part]) -> tuple[str, int, str] | None:
    """What a drawing's header said when the units given for it overrode it.

    Args:
        parts: The parts of one drawing.

    Returns:
        ``(name, code, read_as)``: the header's units named for a message (``"metres"``), its
        ``$INSUNITS`` code and the units the drawing was read in (``"mm"`` or ``"inch"``); None
        when no header was overridden (none given, a unitless drawing, or the same units).
    """
    for part in parts:
        header, arrow, read_as = part.units.partition("->")
        if not arrow or header == "unitless":
            continue
        code = _label_code(header)
        name = _UNIT_NAMES.get(code, header) if code is not None else header
        return name, code if code is not None else 0, read_as
    return None


#: A line end of an ASCII DXF file (CRLF, LF or CR alone), and the text around a tag's lines.
_EOL = rb"(?:\r\n|\r|\n)"
_INSUNITS_VALUE = re.compile(
    rb"(^|"
    + _EOL
    + rb")([ \t]*9[ \t]*"
    + _EOL
    + rb"\$INSUNITS[ \t]*"
    + _EOL
    + rb"[ \t]*70[ \t]*"
    + _EOL
    + rb")[ \t]*[-+]?\d+[ \t]*(?="
    + _EOL
    + rb")"
)
_HEADER_SECTION = re.compile(
    rb"(^|"
    + _EOL
    + rb")[ \t]*0[ \t]*"
    + _EOL
    + rb"[ \t]*SECTION[ \t]*"
    + _EOL
    + rb"[ \t]*2[ \t]*"
    + _EOL
    + rb"[ \t]*HEADER[ \t]*("
    + _EOL
    + rb")"
)
_FIRST_SECTION = re.compile(
    rb"(^|" + _EOL + rb")([ \t]*0[ \t]*(" + _EOL + rb")[ \t]*SECTION[ \t]*" + _EOL + rb")"
)


def dxf_with_units(data: bytes, units: Literal["mm", "inch"]) -> bytes | None:
    """The bytes of an ASCII DXF file whose header says ``units`` (``$INSUNITS`` 4 or 1).

    For engines that read the file themselves: a drawing read in units given for it (a manifest
    line's, or a run's for a unitless drawing) must reach them saying so. Only the header
    variable's value changes, or the variable is added to the header (a HEADER section is added
    when there is none), in the file's own line ends; every other byte stays.

    Args:
        data: The file's bytes (ASCII DXF: any line ends, a byte order mark).
        units: The units it was read in.

    Returns:
        The new bytes, or None for a binary DXF or bytes with no section to write into.
    """
    if data.startswith(BINARY_SENTINEL):
        return None
    if data.startswith(codecs.BOM_UTF8):  # the first section follows the mark, not a line end
        rest = dxf_with_units(data[len(codecs.BOM_UTF8) :], units)
        return None if rest is None else codecs.BOM_UTF8 + rest
    code = str(_GIVEN_CODES[units]).encode()
    written, count = _INSUNITS_VALUE.subn(lambda m: m.group(1) + m.group(2) + code, data)
    if count:
        return written
    header = _HEADER_SECTION.search(data)
    if header is not None:
        eol = header.group(2)
        at = header.end()
        return data[:at] + b"9" + eol + b"$INSUNITS" + eol + b"70" + eol + code + eol + data[at:]
    first = _FIRST_SECTION.search(data)
    if first is None:
        return None
    eol = first.group(3)
    section = eol.join([b"0", b"SECTION", b"2", b"HEADER", b"9", b"$INSUNITS", b"70", code])
    added = section + eol + b"0" + eol + b"ENDSEC" + eol
    at = first.start(2)
    return data[:at] + added + data[at:]


def _read_as(file: str, units: str, size: tuple[float, float]) -> str:
    """How a drawing's units were read, and how to give others, for a too-large refusal.

    ``size`` is the part's size as read (mm); when the header named the units, the size the
    part would have in mm is shown too (a header in metres on a drawing in mm: 200 x 100 mm).
    """
    header, arrow, read_as = units.partition("->")
    if header == "unitless":
        how = f"it has no units ($INSUNITS = 0), read as {read_as}"
    elif arrow:
        return f"read as {read_as}, the units given for it (its header says {header})"
    else:
        code = _label_code(header)
        name = _UNIT_NAMES.get(code, header) if code is not None else header
        how = f"the header says {name} ($INSUNITS {code})"
        factor = _code_units(code, file)[0] if code is not None else 0.0
        if factor and code != _GIVEN_CODES["mm"]:
            width, height = size[0] / factor, size[1] / factor
            how += f", {width:.1f} x {height:.1f} mm if it is drawn in mm"
    return (
        f"{how}: if {file} is drawn in other units, give them in the units column of the "
        "order manifest (mm or inch), which overrides the header"
    )


def drawing_files(sources: Iterable[Path | str]) -> list[Path]:
    """Expand directories into their ``*.dxf`` files (any case, sorted); keep files as given."""
    files: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".dxf")
            )
        else:
            files.append(path)
    return files


def read_batch(
    sources: Iterable[Path | str], options: ReadOptions | None = None, **overrides: Any
) -> BatchResult:
    """Read many drawings; a bad drawing becomes a failure and the rest go on.

    Args:
        sources: Files and directories (a directory contributes its ``*.dxf`` files, sorted).
        options: Reading options shared by every drawing.
        **overrides: Individual option fields overriding ``options``.

    Returns:
        All parts in file order, and one failure per drawing that could not be read. An unexpected
        exception is recorded as an ``unreadable`` failure naming the file, never lost.
    """
    opts = _resolve(options, overrides)
    parts: list[Part] = []
    failures: list[DrawingFailure] = []
    for path in drawing_files(sources):
        one = read_one(path, options=opts)
        parts.extend(one.parts)
        failures.extend(one.failures)
    return BatchResult(parts=parts, failures=failures)


def read_one(
    source: Path | str | bytes,
    *,
    name: str | None = None,
    options: ReadOptions | None = None,
    **overrides: Any,
) -> BatchResult:
    """Read one drawing the way :func:`read_batch` reads each: its parts, or why it failed.

    Args:
        source: A file path, or the file's bytes (then ``name`` names it in parts and failures).
        name: File name to report; defaults to the path's name.
        options: Reading options.
        **overrides: Individual option fields overriding ``options``.

    Returns:
        The drawing's parts and no failure, or no parts and one failure. An unexpected exception
        is recorded as an ``unreadable`` failure naming the file, never raised.
    """
    file = name or (Path(source).name if not isinstance(source, bytes) else "drawing.dxf")
    try:
        return BatchResult(parts=read_drawing(source, name=file, options=options, **overrides))
    except DrawingError as exc:
        failure = DrawingFailure(file=exc.file, kind=exc.kind, message=exc.message)
    except Exception as exc:  # one broken file must never stop the caller
        failure = DrawingFailure(
            file=file,
            kind=UnreadableDrawing.kind,
            message=f"unexpected {type(exc).__name__}: {_clip(str(exc))}",
        )
    return BatchResult(parts=[], failures=[failure])


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a drawing is parsed and its parts are built.

    A parsed drawing holds hundreds of thousands of objects, and each full collection triggered
    by the many objects allocated meanwhile walks all of them: measured on a 5,000-part drawing,
    about half the extraction time and a fifth of ``ezdxf.recover``'s. The work is bounded
    (``max_file_bytes``) and its garbage is freed by reference counting or by the next collection
    after this one. Nesting and threads are safe: the collector is re-enabled only by the
    outermost caller that found it enabled.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _resolve(options: ReadOptions | None, overrides: dict[str, Any]) -> ReadOptions:
    base = options or ReadOptions()
    if not overrides:
        return base
    return ReadOptions.model_validate({**dict(base), **overrides})


def _load(source: Path | str | bytes, name: str | None, limit: int) -> tuple[bytes, str]:
    """The drawing's bytes and its name; the size limit is checked before reading."""
    if isinstance(source, bytes):
        file = name or _DEFAULT_NAME
        if len(source) > limit:
            raise FileTooLarge(file, len(source), limit)
        return source, file
    path = Path(source)
    file = name or path.name
    try:
        size = path.stat().st_size
        if size > limit:
            raise FileTooLarge(file, size, limit)
        return path.read_bytes(), file
    except OSError as exc:
        raise UnreadableDrawing(file, f"cannot open the file: {exc.strerror or exc}") from exc


def _parse(data: bytes, file: str) -> tuple[Drawing, int]:
    """The document and the number of repairs made while loading it.

    Whatever wrote the file: a binary DXF is loaded by ezdxf's binary loader; an ASCII file (LF,
    CRLF, CR or mixed line ends, with or without a UTF-8 byte order mark, in the code page its
    header names) by ezdxf's strict loader plus an audit, as fast as a bare ``ezdxf.readfile``.
    ``ezdxf.recover``, which repairs structural flaws but costs about twice as much, loads it
    when the strict loader fails *or finds nothing to draw* (ezdxf returns an empty drawing,
    without raising, for some files it cannot follow).

    Whenever ezdxf repaired something, the entities the file declares are counted from its raw
    tags and compared with those loaded (:mod:`nestflow.geometry.declared`): a drawing missing
    any geometry is refused, naming what was dropped, never read as a smaller part.

    Raises:
        UnreadableDrawing: Empty, not a DXF file, or damaged beyond repair.
        TruncatedDrawing: Cut off inside a section.
        DroppedEntities: ezdxf dropped entities of the file.
        MissingBlock: ezdxf dropped a reference to a block the file does not define.
    """
    if not data.strip():
        raise UnreadableDrawing(file, "the file is empty")
    data = data.removeprefix(codecs.BOM_UTF8)  # a UTF-8 mark some Windows tools write first
    binary = data.startswith(BINARY_SENTINEL)
    if not binary and b"\n" not in data:  # old Mac line ends: ezdxf's byte loaders split on LF
        data = data.replace(b"\r", b"\n")
    _check_dxf(data, file)
    _check_complete(data, file)
    loaded = _parse_binary(data, file) if binary else _parse_strict(data)
    recovered = loaded is None
    if loaded is None:
        loaded = _parse_recover(data, file)
    doc, fixes = loaded
    if fixes or recovered:
        _check_nothing_dropped(data, doc, file)
    return doc, fixes


def _parse_recover(data: bytes, file: str) -> tuple[Drawing, int]:
    """The document from ``ezdxf.recover`` and the number of its repairs."""
    try:
        doc, auditor = recover.read(io.BytesIO(data))
    except (DXFError, UnicodeDecodeError, ValueError, TypeError, IndexError) as exc:
        text = _clip(str(exc))
        match = _LINE_NUMBER.search(text)
        line = int(match.group(1)) if match else None
        raise UnreadableDrawing(file, f"not a readable DXF file: {text}", line) from exc
    return doc, len(auditor.fixes)


def _parse_binary(data: bytes, file: str) -> tuple[Drawing, int]:
    """A binary DXF file, loaded as ``ezdxf.readfile`` does, and audited."""
    try:
        doc = Drawing.load(binary_tags_loader(data, errors="surrogateescape"))
        fixes = len(doc.audit().fixes)
    except (DXFError, UnicodeDecodeError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise UnreadableDrawing(file, f"not a readable binary DXF file: {_clip(str(exc))}") from exc
    except struct.error as exc:
        raise UnreadableDrawing(file, "not a readable binary DXF file: it ends too early") from exc
    return doc, fixes


def _check_dxf(data: bytes, file: str) -> None:
    """Refuse bytes that are plainly not a DXF file, saying what they look like.

    ezdxf.recover reads anything holding DXF-looking lines: an uncompressed ZIP holding a DXF,
    a text file, and returns an empty drawing for most other bytes, which would be reported as
    "no closed outline". A DXF file starts with its first section (after optional comments).
    """
    for magic, what in _NOT_DXF:
        if data.startswith(magic):
            raise UnreadableDrawing(file, f"not a DXF file: it is {what}")
    if starts_like_dxf(data):
        return
    raise UnreadableDrawing(
        file,
        "not a readable DXF file: no DXF section (0/SECTION) at its start (line 1); export "
        "it as DXF again",
        1,
    )


def _check_nothing_dropped(data: bytes, doc: Drawing, file: str) -> None:
    """Raise when the loaded document lacks geometry the file declares.

    Raises:
        MissingBlock: A block reference to a block the file does not define was dropped.
        DroppedEntities: Other entities were dropped (duplicate handles, invalid entities).
    """
    try:
        found = declared(data)
    except (DXFError, ValueError, IndexError, struct.error) as exc:
        raise UnreadableDrawing(file, f"not a readable DXF file: {_clip(str(exc))}") from exc
    missing = lost(doc, found)
    if not missing.counts:
        return
    if missing.missing_blocks and missing.counts.get("INSERT"):
        block = _clip(missing.missing_blocks[0][0])
        handles = missing.handles
        raise MissingBlock(
            file,
            f"a block reference (INSERT{' #' + handles[0] if handles else ''}) in "
            f"{missing.containers[0]} refers to block '{block}', which the drawing does not "
            "define, so its geometry is missing; export the drawing again with the block "
            "(or explode it first)",
            block,
            handles[0] if handles else None,
        )
    what = ", ".join(f"{n} {t}" for t, n in sorted(missing.counts.items()))
    shown = ", ".join(f"#{_clip(h)}" for h in missing.handles[:5])
    message = f"ezdxf dropped {what} from {', '.join(sorted(set(missing.containers)))} while "
    message += "repairing this damaged file, so the part would be cut without them"
    if shown:
        message += f" (handle(s) {shown}{' ...' if len(missing.handles) > 5 else ''})"
    duplicated = [h for h in missing.handles if h in missing.duplicates]
    if duplicated:
        message += (
            f"; handle #{_clip(duplicated[0])} is given to more than one entity in the file, "
            "and ezdxf keeps only one of them"
        )
    message += "; repair the drawing in the CAD system (AUDIT) and export it again"
    raise DroppedEntities(file, message, dict(missing.counts), tuple(missing.handles))


def _check_complete(data: bytes, file: str) -> None:
    """Raise :class:`TruncatedDrawing` when a DXF file stops inside a section.

    A complete file ends with ``0 / EOF``; one that ends right after a section's ``ENDSEC``
    (a writer that forgot the marker) lost nothing and is left to ``ezdxf.recover``. Anything
    else was cut off while being written, uploaded or copied, and ``ezdxf.recover`` would read
    the part before the cut without a word. Only the end of the file is looked at, so this
    costs nothing on large files; the sections are searched only for the message. Bytes without
    any section are not a DXF file at all and left to the parser, which says why.
    """
    tail = data.rstrip(_TRAILING)
    binary = data.startswith(b"AutoCAD Binary DXF")
    if binary:
        complete = tail.endswith((b"EOF", b"ENDSEC"))
    else:
        last = [line.strip() for line in tail[-200:].splitlines()[-2:]]
        complete = b"EOF" in last or b"ENDSEC" in last
    if complete:
        return
    sections = (_BINARY_SECTION if binary else _SECTION).findall(tail)
    if not sections:
        return
    section = _clip(sections[-1].decode("ascii", errors="replace"))
    line = len(tail) if binary else tail.count(b"\n") + 1
    where = f"after {line:,} bytes" if binary else f"at line {line}"
    raise TruncatedDrawing(
        file,
        f"the file is truncated: it ends {where} inside the {section} section, without the "
        "end-of-file marker (0/EOF), so part of the drawing is missing; upload or export the "
        "file again",
        line,
        section,
    )


def _parse_strict(data: bytes) -> tuple[Drawing, int] | None:
    """The document from ezdxf's strict loader plus an audit, or None when it cannot load it.

    The text is decoded as ``ezdxf.readfile`` opens a file: universal newlines (ezdxf's ASCII
    loader keeps a CR at the end of each value otherwise, and then finds no section at all)
    and the encoding the header names. A document with nothing in its modelspace is None too:
    that is what ezdxf returns, without raising, for files it could not follow.
    """
    try:
        info = dxf_stream_info(_text_stream(data, "utf-8", "ignore"))
        doc = ezdxf.read(_text_stream(data, info.encoding, "surrogateescape"))
    except (DXFError, UnicodeDecodeError, LookupError, ValueError, TypeError, IndexError):
        return None
    if len(doc.modelspace()) == 0:
        return None
    return doc, len(doc.audit().fixes)


def _text_stream(data: bytes, encoding: str, errors: str) -> io.TextIOWrapper:
    """The bytes as text with universal newlines (LF, CRLF, CR and mixes all read as LF)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors=errors, newline=None)


def _clip(text: str) -> str:
    """Printable, bounded text for messages, without the values it quotes.

    ezdxf quotes the lines it cannot read, which are the file's content: whole lines of binary
    garbage, or of whatever file was named as a drawing.
    """
    printable = "".join(ch if ch.isprintable() else "?" for ch in _unquoted(text))
    return printable if len(printable) <= _MAX_MESSAGE else printable[:_MAX_MESSAGE] + "..."


def _unquoted(text: str) -> str:
    return _QUOTED.sub('"..."', text)


class _UnquotedValues(logging.Filter):
    """Cut the values out of ezdxf's log lines: its recovery logs each value it repaired."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        unquoted = _unquoted(message)
        if unquoted != message:
            record.msg, record.args = unquoted, None
        return True


logging.getLogger("ezdxf").addFilter(_UnquotedValues())


class _Builder:
    """Turns one drawing's extraction into parts, collecting the drawing's warnings."""

    def __init__(self, file: str, opts: ReadOptions, extraction: Extraction, repaired: int) -> None:
        self.file = file
        self.opts = opts
        self.extraction = extraction
        self.warnings: list[str] = list(extraction.notes)
        if repaired:
            self.warnings.append(f"ezdxf repaired {repaired} structural problem(s) in the file")

    def parts(self, *, sha256: str, units: str) -> list[Part]:
        pieces = self.extraction.pieces
        cut = chain_pieces(pieces[LayerRole.CUT], self.opts.gap_tolerance)
        self._check_closed(cut)
        excluded_loops = self._excluded_loops()
        self._warn_excluded(excluded_loops)
        self._warn_ignored()
        classified = classify(cut.loops, file=self.file, chord_tolerance=self.opts.chord_tolerance)
        outlines = classified.outlines
        if cut.duplicates or classified.duplicates:
            self.warnings.append(
                f"ignored {cut.duplicates + classified.duplicates} edge(s) or contour(s) "
                "drawn twice"
            )
        if not outlines:
            raise NoClosedOutline(self.file, self._no_outline_message(excluded_loops))
        if len(outlines) > 1 and not self.opts.split_outlines:
            raise MultipleOutlines(self.file, len(outlines))
        stem = Path(self.file).stem
        names = [stem if k == 0 else f"{stem}-{k + 1}" for k in range(len(outlines))]
        self._check_holes(outlines, names)
        marks = self._marks(outlines)
        texts = self._mark_texts(outlines)
        self._check_sizes(outlines, units)
        outers = [_contour(outline.outer, ccw=True) for outline in outlines]
        if not (self.opts.units_confirmed or self.opts.units_override):
            self._warn_units([outer.bounds() for outer in outers], units)
        warnings = tuple(self.warnings)
        return [
            Part(
                name=names[k],
                source=self.file,
                sha256=sha256,
                outer=outer,
                holes=tuple(_contour(hole, ccw=False) for hole in outline.holes),
                marks=tuple(marks[k]),
                mark_texts=tuple(texts[k]),
                units=units,
                warnings=warnings,
            )
            for k, (outline, outer) in enumerate(zip(outlines, outers, strict=True))
        ]

    def _check_holes(self, outlines: list[Outline], names: list[str]) -> None:
        """Raise for a hole touching its part's outer contour, or another hole of the part."""
        for outline, name in zip(outlines, names, strict=True):
            contact = hole_contact(outline)
            if contact is None:
                continue
            how = (
                f"runs along it for {contact.length:.3f} mm from {format_point(contact.location)}"
                if contact.length > 0.0
                else f"touches it at {format_point(contact.location)}"
            )
            raise HoleOnOutline(
                self.file,
                f"part '{name}': a hole on layer '{contact.hole.layer}' meets the outer contour "
                f"on layer '{outline.outer.layer}' and {how}; a laser cannot cut a hole on the "
                "outline: move the hole inside the part, or merge it into the outline as a notch",
                name,
                contact.location,
            )
        for outline, name in zip(outlines, names, strict=True):
            self._check_holes_apart(outline, name)

    def _check_holes_apart(self, outline: Outline, name: str) -> None:
        """Raise :class:`HolesTouch` for two holes of one part that touch."""
        contact = holes_contact(outline)
        if contact is None:
            return
        first, second = contact.holes
        how = (
            f"share {contact.length:.3f} mm of edge from {format_point(contact.location)}"
            if contact.length > 0.0
            else f"touch at {format_point(contact.location)}"
        )
        raise HolesTouch(
            self.file,
            f"part '{name}': two holes on layers '{first.layer}' and '{second.layer}' {how}; a "
            "laser cannot cut holes with no web between them: merge them into one contour, "
            "or move them apart",
            name,
            contact.location,
            (first.layer, second.layer),
        )

    def _check_closed(self, cut: Chains) -> None:
        """Raise on loose ends (open contour) or branch points on cut layers."""
        if cut.loose_ends:
            # Pairing is quadratic: a drawing of thousands of stray lines reports its first ends.
            gaps = pair_gaps(cut.loose_ends[:_MAX_PAIRED_ENDS])
            raise OpenContour(self.file, self._gap_message(gaps, cut), gaps)
        if cut.branches:
            point, degree = cut.branches[0]
            raise SelfIntersection(
                self.file,
                f"contour branches at {format_point(point)}: {degree} edge ends meet there "
                f"({len(cut.branches)} such point(s)); remove the extra edges or move them "
                "to an excluded layer",
                point,
            )

    def _gap_message(self, gaps: list[tuple[Point, Point]], cut: Chains) -> str:
        (a, b), *rest = gaps
        layers = sorted({t.layer for t in cut.trails})
        text = (
            f"open contour: gap between {format_point(a)} and {format_point(b)}"
            if a != b
            else f"open contour: loose end at {format_point(a)}"
        )
        text += f" on layer(s) {', '.join(repr(x) for x in layers)}"
        text += f" (gap tolerance {self.opts.gap_tolerance:g} mm)"
        if rest:
            more = ", ".join(f"{format_point(p)}-{format_point(q)}" for p, q in rest[:3])
            text += f"; {len(rest)} more gap(s): {more}" + (" ..." if len(rest) > 3 else "")
        if len(cut.loose_ends) > _MAX_PAIRED_ENDS:
            text += f"; {len(cut.loose_ends)} loose ends in all"
        return text

    def _no_outline_message(self, excluded_loops: list[str]) -> str:
        text = "no closed outline on a cut layer"
        if excluded_loops:
            layers = ", ".join(repr(layer) for layer in sorted(set(excluded_loops)))
            text += f"; closed contours exist only on excluded layer(s) {layers}"
        return text

    def _excluded_loops(self) -> list[str]:
        """The layer of each closed contour found on excluded layers."""
        pieces = self.extraction.pieces[LayerRole.EXCLUDED]
        return [layer for _, layer in chain_pieces(pieces, self.opts.gap_tolerance).loops]

    def _warn_excluded(self, excluded_loops: list[str]) -> None:
        """A closed contour is never dropped silently: name the excluded layers holding some."""
        for layer, count in sorted(Counter(excluded_loops).items()):
            self.warnings.append(
                f"ignored {count} closed contour(s) on excluded layer '{layer}' "
                "(change the layer rules if they should be cut)"
            )

    def _warn_ignored(self) -> None:
        ignored = self.extraction.ignored
        if ignored:
            kinds = ", ".join(f"{n} {t} on '{layer}'" for (t, layer), n in sorted(ignored.items()))
            self.warnings.append(f"ignored entities that are not cut geometry: {kinds}")

    def _marks(self, outlines: list[Outline]) -> list[list[Contour]]:
        """Marking paths per outline: the smallest outline holding the path's first point."""
        chains = chain_pieces(self.extraction.pieces[LayerRole.MARK], self.opts.gap_tolerance)
        paths = [(vs, True, layer) for vs, layer in chains.loops] + [
            (t.vertices, False, t.layer) for t in chains.trails
        ]
        per_outline, outside = _share(outlines, paths, [vs[0][:2] for vs, _, _ in paths])
        for layer, count in sorted(Counter(layer for _, _, layer in outside).items()):
            self.warnings.append(
                f"ignored {count} marking path(s) on layer '{layer}' outside every part"
            )
        return [[_to_contour(vs, closed) for vs, closed, _ in mine] for mine in per_outline]

    def _mark_texts(self, outlines: list[Outline]) -> list[list[MarkText]]:
        """Engraving text per outline: the smallest outline holding the text's alignment point.

        Text elsewhere is named in a warning (file, layer, text): engraving that silently went
        missing would be found only on the cut part.
        """
        texts = self.extraction.texts
        per_outline, outside = _share(outlines, texts, [(t.mark.x, t.mark.y) for t in texts])
        for piece in outside:
            self.warnings.append(
                f"ignored engraving text {_shown(piece.mark.text)} on layer '{piece.layer}' "
                f"in '{self.file}': it lies outside every part"
            )
        return [[piece.mark for piece in mine] for mine in per_outline]

    def _check_sizes(self, outlines: list[Outline], units: str) -> None:
        limit = self.opts.max_part_size
        for outline in outlines:
            x0, y0, x1, y1 = outline.outer.polygon.bounds
            if max(x1 - x0, y1 - y0) > limit:
                error = PartTooLarge(self.file, (x1 - x0, y1 - y0), limit)
                # Most such parts are a units mistake: say how the drawing was read and how
                # to answer for it (the error's own text only says to check the units).
                error.message += f"; {_read_as(self.file, units, error.size)}"
                error.args = (f"{self.file}: {error.message}",)
                raise error

    def _warn_units(self, boxes: list[BoundingBox], units: str) -> None:
        size = _suspect_size(boxes, units)
        if size is not None and units == UNITLESS_MM:
            width, height = size
            self.warnings.append(
                f"the drawing has no units ($INSUNITS = 0) and was read as mm, but its largest "
                f"part is only {width:.3f} x {height:.3f} mm: if it was drawn in inches it is "
                f"{width * 25.4:.1f} x {height * 25.4:.1f} mm; {CONFIRM_UNITS} "
                "(nestflow inspect --units inch shows it in inches)"
            )
        elif size is not None:
            width, height = size
            self.warnings.append(
                f"the drawing has no units ($INSUNITS = 0) and was read as inches, but its "
                f"largest part is {width:.1f} x {height:.1f} mm: if it was drawn in mm it is "
                f"{width / 25.4:.3f} x {height / 25.4:.3f} mm; {CONFIRM_UNITS}"
            )


def inch_suspect(parts: Sequence[Part]) -> tuple[float, float] | None:
    """Width and height (mm) of a drawing's largest part when its size suggests inches.

    That is a drawing without ``$INSUNITS`` read as mm (``Part.units`` ``"unitless->mm"``)
    whose largest part is shorter than :data:`INCH_SUSPECT_MM` on its longest side: read as mm,
    an inch drawing is 25.4 times too small. Whether a person answered for the drawing's units
    is the caller's to know (``ReadOptions.units_confirmed`` only silences the reader's
    warning).

    Args:
        parts: The parts of one drawing.

    Returns:
        ``(width, height)`` of the largest part, or None when the size raises no doubt.
    """
    units = {part.units for part in parts}
    if units != {UNITLESS_MM}:
        return None
    return _suspect_size([part.bbox for part in parts], UNITLESS_MM)


def mm_suspect(parts: Sequence[Part]) -> tuple[float, float] | None:
    """Width and height (mm) of a drawing's largest part when its size suggests mm.

    That is a drawing without ``$INSUNITS`` read as inches (``Part.units``
    ``"unitless->inch"``) whose largest part is at least :data:`MM_SUSPECT_INCH` inches long on
    its longest side: read as inches, a mm drawing is 25.4 times too big. As for
    :func:`inch_suspect`, whether a person answered for the drawing is the caller's to know.

    Args:
        parts: The parts of one drawing.

    Returns:
        ``(width, height)`` of the largest part as read (mm), or None when the size raises no
        doubt.
    """
    units = {part.units for part in parts}
    if units != {UNITLESS_INCH}:
        return None
    return _suspect_size([part.bbox for part in parts], UNITLESS_INCH)


def _suspect_size(boxes: list[BoundingBox], units: str) -> tuple[float, float] | None:
    """The largest box's size when a unitless drawing's size suggests the other unit."""
    if units not in (UNITLESS_MM, UNITLESS_INCH) or not boxes:
        return None
    largest = max(boxes, key=lambda box: max(box.width, box.height))
    longest = max(largest.width, largest.height)
    if units == UNITLESS_MM and longest >= INCH_SUSPECT_MM:
        return None
    if units == UNITLESS_INCH and longest < MM_SUSPECT_INCH * 25.4:
        return None
    return largest.width, largest.height


def _share(
    outlines: list[Outline], items: Sequence[_T], points: list[tuple[float, float]]
) -> tuple[list[list[_T]], list[_T]]:
    """Items per outline (each to the smallest outline covering its point), and the rest."""
    per_outline: list[list[_T]] = [[] for _ in outlines]
    outside: list[_T] = []
    for item, home in zip(items, _homes(outlines, points), strict=True):
        (outside if home is None else per_outline[home]).append(item)
    return per_outline, outside


def _shown(text: str) -> str:
    """A drawing's text quoted for a message: printable, and short enough to read."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in text)
    return repr(printable if len(printable) <= _MAX_SHOWN else printable[:_MAX_SHOWN] + "...")


def _homes(outlines: list[Outline], points: list[tuple[float, float]]) -> list[int | None]:
    """For each point, the index of the smallest outline whose outer contour covers it."""
    if not points:
        return []
    tree = shapely.STRtree([o.outer.polygon for o in outlines])
    found, owner = tree.query(shapely.points(points), predicate="covered_by")
    homes: list[int | None] = [None] * len(points)
    for k, j in zip(found.tolist(), owner.tolist(), strict=True):
        current = homes[k]
        if current is None or outlines[j].outer.area < outlines[current].outer.area:
            homes[k] = j
    return homes


def _contour(ring: Ring, *, ccw: bool) -> Contour:
    return _to_contour(ring.oriented(ccw), True)


def _to_contour(vertices: list[tuple[float, float, float]], closed: bool) -> Contour:
    return Contour(vertices=tuple(Vertex(x=x, y=y, bulge=b) for x, y, b in vertices), closed=closed)
