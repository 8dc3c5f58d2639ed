"""Write the example sheet-metal drawings used by the demo and the tests.

Run ``python examples/generate.py [outdir]`` (default: this folder). The output is byte-for-byte
deterministic: ezdxf's fixed-metadata option freezes the header timestamps and GUIDs.

Each drawing exercises one way real CAD exports describe a flat part:

* ``bracket.dxf``: bulged LWPOLYLINE with R10 corners, CIRCLE holes, an obround slot, a bend line
  on ``BEND`` and etching (TEXT and a cross) on ``ETCH``;
* ``gusset.dxf``: a triangular bracket, one rounded corner, three holes;
* ``flange_dn100.dxf``: CIRCLE outline, bore and a bolt circle of 8 holes, a title on ``TEXT``;
* ``l_profile.dxf``: loose LINE and ARC edges (one line drawn backwards), inner fillet, holes;
* ``slotted_plate.dxf``: 800 x 250 plate, obround slots (bulge 1) and a rounded cutout;
* ``cover_inch.dxf``: a cover drawn in inches (``$INSUNITS`` = 1);
* ``tab_block.dxf``: the part lives in a block, inserted rotated and scaled, with a nested block;
* ``cam_spline.dxf``: a closed SPLINE outline with a hole;
* ``broken_open_contour.dxf``: an outline with a 4 mm gap, so the demo shows a per-file error.

``EXPECTED`` holds what a correct reader must find in each good drawing (in mm).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import ezdxf
from ezdxf import units
from ezdxf.document import Drawing
from ezdxf.layouts import BaseLayout
from ezdxf.math import BSpline

from nestflow.geometry.models import Contour, Vertex

HERE = Path(__file__).resolve().parent
QUARTER = math.tan(math.pi / 8)  # bulge of a 90-degree arc

#: (x, y, bulge) vertices of a closed contour, the bulge belonging to the edge that starts there.
Xyb = list[tuple[float, float, float]]


class Expected(NamedTuple):
    """What reading a good example drawing must give (millimetres)."""

    holes: int
    area: float  # net area; exact, except the spline's (from 4000 samples of the curve)
    width: float
    height: float


# --- shapes -----------------------------------------------------------------------------------


def rounded_rect(x0: float, y0: float, w: float, h: float, r: float) -> Xyb:
    """Counter-clockwise w x h rectangle from (x0, y0) with corner radius r."""
    return [
        (x0 + r, y0, 0.0),
        (x0 + w - r, y0, QUARTER),
        (x0 + w, y0 + r, 0.0),
        (x0 + w, y0 + h - r, QUARTER),
        (x0 + w - r, y0 + h, 0.0),
        (x0 + r, y0 + h, QUARTER),
        (x0, y0 + h - r, 0.0),
        (x0, y0 + r, QUARTER),
    ]


def obround(cx: float, cy: float, length: float, width: float, vertical: bool = False) -> Xyb:
    """Counter-clockwise slot of overall ``length`` x ``width`` centred on (cx, cy)."""
    r, a = width / 2.0, length / 2.0 - width / 2.0
    pts = [(-a, -r, 0.0), (a, -r, 1.0), (a, r, 0.0), (-a, r, 1.0)]
    if vertical:
        pts = [(-y, x, b) for x, y, b in pts]
    return [(cx + x, cy + y, b) for x, y, b in pts]


def circle_area(r: float) -> float:
    """Area of a circle of radius r."""
    return math.pi * r * r


def contour(points: Xyb) -> Contour:
    """The core's contour of these points, for exact areas and bounds of the expectations."""
    return Contour(vertices=tuple(Vertex(x=x, y=y, bulge=b) for x, y, b in points))


def new_doc(insunits: int = units.MM) -> tuple[Drawing, BaseLayout]:
    """An empty R2010 drawing in the given units."""
    doc = ezdxf.new("R2010", setup=False, units=insunits)
    return doc, doc.modelspace()


def add_closed(msp: BaseLayout, points: Xyb, layer: str) -> None:
    """A closed LWPOLYLINE with bulges."""
    msp.add_lwpolyline(
        [(x, y, 0.0, 0.0, b) for x, y, b in points],
        format="xyseb",
        close=True,
        dxfattribs={"layer": layer},
    )


