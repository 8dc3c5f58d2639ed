"""DXF entities to 2D pieces in millimetres: blocks exploded, arcs kept exact as bulges.

A :class:`Piece` is a polyline in world coordinates (mm) whose vertices carry the bulge of the
edge leaving them (the DXF convention of :mod:`nestflow.geometry.arcs`). Closed entities (CIRCLE,
closed LWPOLYLINE/POLYLINE, full ELLIPSE, closed SPLINE) become closed pieces; everything else is an
open piece for :mod:`nestflow.geometry.chaining` to join.

TEXT and MTEXT on a marking layer are engraving: each line becomes a
:class:`~nestflow.geometry.models.MarkText` in world coordinates (mm), placed by the entity's
alignment point, baseline direction and height as the block references left them, and made
readable where a mirrored block reference (or the text's own backward/upside-down flags) turned
it into mirror writing. MTEXT formatting codes are resolved by ezdxf's ``plain_text()``; its
explicit line breaks give one line each (automatic word wrap is not followed). Text on any other
layer is ignored as before.

Entities drawn in a mirrored object coordinate system (extrusion ``(0, 0, -1)``, which every
mirrored block reference produces) are mapped to world coordinates here: in that OCS the world x is
``-x`` and arcs turn the other way, so the x coordinate and every bulge change sign. Entities in a
plane not parallel to XY are flattened and projected onto XY (with a warning).

Geometry that cannot be trusted is refused rather than repaired, naming the entity's handle and
layer (or the block reference holding it): a NaN or infinite coordinate
(:class:`~nestflow.geometry.errors.BadCoordinate`), a CIRCLE or ARC whose radius is not positive
(:class:`~nestflow.geometry.errors.ZeroRadius`), a block reference scaled by 0 on any axis
(:class:`~nestflow.geometry.errors.ZeroScaleInsert`), a coordinate farther than
:data:`~nestflow.geometry.errors.MAX_COORDINATE_MM` from the origin, where doubles no longer keep
0.01 mm (:class:`~nestflow.geometry.errors.CoordinateOutOfRange`). Radii and coordinates are
checked on cut and marking layers only (excluded layers are never cut); block references are
checked wherever they are, since their content may lie on any layer.

A block reference whose geometry is not in the drawing is refused, never read as nothing: a
block the drawing does not define (:class:`~nestflow.geometry.errors.MissingBlock`) and an
external reference, XREF or overlay (:class:`~nestflow.geometry.errors.ExternalReference`).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NoReturn

from ezdxf import path as ezpath
from ezdxf.entities import DXFGraphic
from ezdxf.enums import MTextEntityAlignment
from ezdxf.lldxf.const import DXFError
from ezdxf.math import Vec3

from nestflow.geometry.errors import (
    MAX_COORDINATE_MM,
    BadCoordinate,
    CoordinateOutOfRange,
    DroppedEntities,
    EntityProblem,
    ExternalReference,
    MissingBlock,
    OpaqueGeometry,
    TooManyEntities,
    UnreadableDrawing,
    ZeroRadius,
    ZeroScaleInsert,
)
from nestflow.geometry.layers import LayerRole, LayerRules
from nestflow.geometry.models import HorizontalAlign, MarkText, VerticalAlign, readable

#: A vertex: x (mm), y (mm), bulge of the edge leaving it.
V = tuple[float, float, float]

#: Deepest block nesting followed; deeper means a recursive block definition.
MAX_BLOCK_DEPTH = 16

#: Vertex polyline flag of a 2D POLYLINE's spline frame control point (not on the curve).
_SPLINE_FRAME_CONTROL_POINT = 16


@dataclass(slots=True)
class Piece:
    """One entity's geometry in mm: vertices with bulges, closed or open."""

    layer: str
    vertices: list[V]
    closed: bool


@dataclass(slots=True)
class TextPiece:
    """One line of engraving text found on a marking layer (world coordinates, mm)."""

    layer: str
    mark: MarkText


