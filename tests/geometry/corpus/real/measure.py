"""Measure the real drawings by a method independent of nestflow's reader.

Run by hand, not by the suite: ``.venv/bin/python tests/geometry/corpus/real/measure.py``.
It prints, per drawing, what ``expected.json`` records for drawings that must be read: the number
of parts and their total net area in mm².

The method shares nothing with ``nestflow.geometry``: ezdxf loads the file (``ezdxf.readfile``,
``ezdxf.recover`` if that fails), ``ezdxf.disassemble.recursive_decompose`` explodes the blocks,
``ezdxf.path.make_path`` turns each curve into a path flattened to 0.001 drawing units, shapely
nodes all the linework (``unary_union``) and builds faces (``polygonize_full``). Faces are
combined by the even-odd rule (symmetric difference), so a hole subtracts and an island inside a
hole adds; each connected polygon of the result is a part. Dangling lines mean an open contour.
Layers are sorted by the shop convention nestflow also documents (bend, dimension, text,
construction and centre layers are not cut; marking layers are not cut); that convention is
restated here by hand, not imported.
"""

from __future__ import annotations

import fnmatch
import functools
import sys
from pathlib import Path

import ezdxf
import ezdxf.units
import shapely
from ezdxf import disassemble, recover
from ezdxf import path as ezpath
from shapely.geometry import LineString
from shapely.ops import polygonize_full, unary_union

NOT_CUT = (
    "BEND*", "*_BEND*", "IV_BEND*", "IV_TANGENT", "IV_ARC_CENTERS", "IV_TOOL_CENTER*", "IV_ROLL*",
    "DIM*", "*DIMENSION*", "TEXT*", "DEFPOINTS", "CENTER*", "HIDDEN*", "CONSTRUCTION*",
    "ETCH*", "*_ETCH*", "MARK*", "*_MARK*", "ENGRAVE*", "SCRIBE*", "IV_UNCONSUMED_SKETCHES",
)  # fmt: skip
CURVES = {"LINE", "ARC", "CIRCLE", "LWPOLYLINE", "POLYLINE", "ELLIPSE", "SPLINE"}


def load(path: Path):
    try:
        return ezdxf.readfile(path)
    except Exception:  # noqa: BLE001 - a measuring script: fall back and say nothing
        return recover.readfile(path)[0]


def measure(path: Path) -> dict:
    doc = load(path)
    units = doc.units or 0
    factor = 1.0 if units == 0 else ezdxf.units.conversion_factor(units, ezdxf.units.MM)
    lines = []
    for entity in disassemble.recursive_decompose(doc.modelspace()):
        layer = entity.dxf.get("layer", "0").upper()
        if entity.dxftype() not in CURVES or any(fnmatch.fnmatch(layer, p) for p in NOT_CUT):
            continue
        points = [(v.x * factor, v.y * factor) for v in ezpath.make_path(entity).flattening(1e-3)]
        if len(points) > 1:
            lines.append(LineString(points))
    if not lines:
        return {"parts": 0, "area": 0.0, "dangles": 0}
    faces, dangles, cuts, invalid = polygonize_full(unary_union(lines))
    # Noding leaves slivers of ~1e-28 where flattened curves meet: not faces of the drawing.
    largest = max((face.area for face in faces.geoms), default=0.0)
    polygons = [face for face in faces.geoms if face.area > 1e-9 * largest]
    if not polygons:
        return {"parts": 0, "area": 0.0, "dangles": len(dangles.geoms) + len(cuts.geoms)}
    # Each face once, with its own holes filled: the even-odd rule over the face outlines.
    shells = [shapely.Polygon(p.exterior) for p in polygons]
    even_odd = functools.reduce(lambda a, b: a.symmetric_difference(b), shells)
    parts = list(getattr(even_odd, "geoms", [even_odd]))
    box = shapely.bounds(even_odd)
    return {
        "parts": len(parts),
        "area": round(even_odd.area, 3),
        "dangles": len(dangles.geoms) + len(cuts.geoms),
        "invalid_rings": len(invalid.geoms),
        "size": [round(float(box[2] - box[0]), 3), round(float(box[3] - box[1]), 3)],
    }


def main() -> None:
    folder = Path(__file__).parent
    names = sys.argv[1:] or sorted(p.name for p in folder.glob("*.dxf"))
    for name in names:
        try:
            print(name, measure(folder / name))
        except Exception as exc:  # noqa: BLE001
            print(name, "cannot measure:", type(exc).__name__, str(exc)[:100])


if __name__ == "__main__":
    main()
