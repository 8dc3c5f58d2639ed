"""The safety gate between an engine's answer and the machine.

Nothing is written as a production file or pushed unless each of its layouts holds this order's
parts, on this sheet:

* every placed part is one of the order's parts, with the same geometry (hash of its contours);
* no part is placed more often, over all layouts and their sheet counts, than it was ordered;
* every placed outline lies inside the sheet minus its border gap (within ``tolerance``);
* no two placed parts overlap by more than ``tolerance`` (a part inside another's hole is fine);
* the parts cover at most 100 % of the sheet.

Engines describe layouts in two ways, so the gate takes two kinds of input: a
:class:`~nestflow.geometry.layout.SheetLayout` (named parts with their placements: AlmaCAM, the
local solver) and a layout DXF with the names of the parts on it (CloudNest, whose file is what
the machine cuts: its outlines are checked, and matched to the named parts by area).
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import ezdxf
from ezdxf import path as ezpath
from ezdxf.document import Drawing
from pydantic import BaseModel, ConfigDict
from shapely import STRtree, union_all
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from nestflow.geometry.layout import LayoutLayers, SheetLayout
from nestflow.geometry.models import Part

#: Slack in mm. Engines nest polygons whose arcs are chords within 0.05 mm of the true arc, so a
#: part's real contour may stand that far beyond what the engine placed (seen: a flange 0.05 mm
#: into a 10 mm border). Anything beyond this slack is refused.
TOLERANCE = 0.1
#: Relative slack when a CloudNest outline is matched to an ordered part by its area.
AREA_TOLERANCE = 0.01
#: At most this many problems are listed in an error; the rest are counted.
MAX_LISTED = 20
#: Chord tolerance when a DXF outline's arcs are flattened (mm).
FLATTENING = 0.05

Rule = Literal["unknown part", "geometry", "count", "outside sheet", "overlap", "utilisation"]


class GateProblem(BaseModel):
    """One reason a layout may not reach the machine."""

    model_config = ConfigDict(frozen=True)

    layout: str
    part: str | None = None
    rule: Rule
    message: str

    def __str__(self) -> str:
        where = f"layout {self.layout!r}" + (f", part {self.part!r}" if self.part else "")
        return f"{where}: {self.rule}: {self.message}"


class OrderedPart(BaseModel):
    """A part of the order as the gate knows it."""

    model_config = ConfigDict(frozen=True)

    name: str
    source: str
    geometry: str
    area: float
    quantity: int


class UnsafeLayouts(ValueError):
    """An engine's layouts failed the safety gate: none of them may be written or pushed."""

    def __init__(self, engine: str, problems: Sequence[GateProblem]) -> None:
        self.engine = engine
        self.problems = list(problems)
        listed = [str(p) for p in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            listed.append(f"... and {len(self.problems) - MAX_LISTED} more")
        super().__init__(
            f"{engine}: layouts refused by the safety gate, nothing of them is written or "
            "pushed: " + "; ".join(listed)
        )

    def __reduce__(self) -> tuple[type[UnsafeLayouts], tuple[str, list[GateProblem]]]:
        # Prefect ships exceptions between processes
        return (type(self), (self.engine, self.problems))

    def lines(self) -> list[str]:
        """One line per problem, for a run's summary."""
        return [str(p) for p in self.problems]


def geometry_hash(part: Part) -> str:
    """sha256 of a part's cut contours, wherever the part lies (it is normalised first)."""
    shape = part.normalized().model_dump_json(include={"outer", "holes"})
    return hashlib.sha256(shape.encode()).hexdigest()


def ordered_parts(lines: Iterable[tuple[Part, int]]) -> dict[str, OrderedPart]:
    """The order as the gate knows it, by part name, from (part, quantity) lines."""
    ordered: dict[str, OrderedPart] = {}
    for part, quantity in lines:
        known = ordered.get(part.name)
        total = quantity + (known.quantity if known else 0)
        ordered[part.name] = OrderedPart(
            name=part.name,
            source=part.source,
            geometry=geometry_hash(part),
            area=part.area,
            quantity=total,
        )
    return ordered


# ---------------------------------------------------------------------------------- layouts


def check_layouts(
    layouts: Sequence[SheetLayout],
    ordered: Mapping[str, OrderedPart],
    tolerance: float = TOLERANCE,
) -> list[GateProblem]:
    """Every way ``layouts`` (named parts with placements) break the gate's rules."""
    problems: list[GateProblem] = []
    for layout in layouts:
        problems += _identity_problems(layout, ordered)
        outlines = [(p.part.name, p.placed_part().to_shapely()) for p in layout.placements]
        problems += _sheet_problems(layout.name, layout, outlines, tolerance)
        problems += _utilisation_problems(layout.name, layout.parts_area, layout)
    counts: Counter[str] = Counter()
    for layout in layouts:
        for placement in layout.placements:
            counts[placement.part.name] += layout.quantity
    problems += _count_problems(counts, ordered)
    return problems


def _identity_problems(
    layout: SheetLayout, ordered: Mapping[str, OrderedPart]
) -> list[GateProblem]:
    problems = []
    hashes: dict[str, str] = {}
    for placement in layout.placements:
        name = placement.part.name
        known = ordered.get(name)
        if known is None:
            problems.append(
                GateProblem(
                    layout=layout.name,
                    part=name,
                    rule="unknown part",
                    message="this part is not in the order",
                )
            )
            continue
        digest = hashes.setdefault(name, geometry_hash(placement.part))
        if digest != known.geometry:
            problems.append(
                GateProblem(
                    layout=layout.name,
                    part=name,
                    rule="geometry",
                    message=f"the placed geometry is not the ordered part's (from {known.source})",
                )
            )
    return problems


def _count_problems(counts: Counter[str], ordered: Mapping[str, OrderedPart]) -> list[GateProblem]:
    return [
        GateProblem(
            layout="all layouts",
            part=name,
            rule="count",
            message=f"placed {placed} times, ordered {ordered[name].quantity}",
        )
        for name, placed in sorted(counts.items())
        if name in ordered and placed > ordered[name].quantity
    ]


def _sheet_problems(
    name: str,
    layout: SheetLayout,
    outlines: Sequence[tuple[str | None, BaseGeometry]],
    tolerance: float,
) -> list[GateProblem]:
    left, right, bottom, top = layout.border_gap
    low_x, high_x = left - tolerance, layout.sheet_length - right + tolerance
    low_y, high_y = bottom - tolerance, layout.sheet_height - top + tolerance
    problems = []
    for part, outline in outlines:
        minx, miny, maxx, maxy = outline.bounds
        if minx < low_x or miny < low_y or maxx > high_x or maxy > high_y:
            problems.append(
                GateProblem(
                    layout=name,
                    part=part,
                    rule="outside sheet",
                    message=(
                        f"spans x {minx:.2f}..{maxx:.2f}, y {miny:.2f}..{maxy:.2f} mm; the sheet "
                        f"minus its border is x {left:g}..{layout.sheet_length - right:g}, "
                        f"y {bottom:g}..{layout.sheet_height - top:g}"
                    ),
                )
            )
    problems += _overlap_problems(name, outlines, tolerance)
    return problems


def _overlap_problems(
    name: str, outlines: Sequence[tuple[str | None, BaseGeometry]], tolerance: float
) -> list[GateProblem]:
    if len(outlines) < 2:
        return []
    # Shrunk by half the tolerance on each side, touching parts do not count as overlapping.
    shrunk = [g.buffer(-tolerance / 2, join_style="mitre") for _, g in outlines]
    left, right = STRtree(shrunk).query(shrunk, predicate="intersects")
    problems = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j:
            problems.append(
                GateProblem(
                    layout=name,
                    part=outlines[i][0],
                    rule="overlap",
                    message=f"overlaps placed part #{j + 1} ({outlines[j][0] or 'unnamed'})",
                )
            )
    return problems


def _utilisation_problems(name: str, parts_area: float, layout: SheetLayout) -> list[GateProblem]:
    share = parts_area / (layout.sheet_length * layout.sheet_height)
    if share <= 1.0 + 1e-9:
        return []
    return [
        GateProblem(
            layout=name,
            rule="utilisation",
            message=f"the parts would cover {100 * share:.1f} % of the sheet",
        )
    ]


# ------------------------------------------------------------------------------ layout DXF


def read_layout_dxf(dxf: bytes) -> Drawing:
    """A layout DXF's document (undecodable bytes replaced, not fatal)."""
    return ezdxf.read(io.StringIO(dxf.decode("utf-8", errors="replace")))


def dxf_outlines(dxf: bytes, layers: LayoutLayers = LayoutLayers()) -> list[Polygon]:  # noqa: B008
    """The placed parts of a layout DXF: each outer contour with the holes inside it."""
    return layout_outlines(read_layout_dxf(dxf), layers)


def layout_outlines(doc: Drawing, layers: LayoutLayers = LayoutLayers()) -> list[Polygon]:  # noqa: B008
    """The placed parts of a read layout document (see :func:`dxf_outlines`)."""
    outers: list[Polygon] = []
    holes: list[Polygon] = []
    for entity in doc.modelspace():
        layer = entity.dxf.layer.upper()
        if layer not in (layers.cut_outer.upper(), layers.cut_inner.upper()):
            continue
        try:
            points = [(v.x, v.y) for v in ezpath.make_path(entity).flattening(FLATTENING)]
        except TypeError:  # not a closed curve ezdxf can trace (text, point): nothing is cut
            continue
        if len(points) < 3:
            continue
        ring = Polygon(points).buffer(0)
        (outers if layer == layers.cut_outer.upper() else holes).append(ring)
    placed = []
    for outer in outers:
        inside = [h for h in holes if outer.contains(h.representative_point())]
        placed.append(outer.difference(union_all(inside)) if inside else outer)
    return placed


class DxfLayout(BaseModel):
    """A layout an engine delivered as a file (its outlines read once), with the parts it names."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    sheet: SheetLayout
    outlines: tuple[Polygon, ...]
    names: tuple[str, ...]

    @classmethod
    def read(cls, sheet: SheetLayout, dxf: bytes, names: Sequence[str]) -> DxfLayout:
        """Read the file's outlines (see :func:`dxf_outlines`)."""
        return cls(sheet=sheet, outlines=tuple(dxf_outlines(dxf)), names=tuple(names))


def used_length(outlines: Sequence[BaseGeometry]) -> float:
    """The x of the straight offcut a layout needs: the largest x of its part outlines."""
    return max((g.bounds[2] for g in outlines), default=0.0)


def check_dxf_layouts(
    layouts: Sequence[DxfLayout],
    ordered: Mapping[str, OrderedPart],
    tolerance: float = TOLERANCE,
) -> list[GateProblem]:
    """Every way layout files (and the parts they name) break the gate's rules."""
    problems: list[GateProblem] = []
    counts: Counter[str] = Counter()
    for layout in layouts:
        problems += check_layout_dxf(
            layout.sheet, layout.outlines, layout.names, ordered, tolerance
        )
        for name in layout.names:
            counts[name] += layout.sheet.quantity
    return problems + _count_problems(counts, ordered)


def check_layout_dxf(
    layout: SheetLayout,
    outlines: Sequence[Polygon],
    names: Sequence[str],
    ordered: Mapping[str, OrderedPart],
    tolerance: float = TOLERANCE,
) -> list[GateProblem]:
    """Every way one layout DXF breaks the gate's rules (counts over all layouts aside).

    Args:
        layout: The sheet (size, border gap, quantity) the layout claims; its placements are
            ignored: the file is what gets cut.
        outlines: The part outlines of the layout file (:func:`dxf_outlines`).
        names: The part named for each placed instance (CloudNest's ``parts`` of the layout).
        ordered: The order's parts.
        tolerance: Numeric slack in mm.
    """
    problems = [
        GateProblem(layout=layout.name, part=name, rule="unknown part", message="not in the order")
        for name in sorted(set(names) - set(ordered))
    ]
    if len(outlines) != len(names):
        problems.append(
            GateProblem(
                layout=layout.name,
                rule="count",
                message=f"the file holds {len(outlines)} part outline(s), the engine names "
                f"{len(names)} part(s)",
            )
        )
    problems += _area_problems(layout.name, outlines, names, ordered)
    problems += _sheet_problems(layout.name, layout, [(None, g) for g in outlines], tolerance)
    problems += _utilisation_problems(layout.name, sum(g.area for g in outlines), layout)
    return problems


def _area_problems(
    name: str, outlines: Sequence[Polygon], names: Sequence[str], ordered: Mapping[str, OrderedPart]
) -> list[GateProblem]:
    """Outline areas, sorted, against the named parts' areas, sorted: another job's file fails."""
    expected = sorted(ordered[n].area for n in names if n in ordered)
    found = sorted(g.area for g in outlines)
    if len(expected) != len(found):
        return []  # already reported as a count problem
    for want, got in zip(expected, found, strict=True):
        if abs(want - got) > AREA_TOLERANCE * max(want, 1.0):
            return [
                GateProblem(
                    layout=name,
                    rule="geometry",
                    message=f"an outline of {got:.0f} mm² stands where the named parts call for "
                    f"{want:.0f} mm²: the file does not hold the parts it names",
                )
            ]
    return []