@dataclass
class Extraction:
    """Everything taken from a drawing's modelspace, sorted by layer role.

    Attributes:
        pieces: Geometry per layer role.
        texts: Engraving text lines from marking layers.
        ignored: Count of entities that are not curves (TEXT on a cut layer, DIMENSION, HATCH,
            ...) per ``(dxftype, layer)``, on cut and mark layers only.
        notes: Warnings about entities converted approximately or skipped by ezdxf.
    """

    pieces: dict[LayerRole, list[Piece]] = field(
        default_factory=lambda: {role: [] for role in LayerRole}
    )
    texts: list[TextPiece] = field(default_factory=list)
    ignored: Counter[tuple[str, str]] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


def extract(
    entities: Iterable[DXFGraphic],
    *,
    file: str,
    rules: LayerRules,
    factor: float,
    chord_tolerance: float,
    max_entities: int,
) -> Extraction:
    """Convert a layout's entities (block references exploded) into pieces per layer role.

    Args:
        entities: Modelspace entities.
        file: Drawing name, for error messages.
        rules: Layer roles.
        factor: Drawing units to mm.
        chord_tolerance: Flattening tolerance for ellipses and splines, in mm.
        max_entities: Limit on entities counted after exploding block references.

    Raises:
        TooManyEntities: Above ``max_entities``.
        UnreadableDrawing: An entity or block reference ezdxf cannot process.
        BadCoordinate: A NaN or infinite coordinate on a cut or marking layer, or in a block
            reference.
        CoordinateOutOfRange: A cut or marking coordinate beyond ``MAX_COORDINATE_MM`` (mm).
        MissingBlock: A block reference to a block the drawing does not define.
        ExternalReference: A block reference to an external drawing (XREF).
        ZeroRadius: A CIRCLE or ARC with a radius that is not positive, on a cut or marking layer.
        ZeroScaleInsert: A block reference scaled by 0 on any axis.
    """
    out = Extraction()
    skipped: list[_Skipped] = []
    converter = _Converter(factor, chord_tolerance / factor, out.notes)
    roles: dict[str, LayerRole] = {}  # a plain dict: drawings repeat a handful of layer names
    for count, (entity, layer, via) in enumerate(_exploded(entities, None, 0, file, skipped), 1):
        if count > max_entities:
            raise TooManyEntities(file, max_entities)
        role = roles.get(layer) or roles.setdefault(layer, rules.role(layer))
        dxftype = entity.dxftype()
        if role is LayerRole.MARK and dxftype in _TEXTS:
            _add_texts(out, entity, layer, via, file, factor)
            continue
        convert = _CONVERTERS.get(dxftype)
        if convert is None or _is_mesh(entity):
            if role is LayerRole.CUT and (dxftype in _OPAQUE or _is_mesh(entity)):
                _refuse(OpaqueGeometry, entity, layer, via, file, _OPAQUE_WHY)
            if role is not LayerRole.EXCLUDED:
                out.ignored[(dxftype, layer)] += 1
            continue
        checked = role is not LayerRole.EXCLUDED
        if checked and dxftype in _ROUND:
            _check_radius(entity, layer, via, file)
        if checked and dxftype in _FLATTENED:
            # Checked before flattening: ezdxf's subdivision recurses without end on a NaN
            # ellipse, a NaN spline point shows up only as a singular matrix, and far from the
            # origin the subdivision never gets within the chord tolerance.
            _check_coordinates(_FLATTENED[dxftype](entity), factor, entity, layer, via, file)
        with _reading(file, dxftype, layer):
            vertices_list = convert(converter, entity)
        for vertices, closed in vertices_list:
            if checked:
                values = itertools.chain.from_iterable(v[:2] for v in vertices)
                _check_coordinates(values, 1.0, entity, layer, via, file)
                if not _finite(v[2] for v in vertices):  # bulges: any size, but numbers
                    _refuse(BadCoordinate, entity, layer, via, file, _NOT_FINITE)
            out.pieces[role].append(Piece(layer, vertices, closed))
    _check_skipped(skipped, rules, file)
    reasons = Counter(item.reason for item in skipped)
    out.notes.extend(
        f"{count} block entities skipped by ezdxf ({reason})" for reason, count in reasons.items()
    )
    return out


@dataclass(slots=True)
class _Skipped:
    """A block entity ezdxf could not place when exploding a block reference."""

    dxftype: str
    layer: str
    handle: str | None
    reason: str
    here: str


