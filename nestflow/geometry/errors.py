"""Why a drawing could not be turned into parts: one exception family, one class per reason.

Every error names the file it comes from (``file``) and carries a message a person can act on, with
the location in millimetres where there is one. ``kind`` is a stable identifier for JSON output and
for mapping failures in a batch (``"open_contour"``, ``"unreadable"``, ...).
"""

from __future__ import annotations

from typing import ClassVar

Point = tuple[float, float]

#: Largest distance (mm) from the origin read, 100 km; see :class:`CoordinateOutOfRange`.
MAX_COORDINATE_MM = 1e8


def format_point(point: Point) -> str:
    """A point as ``(x.xxx, y.yyy)`` in mm, the form every message uses."""
    return f"({point[0]:.3f}, {point[1]:.3f})"


class DrawingError(Exception):
    """A drawing that cannot be read as parts; ``str()`` is ``"<file>: <message>"``.

    Attributes:
        file: Name of the drawing (file name, or the name given for bytes).
        message: What is wrong and where, without the file name.
        kind: Stable identifier of the reason, the same for every instance of a class.
    """

    kind: ClassVar[str] = "drawing_error"

    def __init__(self, file: str, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message


class UnreadableDrawing(DrawingError):
    """Not a DXF file, or damaged beyond what ``ezdxf.recover`` repairs.

    Attributes:
        line: Line of the file where the reader stopped, when ezdxf reports one.
    """

    kind = "unreadable"

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        super().__init__(file, message)
        self.line = line


class FileTooLarge(DrawingError):
    """The file is larger than the configured limit (checked before parsing)."""

    kind = "file_too_large"

    def __init__(self, file: str, size: int, limit: int) -> None:
        super().__init__(
            file, f"file is {size:,} bytes, above the limit of {limit:,} bytes (max_file_bytes)"
        )
        self.size = size
        self.limit = limit


class TooManyEntities(DrawingError):
    """The drawing holds more entities than allowed (block references counted exploded)."""

    kind = "too_many_entities"

    def __init__(self, file: str, limit: int) -> None:
        super().__init__(
            file, f"more than {limit:,} entities (block references exploded; max_entities)"
        )
        self.limit = limit


class NoClosedOutline(DrawingError):
    """No closed contour on a cut layer, so there is no part to cut."""

    kind = "no_closed_outline"


class OpenContour(DrawingError):
    """Cut geometry that does not close: the part would be cut wrong.

    Attributes:
        gaps: End points of each gap, in mm, closest pairs first. A loose end with no partner
            appears as a pair of the same point.
    """

    kind = "open_contour"

    def __init__(self, file: str, message: str, gaps: list[tuple[Point, Point]]) -> None:
        super().__init__(file, message)
        self.gaps = gaps


class SelfIntersection(DrawingError):
    """A contour crosses itself or another contour, or edges branch at one point.

    Attributes:
        location: Where, in mm (from ``shapely.is_valid_reason`` or the branch point).
    """

    kind = "self_intersection"

    def __init__(self, file: str, message: str, location: Point | None) -> None:
        super().__init__(file, message)
        self.location = location


class ZeroArea(DrawingError):
    """A closed contour that encloses no area (a line drawn back and forth, a collapsed loop)."""

    kind = "zero_area"


class PartTooLarge(DrawingError):
    """A part's bounding box exceeds the configured size limit (often a units mistake)."""

    kind = "part_too_large"

    def __init__(self, file: str, size: tuple[float, float], limit: float) -> None:
        super().__init__(
            file,
            f"part is {size[0]:.1f} x {size[1]:.1f} mm, larger than the limit of "
            f"{limit:.1f} mm on its longest side (max_part_size; check the drawing units)",
        )
        self.size = size
        self.limit = limit


class MultipleOutlines(DrawingError):
    """Several separate outlines while ``split_outlines`` is off (one part per file expected)."""

    kind = "multiple_outlines"

    def __init__(self, file: str, count: int) -> None:
        super().__init__(
            file,
            f"{count} separate outlines but one part per file was expected (split_outlines is off)",
        )
        self.count = count


class TruncatedDrawing(UnreadableDrawing):
    """A DXF file that ends before its end-of-file marker, inside a section: it was cut off.

    ``ezdxf.recover`` reads whatever precedes the cut, so without this check a part missing its
    last contours could be cut. Checked on the raw bytes before parsing. A kind of
    :class:`UnreadableDrawing`, so callers handling that one handle this one too.

    Attributes:
        line: Last line of the file.
        section: Name of the section the file ends in (``"ENTITIES"``, ...).
    """

    kind = "truncated"

    def __init__(self, file: str, message: str, line: int, section: str) -> None:
        super().__init__(file, message, line)
        self.section = section


class EntityProblem(DrawingError):
    """An entity whose own values cannot be cut; names it by handle and layer.

    Attributes:
        handle: Handle of the entity (or of the block reference holding it), when it has one.
        layer: Layer of the entity.
    """

    def __init__(self, file: str, message: str, handle: str | None, layer: str) -> None:
        super().__init__(file, message)
        self.handle = handle
        self.layer = layer


class BadCoordinate(EntityProblem):
    """Cut or marking geometry with a NaN or infinite coordinate (or insertion value)."""

    kind = "bad_coordinate"


class CoordinateOutOfRange(BadCoordinate):
    """Cut or marking geometry farther from the origin than :data:`MAX_COORDINATE_MM`.

    A double keeps 53 bits, so at ``|x|`` it resolves steps of about ``|x| * 2**-52``: 0.01 mm
    up to about 4.5e13 mm, and at the issue's 1e17 mm only 16 mm, which turned a 100 mm square
    into 96 x 100. What is computed *from* coordinates loses digits much earlier: areas and the
    containment tests multiply two coordinates, and a 100 mm plate at (1e9, 1e9) mm already has
    its area 0.17 % off, while at 1e8 mm it is within 1e-11. So the bound is 1e8 mm (100 km):
    no sheet-metal drawing is anywhere near it, and everything inside it is read to well under
    0.01 mm. Beyond it the drawing is refused instead of read with its values rounded away.
    A kind of :class:`BadCoordinate`.
    """

    kind = "coordinate_out_of_range"


class OpaqueGeometry(EntityProblem):
    """Geometry on a cut layer that nestflow cannot read as curves, so the part would miss it.

    A proxy entity (an object of another application, drawn only through that application),
    an ACIS body (REGION, 3DSOLID, BODY, SURFACE) or a mesh: cutting the rest would cut a part
    without that geometry.
    """

    kind = "opaque_geometry"


class ZeroRadius(EntityProblem):
    """A CIRCLE or ARC whose radius is zero, negative or not a number: nothing to cut."""

    kind = "zero_radius"


class BlockReferenceProblem(DrawingError):
    """A block reference (INSERT) whose geometry cannot be cut as drawn; names it.

    Attributes:
        block: Name of the block referenced.
        handle: Handle of the INSERT, when it has one.
    """

    def __init__(self, file: str, message: str, block: str, handle: str | None) -> None:
        super().__init__(file, message)
        self.block = block
        self.handle = handle


class ZeroScaleInsert(BlockReferenceProblem):
    """A block reference (INSERT) scaled by 0 on some axis: its content collapses."""

    kind = "zero_scale_insert"


class HoleProblem(DrawingError):
    """A hole the laser cannot cut as drawn: it meets the outline or another hole.

    Attributes:
        part: Name the part would have had (None when the part was not named yet).
        location: A contact point, in mm.
    """

    def __init__(self, file: str, message: str, part: str | None, location: Point) -> None:
        super().__init__(file, message)
        self.part = part
        self.location = location


class HoleOnOutline(HoleProblem):
    """A hole that touches its part's outer contour, at a point or along an edge.

    Along an edge the polygon with its hole is invalid; at a single point it is valid in OGC
    terms, but the laser cannot cut it either (the hole's cut opens the outline, the part falls
    out in pieces or hangs on a web of zero width), so both are rejected.

    Attributes:
        part: Name the part would have had.
        location: A contact point, in mm.
    """

    kind = "hole_on_outline"


class HolesTouch(HoleProblem):
    """Two holes of one part that touch (at a point, along an edge) or overlap.

    Like a hole on the outline, the laser cannot cut it as drawn: the web between the holes has
    no width, so the slug falls out in one odd piece (or the cuts cross). Merge the holes into
    one contour, or move them apart.

    Attributes:
        layers: Layers of the two holes.
    """

    kind = "holes_touch"

    def __init__(
        self,
        file: str,
        message: str,
        part: str | None,
        location: Point,
        layers: tuple[str, str],
    ) -> None:
        super().__init__(file, message, part, location)
        self.layers = layers


class DroppedEntities(UnreadableDrawing):
    """ezdxf dropped entities of a damaged file while loading or repairing it.

    Duplicate handles, invalid splines and other flaws make ezdxf's loader or audit remove the
    entity; reading on would cut the part without it (the issue's 100 mm plate read as its
    20 mm hole). The entities declared in the file are counted from its raw tags and compared
    with those loaded, so whatever the repair was, nothing goes missing silently.

    Attributes:
        lost: Count of the dropped entities per DXF type.
        handles: Handles of dropped entities (those the file gave).
    """

    kind = "dropped_entities"

    def __init__(
        self, file: str, message: str, lost: dict[str, int], handles: tuple[str, ...]
    ) -> None:
        super().__init__(file, message)
        self.lost = lost
        self.handles = handles


class MissingBlock(BlockReferenceProblem):
    """A block reference (INSERT) to a block the drawing does not define: its geometry is lost."""

    kind = "missing_block"


class ExternalReference(DrawingError):
    """A block reference to an external drawing (XREF): its geometry is not in this file.

    Attributes:
        block: Name of the XREF block.
        path: The external file it points to, as the drawing names it.
    """

    kind = "external_reference"

    def __init__(self, file: str, message: str, block: str, path: str) -> None:
        super().__init__(file, message)
        self.block = block
        self.path = path


#: Every error class, for documentation and for the CLI's list of kinds.
ERROR_KINDS: tuple[type[DrawingError], ...] = (
    UnreadableDrawing,
    FileTooLarge,
    TooManyEntities,
    NoClosedOutline,
    OpenContour,
    SelfIntersection,
    ZeroArea,
    PartTooLarge,
    MultipleOutlines,
    TruncatedDrawing,
    BadCoordinate,
    CoordinateOutOfRange,
    ZeroRadius,
    ZeroScaleInsert,
    OpaqueGeometry,
    HoleOnOutline,
    HolesTouch,
    DroppedEntities,
    MissingBlock,
    ExternalReference,
)