def add_circles(
    msp: BaseLayout, centres: Sequence[tuple[float, float]], r: float, layer: str
) -> None:
    """One CIRCLE of radius r at each centre."""
    for centre in centres:
        msp.add_circle(centre, r, dxfattribs={"layer": layer})


# --- drawings ---------------------------------------------------------------------------------

BRACKET_OUTER = rounded_rect(0, 0, 180, 120, 10)
BRACKET_HOLES = [(25.0, 25.0), (155.0, 25.0)]
BRACKET_SLOT = obround(90, 85, 30, 10)


def bracket() -> Drawing:
    """Mounting bracket 180 x 120, R10 corners, two 13 mm holes, a slot, bend line and etching."""
    doc, msp = new_doc()
    for name, colour in (("CUT", 7), ("BEND", 2), ("ETCH", 3)):
        doc.layers.add(name, color=colour)
    add_closed(msp, BRACKET_OUTER, "CUT")
    add_circles(msp, BRACKET_HOLES, 6.5, "CUT")
    add_closed(msp, BRACKET_SLOT, "CUT")
    msp.add_line((0, 55), (180, 55), dxfattribs={"layer": "BEND"})
    msp.add_text("BR-180", height=6, dxfattribs={"layer": "ETCH"}).set_placement((60, 30))
    msp.add_line((125, 30), (135, 30), dxfattribs={"layer": "ETCH"})
    msp.add_line((130, 25), (130, 35), dxfattribs={"layer": "ETCH"})
    return doc


GUSSET_OUTER: Xyb = [
    (10, 0, 0),
    (150, 0, 0),
    (150, 25, 0),
    (25, 150, 0),
    (0, 150, 0),
    (0, 10, QUARTER),
]
GUSSET_HOLES = [((110.0, 12.5), 5.5), ((12.5, 110.0), 5.5), ((50.0, 50.0), 20.0)]


def gusset() -> Drawing:
    """Triangular gusset 150 x 150 with a lightening hole and two fixing holes."""
    doc, msp = new_doc()
    add_closed(msp, GUSSET_OUTER, "0")
    for centre, r in GUSSET_HOLES:
        msp.add_circle(centre, r, dxfattribs={"layer": "0"})
    return doc


FLANGE_R, BORE_R, BOLT_R, PCD_R, BOLTS = 110.0, 57.5, 9.0, 90.0, 8
FLANGE_BOLTS = [
    (
        FLANGE_R + PCD_R * math.cos(2 * math.pi * (i + 0.5) / BOLTS),
        FLANGE_R + PCD_R * math.sin(2 * math.pi * (i + 0.5) / BOLTS),
    )
    for i in range(BOLTS)
]


def flange() -> Drawing:
    """DN100 flange: 220 mm disc, 115 mm bore, eight 18 mm holes on a 180 mm pitch circle."""
    doc, msp = new_doc()
    doc.layers.add("TEXT", color=4)
    msp.add_circle((FLANGE_R, FLANGE_R), FLANGE_R)
    msp.add_circle((FLANGE_R, FLANGE_R), BORE_R)
    add_circles(msp, FLANGE_BOLTS, BOLT_R, "0")
    msp.add_text("DN100 PN16 t=3", height=5, dxfattribs={"layer": "TEXT"}).set_placement(
        (FLANGE_R * 2 + 10, 0)
    )
    return doc


L_OUTER: Xyb = [
    (0, 0, 0),
    (300, 0, 0),
    (300, 60, 0),
    (75, 60, -QUARTER),  # inner R15 fillet, clockwise in a counter-clockwise outline
    (60, 75, 0),
    (60, 200, 0),
    (0, 200, 0),
]
L_HOLES = [(270.0, 30.0), (30.0, 170.0), (30.0, 30.0)]


def l_profile() -> Drawing:
    """L-shaped plate 300 x 200 from loose LINE and ARC edges, as many CAD exports write it."""
    doc, msp = new_doc()
    attribs = {"layer": "0"}
    msp.add_line((0, 0), (300, 0), dxfattribs=attribs)
    msp.add_line((300, 0), (300, 60), dxfattribs=attribs)
    msp.add_line((300, 60), (75, 60), dxfattribs=attribs)
    msp.add_arc((75, 75), 15, start_angle=180, end_angle=270, dxfattribs=attribs)
    msp.add_line((60, 75), (60, 200), dxfattribs=attribs)
    msp.add_line((0, 200), (60, 200), dxfattribs=attribs)  # drawn backwards on purpose
    msp.add_line((0, 200), (0, 0), dxfattribs=attribs)
    add_circles(msp, L_HOLES, 5.5, "0")
    return doc


