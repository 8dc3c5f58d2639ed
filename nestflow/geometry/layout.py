"""Nested sheet layouts: the placement model and the layout DXF a cutting machine's CAM imports.

A :class:`SheetLayout` is one sheet with parts placed on it by AlmaCAM's rule (rotate about the
part's own (0, 0) counter-clockwise, then mirror about the x axis when flipped, then translate).
:func:`write_layout_dxf` turns it into an R2010 DXF in millimetres:

========================  =====================================================================
layer (default name)      content
========================  =====================================================================
``CUT``                   outer contour of every placed part (closed LWPOLYLINE, or CIRCLE)
``CUT_INNER``             holes of every placed part (closed LWPOLYLINE, or CIRCLE)
``MARK``                  etch/marking paths and engraving text (TEXT, readable on flipped
                          parts too) that travel with the parts (never cut)
``SHEET``                 the sheet outline, (0, 0) to (sheet length, sheet height)
``SHEET_BORDER``          the usable area inside the border gap (only when a gap is set)
``OFFCUT``                the vertical offcut line at x = used length (only when known)
``LABELS``                ``"<part name> #<n>"`` inside every placed part, n = 1.. in placement
                          order; only ``"#<n>"`` where the name would be too small to read, and
                          then a table ``"#<n> = <part name>"`` above the sheet (never cut)
========================  =====================================================================

With a :class:`LayoutInfo`, job, material, thickness, gas, sheet and quantity also travel in the
header as custom properties (``$CUSTOMPROPERTY``), and :func:`layout_file_name` puts them into the
file's name, so a sheet identifies itself both inside and outside the CAM.

Arcs stay arcs (LWPOLYLINE bulges are exact) and every entity keeps the extrusion (0, 0, 1): the
geometry is written from already-placed vertices, and a flip negates the bulges instead of
mirroring the entity, so no CAM importer has to deal with mirrored object coordinate systems.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import BinaryIO, Literal

import ezdxf
from ezdxf import units
from ezdxf.document import Drawing
from ezdxf.enums import TextEntityAlignment
from ezdxf.layouts import BaseLayout
from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveFloat, model_validator

from nestflow.geometry.models import Contour, MarkText, Part

#: How far (mm) the offcut may lie beyond the sheet end before a layout is rejected as inconsistent.
LENGTH_TOLERANCE = 1e-6
#: Largest label height (mm): bigger text helps nobody and crowds neighbouring parts.
LABEL_MAX_HEIGHT = 10.0
#: Smallest label height (mm) still readable on a sheet; below it only the number is written.
LABEL_MIN_HEIGHT = 2.0
#: Label height as a share of the placed part's smaller bounding-box side.
LABEL_SIZE_SHARE = 0.3
#: Rough width of one character as a share of the text height (the usual CAM/CAD fonts).
_CHAR_WIDTH = 0.6
#: Height (mm) of the lines of the numbers table above the sheet.
TABLE_TEXT_HEIGHT = 8.0


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
    labels: str = "LABELS"


#: ACI colours per layer role, the usual CAM reading: cut white, inner cut blue, marking green.
_LAYER_COLOURS = {
    "cut_outer": 7,
    "cut_inner": 5,
    "mark": 3,
    "sheet": 8,
    "border": 9,
    "offcut": 1,
    "labels": 2,
}

DxfMode = Literal["exploded", "blocks"]


class LayoutInfo(BaseModel):
    """What a sheet is for: written into the layout DXF's header and its file name."""

    model_config = ConfigDict(frozen=True)

    job: str = Field(min_length=1, description="Job (order) the sheet belongs to.")
    material: str = Field(min_length=1, description="Material, e.g. '1.4301' or 'S235JR'.")
    thickness: PositiveFloat = Field(description="Sheet thickness (mm).")
    gas: str = Field(min_length=1, description="Cutting gas, e.g. 'N2' or 'O2'.")
    sheet: str = Field(min_length=1, description="Sheet name (the layout or stock sheet).")
    quantity: int = Field(default=1, ge=1, description="How many identical sheets to cut.")


def layout_file_name(info: LayoutInfo, index: int) -> str:
    """A file name that says what the sheet is, e.g. ``A17-S235JR-2mm-O2-sheet-1-x3-01.dxf``.

    Args:
        info: Job, material, thickness, gas, sheet and quantity.
        index: Running number of the sheet in its job (written with at least two digits).

    Returns:
        ``<job>-<material>-<thickness>mm-<gas>-<sheet>-x<quantity>-<nn>.dxf``; every run of
        characters other than ASCII letters, digits, ``.``, ``+``, ``-`` and ``_`` becomes ``_``,
        so the name is safe on Windows, Linux and a machine controller's USB stick.
    """
    fields = (info.job, stock_label(info), info.sheet, f"x{info.quantity}", f"{index:02d}")
    return "-".join(_file_name_safe(f) for f in fields) + ".dxf"


