"""Nested sheet layouts: the placement model and the layout DXF a cutting machine's CAM imports.

A :class:`SheetLayout` is one sheet with parts placed on it by AlmaCAM's rule (rotate about the
part's own (0, 0) counter-clockwise, then mirror about the x axis when flipped, then translate).
:func:`write_layout_dxf` turns it into an R2010 DXF in millimetres:

========================  =====================================================================
layer (default name)      content
========================  =====================================================================
``CUT``                   outer contour of every placed part (closed LWPOLYLINE, or CIRCLE)
``CUT_INNER``             holes of every placed part (closed LWPOLYLINE, or CIRCLE)
``MARK``                  etch/marking paths that travel with the parts (never cut)
``SHEET``                 the sheet outline, (0, 0) to (sheet length, sheet height)
``SHEET_BORDER``          the usable area inside the border gap (only when a gap is set)
``OFFCUT``                the vertical offcut line at x = used length (only when known)
========================  =====================================================================

Arcs stay arcs (LWPOLYLINE bulges are exact) and every entity keeps the extrusion (0, 0, 1): the
geometry is written from already-placed vertices, and a flip negates the bulges instead of
mirroring the entity, so no CAM importer has to deal with mirrored object coordinate systems.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import BinaryIO, Literal

import ezdxf
from ezdxf import units
from ezdxf.document import Drawing
from ezdxf.layouts import BaseLayout
from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveFloat, model_validator

from nestflow.geometry.models import Contour, Part

#: How far (mm) the offcut may lie beyond the sheet end before a layout is rejected as inconsistent.
LENGTH_TOLERANCE = 1e-6


class Placement(BaseModel):
    """One part placed on a sheet.

    The placed geometry is
    ``translate(mirror_x_if_flip(rotate(part, angle about (0, 0))), (x, y))``.
    """

    model_config = ConfigDict(frozen=True)

    part: Part
    angle: float = Field(default=0.0, description="Rotation in degrees, counter-clockwise.")
    flip: bool = Field(default=False, description="Mirror about the x axis after the rotation.")
    x: float = 0.0
    y: float = 0.0

    def placed_part(self) -> Part:
        """The part's geometry where it lies on the sheet."""
        return self.part.transformed(self.angle, self.flip, self.x, self.y)


class SheetLayout(BaseModel):
    """A sheet with its placed parts, as AlmaCAM's ``full`` view or CloudNest describes a layout.

    The sheet occupies ``[0, sheet_length] x [0, sheet_height]``; ``used_length`` is the x of the
    straight vertical offcut line (the sheet is used on ``[0, used_length]``).
    """

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    sheet_length: PositiveFloat
    sheet_height: PositiveFloat
    used_length: NonNegativeFloat | None = None
    placements: tuple[Placement, ...] = ()
    quantity: int = Field(default=1, ge=1, description="How many identical sheets to cut.")
    border_gap: tuple[NonNegativeFloat, NonNegativeFloat, NonNegativeFloat, NonNegativeFloat] = (
        Field(default=(0.0, 0.0, 0.0, 0.0), description="Margins: left, right, bottom, top (mm).")
    )

    @model_validator(mode="after")
    def _offcut_on_sheet(self) -> SheetLayout:
        if self.used_length is not None and self.used_length > self.sheet_length + LENGTH_TOLERANCE:
            raise ValueError(
                f"layout {self.name!r}: used length {self.used_length} is beyond the sheet "
                f"length {self.sheet_length}"
            )
        return self

    @property
    def parts_area(self) -> float:
        """Net area of all parts on one sheet (mm²)."""
        return sum(p.part.area for p in self.placements)

    @property
    def utilisation(self) -> float:
        """Share of the sheet covered by parts (0..1), for one sheet."""
        return self.parts_area / (self.sheet_length * self.sheet_height)


class LayoutLayers(BaseModel):
    """Layer names of the layout DXF (a shop's CAM may expect its own)."""

    model_config = ConfigDict(frozen=True)

    cut_outer: str = "CUT"
    cut_inner: str = "CUT_INNER"
    mark: str = "MARK"
    sheet: str = "SHEET"
    border: str = "SHEET_BORDER"
    offcut: str = "OFFCUT"


#: ACI colours per layer role, the usual CAM reading: cut white, inner cut blue, marking green.
_LAYER_COLOURS = {
    "cut_outer": 7,
    "cut_inner": 5,
    "mark": 3,
    "sheet": 8,
    "border": 9,
    "offcut": 1,
}

DxfMode = Literal["exploded", "blocks"]


def placed_parts(layout: SheetLayout) -> list[Part]:
    """Every part of the layout in sheet coordinates, in placement order."""
    return [p.placed_part() for p in layout.placements]