SLOTTED_OUTER: Xyb = [(0, 0, 0), (800, 0, 0), (800, 250, 0), (0, 250, 0)]
SLOTTED_INNER: list[Xyb] = [
    *(obround(x, y, 60, 14) for x, y in ((100, 40), (700, 40), (100, 210), (700, 210))),
    *(obround(x, 125, 60, 14, vertical=True) for x in (200, 600)),
    rounded_rect(300, 85, 200, 80, 8),
]


def slotted_plate() -> Drawing:
    """Base plate 800 x 250 with adjustment slots and a rounded cable cutout."""
    doc, msp = new_doc()
    doc.layers.add("OUTER", color=7)
    doc.layers.add("INNER", color=5)
    add_closed(msp, SLOTTED_OUTER, "OUTER")
    for inner in SLOTTED_INNER:
        add_closed(msp, inner, "INNER")
    return doc


COVER_OUTER = rounded_rect(0, 0, 10, 6, 0.5)  # inches
COVER_HOLES = [(0.75, 0.75), (9.25, 0.75), (0.75, 5.25), (9.25, 5.25)]
COVER_HOLE_R = 0.1875
COVER_VENT = obround(5, 3, 3, 0.75)


def cover_inch() -> Drawing:
    """Inspection cover 10 x 6 in, drawn in inches: four 3/8 in holes and a vent slot."""
    doc, msp = new_doc(units.IN)
    add_closed(msp, COVER_OUTER, "0")
    add_circles(msp, COVER_HOLES, COVER_HOLE_R, "0")
    add_closed(msp, COVER_VENT, "0")
    return doc


TAB_OUTER: Xyb = [(0, 0, 0), (40, 0, 1.0), (40, 40, 0), (0, 40, 0)]  # 60 x 40, round end
TAB_HOLES = [((40.0, 20.0), 6.0), ((18.0, 10.0), 4.0), ((18.0, 30.0), 4.0)]
TAB_INSERT, TAB_ANGLE, TAB_SCALE = (120.0, 80.0), 30.0, 1.5


def tab_block() -> Drawing:
    """A lug defined as a block (with a nested hole-pair block), inserted at 30 deg, scale 1.5."""
    doc, msp = new_doc()
    doc.layers.add("CUT", color=7)
    pair = doc.blocks.new("HOLE_PAIR")
    add_circles(pair, [(-10, 0), (10, 0)], 4.0, "0")
    tab = doc.blocks.new("TAB")
    add_closed(tab, TAB_OUTER, "0")
    tab.add_circle((40, 20), 6.0, dxfattribs={"layer": "0"})
    tab.add_blockref("HOLE_PAIR", (18, 20), dxfattribs={"rotation": 90, "layer": "0"})
    msp.add_blockref(
        "TAB",
        TAB_INSERT,
        dxfattribs={
            "layer": "CUT",
            "rotation": TAB_ANGLE,
            "xscale": TAB_SCALE,
            "yscale": TAB_SCALE,
        },
    )
    return doc


SPLINE_CONTROL = [
    (0, 60),
    (0, 10),
    (60, -15),
    (150, 0),
    (220, 30),
    (230, 90),
    (170, 130),
    (80, 140),
    (0, 110),
    (0, 60),  # back to the start; the neighbours lie on one line, so the seam is smooth
]
SPLINE_HOLE_R = 15.0


def cam_spline() -> Drawing:
    """A cam plate whose outline is one closed cubic SPLINE, with a 30 mm shaft hole."""
    doc, msp = new_doc()
    msp.add_open_spline(SPLINE_CONTROL, degree=3)
    msp.add_circle((110, 65), SPLINE_HOLE_R)
    return doc


def broken_open_contour() -> Drawing:
    """A 200 x 100 plate whose top edge stops 4 mm short: an open outline no reader can close."""
    doc, msp = new_doc()
    for start, end in (
        ((0, 0), (200, 0)),
        ((200, 0), (200, 100)),
        ((200, 100), (104, 100)),
        ((100, 100), (0, 100)),
        ((0, 100), (0, 0)),
    ):
        msp.add_line(start, end)
    msp.add_circle((50, 50), 10)
    return doc