def stock_label(info: LayoutInfo) -> str:
    """What the sheet is cut from, for a file name: ``<material>-<thickness>mm-<gas>``.

    Each field is made file-name safe as in :func:`layout_file_name`, e.g. ``S235JR-2.5mm-O2``.
    """
    fields = (info.material, f"{info.thickness:g}mm", info.gas)
    return "-".join(_file_name_safe(f) for f in fields)


def _file_name_safe(text: str) -> str:
    # Leading/trailing dots are stripped too: a field of ".." must not read as a parent folder.
    cleaned = re.sub(r"[^A-Za-z0-9.+_-]+", "_", text).strip(".")
    return cleaned or "_"


def placed_parts(layout: SheetLayout) -> list[Part]:
    """Every part of the layout in sheet coordinates, in placement order."""
    return [p.placed_part() for p in layout.placements]


def write_layout_dxf(
    layout: SheetLayout,
    target: Path | str | BinaryIO | None = None,
    *,
    layers: LayoutLayers | None = None,
    mode: DxfMode = "exploded",
    labels: bool = True,
    info: LayoutInfo | None = None,
) -> bytes:
    """Write the layout as an R2010 DXF in millimetres.

    Args:
        layout: The sheet and its placements.
        target: A file path or a binary stream to write to; ``None`` only returns the bytes.
        layers: Layer names; :class:`LayoutLayers` defaults when ``None``.
        mode: ``"exploded"`` (default, what CAM importers expect) writes every placed contour;
            ``"blocks"`` writes one BLOCK per distinct part and one INSERT per placement
            (smaller files; a flip becomes ``yscale = -1`` with the rotation negated).
        labels: Write ``"<part name> #<n>"`` inside every placed part on the labels layer (and
            the numbers table for parts too small for their name).
        info: Job, material, thickness, gas, sheet and quantity for the header; ``None`` writes
            only the layout name and quantity.

    Returns:
        The DXF file's bytes (UTF-8 text). Header timestamps and GUIDs make them differ between
        calls for the same layout; compare entities, not bytes.
    """
    data = _to_bytes(layout_document(layout, layers=layers, mode=mode, labels=labels, info=info))
    if isinstance(target, (str, Path)):
        Path(target).write_bytes(data)
    elif target is not None:
        target.write(data)
    return data


def layout_document(
    layout: SheetLayout,
    *,
    layers: LayoutLayers | None = None,
    mode: DxfMode = "exploded",
    labels: bool = True,
    info: LayoutInfo | None = None,
) -> Drawing:
    """Build the layout DXF as an ezdxf document (see :func:`write_layout_dxf`).

    Raises:
        ValueError: ``info`` gives another quantity than the layout (header and file name
            would contradict each other).
    """
    if info is not None and info.quantity != layout.quantity:
        raise ValueError(
            f"layout {layout.name!r}: info quantity {info.quantity} differs from the layout's "
            f"{layout.quantity}"
        )
    names = layers or LayoutLayers()
    doc = ezdxf.new("R2010", setup=False, units=units.MM)
    doc.header.custom_vars.append("nestflow.layout", layout.name)
    properties = header_properties(info) if info else {"nestflow.quantity": str(layout.quantity)}
    for key, value in properties.items():
        doc.header.custom_vars.append(key, value)
    for role, colour in _LAYER_COLOURS.items():
        doc.layers.add(getattr(names, role), color=colour)
    msp = doc.modelspace()
    _add_sheet(msp, layout, names)
    if mode == "blocks":
        _add_part_blocks(doc, layout, names)
    else:
        for part in placed_parts(layout):
            _add_part(msp, part, names)
    for placement in layout.placements:
        _add_mark_texts(msp, placement, names.mark)
    if labels:
        _add_labels(msp, layout, names.labels)
    return doc


def header_properties(info: LayoutInfo) -> dict[str, str]:
    """The custom properties (``$CUSTOMPROPERTY``) a layout DXF's header carries for ``info``."""
    return {
        "nestflow.quantity": str(info.quantity),
        "nestflow.job": info.job,
        "nestflow.material": info.material,
        "nestflow.thickness": f"{info.thickness:g}",
        "nestflow.gas": info.gas,
        "nestflow.sheet": info.sheet,
    }


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