def _check_skipped(skipped: list[_Skipped], rules: LayerRules, file: str) -> None:
    """Refuse geometry ezdxf skipped while exploding a block reference on a cut or mark layer.

    ezdxf skips what it cannot transform (e.g. an entity under non-uniform scaling it has no
    form for); a skipped curve is geometry the part would be cut without.
    """
    lost = [
        item
        for item in skipped
        if (item.dxftype in _CONVERTERS or item.dxftype in _TEXTS)
        and rules.role(item.layer) is not LayerRole.EXCLUDED
    ]
    if not lost:
        return
    first = lost[0]
    counts = Counter(item.dxftype for item in lost)
    what = ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))
    raise DroppedEntities(
        file,
        f"ezdxf could not place {what} of {first.here} ({first.reason}), so the part would be "
        "cut without them; explode the block reference in the CAD system and export again",
        dict(counts),
        tuple(item.handle for item in lost if item.handle),
    )


def _exploded(
    entities: Iterable[DXFGraphic],
    parent_layer: str | None,
    depth: int,
    file: str,
    skipped: list[_Skipped],
    via: str = "",
) -> Iterator[tuple[DXFGraphic, str, str]]:
    """Yield ``(entity, effective layer, via)``; block references replaced by their content.

    Entities on layer ``0`` inside a block take the layer of the block reference (the DXF rule),
    recursively. ``via`` names the block references an entity comes from, innermost first
    (``""`` in modelspace): exploded entities have no handle of their own, so messages name those.

    Raises:
        ZeroScaleInsert: A block reference scaled by 0 on any axis.
        BadCoordinate: A block reference with a NaN or infinite insertion point, scale or angle.
    """
    for entity in entities:
        layer = entity.dxf.layer
        if parent_layer is not None and layer == "0":
            layer = parent_layer
        if entity.dxftype() != "INSERT":
            yield entity, layer, via
            continue
        name = entity.dxf.name
        here = (
            f"block '{name}' in {via}"
            if via
            else f"block '{name}' (INSERT #{entity.dxf.handle}, layer '{layer}')"
        )
        _check_insert(entity, name, layer, here, file)
        _check_block(entity, name, here, file)
        if depth >= MAX_BLOCK_DEPTH:
            raise UnreadableDrawing(
                file, f"blocks nested deeper than {MAX_BLOCK_DEPTH} (recursive block reference?)"
            )
        inserts = entity.multi_insert() if entity.mcount > 1 else (entity,)
        for insert in inserts:
            try:
                content = list(
                    insert.virtual_entities(
                        skipped_entity_callback=lambda e, reason, layer=layer, here=here: (
                            skipped.append(_skipped(e, reason, layer, here))
                        )
                    )
                )
            except DXFError as exc:
                raise UnreadableDrawing(
                    file, f"block reference '{entity.dxf.name}' cannot be exploded: {exc}"
                ) from exc
            yield from _exploded(content, layer, depth + 1, file, skipped, here)


def _skipped(entity: DXFGraphic, reason: str, parent_layer: str, here: str) -> _Skipped:
    """What ezdxf skipped, on the layer it would have had (layer ``0`` takes the reference's)."""
    layer = entity.dxf.get("layer", "0")
    return _Skipped(
        entity.dxftype(),
        parent_layer if layer == "0" else layer,
        entity.dxf.get("handle") or None,
        reason,
        here,
    )


@contextmanager
def _reading(file: str, dxftype: str, layer: str) -> Iterator[None]:
    """Report an entity ezdxf (or the arithmetic on its numbers) cannot convert as unreadable."""
    try:
        yield
    except (DXFError, ValueError, ArithmeticError) as exc:
        raise UnreadableDrawing(
            file, f"{dxftype} on layer '{layer}' cannot be read: {exc}"
        ) from exc


#: Entities with a radius to check.
_ROUND = frozenset({"CIRCLE", "ARC"})
#: Entities that hold geometry nestflow cannot read as curves (another application's objects,
#: ACIS bodies, meshes): on a cut layer they are part of the part, so the drawing is refused.
_OPAQUE = frozenset(
    {
        "ACAD_PROXY_ENTITY",
        "REGION",
        "3DSOLID",
        "BODY",
        "SURFACE",
        "EXTRUDEDSURFACE",
        "LOFTEDSURFACE",
        "PLANESURFACE",
        "REVOLVEDSURFACE",
        "SWEPTSURFACE",
        "MESH",
    }
)


