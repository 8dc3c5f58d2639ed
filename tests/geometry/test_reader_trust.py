"""Geometry the laser cannot be trusted with is refused with a typed error naming the place.

Issue 11, item 5: a hole on the outline, NaN/inf coordinates, zero-radius arcs, blocks inserted
at scale 0 and truncated files each fail with their own kind and a message a person can act on.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import ezdxf
import pytest
from ezdxf.document import Drawing

from nestflow.geometry.errors import (
    BadCoordinate,
    HoleOnOutline,
    TruncatedDrawing,
    UnreadableDrawing,
    ZeroRadius,
    ZeroScaleInsert,
)
from nestflow.geometry.reader import read_drawing, read_one

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def dxf_text(draw: Callable[[Drawing], object]) -> str:
    """The DXF text of a new mm drawing after ``draw(doc)`` added its entities."""
    doc = ezdxf.new("R2010", units=4)
    draw(doc)
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue()


def plate(doc: Drawing, layer: str = "0") -> None:
    """A 100 x 60 plate."""
    doc.modelspace().add_lwpolyline(
        [(0, 0), (100, 0), (100, 60), (0, 60)], close=True, dxfattribs={"layer": layer}
    )


def only_failure(data: bytes | str, name: str) -> tuple[str, str]:
    """``(kind, message)`` of the one failure ``read_one`` reports for the drawing."""
    one = read_one(data.encode() if isinstance(data, str) else data, name=name)
    assert one.parts == []
    [failure] = one.failures
    assert failure.file == name
    return failure.kind, failure.message


def replace_tag(text: str, code: int, old: str, new: str) -> str:
    """Replace the first ``code / old`` tag pair of a DXF text by ``code / new``."""
    pattern = re.compile(rf"\n *{code}\n{re.escape(old)}\n")
    changed, count = pattern.subn(f"\n{code:>3}\n{new}\n", text, count=1)
    assert count == 1, f"no tag {code} / {old}"
    return changed


# --- 1. a hole on the outline ----------------------------------------------------------------


def test_hole_running_along_the_outline_is_refused_naming_part_layers_and_place() -> None:
    def draw(doc: Drawing) -> None:
        plate(doc, "OUTER")
        doc.modelspace().add_lwpolyline(
            [(0, 20), (20, 20), (20, 40), (0, 40)], close=True, dxfattribs={"layer": "HOLES"}
        )

    with pytest.raises(HoleOnOutline) as caught:
        read_drawing(dxf_text(draw).encode(), name="hole_on_edge.dxf")
    error = caught.value
    assert error.kind == "hole_on_outline" and error.part == "hole_on_edge"
    assert error.location[0] == 0.0 and error.location[1] in (20.0, 40.0)
    assert "part 'hole_on_edge'" in error.message
    assert "layer 'HOLES'" in error.message and "layer 'OUTER'" in error.message
    assert "runs along it for 20.000 mm from (0.000, " in error.message
    assert str(error).startswith("hole_on_edge.dxf: ")
    assert only_failure(dxf_text(draw), "hole_on_edge.dxf")[0] == "hole_on_outline"


def test_hole_touching_the_outline_at_one_point_is_refused_too() -> None:
    """Valid in OGC terms, but the laser cannot cut it: the reader refuses it as well."""

    def draw(doc: Drawing) -> None:
        plate(doc)
        doc.modelspace().add_lwpolyline([(0, 30), (10, 20), (20, 30), (10, 40)], close=True)

    kind, message = only_failure(dxf_text(draw), "diamond.dxf")
    assert kind == "hole_on_outline"
    assert "part 'diamond'" in message and "touches it at (0.000, 30.000)" in message


def test_hole_near_but_off_the_outline_is_still_read() -> None:
    def draw(doc: Drawing) -> None:
        plate(doc)
        doc.modelspace().add_lwpolyline([(0.5, 20), (20, 20), (20, 40), (0.5, 40)], close=True)

    (part,) = read_drawing(dxf_text(draw).encode(), name="near.dxf")
    assert len(part.holes) == 1


def test_hole_of_the_second_part_names_that_part() -> None:
    def draw(doc: Drawing) -> None:
        plate(doc)
        msp = doc.modelspace()
        msp.add_lwpolyline([(200, 0), (250, 0), (250, 40), (200, 40)], close=True)
        msp.add_circle((210, 20), 10)  # tangent to the small plate's left edge at (200, 20)

    kind, message = only_failure(dxf_text(draw), "two.dxf")
    assert kind == "hole_on_outline"
    assert "part 'two-2'" in message and "(200.000, 20.000)" in message


# --- 2. NaN and infinite coordinates ---------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_coordinate_is_refused_naming_handle_and_layer(value: str) -> None:
    handles: list[str] = []

    def draw(doc: Drawing) -> None:
        plate(doc, "CUT")
        circle = doc.modelspace().add_circle((50, 30), 10, dxfattribs={"layer": "CUT"})
        handles.append(circle.dxf.handle)

    text = replace_tag(dxf_text(draw), 10, "50.0", value)
    with pytest.raises(BadCoordinate) as caught:
        read_drawing(text.encode(), name="nan.dxf")
    error = caught.value
    assert error.kind == "bad_coordinate"
    assert error.handle == handles[0] and error.layer == "CUT"
    assert f"CIRCLE #{handles[0]} on layer 'CUT'" in error.message
    assert "NaN or infinite coordinate" in error.message


def test_non_finite_line_end_is_refused() -> None:
    handles: list[str] = []

    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        corners = [(0, 0), (100, 0), (100, 60), (0, 60)]
        for k, start in enumerate(corners):
            line = msp.add_line(start, corners[(k + 1) % 4], dxfattribs={"layer": "CUT"})
            handles.append(line.dxf.handle)

    text = replace_tag(dxf_text(draw), 11, "100.0", "inf")
    kind, message = only_failure(text, "lines.dxf")
    assert kind == "bad_coordinate"
    assert f"LINE #{handles[0]} on layer 'CUT'" in message


@pytest.mark.parametrize(
    ("dxftype", "code", "old"), [("ELLIPSE", 10, "50.0"), ("SPLINE", 11, "20.0")]
)
def test_non_finite_ellipse_or_spline_is_refused_before_flattening(
    dxftype: str, code: int, old: str
) -> None:
    """ezdxf's flattening recurses without end on a NaN ellipse: the check comes first."""
    handles: list[str] = []

    def draw(doc: Drawing) -> None:
        plate(doc)
        msp = doc.modelspace()
        if dxftype == "ELLIPSE":
            entity = msp.add_ellipse((50, 30), (10, 0), 0.5)
        else:
            entity = msp.add_spline([(10, 10), (20, 30), (40, 20), (50, 40)])
        handles.append(entity.dxf.handle)

    text = replace_tag(dxf_text(draw), code, old, "nan")
    kind, message = only_failure(text, "curve.dxf")
    assert kind == "bad_coordinate"
    assert f"{dxftype} #{handles[0]} on layer '0'" in message


