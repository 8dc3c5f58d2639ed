"""AlmaCAM contour encoding: to and from :class:`~nestflow.geometry.models.Contour`.

A contour in an AlmaCAM order is a list of vertices, each either a plain ``[x, y]`` or an object
``{"x", "y"}`` with at most one arc key describing the edge from this vertex to the next:

* ``bul``: bulge, the DXF convention (``tan(theta/4)``, positive = counter-clockwise);
* ``sag``: sagitta, signed like ``bul``; ``sag = bul * chord / 2``;
* ``cir``: ``{"x", "y", "dir"}``, the arc's centre and direction (``dir`` true = counter-clockwise).

The vendor documents neither sign; we use the DXF one for ``bul`` and ``sag`` (the common CAD
reading, and the one CloudNest's DXF uses). This module is the only place that decides it.
We emit plain vertices for straight edges and ``bul`` for arcs; we read all four kinds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from nestflow.geometry.arcs import STRAIGHT, bulge_of_arc
from nestflow.geometry.models import Contour, Vertex

#: A vertex as it stands in an AlmaCAM order (plain list or object).
AlmaVertex = list[float] | dict[str, Any]


class ContourEncodingError(ValueError):
    """A vertex list that cannot be read as an AlmaCAM contour (message says which vertex)."""


def contour_to_almacam(contour: Contour, ndigits: int = 6) -> list[AlmaVertex]:
    """Encode a closed contour as AlmaCAM vertices: plain ``[x, y]`` or ``{"x", "y", "bul"}``."""
    out: list[AlmaVertex] = []
    for v in contour.vertices:
        x, y = round(v.x, ndigits), round(v.y, ndigits)
        if abs(v.bulge) < STRAIGHT:
            out.append([x, y])
        else:
            out.append({"x": x, "y": y, "bul": round(v.bulge, 12)})
    return out


def _xy(raw: AlmaVertex, index: int) -> tuple[float, float]:
    if isinstance(raw, dict):
        try:
            return float(raw["x"]), float(raw["y"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ContourEncodingError(f"vertex {index}: needs numeric x and y") from exc
    if isinstance(raw, Sequence) and len(raw) == 2:
        try:
            return float(raw[0]), float(raw[1])
        except (TypeError, ValueError) as exc:
            raise ContourEncodingError(f"vertex {index}: [x, y] must be numbers") from exc
    raise ContourEncodingError(f"vertex {index}: expected [x, y] or an object with x and y")


def _bulge(raw: AlmaVertex, start: tuple[float, float], end: tuple[float, float], i: int) -> float:
    if not isinstance(raw, dict):
        return 0.0
    arc_keys = [k for k in ("bul", "sag", "cir") if k in raw]
    if len(arc_keys) > 1:
        raise ContourEncodingError(f"vertex {i}: at most one of bul, sag, cir ({arc_keys})")
    if not arc_keys:
        return 0.0
    key = arc_keys[0]
    if key == "bul":
        return float(raw["bul"])
    chord = math.dist(start, end)
    if chord == 0.0:
        raise ContourEncodingError(f"vertex {i}: an arc to an identical next vertex")
    if key == "sag":
        return 2.0 * float(raw["sag"]) / chord
    cir = raw["cir"]
    centre = (float(cir["x"]), float(cir["y"]))
    return bulge_of_arc(centre, start, end, ccw=bool(cir["dir"]))


def contour_from_almacam(vertices: Sequence[AlmaVertex]) -> Contour:
    """Decode AlmaCAM vertices into a closed contour (a repeated closing vertex is dropped)."""
    if len(vertices) < 2:
        raise ContourEncodingError("a contour needs at least 2 vertices")
    points = [_xy(raw, i) for i, raw in enumerate(vertices)]
    raws = list(vertices)
    if (
        len(points) > 2
        and points[0] == points[-1]
        and not (isinstance(raws[-1], dict) and any(k in raws[-1] for k in ("bul", "sag", "cir")))
    ):
        points, raws = points[:-1], raws[:-1]
    n = len(points)
    return Contour(
        vertices=tuple(
            Vertex(x=p[0], y=p[1], bulge=_bulge(raws[i], p, points[(i + 1) % n], i))
            for i, p in enumerate(points)
        )
    )
