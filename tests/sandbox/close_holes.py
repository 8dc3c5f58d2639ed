"""The drawing the minimum-web rule (:mod:`sandbox.hole_webs`) is tested with, in DXF."""

from __future__ import annotations

import io

import ezdxf


def holes_too_close(web: float) -> bytes:
    """A 100 x 60 mm plate with two 20 x 20 mm holes side by side, ``web`` mm apart.

    With a web above 0 the holes do not touch, so nestflow's reader accepts the drawing.
    """
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (100, 0), (100, 60), (0, 60)], close=True)
    msp.add_lwpolyline([(20, 20), (40, 20), (40, 40), (20, 40)], close=True)
    right = 40 + web
    msp.add_lwpolyline([(right, 20), (right + 20, 20), (right + 20, 40), (right, 40)], close=True)
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode()