def test_non_finite_insertion_point_names_the_block_reference() -> None:
    handles: list[str] = []

    def draw(doc: Drawing) -> None:
        plate(doc)
        doc.blocks.new("SLOT").add_circle((0, 0), 5)
        handles.append(doc.modelspace().add_blockref("SLOT", (50, 30)).dxf.handle)

    text = replace_tag(dxf_text(draw), 10, "50.0", "nan")
    kind, message = only_failure(text, "insert_nan.dxf")
    assert kind == "bad_coordinate"
    assert f"block 'SLOT' (INSERT #{handles[0]}, layer '0')" in message


# --- 3. zero radius --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dxftype", "radius", "shown"),
    [("CIRCLE", "0.0", "radius 0"), ("ARC", "-5.0", "radius -5"), ("CIRCLE", "nan", "radius nan")],
)
def test_circle_or_arc_without_a_positive_radius_is_refused(
    dxftype: str, radius: str, shown: str
) -> None:
    handles: list[str] = []

    def draw(doc: Drawing) -> None:
        plate(doc, "CUT")
        msp = doc.modelspace()
        attribs = {"layer": "CUT"}
        if dxftype == "CIRCLE":
            entity = msp.add_circle((50, 30), 7, dxfattribs=attribs)
        else:
            entity = msp.add_arc((50, 30), 7, 0, 90, dxfattribs=attribs)
        handles.append(entity.dxf.handle)

    text = replace_tag(dxf_text(draw), 40, "7.0", radius)
    with pytest.raises(ZeroRadius) as caught:
        read_drawing(text.encode(), name="round.dxf")
    error = caught.value
    assert error.kind == "zero_radius" and error.handle == handles[0] and error.layer == "CUT"
    assert f"{dxftype} #{handles[0]} on layer 'CUT' has {shown}" in error.message


