"""A CAM rule both simulated vendors can enforce: the least web of material between two holes.

Real CAM software refuses parts for reasons nestflow's reader does not foresee; a common one is
a web too thin to cut between two holes (the laser's heat warps or burns through it). The reader
refuses only holes that touch, so a part whose holes are, say, 0.5 mm apart reaches the engines.
With a minimum web set (``min_hole_web_mm`` in each sandbox's settings; 0 = off, the default)
the AlmaCAM sandbox answers -981 for such a part and the CloudNest sandbox's Boost fails on it,
so the pipeline's "leave the refused part out, nest the rest" path can be tested with a drawing
the reader accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from shapely import STRtree
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class ThinWeb:
    """Two holes closer than the minimum web.

    Attributes:
        first: Index of one hole in the list given.
        second: Index of the other (``first < second``).
        width: Their distance: the width of the web between them.
    """

    first: int
    second: int
    width: float


def thinnest_web(holes: Sequence[BaseGeometry], min_web: float) -> ThinWeb | None:
    """The two holes with the thinnest web between them, when it is thinner than ``min_web``.

    Args:
        holes: The holes of one outline (closed contours as polygons, none inside another).
        min_web: Least distance allowed between two holes; 0 or less checks nothing.

    Returns:
        The closest pair under ``min_web`` (the lowest indices among equals), or ``None``.
    """
    if min_web <= 0.0 or len(holes) < 2:
        return None
    shapes = np.array(holes, dtype=object)
    # A tree rather than every pair: a perforated plate has thousands of holes.
    left, right = STRtree(shapes).query(shapes, predicate="dwithin", distance=min_web)
    pairs = [(int(a), int(b)) for a, b in zip(left, right, strict=True) if a < b]
    webs = [ThinWeb(a, b, float(holes[a].distance(holes[b]))) for a, b in pairs]
    thin = [web for web in webs if web.width < min_web]
    return min(thin, key=lambda w: (w.width, w.first, w.second), default=None)