def write_layout_dxf(
    layout: SheetLayout,
    target: Path | str | BinaryIO | None = None,
    *,
    layers: LayoutLayers | None = None,
    mode: DxfMode = "exploded",
) -> bytes:
    """Write the layout as an R2010 DXF in millimetres.

    Args:
        layout: The sheet and its placements.
        target: A file path or a binary stream to write to; ``None`` only returns the bytes.
        layers: Layer names; :class:`LayoutLayers` defaults when ``None``.
        mode: ``"exploded"`` (default, what CAM importers expect) writes every placed contour;
            ``"blocks"`` writes one BLOCK per distinct part and one INSERT per placement
            (smaller files; a flip becomes ``yscale = -1`` with the rotation negated).

    Returns:
        The DXF file's bytes (UTF-8 text). Header timestamps and GUIDs make them differ between
        calls for the same layout; compare entities, not bytes.
    """
    data = _to_bytes(layout_document(layout, layers=layers, mode=mode))
    if isinstance(target, (str, Path)):
        Path(target).write_bytes(data)
    elif target is not None:
        target.write(data)
    return data


def layout_document(
    layout: SheetLayout, *, layers: LayoutLayers | None = None, mode: DxfMode = "exploded"
) -> Drawing:
    """Build the layout DXF as an ezdxf document (see :func:`write_layout_dxf`)."""
    names = layers or LayoutLayers()
    doc = ezdxf.new("R2010", setup=False, units=units.MM)
    doc.header.custom_vars.append("nestflow.layout", layout.name)
    doc.header.custom_vars.append("nestflow.quantity", str(layout.quantity))
    for role, colour in _LAYER_COLOURS.items():
        doc.layers.add(getattr(names, role), color=colour)
    msp = doc.modelspace()
    _add_sheet(msp, layout, names)
    if mode == "blocks":
        _add_part_blocks(doc, layout, names)
    else:
        for part in placed_parts(layout):
            _add_part(msp, part, names)
    return doc


def _to_bytes(doc: Drawing) -> bytes:
    stream = io.StringIO()
    doc.write(stream)
    return doc.encode(stream.getvalue())


def _add_sheet(msp: BaseLayout, layout: SheetLayout, names: LayoutLayers) -> None:
    length, height = layout.sheet_length, layout.sheet_height
    _add_rectangle(msp, 0.0, 0.0, length, height, names.sheet)
    left, right, bottom, top = layout.border_gap
    if any(layout.border_gap):
        _add_rectangle(msp, left, bottom, length - right, height - top, names.border)
    if layout.used_length is not None:
        msp.add_line(
            (layout.used_length, 0.0),
            (layout.used_length, height),
            dxfattribs={"layer": names.offcut},
        )


def _add_rectangle(msp: BaseLayout, x0: float, y0: float, x1: float, y1: float, layer: str) -> None:
    msp.add_lwpolyline(
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], close=True, dxfattribs={"layer": layer}
    )


def _add_part(msp: BaseLayout, part: Part, names: LayoutLayers) -> None:
    _add_contour(msp, part.outer, names.cut_outer)
    for hole in part.holes:
        _add_contour(msp, hole, names.cut_inner)
    for mark in part.marks:
        _add_contour(msp, mark, names.mark)


def _add_contour(msp: BaseLayout, contour: Contour, layer: str) -> None:
    """One contour as a CIRCLE when it is a full circle, else as an LWPOLYLINE with bulges."""
    attribs = {"layer": layer}
    vs = contour.vertices
    if _is_circle(contour):
        centre = ((vs[0].x + vs[1].x) / 2.0, (vs[0].y + vs[1].y) / 2.0)
        radius = ((vs[1].x - vs[0].x) ** 2 + (vs[1].y - vs[0].y) ** 2) ** 0.5 / 2.0
        msp.add_circle(centre, radius, dxfattribs=attribs)
    elif len(vs) == 1:
        msp.add_point((vs[0].x, vs[0].y), dxfattribs=attribs)
    else:
        msp.add_lwpolyline(
            [(v.x, v.y, 0.0, 0.0, v.bulge) for v in vs],
            format="xyseb",
            close=contour.closed,
            dxfattribs=attribs,
        )


def _is_circle(contour: Contour) -> bool:
    """Two half circles turning the same way: how readers store a CIRCLE as a contour."""
    vs = contour.vertices
    return (
        contour.closed
        and len(vs) == 2
        and abs(abs(vs[0].bulge) - 1.0) < 1e-9
        and abs(vs[0].bulge - vs[1].bulge) < 1e-9
        and (vs[0].x, vs[0].y) != (vs[1].x, vs[1].y)
    )


def _add_part_blocks(doc: Drawing, layout: SheetLayout, names: LayoutLayers) -> None:
    """One BLOCK per distinct part (its own coordinates), one INSERT per placement."""
    block_names: dict[Part, str] = {}
    msp = doc.modelspace()
    for placement in layout.placements:
        part = placement.part
        if part not in block_names:
            block_names[part] = _block_name(part, len(block_names) + 1)
            _add_part(doc.blocks.new(block_names[part]), part, names)
        # mirror_x(rotate(a)) == rotate(-a) after mirror_x, and an INSERT scales before rotating.
        msp.add_blockref(
            block_names[part],
            (placement.x, placement.y),
            dxfattribs={
                "layer": "0",
                "rotation": -placement.angle if placement.flip else placement.angle,
                "yscale": -1.0 if placement.flip else 1.0,
            },
        )


def _block_name(part: Part, index: int) -> str:
    """A valid, unique block name that still tells an operator which part it is."""
    return f"P{index}_{re.sub(r'[^A-Za-z0-9_-]+', '_', part.name)[:60]}"
