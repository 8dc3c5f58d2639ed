"""PNG previews of a result's nestings, drawn from the order's real geometry (arcs, holes).

Each nested part is the order's exact geometry placed by the vendor's rule; the drawing itself is
:func:`nestflow.geometry.preview.render_layout_png`. The sheet is drawn as a rectangle: a shaped
sheet as its bounding box, a strip up to the used length.
"""

from __future__ import annotations

from typing import Any

from nestflow.almacam.models import FullResult, Nesting
from nestflow.geometry.layout import Placement, SheetLayout
from nestflow.geometry.models import Part
from nestflow.geometry.preview import render_layout_png
from nestflow.sandbox.almacam.endpoints.validation import STRIP_LENGTH, border_gaps
from nestflow.sandbox.almacam.simulation.contours import hole_owners, read_contour


def instance_pieces(order: dict[str, Any]) -> dict[int, list[Part]]:
    """Per instance id, the part's pieces (one per outline, with its holes) in order coordinates."""
    parts: dict[int, list[Part]] = {}
    for part in order["parts"]:
        outlines = [read_contour(raw) for raw in part["geometry"]]
        holes = [read_contour(raw) for raw in part.get("holes", [])]
        owners = hole_owners(outlines, holes)
        for inst in part["instances"]:
            parts[inst["id"]] = [
                Part(
                    name=f"part {inst['id']}",
                    source="order",
                    outer=outline.contour.oriented(ccw=True),
                    holes=tuple(
                        h.contour.oriented(ccw=False)
                        for h, owner in zip(holes, owners, strict=True)
                        if owner == i
                    ),
                )
                for i, outline in enumerate(outlines)
            ]
    return parts


def _sheet_frame(sheet: dict[str, Any], nesting: Nesting) -> tuple[float, float, float, float]:
    """``(length, height, x0, y0)``: drawn sheet size and its origin in order coordinates."""
    if "contour" in sheet:
        x0, y0, x1, y1 = read_contour(sheet["contour"]).polygon.bounds
        return x1 - x0, y1 - y0, x0, y0
    length = sheet["length"]
    if length == STRIP_LENGTH:
        length = max(nesting.length + border_gaps(sheet)[1], 1e-6)
    return float(length), float(sheet["height"]), 0.0, 0.0


def nesting_layout(order: dict[str, Any], nesting: Nesting, name: str) -> SheetLayout:
    """One nesting of a full result as a sheet layout, in the drawn sheet's coordinates."""
    sheet = next(s for s in order["sheets"] if s["id"] == nesting.sheet)
    length, height, x0, y0 = _sheet_frame(sheet, nesting)
    pieces = instance_pieces(order)
    placements = tuple(
        Placement(
            part=piece,
            angle=p.angle,
            flip=p.flip,
            x=p.position[0] - x0,
            y=p.position[1] - y0,
        )
        for p in nesting.nested_parts
        for piece in pieces[p.id]
    )
    return SheetLayout(
        name=name,
        sheet_length=length,
        sheet_height=height,
        used_length=min(max(nesting.length - x0, 0.0), length),
        placements=placements,
        quantity=nesting.quantity,
        border_gap=border_gaps(sheet),
    )


def nesting_png(order: dict[str, Any], result: dict[str, Any], index: int, name: str) -> bytes:
    """The PNG of nesting ``index`` of a stored full result.

    Raises:
        IndexError: When the result has no nesting ``index``.
    """
    nestings = FullResult.model_validate(result).nestings
    if not 0 <= index < len(nestings):
        raise IndexError(index)
    return render_layout_png(nesting_layout(order, nestings[index], name))
