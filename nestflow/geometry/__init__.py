"""Sheet-metal geometry: DXF drawings in, parts with exact arcs, nested layouts out.

``render_layout_png`` lives in :mod:`nestflow.geometry.preview` and is imported from there, so that
reading drawings does not load matplotlib.
"""

from nestflow.geometry.encoding import (
    ContourEncodingError,
    contour_from_almacam,
    contour_to_almacam,
)
from nestflow.geometry.errors import (
    DrawingError,
    FileTooLarge,
    MultipleOutlines,
    NoClosedOutline,
    OpenContour,
    PartTooLarge,
    SelfIntersection,
    TooManyEntities,
    UnreadableDrawing,
    ZeroArea,
)
from nestflow.geometry.inspect import FailureRecord, InspectReport, PartRecord, inspect_drawings
from nestflow.geometry.layers import LayerRole, LayerRules
from nestflow.geometry.layout import (
    LayoutInfo,
    LayoutLayers,
    Placement,
    SheetLayout,
    layout_file_name,
    placed_parts,
    stock_label,
    write_layout_dxf,
)
from nestflow.geometry.manifest import ManifestError, ManifestLine, read_manifest
from nestflow.geometry.models import BoundingBox, Contour, Part, Vertex
from nestflow.geometry.reader import (
    BatchResult,
    DrawingFailure,
    ReadOptions,
    drawing_files,
    read_batch,
    read_drawing,
    read_one,
)

__all__ = [
    "BatchResult",
    "BoundingBox",
    "Contour",
    "ContourEncodingError",
    "DrawingError",
    "DrawingFailure",
    "FailureRecord",
    "FileTooLarge",
    "InspectReport",
    "LayerRole",
    "LayerRules",
    "LayoutInfo",
    "LayoutLayers",
    "ManifestError",
    "ManifestLine",
    "MultipleOutlines",
    "NoClosedOutline",
    "OpenContour",
    "Part",
    "PartRecord",
    "PartTooLarge",
    "Placement",
    "ReadOptions",
    "SelfIntersection",
    "SheetLayout",
    "TooManyEntities",
    "UnreadableDrawing",
    "Vertex",
    "ZeroArea",
    "contour_from_almacam",
    "contour_to_almacam",
    "drawing_files",
    "inspect_drawings",
    "layout_file_name",
    "stock_label",
    "placed_parts",
    "read_batch",
    "read_drawing",
    "read_manifest",
    "read_one",
    "write_layout_dxf",
]