def test_zero_radius_on_an_excluded_layer_is_not_cut_and_not_refused() -> None:
    def draw(doc: Drawing) -> None:
        plate(doc)
        doc.modelspace().add_circle((50, 30), 7, dxfattribs={"layer": "CONSTRUCTION"})

    text = replace_tag(dxf_text(draw), 40, "7.0", "0.0")
    (part,) = read_drawing(text.encode(), name="construction.dxf")
    assert part.holes == ()


# --- 4. blocks inserted at scale 0 -----------------------------------------------------------


@pytest.mark.parametrize(("code", "axis"), [(41, "x"), (42, "y"), (43, "z")])
def test_block_inserted_at_scale_zero_is_refused_naming_block_and_insert(
    code: int, axis: str
) -> None:
    handles: list[str] = []

    def draw(doc: Drawing) -> None:
        plate(doc)
        doc.blocks.new("TAB").add_lwpolyline([(0, 0), (20, 0), (20, 10), (0, 10)], close=True)
        insert = doc.modelspace().add_blockref("TAB", (10, 10), dxfattribs={"layer": "PARTS"})
        insert.dxf.xscale = insert.dxf.yscale = insert.dxf.zscale = 2.0
        handles.append(insert.dxf.handle)

    # ezdxf's attribute setter repairs a zero scale, so the zero is written into the text.
    text = replace_tag(dxf_text(draw), code, "2.0", "0.0")
    with pytest.raises(ZeroScaleInsert) as caught:
        read_drawing(text.encode(), name="tab.dxf")
    error = caught.value
    assert error.kind == "zero_scale_insert"
    assert error.block == "TAB" and error.handle == handles[0]
    assert f"block 'TAB' (INSERT #{handles[0]}, layer 'PARTS')" in error.message
    assert f"scaled by 0 on the {axis} axis" in error.message


# --- 5. truncated files ----------------------------------------------------------------------


def test_file_cut_in_the_middle_of_its_entities_is_truncated() -> None:
    def draw(doc: Drawing) -> None:
        plate(doc)
        for k in range(4):
            doc.modelspace().add_circle((15 + 23 * k, 30), 5)

    text = dxf_text(draw)
    entities = text.index("ENTITIES")
    cut = text.index("CIRCLE", entities) + 60  # inside the first circle's tags
    data = text[:cut].encode()
    with pytest.raises(TruncatedDrawing) as caught:
        read_drawing(data, name="cut.dxf")
    error = caught.value
    assert isinstance(error, UnreadableDrawing)  # callers handling unreadable files see it too
    assert error.kind == "truncated" and error.section == "ENTITIES"
    assert error.line == data.rstrip().count(b"\n") + 1
    assert "the file is truncated" in error.message
    assert f"at line {error.line} inside the ENTITIES section" in error.message
    kind, message = only_failure(data, "cut.dxf")
    assert kind == "truncated" and "truncated" in message


def test_file_cut_after_the_entities_section_is_truncated_in_the_next_one() -> None:
    text = dxf_text(plate)
    objects = text.index("OBJECTS")
    kind, message = only_failure(text[: objects + 200], "objects.dxf")
    assert kind == "truncated" and "inside the OBJECTS section" in message


# --- the good examples are still good --------------------------------------------------------


GOOD_EXAMPLES = sorted(
    path for path in EXAMPLES.glob("*.dxf") if path.name != "broken_open_contour.dxf"
)


def test_there_are_good_examples_to_read() -> None:
    assert len(GOOD_EXAMPLES) >= 8


@pytest.mark.parametrize("path", GOOD_EXAMPLES, ids=lambda path: path.name)
def test_good_examples_still_read_without_failure(path: Path) -> None:
    one = read_one(path)
    assert one.failures == [] and one.parts