def _add_mark_texts(msp: BaseLayout, placement: Placement, layer: str) -> None:
    """The placed part's engraving as TEXT in sheet coordinates, in either DXF mode.

    The alignment point moves with the geometry, but a flipped part's text is not mirrored:
    :meth:`MarkText.transformed` keeps it upright over the area the mirrored text would cover
    (a laser engraving mirror writing helps nobody, and a CAM importer may not mirror TEXT the
    way it mirrors curves). For the same reason the text never goes into a part's block: the
    INSERT of a flipped placement (``yscale = -1``) would mirror its glyphs, and one block serves
    flipped and unflipped placements alike.
    """
    for text in placement.part.mark_texts:
        placed = text.transformed(placement.angle, placement.flip, placement.x, placement.y)
        _add_text(
            msp,
            placed.text,
            (placed.x, placed.y),
            placed.height,
            layer,
            _text_alignment(placed),
            rotation=placed.rotation,
            width=placed.width_factor,
        )


def _text_alignment(text: MarkText) -> TextEntityAlignment:
    """The TEXT alignment of a mark text (``"LEFT"`` for left/baseline, ``"TOP_RIGHT"``, ...)."""
    if text.valign == "baseline":
        return TextEntityAlignment[text.halign.upper()]
    return TextEntityAlignment[f"{text.valign}_{text.halign}".upper()]


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


def _add_labels(msp: BaseLayout, layout: SheetLayout, layer: str) -> None:
    """One TEXT per placement inside its part, and the numbers table for parts named by number.

    The inside point is found once per distinct part (a shapely polygon per placement would cost
    seconds on a 1500-part sheet) and moved by the placement rule: an affine map keeps a point
    that lies inside the part inside the placed part.
    """
    anchors: dict[Part, tuple[float, float]] = {}
    numbered_only: list[tuple[int, str]] = []
    for number, placement in enumerate(layout.placements, start=1):
        part = placement.part
        if part not in anchors:
            inside = part.to_shapely(chord_tolerance=0.1).representative_point()
            anchors[part] = (inside.x, inside.y)
        box = placement.placed_part().bbox
        text = f"{part.name} #{number}"
        height = _label_height(text, box.width, box.height)
        if height < LABEL_MIN_HEIGHT:
            text = f"#{number}"
            height = _label_height(text, box.width, box.height)
            numbered_only.append((number, part.name))
        _add_text(msp, text, _placed_point(anchors[part], placement), height, layer)
    _add_numbers_table(msp, layout, numbered_only, layer)


def _label_height(text: str, width: float, height: float) -> float:
    """The largest text height (up to the maximum) whose text fits the part's bounding box."""
    return min(
        LABEL_MAX_HEIGHT,
        LABEL_SIZE_SHARE * min(width, height),
        0.9 * width / (_CHAR_WIDTH * len(text)),
    )


def _placed_point(point: tuple[float, float], placement: Placement) -> tuple[float, float]:
    """The placement rule (rotate about (0, 0), mirror about x, translate) for one point."""
    angle = math.radians(placement.angle)
    c, s = math.cos(angle), math.sin(angle)
    x = point[0] * c - point[1] * s
    y = point[0] * s + point[1] * c
    if placement.flip:
        y = -y
    return x + placement.x, y + placement.y


def _add_numbers_table(
    msp: BaseLayout, layout: SheetLayout, rows: list[tuple[int, str]], layer: str
) -> None:
    """``"#<n> = <part name>"`` lines above the sheet's top edge, read top-down like a list.

    Above the sheet, so the table never lies on material and cannot be mistaken for a part label.
    """
    line = 1.5 * TABLE_TEXT_HEIGHT
    for row, (number, name) in enumerate(rows):
        point = (0.0, layout.sheet_height + line * (len(rows) - row))
        _add_text(
            msp, f"#{number} = {name}", point, TABLE_TEXT_HEIGHT, layer, TextEntityAlignment.LEFT
        )


def _add_text(
    msp: BaseLayout,
    text: str,
    point: tuple[float, float],
    height: float,
    layer: str,
    align: TextEntityAlignment = TextEntityAlignment.MIDDLE_CENTER,
    *,
    rotation: float = 0.0,
    width: float = 1.0,
) -> None:
    attribs = {"layer": layer, "height": height}
    # Only where they differ from the DXF defaults, so labels are written as they always were.
    attribs |= {"rotation": rotation} if rotation else {}
    attribs |= {"width": width} if width != 1.0 else {}
    msp.add_text(text, dxfattribs=attribs).set_placement(point, align=align)
