"""Drawings whose units are wrong or missing, as shops receive them.

:func:`r12_metres_header` writes an R12 (AC1009) export whose header says metres
(``$INSUNITS`` 6) while its coordinates are millimetres: the layout of DeepNest's R12 exports
and of other small writers that hard-code ``$INSUNITS 6`` into an R12 header (a header variable
R12 itself never had). Read as the header says, a 200 x 100 mm plate is a 200 x 100 m part.
"""

from __future__ import annotations

from pathlib import Path

#: The header of the export: R12, and metres whatever the drawing was drawn in.
_HEADER = "0\nSECTION\n2\nHEADER\n9\n$ACADVER\n1\nAC1009\n9\n$INSUNITS\n70\n6\n0\nENDSEC\n"
_TABLES = (
    "0\nSECTION\n2\nTABLES\n0\nTABLE\n2\nLAYER\n70\n1\n"
    "0\nLAYER\n2\n0\n70\n0\n62\n7\n6\nCONTINUOUS\n0\nENDTAB\n0\nENDSEC\n"
)


def _polyline(points: list[tuple[float, float]]) -> str:
    """A closed R12 POLYLINE (VERTEX ... SEQEND) on layer 0."""
    vertices = "".join(f"0\nVERTEX\n8\n0\n10\n{x:g}\n20\n{y:g}\n30\n0\n" for x, y in points)
    return f"0\nPOLYLINE\n8\n0\n66\n1\n10\n0\n20\n0\n30\n0\n70\n1\n{vertices}0\nSEQEND\n8\n0\n"


def r12_metres_header(path: Path, width: float = 200.0, height: float = 100.0) -> Path:
    """Write a ``width`` x ``height`` mm plate with a 20 x 20 square hole, header in metres."""
    outline = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
    x, y = width / 4, height / 4
    hole = [(x, y), (x, y + 20), (x + 20, y + 20), (x + 20, y)]
    entities = f"0\nSECTION\n2\nENTITIES\n{_polyline(outline)}{_polyline(hole)}0\nENDSEC\n"
    path.write_text(_HEADER + _TABLES + entities + "0\nEOF\n", encoding="ascii")
    return path