DRAWINGS: dict[str, Callable[[], Drawing]] = {
    "bracket.dxf": bracket,
    "gusset.dxf": gusset,
    "flange_dn100.dxf": flange,
    "l_profile.dxf": l_profile,
    "slotted_plate.dxf": slotted_plate,
    "cover_inch.dxf": cover_inch,
    "tab_block.dxf": tab_block,
    "cam_spline.dxf": cam_spline,
    "broken_open_contour.dxf": broken_open_contour,
}

BROKEN = ("broken_open_contour.dxf",)


# --- expectations -----------------------------------------------------------------------------


def _expected(outer: Xyb, holes: int, holes_area: float, scale: float = 1.0) -> Expected:
    c = contour(outer)
    box = c.bounds()
    return Expected(holes, (c.area - holes_area) * scale**2, box.width * scale, box.height * scale)


def _tab_expected() -> Expected:
    placed = contour(TAB_OUTER).scaled(TAB_SCALE).transformed(TAB_ANGLE, False, *TAB_INSERT)
    box = placed.bounds()
    holes = sum(circle_area(r) for _, r in TAB_HOLES)
    return Expected(3, (contour(TAB_OUTER).area - holes) * TAB_SCALE**2, box.width, box.height)


def _spline_expected() -> Expected:
    curve = BSpline(SPLINE_CONTROL, order=4)
    ring = [(p.x, p.y) for p in curve.approximate(4000)]
    area = 0.5 * abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairwise([*ring, ring[0]])))
    xs, ys = [x for x, _ in ring], [y for _, y in ring]
    return Expected(1, area - circle_area(SPLINE_HOLE_R), max(xs) - min(xs), max(ys) - min(ys))


INCH = 25.4
EXPECTED: dict[str, Expected] = {
    "bracket.dxf": _expected(BRACKET_OUTER, 3, 2 * circle_area(6.5) + contour(BRACKET_SLOT).area),
    "gusset.dxf": _expected(GUSSET_OUTER, 3, sum(circle_area(r) for _, r in GUSSET_HOLES)),
    "flange_dn100.dxf": Expected(
        1 + BOLTS,
        circle_area(FLANGE_R) - circle_area(BORE_R) - BOLTS * circle_area(BOLT_R),
        2 * FLANGE_R,
        2 * FLANGE_R,
    ),
    "l_profile.dxf": _expected(L_OUTER, 3, 3 * circle_area(5.5)),
    "slotted_plate.dxf": _expected(
        SLOTTED_OUTER, len(SLOTTED_INNER), sum(contour(h).area for h in SLOTTED_INNER)
    ),
    "cover_inch.dxf": _expected(
        COVER_OUTER, 5, 4 * circle_area(COVER_HOLE_R) + contour(COVER_VENT).area, scale=INCH
    ),
    "tab_block.dxf": _tab_expected(),
    "cam_spline.dxf": _spline_expected(),
}


# --- output -----------------------------------------------------------------------------------


def generate(outdir: Path) -> list[Path]:
    """Write every example drawing into ``outdir`` and return their paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    previous = ezdxf.options.write_fixed_meta_data_for_testing
    ezdxf.options.write_fixed_meta_data_for_testing = True  # no clock, no random GUIDs
    try:
        paths = []
        for name, build in DRAWINGS.items():
            save(build(), outdir / name)
            paths.append(outdir / name)
        return paths
    finally:
        ezdxf.options.write_fixed_meta_data_for_testing = previous


def save(doc: Drawing, path: Path) -> None:
    """Save with the CLASS entries in a fixed order.

    ezdxf registers the classes of the entity types in use by iterating a set, whose order
    changes with Python's string hash seed; registering them all first and sorting pins it.
    """
    doc.classes.add_required_classes(doc.dxfversion)
    doc.classes.classes = dict(sorted(doc.classes.classes.items()))
    doc.saveas(path)


def main(argv: list[str]) -> None:
    """Command line: ``python examples/generate.py [outdir]``."""
    outdir = Path(argv[1]) if len(argv) > 1 else HERE
    for path in generate(outdir):
        print(f"{path}  {path.stat().st_size / 1024:.1f} KiB")


if __name__ == "__main__":
    main(sys.argv)
