"""The example drawings: reproducible from the generator, and each one the part it claims to be.

Read with ezdxf alone (the recipe of spec §3.2), independent of nestflow's reader.
"""

import importlib.util
from collections import Counter
from pathlib import Path

import ezdxf
import pytest
from ezdxf import disassemble, recover, units
from ezdxf import edgeminer as em
from ezdxf import edgesmith as es
from ezdxf import path as ezpath
from shapely.geometry import Polygon

from nestflow.geometry.manifest import read_manifest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_spec = importlib.util.spec_from_file_location("examples_generate", EXAMPLES / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

NOT_CUT = {"BEND", "ETCH", "TEXT"}
IDENTITY = {"handle", "owner"}
CURVES = {"LINE", "ARC", "CIRCLE", "ELLIPSE", "SPLINE", "LWPOLYLINE", "POLYLINE"}


def _rings_and_leftovers(path: Path) -> tuple[list[Polygon], list[em.Edge]]:
    """Closed rings (mm) and the edges that close no loop, as spec §3.2 extracts them."""
    doc, _ = recover.readfile(path)
    to_mm = units.conversion_factor(doc.units, units.MM)
    curves = [
        e
        for e in disassemble.recursive_decompose(doc.modelspace())
        if e.dxftype() in CURVES and e.dxf.layer not in NOT_CUT
    ]
    paths = [ezpath.make_path(e) for e in curves if es.is_closed_entity(e)]
    edges = list(
        es.edges_from_entities_2d([e for e in curves if not es.is_closed_entity(e)], gap_tol=1e-3)
    )
    used: set[int] = set()
    # An empty Deposit raises ValueError ("no points given") in ezdxf 1.4.5.
    loops = em.find_all_loops(em.Deposit(edges, gap_tol=1e-3), timeout=5) if edges else []
    for loop in sorted(loops, key=lambda lp: -abs(es.loop_area(lp))):
        if not {e.id for e in loop} & used:
            used |= {e.id for e in loop}
            paths.append(es.path2d_from_chain(loop))
    rings = [Polygon([(v.x * to_mm, v.y * to_mm) for v in p.flattening(0.001)]) for p in paths]
    return rings, [e for e in edges if e.id not in used]


def _signature(path: Path) -> list:
    """Everything that makes up the drawing's geometry, without handles or file metadata."""
    doc = ezdxf.readfile(path)
    result: list = [doc.units, sorted(layer.dxf.name for layer in doc.layers)]
    for layout in (doc.modelspace(), *(b for b in doc.blocks if not b.name.startswith("*"))):
        for e in layout:
            attribs = e.dxf.all_existing_dxf_attribs()
            result.append(
                (
                    e.dxftype(),
                    sorted(
                        (k, repr(v)) for k, v in attribs.items() if k not in {"handle", "owner"}
                    ),
                    repr(list(e.get_points("xyseb"))) if e.dxftype() == "LWPOLYLINE" else "",
                    repr(list(e.control_points)) if e.dxftype() == "SPLINE" else "",
                )
            )
    return result


def test_generator_output_is_identical_across_runs_and_hash_seeds(
    fresh_examples: Path, fresh_examples_again: Path
) -> None:
    names = sorted(p.name for p in fresh_examples.glob("*.dxf"))
    assert names == sorted(generate.DRAWINGS)
    for name in names:
        assert (fresh_examples / name).read_bytes() == (fresh_examples_again / name).read_bytes()


def test_checked_in_examples_equal_freshly_generated_ones(fresh_examples: Path) -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.dxf")) == sorted(generate.DRAWINGS)
    for name in generate.DRAWINGS:
        assert _signature(EXAMPLES / name) == _signature(fresh_examples / name), (
            f"examples/{name} is stale: run python examples/generate.py"
        )


@pytest.mark.parametrize("name", sorted(generate.EXPECTED))
def test_good_example_holds_the_expected_part(name: str) -> None:
    expected = generate.EXPECTED[name]
    rings, leftovers = _rings_and_leftovers(EXAMPLES / name)
    outer = max(rings, key=lambda r: r.area)
    holes = [r for r in rings if r is not outer]
    assert not leftovers
    assert all(outer.contains(h) for h in holes)
    assert len(holes) == expected.holes
    net_area = outer.area - sum(h.area for h in holes)
    # ezdxf paths draw circles as cubic Béziers, up to 2.7e-4 x radius outside the true circle.
    assert net_area == pytest.approx(expected.area, rel=1e-3)
    min_x, min_y, max_x, max_y = outer.bounds
    assert (max_x - min_x, max_y - min_y) == pytest.approx(
        (expected.width, expected.height), abs=0.05
    )


def test_broken_example_outline_has_a_4_mm_gap() -> None:
    rings, leftovers = _rings_and_leftovers(EXAMPLES / "broken_open_contour.dxf")
    assert len(rings) == 1  # only the hole closes
    ends = Counter((round(p.x, 6), round(p.y, 6)) for e in leftovers for p in (e.start, e.end))
    loose_ends = [p for p, n in ends.items() if n == 1]
    assert sorted(loose_ends) == [(100.0, 100.0), (104.0, 100.0)]


def test_example_parts_are_shop_sized() -> None:
    for name, expected in generate.EXPECTED.items():
        assert 20 <= min(expected.width, expected.height), name
        assert max(expected.width, expected.height) <= 900, name


def test_inch_example_declares_inches_and_the_others_millimetres() -> None:
    for name in generate.DRAWINGS:
        wanted = units.IN if name == "cover_inch.dxf" else units.MM
        assert ezdxf.readfile(EXAMPLES / name).units == wanted, name


def test_bracket_carries_a_bend_line_and_etching() -> None:
    msp = ezdxf.readfile(EXAMPLES / "bracket.dxf").modelspace()
    assert len(msp.query('LINE[layer=="BEND"]')) == 1
    assert msp.query('TEXT[layer=="ETCH"]').first.dxf.text == "BR-180"
    assert len(msp.query('LINE[layer=="ETCH"]')) == 2


def test_tab_is_a_rotated_scaled_insert_of_a_block_with_a_nested_block() -> None:
    doc = ezdxf.readfile(EXAMPLES / "tab_block.dxf")
    (insert,) = doc.modelspace().query("INSERT")
    assert (insert.dxf.rotation, insert.dxf.xscale, insert.dxf.yscale) == (30, 1.5, 1.5)
    assert doc.blocks.get("TAB").query("INSERT").first.dxf.name == "HOLE_PAIR"


def test_l_profile_is_loose_lines_and_an_arc_with_one_line_drawn_backwards() -> None:
    msp = ezdxf.readfile(EXAMPLES / "l_profile.dxf").modelspace()
    assert Counter(e.dxftype() for e in msp) == {"LINE": 6, "ARC": 1, "CIRCLE": 3}
    starts = Counter(tuple(line.dxf.start) for line in msp.query("LINE"))
    assert max(starts.values()) == 2  # two lines leave (0, 200): one of them runs backwards


def test_slotted_plate_slots_are_half_circle_bulges() -> None:
    msp = ezdxf.readfile(EXAMPLES / "slotted_plate.dxf").modelspace()
    slots = [e for e in msp.query('LWPOLYLINE[layer=="INNER"]') if len(e) == 4 and e.has_arc]
    assert len(slots) == 6
    assert all(sorted(b for *_, b in s.get_points("xyseb")) == [0, 0, 1, 1] for s in slots)


def test_cam_outline_is_one_closed_spline() -> None:
    msp = ezdxf.readfile(EXAMPLES / "cam_spline.dxf").modelspace()
    (spline,) = msp.query("SPLINE")
    assert es.is_closed_entity(spline)


def test_manifest_orders_every_example_once() -> None:
    lines = read_manifest(EXAMPLES / "orders.csv")
    assert sorted(line.file.name for line in lines) == sorted(generate.DRAWINGS)
    assert all(line.file.is_file() for line in lines)
    assert all(2 <= line.quantity <= 20 for line in lines)


def test_examples_are_small_files() -> None:
    assert all((EXAMPLES / name).stat().st_size < 32 * 1024 for name in generate.DRAWINGS)
