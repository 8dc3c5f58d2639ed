"""Shared fixtures of the geometry tests: DXF reader drawings first, then layout fixtures."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import ezdxf
import pytest
from ezdxf.document import Drawing

# --- DXF reader fixtures: drawings built with ezdxf in tmp_path, small enough to reason about ---

MakeDxf = Callable[..., Path]


def _example_generator():
    path = Path(__file__).resolve().parents[2] / "examples" / "generate.py"
    spec = importlib.util.spec_from_file_location("examples_generate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: ``rounded_rect(x, y, w, h, r)``: counter-clockwise rounded rectangle as LWPOLYLINE ``xyb``
#: points (R corners as quarter-circle bulges), the example generator's own.
rounded_rect = _example_generator().rounded_rect


@pytest.fixture
def make_dxf(tmp_path: Path) -> MakeDxf:
    """Write a drawing: ``make_dxf(draw, name="part.dxf", units=4)``.

    ``draw(doc)`` adds entities to ``doc.modelspace()`` (and blocks to ``doc.blocks``);
    ``units`` is ``$INSUNITS`` (4 = mm, 1 = inch, 0 = unitless).
    """

    def build(
        draw: Callable[[Drawing], object] | None = None, *, name: str = "part.dxf", units: int = 4
    ) -> Path:
        doc = ezdxf.new("R2010", units=units)
        if draw is not None:
            draw(doc)
        path = tmp_path / name
        doc.saveas(path)
        return path

    return build


@pytest.fixture
def draw_plate() -> Callable[[Drawing], None]:
    """Draws the 300 x 200 plate with R10 corners (LWPOLYLINE) and a D40 hole (CIRCLE)."""

    def draw(doc: Drawing) -> None:
        msp = doc.modelspace()
        msp.add_lwpolyline(rounded_rect(0, 0, 300, 200, 10), format="xyb", close=True)
        msp.add_circle((150, 100), 20)

    return draw


@pytest.fixture
def plate_dxf(make_dxf: MakeDxf, draw_plate: Callable[[Drawing], None]) -> Path:
    """The plate drawing, in mm."""
    return make_dxf(draw_plate, name="plate.dxf")


@pytest.fixture
def square_block() -> Callable[[Drawing], None]:
    """Defines block ``SQ``: a 20 x 10 rectangle with an R2 hole at (5, 5), on layer 0.

    The rectangle's corner (20, 0) -> (20, 10) is a CCW half-round (bulge 1) so arcs are
    present after every transformation.
    """

    def define(doc: Drawing) -> None:
        block = doc.blocks.new("SQ")
        block.add_lwpolyline(
            [(0, 0, 0), (20, 0, 1.0), (20, 10, 0), (0, 10, 0)], format="xyb", close=True
        )
        block.add_circle((5, 5), 2)

    return define


# --- layout, preview and example fixtures ------------------------------------------------------
# Appended by the layout helper; its imports stay here so both helpers only ever append.

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from nestflow.geometry.layout import Placement, SheetLayout  # noqa: E402
from nestflow.geometry.models import Contour, Part, Vertex  # noqa: E402


def _contour(*points: tuple[float, float, float], closed: bool = True) -> Contour:
    return Contour(vertices=tuple(Vertex(x=x, y=y, bulge=b) for x, y, b in points), closed=closed)


def _circle(cx: float, cy: float, r: float, ccw: bool) -> Contour:
    b = 1.0 if ccw else -1.0
    return _contour((cx - r, cy, b), (cx + r, cy, b))


@pytest.fixture
def bracket_part() -> Part:
    """180 x 120 plate, R10 corners, a 13 mm hole, an obround slot, one etch line."""
    slot = _contour((75, 80, 0), (105, 80, 1.0), (105, 90, 0), (75, 90, 1.0)).oriented(ccw=False)
    return Part(
        name="bracket",
        source="bracket.dxf",
        outer=_contour(*rounded_rect(0, 0, 180, 120, 10)),
        holes=(_circle(25, 25, 6.5, ccw=False), slot),
        marks=(_contour((60, 40, 0), (120, 40, 0), closed=False),),
    )


@pytest.fixture
def d_part() -> Part:
    """An asymmetric part with one arc edge and an off-centre hole: a flip changes its shape."""
    outer = _contour((0, 0, 0), (80, 0, 0.5), (80, 50, 0), (20, 50, 0), (0, 30, 0))
    return Part(name="d-shape", source="d.dxf", outer=outer, holes=(_circle(60, 15, 6, ccw=False),))


@pytest.fixture
def ring_part() -> Part:
    """A 400 x 300 plate with a centred 200 mm hole (for seeing holes in a preview)."""
    outer = _contour((0, 0, 0), (400, 0, 0), (400, 300, 0), (0, 300, 0))
    return Part(name="ring", source="ring.dxf", outer=outer, holes=(_circle(200, 150, 100, False),))


@pytest.fixture
def mixed_layout(bracket_part: Part, d_part: Part) -> SheetLayout:
    """A 1000 x 500 sheet with plain, rotated, flipped and rotated-and-flipped placements."""
    return SheetLayout(
        name="sheet-1",
        sheet_length=1000,
        sheet_height=500,
        used_length=710,
        border_gap=(10, 10, 10, 10),
        quantity=3,
        placements=(
            Placement(part=bracket_part, x=20, y=20),
            Placement(part=bracket_part, angle=90, x=340, y=20),
            Placement(part=d_part, flip=True, x=360, y=80),
            Placement(part=d_part, angle=30, flip=True, x=560, y=330),
            Placement(part=d_part, x=360, y=120),
            Placement(part=bracket_part, angle=180, flip=True, x=700, y=20),
        ),
    )


@pytest.fixture
def ring_layout(ring_part: Part) -> SheetLayout:
    """The ring plate centred on a 500 x 400 sheet: its hole's centre is the image centre."""
    return SheetLayout(
        name="ring",
        sheet_length=500,
        sheet_height=400,
        used_length=480,
        placements=(Placement(part=ring_part, x=50, y=50),),
    )


EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"


def run_example_generator(outdir: Path, hash_seed: str) -> Path:
    """Run ``examples/generate.py outdir`` in a fresh interpreter with the given hash seed."""
    subprocess.run(
        [sys.executable, str(EXAMPLES_DIR / "generate.py"), str(outdir)],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
    )
    return outdir


@pytest.fixture(scope="session")
def fresh_examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of example drawings generated just now."""
    return run_example_generator(tmp_path_factory.mktemp("examples"), hash_seed="1")


@pytest.fixture(scope="session")
def fresh_examples_again(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example drawings generated a second time, under another string-hash seed."""
    return run_example_generator(tmp_path_factory.mktemp("examples-again"), hash_seed="2")


# --- engraving text fixtures: a part carrying a mark text, and a layout placing it ------------

from nestflow.geometry.models import MarkText  # noqa: E402

#: The engraving every engraving-text test looks for.
ENGRAVING = "P-1001 REV B"


@pytest.fixture
def engraved_part() -> Part:
    """A 100 x 60 plate whose engraving (5 mm, left/baseline at (10, 20), 0°) is a mark text."""
    return Part(
        name="plate",
        source="plate.dxf",
        outer=_contour((0, 0, 0), (100, 0, 0), (100, 60, 0), (0, 60, 0)),
        mark_texts=(MarkText(text=ENGRAVING, x=10, y=20, height=5),),
    )


@pytest.fixture
def engraved_layout(engraved_part: Part) -> SheetLayout:
    """The engraved plate once as drawn and once rotated 90° and flipped, at (300, 200)."""
    return SheetLayout(
        name="engraved",
        sheet_length=1000,
        sheet_height=500,
        placements=(
            Placement(part=engraved_part, x=20, y=20),
            Placement(part=engraved_part, angle=90, flip=True, x=300, y=200),
        ),
    )