def _where(entity: DXFGraphic, layer: str, via: str) -> str:
    """``"CIRCLE #2F on layer 'CUT'"``, or for exploded content the block reference holding it."""
    text = f"{entity.dxftype()}"
    if entity.dxf.handle:
        text += f" #{entity.dxf.handle}"
    text += f" on layer '{layer}'"
    return f"{text} in {via}" if via else text


def _finite(values: Iterable[float]) -> bool:
    return all(map(math.isfinite, values))


def _ellipse_values(e: DXFGraphic) -> Iterable[float]:
    dxf = e.dxf
    return (*dxf.center, *dxf.major_axis, dxf.ratio, dxf.start_param, dxf.end_param)


def _spline_values(e: DXFGraphic) -> Iterable[float]:
    points = itertools.chain(e.control_points, e.fit_points)
    return itertools.chain(itertools.chain.from_iterable(points), e.knots, e.weights)


#: The defining numbers of the entities flattened by ezdxf, checked before flattening.
_FLATTENED: dict[str, Callable[[DXFGraphic], Iterable[float]]] = {
    "ELLIPSE": _ellipse_values,
    "SPLINE": _spline_values,
}


def _check_coordinates(
    values: Iterable[float], factor: float, entity: DXFGraphic, layer: str, via: str, file: str
) -> None:
    """Refuse NaN, infinite and far-away values (``factor`` converts them to mm).

    The bound is checked on defining values too (ellipse axes, spline weights), which are never
    near it in a drawing that is right.
    """
    limit = MAX_COORDINATE_MM / factor
    far = False
    for value in values:
        if not math.isfinite(value):
            _refuse(BadCoordinate, entity, layer, via, file, _NOT_FINITE)
        far = far or abs(value) > limit
    if far:
        _refuse(CoordinateOutOfRange, entity, layer, via, file, _FAR_WHY)


def _refuse(
    problem: type[EntityProblem],
    entity: DXFGraphic,
    layer: str,
    via: str,
    file: str,
    what: str,
) -> NoReturn:
    """Raise ``problem`` naming the entity: its place (:func:`_where`), then ``what`` is wrong."""
    raise problem(file, f"{_where(entity, layer, via)} {what}", entity.dxf.handle or None, layer)


#: What is wrong with geometry that cannot be cut as drawn, and what to do about it.
_NOT_FINITE = (
    "has a NaN or infinite coordinate; correct the entity in the drawing and export it again"
)
_OPAQUE_WHY = (
    "holds geometry nestflow cannot read as lines and arcs, so the part would be cut without it; "
    "explode it to lines, arcs and polylines in the CAD system (or move it to a layer that is not "
    "cut) and export the drawing again"
)
_FAR_WHY = (
    f"lies more than {MAX_COORDINATE_MM:,.0f} mm ({MAX_COORDINATE_MM / 1e6:g} km) from the "
    "origin; that far out, arithmetic on doubles no longer keeps the part to 0.01 mm and it would "
    "be cut distorted: move the geometry near the origin and export the drawing again"
)


def _check_radius(entity: DXFGraphic, layer: str, via: str, file: str) -> None:
    """Refuse a radius that is not a positive finite number (ezdxf keeps what the file says)."""
    radius = entity.dxf.radius
    if not (math.isfinite(radius) and radius > 0.0):
        what = f"has radius {radius:g}; a circle or arc needs a positive radius: "
        _refuse(ZeroRadius, entity, layer, via, file, what + "delete it or redraw it")


def _check_insert(insert: DXFGraphic, name: str, layer: str, here: str, file: str) -> None:
    """Refuse a block reference that collapses or moves its content to nowhere.

    ezdxf loads a zero scale as written (only its attribute setter repairs it), and exploding
    such a reference divides by zero or flattens the block into a line.
    """
    dxf = insert.dxf
    handle = dxf.handle or None
    scales = {"x": dxf.xscale, "y": dxf.yscale, "z": dxf.zscale}
    values = [*dxf.insert, *scales.values(), dxf.rotation]
    if not _finite(values):
        raise BadCoordinate(
            file,
            f"{here} has a NaN or infinite insertion point, scale or rotation; correct the "
            "block reference and export the drawing again",
            handle,
            layer,
        )
    zero = [axis for axis, scale in scales.items() if scale == 0.0]
    if zero:
        raise ZeroScaleInsert(
            file,
            f"{here} is scaled by 0 on the {'/'.join(zero)} axis, which collapses the block; "
            "set the scale to the intended non-zero value (1 for full size)",
            name,
            handle,
        )


