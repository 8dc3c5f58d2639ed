"""DXF entities to 2D pieces in millimetres: blocks exploded, arcs kept exact as bulges.

A :class:`Piece` is a polyline in world coordinates (mm) whose vertices carry the bulge of the
edge leaving them (the DXF convention of :mod:`nestflow.geometry.arcs`). Closed entities (CIRCLE,
closed LWPOLYLINE/POLYLINE, full ELLIPSE, closed SPLINE) become closed pieces; everything else is an
open piece for :mod:`nestflow.geometry.chaining` to join.

Entities drawn in a mirrored object coordinate system (extrusion ``(0, 0, -1)``, which every
mirrored block reference produces) are mapped to world coordinates here: in that OCS the world x is
``-x`` and arcs turn the other way, so the x coordinate and every bulge change sign. Entities in a
plane not parallel to XY are flattened and projected onto XY (with a warning).

Geometry that cannot be trusted is refused rather than repaired, naming the entity's handle and
layer (or the block reference holding it): a NaN or infinite coordinate
(:class:`~nestflow.geometry.errors.BadCoordinate`), a CIRCLE or ARC whose radius is not positive
(:class:`~nestflow.geometry.errors.ZeroRadius`), a block reference scaled by 0 on any axis
(:class:`~nestflow.geometry.errors.ZeroScaleInsert`). Radii and coordinates are checked on cut and
marking layers only (excluded layers are never cut); block references are checked wherever they
are, since their content may lie on any layer.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ezdxf import path as ezpath
from ezdxf.entities import DXFGraphic
from ezdxf.lldxf.const import DXFError

from nestflow.geometry.errors import (
    BadCoordinate,
    TooManyEntities,
    UnreadableDrawing,
    ZeroRadius,
    ZeroScaleInsert,
)
from nestflow.geometry.layers import LayerRole, LayerRules

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


@dataclass
class Extraction:
    """Everything taken from a drawing's modelspace, sorted by layer role.

    Attributes:
        pieces: Geometry per layer role.
        ignored: Count of entities that are not curves (TEXT, DIMENSION, HATCH, ...) per
            ``(dxftype, layer)``, on cut and mark layers only.
        notes: Warnings about entities converted approximately or skipped by ezdxf.
    """

    pieces: dict[LayerRole, list[Piece]] = field(
        default_factory=lambda: {role: [] for role in LayerRole}
    )
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
        ZeroRadius: A CIRCLE or ARC with a radius that is not positive, on a cut or marking layer.
        ZeroScaleInsert: A block reference scaled by 0 on any axis.
    """
    out = Extraction()
    skipped: Counter[str] = Counter()
    converter = _Converter(factor, chord_tolerance / factor, out.notes)
    roles: dict[str, LayerRole] = {}  # a plain dict: drawings repeat a handful of layer names
    for count, (entity, layer, via) in enumerate(_exploded(entities, None, 0, file, skipped), 1):
        if count > max_entities:
            raise TooManyEntities(file, max_entities)
        role = roles.get(layer) or roles.setdefault(layer, rules.role(layer))
        dxftype = entity.dxftype()
        convert = _CONVERTERS.get(dxftype)
        if convert is None or _is_mesh(entity):
            if role is not LayerRole.EXCLUDED:
                out.ignored[(dxftype, layer)] += 1
            continue
        checked = role is not LayerRole.EXCLUDED
        if checked and dxftype in _ROUND:
            _check_radius(entity, layer, via, file)
        if checked and dxftype in _FLATTENED and not _finite(_FLATTENED[dxftype](entity)):
            # Checked before flattening: ezdxf's subdivision recurses without end on a NaN
            # ellipse, and a NaN spline point shows up only as a singular matrix.
            _raise_bad_coordinate(entity, layer, via, file)
        try:
            vertices_list = convert(converter, entity)
        except (DXFError, ValueError, ArithmeticError) as exc:
            raise UnreadableDrawing(
                file, f"{dxftype} on layer '{layer}' cannot be read: {exc}"
            ) from exc
        for vertices, closed in vertices_list:
            if checked and not _finite(itertools.chain.from_iterable(vertices)):
                _raise_bad_coordinate(entity, layer, via, file)
            out.pieces[role].append(Piece(layer, vertices, closed))
    out.notes.extend(
        f"{count} block entities skipped by ezdxf ({reason})" for reason, count in skipped.items()
    )
    return out


def _exploded(
    entities: Iterable[DXFGraphic],
    parent_layer: str | None,
    depth: int,
    file: str,
    skipped: Counter[str],
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
        if depth >= MAX_BLOCK_DEPTH:
            raise UnreadableDrawing(
                file, f"blocks nested deeper than {MAX_BLOCK_DEPTH} (recursive block reference?)"
            )
        inserts = entity.multi_insert() if entity.mcount > 1 else (entity,)
        for insert in inserts:
            try:
                content = list(
                    insert.virtual_entities(
                        skipped_entity_callback=lambda _e, reason: skipped.update([reason])
                    )
                )
            except DXFError as exc:
                raise UnreadableDrawing(
                    file, f"block reference '{entity.dxf.name}' cannot be exploded: {exc}"
                ) from exc
            yield from _exploded(content, layer, depth + 1, file, skipped, here)


#: Entities with a radius to check.
_ROUND = frozenset({"CIRCLE", "ARC"})


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


def _raise_bad_coordinate(entity: DXFGraphic, layer: str, via: str, file: str) -> None:
    raise BadCoordinate(
        file,
        f"{_where(entity, layer, via)} has a NaN or infinite coordinate; "
        "correct the entity in the drawing and export it again",
        entity.dxf.handle or None,
        layer,
    )


def _check_radius(entity: DXFGraphic, layer: str, via: str, file: str) -> None:
    """Refuse a radius that is not a positive finite number (ezdxf keeps what the file says)."""
    radius = entity.dxf.radius
    if not (math.isfinite(radius) and radius > 0.0):
        raise ZeroRadius(
            file,
            f"{_where(entity, layer, via)} has radius {radius:g}; a circle or arc needs a "
            "positive radius: delete it or redraw it",
            entity.dxf.handle or None,
            layer,
        )


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
