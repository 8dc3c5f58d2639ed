"""Pictures of nested sheets: a sheet rebuilt from a layout file's outlines, thumbnails, data URIs.

Every engine's layouts get a PNG: AlmaCAM draws its own, the local engine's sheets are rendered by
:func:`nestflow.geometry.preview.render_layout_png`, and a layout that exists only as a file
(CloudNest's DXF) is rebuilt from the outlines the safety gate read, each outline named after the
part of the layout whose area it has (the same part colours as every other picture). Our own
pictures carry a title (:func:`picture_title`) and each part's name or legend number.

The Prefect UI shows a report's pictures only when they are inside the markdown (a ``file://`` link
to a worker's disk opens nothing in a browser), so the report embeds small thumbnails as
``data:image/png;base64`` URIs.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence

from PIL import Image
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from nestflow.geometry.layout import Placement, SheetLayout
from nestflow.geometry.models import Contour, Part, Vertex
from nestflow.report.models import LayoutRow

#: Pixels along the longer side of a report thumbnail: readable in the UI, a few tens of KB.
THUMBNAIL_PX = 600
#: Colours of a thumbnail's palette: flat part fills need few, and a palette PNG is small.
THUMBNAIL_COLOURS = 64
#: Name of an outline whose area matches no part of its layout.
UNKNOWN_PART = "?"
#: Relative area difference within which an outline is taken for a part.
AREA_TOLERANCE = 0.02


def thumbnail_png(png: bytes, max_px: int = THUMBNAIL_PX) -> bytes:
    """A small palette PNG of a picture, its longer side at most ``max_px`` pixels.

    Args:
        png: Any PNG (an engine's preview or our own rendering).
        max_px: Longest side of the thumbnail; a smaller picture keeps its size.

    Returns:
        The thumbnail's PNG bytes.
    """
    with Image.open(io.BytesIO(png)) as image:
        small = image.convert("RGB")
    small.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    small = small.quantize(colors=THUMBNAIL_COLOURS)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def picture_title(rows: Sequence[LayoutRow], index: int, job: str = "", material: str = "") -> str:
    """The title line of a layout's picture: job, material, thickness, which sheet, format.

    Args:
        rows: Every layout of the engine, in order (the sheets are counted over all of them).
        index: The layout pictured (0-based).
        job: The job, when the layout's ``info`` does not say it.
        material: Material and thickness, when the layout's ``info`` does not say them.

    Returns:
        e.g. ``A17 · S235JR 3 mm · sheet 2 of 4, 3000 x 1500 mm``; a layout cut on several
        sheets says ``sheets 2-3 of 4``.
    """
    row = rows[index]
    if row.info is not None:
        job, material = row.info.job, f"{row.info.material} {row.info.thickness:g} mm"
    first = 1 + sum(r.quantity for r in rows[:index])
    last, total = first + row.quantity - 1, sum(r.quantity for r in rows)
    which = f"sheet {first}" if last == first else f"sheets {first}-{last}"
    size = f"{row.sheet_length:g} x {row.sheet_height:g} mm"
    return " \u00b7 ".join(t for t in (job, material, f"{which} of {total}, {size}") if t)


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...``: a picture a browser shows with no file to fetch."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def outline_sheet(
    sheet: SheetLayout,
    outlines: Sequence[Polygon],
    counts: Mapping[str, int],
    areas: Mapping[str, float],
) -> SheetLayout:
    """A layout known only as outlines (a vendor's file), as a sheet of named parts to draw.

    Each outline is named after the part of the layout (``counts``) whose net area is nearest to
    its own, within :data:`AREA_TOLERANCE`, while copies of it are left; else ``"?"``.

    Args:
        sheet: The sheet (size, quantity, border gap, used length); its placements are ignored.
        outlines: The placed parts as read from the file (holes included).
        counts: Part name -> copies on the sheet, as the engine reports them.
        areas: Part name -> net area of one copy (mm²).

    Returns:
        ``sheet`` with one placement (at the origin, already placed) per outline.
    """
    left = {name: count for name, count in counts.items() if name in areas}
    placements = []
    for outline in outlines:
        name = _nearest_part(outline.area, left, areas)
        if name != UNKNOWN_PART:
            left[name] -= 1
        placements.extend(Placement(part=part) for part in _parts(outline, name))
    return sheet.model_copy(update={"placements": tuple(placements)})


def _nearest_part(area: float, left: Mapping[str, int], areas: Mapping[str, float]) -> str:
    candidates = [name for name, count in left.items() if count > 0]
    if not candidates or area <= 0:
        return UNKNOWN_PART
    name = min(candidates, key=lambda n: abs(areas[n] - area))
    return name if abs(areas[name] - area) <= AREA_TOLERANCE * area else UNKNOWN_PART


def _parts(outline: Polygon, name: str) -> list[Part]:
    """The outline as parts (a multi-polygon, e.g. after ``buffer(0)``, gives one per piece)."""
    pieces = list(getattr(outline, "geoms", [outline]))
    return [
        Part(
            name=name,
            source="",
            # Outer counter-clockwise, holes clockwise: how the preview fills a part with holes.
            outer=_contour(orient(piece, 1.0).exterior.coords),
            holes=tuple(_contour(ring.coords) for ring in orient(piece, 1.0).interiors),
        )
        for piece in pieces
        if isinstance(piece, Polygon) and not piece.is_empty
    ]


def _contour(coords: Sequence[tuple[float, ...]]) -> Contour:
    # shapely repeats the first point at the end of a ring; a closed Contour does not.
    return Contour(vertices=tuple(Vertex(x=c[0], y=c[1]) for c in list(coords)[:-1]))


def is_png(data: bytes) -> bool:
    """True when ``data`` starts with the PNG signature."""
    return data.startswith(b"\x89PNG\r\n\x1a\n")
