"""The part model every other module speaks: contours with exact arcs, holes, area, bounds.

All lengths are millimetres. A contour's vertices carry the bulge of the edge that starts at them
(DXF convention, see :mod:`nestflow.geometry.arcs`); the closing edge runs from the last vertex
back to the first, which is never repeated.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat
from shapely.geometry import LineString, Polygon

from nestflow.geometry.arcs import Point, arc_points, edge_bounds, segment_area

#: Default largest distance between a true arc and the chords drawn in its place (mm).
CHORD_TOLERANCE = 0.05


class Vertex(BaseModel):
    """A contour vertex and the bulge of the edge leaving it."""

    model_config = ConfigDict(frozen=True)

    x: float
    y: float
    bulge: float = 0.0


class BoundingBox(BaseModel):
    """Axis-aligned bounds in mm."""

    model_config = ConfigDict(frozen=True)

    min_x: float
    min_y: float
    max_x: float
    max_y: float

    @property
    def width(self) -> float:
        """Extent along x."""
        return self.max_x - self.min_x

    @property
    def height(self) -> float:
        """Extent along y."""
        return self.max_y - self.min_y


class Contour(BaseModel):
    """A path of vertices with bulged edges; closed unless ``closed`` is false (marking lines)."""

    model_config = ConfigDict(frozen=True)

    vertices: tuple[Vertex, ...]
    closed: bool = True

    def edges(self) -> list[tuple[Point, Point, float]]:
        """Return ``(start, end, bulge)`` for each edge, the closing edge included when closed."""
        vs = self.vertices
        count = len(vs) if self.closed else len(vs) - 1
        return [
            ((vs[i].x, vs[i].y), (vs[(i + 1) % len(vs)].x, vs[(i + 1) % len(vs)].y), vs[i].bulge)
            for i in range(count)
        ]

    @property
    def signed_area(self) -> float:
        """Exact signed area (positive when counter-clockwise), arcs included."""
        if not self.closed:
            return 0.0
        total = 0.0
        for (x0, y0), (x1, y1), bulge in self.edges():
            total += 0.5 * (x0 * y1 - x1 * y0) + segment_area((x0, y0), (x1, y1), bulge)
        return total

    @property
    def area(self) -> float:
        """Exact unsigned area."""
        return abs(self.signed_area)

    @property
    def has_arcs(self) -> bool:
        """Whether any edge is an arc."""
        return any(v.bulge != 0.0 for v in self.vertices)

    def bounds(self) -> BoundingBox:
        """Exact bounding box, arc extremes included."""
        boxes = [edge_bounds(s, e, b) for s, e, b in self.edges()] or [
            (self.vertices[0].x, self.vertices[0].y, self.vertices[0].x, self.vertices[0].y)
        ]
        return BoundingBox(
            min_x=min(b[0] for b in boxes),
            min_y=min(b[1] for b in boxes),
            max_x=max(b[2] for b in boxes),
            max_y=max(b[3] for b in boxes),
        )

    def points(self, chord_tolerance: float = CHORD_TOLERANCE) -> list[Point]:
        """Flatten to points (arcs replaced by chords within the tolerance); no closing repeat."""
        pts: list[Point] = []
        for start, end, bulge in self.edges():
            pts.extend(arc_points(start, end, bulge, chord_tolerance))
        if not self.closed:
            last = self.vertices[-1]
            pts.append((last.x, last.y))
        return pts

    def reversed(self) -> Contour:
        """The same contour travelled the other way (bulges move to the new start and flip sign)."""
        vs = self.vertices
        n = len(vs)
        if self.closed:
            # Edge i (v_i -> v_{i+1}) becomes edge v_{i+1} -> v_i, carried by v_{i+1}.
            new = [Vertex(x=vs[i].x, y=vs[i].y, bulge=-vs[(i - 1) % n].bulge) for i in range(n)]
            new = [new[0], *reversed(new[1:])]
        else:
            new = [
                Vertex(x=vs[i].x, y=vs[i].y, bulge=-vs[i - 1].bulge if i > 0 else 0.0)
                for i in range(n - 1, -1, -1)
            ]
        return Contour(vertices=tuple(new), closed=self.closed)

    def oriented(self, ccw: bool) -> Contour:
        """This contour travelled counter-clockwise (``ccw``) or clockwise."""
        return self if (self.signed_area >= 0) == ccw else self.reversed()

    def transformed(
        self, angle: float = 0.0, flip: bool = False, dx: float = 0.0, dy: float = 0.0
    ) -> Contour:
        """Rotate ``angle`` degrees CCW about (0, 0), mirror about the x axis, then translate.

        This is AlmaCAM's placement rule. Rotation keeps bulges; the mirror negates them.
        """
        c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        sign = -1.0 if flip else 1.0
        return Contour(
            vertices=tuple(
                Vertex(
                    x=v.x * c - v.y * s + dx,
                    y=sign * (v.x * s + v.y * c) + dy,
                    bulge=sign * v.bulge,
                )
                for v in self.vertices
            ),
            closed=self.closed,
        )

    def scaled(self, factor: float) -> Contour:
        """Uniformly scaled about (0, 0) (unit conversion); bulges are scale-free."""
        return Contour(
            vertices=tuple(
                Vertex(x=v.x * factor, y=v.y * factor, bulge=v.bulge) for v in self.vertices
            ),
            closed=self.closed,
        )

    def to_shapely(self, chord_tolerance: float = CHORD_TOLERANCE) -> Polygon | LineString:
        """A shapely ring polygon (closed) or line (open) of the flattened path."""
        pts = self.points(chord_tolerance)
        return Polygon(pts) if self.closed else LineString(pts)


HorizontalAlign = Literal["left", "center", "right"]
VerticalAlign = Literal["baseline", "bottom", "middle", "top"]

#: A text's box seen from the other side of its baseline: what hung from a point now stands on
#: it. Baseline and bottom both become top: how far glyphs descend depends on the font.
_OTHER_SIDE: dict[str, VerticalAlign] = {
    "baseline": "top",
    "bottom": "top",
    "middle": "middle",
    "top": "bottom",
}
_OTHER_END: dict[str, HorizontalAlign] = {"left": "right", "center": "center", "right": "left"}
#: Slack (degrees) in telling upright from upside-down text, so that text turned by a float's
#: rounding error off 90° does not flip between reading upwards and downwards.
_UPRIGHT_SLACK = 1e-6


class MarkText(BaseModel):
    """One line of engraving text that travels with its part: marked, never cut.

    The text is always readable: where the drawing or a placement mirrors it, it is stored
    upright over the area the mirrored text would cover (see :func:`readable`), since a laser
    engraving mirror writing helps nobody.

    Attributes:
        text: The line, formatting codes already resolved (ezdxf's ``plain_text()``).
        x: X of the alignment point (mm).
        y: Y of the alignment point (mm).
        height: Text height (mm).
        rotation: Direction of the baseline, degrees counter-clockwise from the x axis.
        halign: Which end (or the middle) of the line lies at the alignment point.
        valign: Which height of the line lies at the alignment point.
        width_factor: Glyph width relative to the font's (DXF TEXT ``width``).
    """

    model_config = ConfigDict(frozen=True)

    text: str
    x: float
    y: float
    height: PositiveFloat
    rotation: float = 0.0
    halign: HorizontalAlign = "left"
    valign: VerticalAlign = "baseline"
    width_factor: PositiveFloat = 1.0

    def transformed(
        self, angle: float = 0.0, flip: bool = False, dx: float = 0.0, dy: float = 0.0
    ) -> MarkText:
        """The text placed by the rule of :meth:`Contour.transformed`, kept readable.

        The alignment point moves exactly as the geometry does; the baseline direction and the
        side the glyphs stand on are mapped too, and a mirrored result is made readable again.
        """
        c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        sign = -1.0 if flip else 1.0

        def move(x: float, y: float) -> tuple[float, float]:
            return x * c - y * s, sign * (x * s + y * c)

        x, y = move(self.x, self.y)
        r = math.radians(self.rotation)
        direction = move(math.cos(r), math.sin(r))
        up = move(-math.sin(r), math.cos(r))
        rotation, halign, valign = readable(direction, up, self.halign, self.valign)
        return self.model_copy(
            update={
                "x": x + dx,
                "y": y + dy,
                "rotation": rotation,
                "halign": halign,
                "valign": valign,
            }
        )


def readable(
    direction: Point, up: Point, halign: HorizontalAlign, valign: VerticalAlign
) -> tuple[float, HorizontalAlign, VerticalAlign]:
    """Rotation and alignment of readable text covering the area of a possibly mirrored one.

    A text's area is given by its alignment in the frame of its baseline ``direction`` and its
    ``up`` vector (the side its glyphs stand on). When ``up`` is ``direction`` turned 90°
    counter-clockwise the text reads normally and is kept. Otherwise it is mirror writing, and
    two upright texts cover its area: one along the same baseline standing on the other side of
    its alignment point (other vertical alignment), one turned 180° ending where it started
    (other horizontal alignment). The one reading more nearly left to right is taken (its
    baseline in (-90°, 90°]), which makes a flipped part's engraving as legible as it can be.

    Args:
        direction: The baseline direction (any length).
        up: The direction the glyphs stand in (any length).
        halign: Horizontal alignment in that frame.
        valign: Vertical alignment in that frame.

    Returns:
        ``(rotation in degrees in [0, 360), halign, valign)`` of the readable text.
    """
    rotation = math.degrees(math.atan2(direction[1], direction[0]))
    if direction[0] * up[1] - direction[1] * up[0] >= 0.0:
        return _degrees(rotation), halign, valign
    if -90.0 + _UPRIGHT_SLACK < rotation <= 90.0 + _UPRIGHT_SLACK:
        return _degrees(rotation), halign, _OTHER_SIDE[valign]
    return _degrees(rotation + 180.0), _OTHER_END[halign], valign


def _degrees(angle: float) -> float:
    """The angle in [0, 360), rounding noise (1e-15 off 0°, 90.00000000000001°) removed."""
    return round(angle % 360.0, 9) % 360.0


class Part(BaseModel):
    """One cut part read from a drawing: outer contour, holes, and not-cut marking geometry.

    The outer contour is counter-clockwise and the holes clockwise. ``marks`` holds etch/marking
    paths and ``mark_texts`` engraving text from the marking layers: both travel with the part
    but are not cut.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    source: str = Field(description="File name the part was read from.")
    sha256: str = Field(default="", description="sha256 of the source file's bytes.")
    outer: Contour
    holes: tuple[Contour, ...] = ()
    marks: tuple[Contour, ...] = ()
    # A tuple, like the contours: parts are dict keys (one layout block, one label per part).
    mark_texts: tuple[MarkText, ...] = Field(
        default=(), description="Engraving text from the marking layers (not cut)."
    )
    units: str = Field(default="mm", description="Units detected in the source (converted to mm).")
    warnings: tuple[str, ...] = ()

    @cached_property
    def area(self) -> float:
        """Net area in mm² (outer minus holes), exact for arcs."""
        return self.outer.area - sum(h.area for h in self.holes)

    @cached_property
    def bbox(self) -> BoundingBox:
        """Bounding box of the outer contour."""
        return self.outer.bounds()

    def to_shapely(self, chord_tolerance: float = CHORD_TOLERANCE) -> Polygon:
        """A shapely polygon with holes (arcs flattened within ``chord_tolerance``)."""
        return Polygon(
            self.outer.points(chord_tolerance), [h.points(chord_tolerance) for h in self.holes]
        )

    def transformed(
        self, angle: float = 0.0, flip: bool = False, dx: float = 0.0, dy: float = 0.0
    ) -> Part:
        """The part placed by AlmaCAM's rule (rotate, then flip about x, then translate).

        Orientation of the contours is restored after a flip (outer CCW, holes CW).
        """

        def move(c: Contour) -> Contour:
            return c.transformed(angle, flip, dx, dy)

        return self.with_geometry(
            outer=move(self.outer).oriented(ccw=True),
            holes=tuple(move(h).oriented(ccw=False) for h in self.holes),
            marks=tuple(move(m) for m in self.marks),
            mark_texts=tuple(t.transformed(angle, flip, dx, dy) for t in self.mark_texts),
        )

    def with_geometry(
        self,
        outer: Contour,
        holes: tuple[Contour, ...],
        marks: tuple[Contour, ...],
        *,
        mark_texts: tuple[MarkText, ...] | None = None,
    ) -> Part:
        """A copy with new contours (built afresh: ``model_copy`` would keep the cached area).

        ``mark_texts`` replaces the engraving text when given, and is kept as it is otherwise.
        """
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        new = {"outer": outer, "holes": holes, "marks": marks}
        if mark_texts is not None:
            new["mark_texts"] = mark_texts
        return type(self)(**{**fields, **new})

    def normalized(self) -> Part:
        """The part moved so that its bounding box starts at (0, 0)."""
        box = self.bbox
        return self.transformed(dx=-box.min_x, dy=-box.min_y)