def _check_block(insert: DXFGraphic, name: str, here: str, file: str) -> None:
    """Refuse a block reference whose geometry is not in the drawing.

    ezdxf explodes a reference to an undefined block, or to an XREF (an empty block pointing
    to another file), into nothing: the part would be cut without that geometry.
    """
    doc = insert.doc
    if doc is None:
        return
    block = doc.blocks.get(name)
    if block is None:
        raise MissingBlock(
            file,
            f"{here} refers to a block the drawing does not define, so its geometry is "
            "missing; export the drawing again with the block (or explode it first)",
            name,
            insert.dxf.handle or None,
        )
    definition = block.block
    if definition is not None and (definition.is_xref or definition.is_xref_overlay):
        path = definition.dxf.get("xref_path", "")
        raise ExternalReference(
            file,
            f"{here} is an external reference (XREF) to {_shown_path(path)}: its geometry is "
            "in that other file, not in this drawing; bind the XREF in the CAD system "
            "(XREF > Bind) and export the drawing again",
            name,
            path,
        )


def _shown_path(path: str) -> str:
    """An external reference's path for a message: printable and short."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in path)
    return repr(printable if len(printable) <= 80 else printable[:80] + "...")


def _is_mesh(entity: DXFGraphic) -> bool:
    return entity.dxftype() == "POLYLINE" and (
        entity.is_polygon_mesh or entity.is_poly_face_mesh  # type: ignore[attr-defined]
    )


def _plane_sign(entity: DXFGraphic) -> float | None:
    """+1 for an OCS equal to the WCS, -1 for the mirrored one, None for a tilted plane."""
    n = entity.dxf.extrusion
    if abs(n.x) < 1e-9 and abs(n.y) < 1e-9:
        return 1.0 if n.z > 0 else -1.0
    return None


Shapes = list[tuple[list[V], bool]]


class _Converter:
    """Entity-to-vertex conversions sharing the unit factor and flattening tolerance."""

    def __init__(self, factor: float, flatten_distance: float, notes: list[str]) -> None:
        self.f = factor
        self.flatten_distance = flatten_distance
        self.notes = notes

    def line(self, e: DXFGraphic) -> Shapes:
        f, s, t = self.f, e.dxf.start, e.dxf.end
        return [([(s.x * f, s.y * f, 0.0), (t.x * f, t.y * f, 0.0)], False)]

    def circle(self, e: DXFGraphic) -> Shapes:
        sign = _plane_sign(e)
        if sign is None:
            return self.projected(e)
        f, c, r = self.f, e.dxf.center, e.dxf.radius * self.f
        if r <= 0.0:
            return []
        x, y = sign * c.x * f, c.y * f
        return [([(x + r, y, 1.0), (x - r, y, 1.0)], True)]

    def arc(self, e: DXFGraphic) -> Shapes:
        sign = _plane_sign(e)
        if sign is None:
            return self.projected(e)
        sweep = (e.dxf.end_angle - e.dxf.start_angle) % 360.0
        if sweep == 0.0:  # equal start and end angles draw the full circle
            return self.circle(e)
        f, c, r = self.f, e.dxf.center, e.dxf.radius
        a0, a1 = math.radians(e.dxf.start_angle), math.radians(e.dxf.end_angle)
        start = (sign * (c.x + r * math.cos(a0)) * f, (c.y + r * math.sin(a0)) * f)
        end = (sign * (c.x + r * math.cos(a1)) * f, (c.y + r * math.sin(a1)) * f)
        bulge = sign * math.tan(math.radians(sweep) / 4.0)
        return [([(*start, bulge), (*end, 0.0)], False)]

    def lwpolyline(self, e: DXFGraphic) -> Shapes:
        sign = _plane_sign(e)
        if sign is None:
            return self.projected(e)
        f = self.f
        vertices = [(sign * x * f, y * f, sign * b) for x, y, b in e.get_points("xyb")]
        return [(vertices, bool(e.closed))] if vertices else []

    def polyline(self, e: DXFGraphic) -> Shapes:
        f = self.f
        if e.is_3d_polyline:
            vertices = [(p.x * f, p.y * f, 0.0) for p in e.points()]
            return [(vertices, e.is_closed)] if vertices else []
        sign = _plane_sign(e)
        if sign is None:
            return self.projected(e)
        vertices = [
            (sign * v.dxf.location.x * f, v.dxf.location.y * f, sign * v.dxf.bulge)
            for v in e.vertices
            if not v.dxf.flags & _SPLINE_FRAME_CONTROL_POINT
        ]
        return [(vertices, e.is_closed)] if vertices else []

    def ellipse(self, e: DXFGraphic) -> Shapes:
        span = (e.dxf.end_param - e.dxf.start_param) % math.tau
        full = span < 1e-9 or span > math.tau - 1e-9
        return [self.flattened(e.flattening(self.flatten_distance), full)]

    def spline(self, e: DXFGraphic) -> Shapes:
        return [self.flattened(e.flattening(self.flatten_distance), bool(e.closed))]

    def projected(self, e: DXFGraphic) -> Shapes:
        """Flatten an entity drawn in a plane not parallel to XY and project it onto XY."""
        self.notes.append(
            f"{e.dxftype()} on layer '{e.dxf.layer}' lies in a plane not parallel to XY; "
            "it was flattened and projected onto XY"
        )
        p = ezpath.make_path(e)
        return [self.flattened(p.flattening(self.flatten_distance), p.is_closed)]

    def flattened(self, points: Iterable, closed: bool) -> tuple[list[V], bool]:
        """Straight-edged vertices (mm) from ezdxf's flattening; the repeated end dropped."""
        f = self.f
        vertices = [(p.x * f, p.y * f, 0.0) for p in points]
        if len(vertices) > 1 and vertices[0][:2] == vertices[-1][:2]:
            vertices.pop()
            closed = True
        return vertices, closed


_CONVERTERS: dict[str, Callable[[_Converter, DXFGraphic], Shapes]] = {
    "LINE": _Converter.line,
    "ARC": _Converter.arc,
    "CIRCLE": _Converter.circle,
    "LWPOLYLINE": _Converter.lwpolyline,
    "POLYLINE": _Converter.polyline,
    "ELLIPSE": _Converter.ellipse,
    "SPLINE": _Converter.spline,
}


# ---------------------------------------------------------------------------------- engraving

#: Text entities kept as engraving on marking layers (ignored on every other layer).
_TEXTS = frozenset({"TEXT", "MTEXT"})
#: TEXT generation flags: mirrored along the baseline (backward), mirrored across it.
_BACKWARD, _UPSIDE_DOWN = 2, 4
#: MTEXT's line pitch at line spacing factor 1, in text heights (the DXF reference's 5/3).
_MTEXT_LINE_PITCH = 5.0 / 3.0
#: MTEXT attachment point codes by name (``"TOP_LEFT"`` is 1, the DXF default).
_MTEXT_ALIGNMENTS = {a.value: a.name for a in MTextEntityAlignment}
#: Where the alignment point lies among an MTEXT's lines: 0 first, 1 last, 0.5 halfway.
_LINE_SHARE: dict[str, float] = {"top": 0.0, "middle": 0.5, "bottom": 1.0, "baseline": 1.0}


def _add_texts(
    out: Extraction, entity: DXFGraphic, layer: str, via: str, file: str, factor: float
) -> None:
    """Add a marking layer's TEXT or MTEXT to the engraving (or count it as ignored if empty).

    Raises:
        BadCoordinate: A NaN or infinite number placing the text.
        UnreadableDrawing: A text ezdxf cannot place.
    """
    if not _finite(_text_values(entity)):
        _refuse(BadCoordinate, entity, layer, via, file, _NOT_FINITE)
    with _reading(file, entity.dxftype(), layer):
        marks = _text_marks(entity, factor)
    out.texts.extend(TextPiece(layer, mark) for mark in marks)
    if not marks:  # no height or no characters: nothing a laser could engrave
        out.ignored[(entity.dxftype(), layer)] += 1


def _text_values(e: DXFGraphic) -> Iterable[float]:
    """The numbers placing a TEXT or MTEXT, checked before they are used."""
    dxf = e.dxf
    common = (*dxf.insert, *dxf.extrusion, dxf.get("rotation", 0.0))
    if e.dxftype() == "MTEXT":
        direction = dxf.get("text_direction", (1.0, 0.0, 0.0))
        return (*common, *direction, dxf.char_height, dxf.get("line_spacing_factor", 1.0))
    return (*common, *dxf.get("align_point", dxf.insert), dxf.height)


def _text_marks(e: DXFGraphic, factor: float) -> list[MarkText]:
    """A TEXT's or MTEXT's lines as readable mark texts in mm; none without height or text."""
    if e.dxftype() == "MTEXT":
        ucs = e.ucs()  # x: the text direction, y: the side its glyphs stand on (both in WCS)
        attachment = _MTEXT_ALIGNMENTS.get(e.dxf.get("attachment_point", 1), "TOP_LEFT")
        pitch = _MTEXT_LINE_PITCH * e.dxf.get("line_spacing_factor", 1.0)
        return _marks(
            e.plain_text(split=True),
            (ucs.origin, ucs.ux, ucs.uy),
            alignment=attachment,
            height=e.dxf.char_height * factor,
            pitch=pitch,
            factor=factor,
        )
    ocs = e.ocs()
    align, point, end = e.get_placement()
    if end is not None:  # ALIGNED and FIT stretch the text between two points: keep the middle
        point = point.lerp(end)
    direction = ocs.to_wcs(Vec3.from_deg_angle(e.dxf.rotation))
    up = Vec3(e.dxf.extrusion).normalize().cross(direction)
    flags = e.dxf.text_generation_flag
    direction = -direction if flags & _BACKWARD else direction
    up = -up if flags & _UPSIDE_DOWN else up
    width = e.dxf.width if math.isfinite(e.dxf.width) and e.dxf.width > 0.0 else 1.0
    return _marks(
        [e.plain_text()],
        (ocs.to_wcs(point), direction, up),
        alignment=align.name,
        height=e.dxf.height * factor,
        width=width,
        factor=factor,
    )


def _marks(
    lines: list[str],
    frame: tuple[Vec3, Vec3, Vec3],
    *,
    alignment: str,
    height: float,
    factor: float,
    pitch: float = 0.0,
    width: float = 1.0,
) -> list[MarkText]:
    """Readable mark texts (mm) of text lines aligned at a point.

    Args:
        lines: The text's lines, first to last.
        frame: Alignment point (drawing units), baseline direction and the direction the glyphs
            stand in, all in world coordinates.
        alignment: ezdxf's alignment name (``"LEFT"``, ``"TOP_LEFT"``, ``"MIDDLE"``, ...).
        height: Text height, mm.
        factor: Drawing units to mm.
        pitch: Distance between lines in text heights.
        width: Width factor of the glyphs.

    The lines are stacked in the readable text's own frame, so the first line reads on top.
    """
    point, direction, up = frame
    if not height > 0.0:
        return []
    halign, valign = _alignment(alignment)
    rotation, halign, valign = readable(
        (direction.x, direction.y), (up.x, up.y), halign, valign
    )  # text in a tilted plane is projected onto XY, like the geometry
    step = Vec3.from_deg_angle(rotation + 90.0, pitch * height)
    first = _LINE_SHARE[valign] * (len(lines) - 1)
    return [
        MarkText(
            text=line,
            x=point.x * factor + (first - k) * step.x,
            y=point.y * factor + (first - k) * step.y,
            height=height,
            rotation=rotation,
            halign=halign,
            valign=valign,
            width_factor=width,
        )
        for k, line in enumerate(lines)
        if line.strip()
    ]


def _alignment(name: str) -> tuple[HorizontalAlign, VerticalAlign]:
    """Horizontal and vertical alignment of a TEXT or MTEXT alignment name (``"TOP_LEFT"``)."""
    if name in ("ALIGNED", "FIT"):
        return "center", "baseline"
    if name == "MIDDLE":
        return "center", "middle"
    vertical, _, horizontal = name.rpartition("_")
    return horizontal.lower(), vertical.lower() or "baseline"  # type: ignore[return-value]
