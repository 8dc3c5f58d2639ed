"""Solve one irregular instance with packingsolver; run ONLY from the benchmark's own venv.

``bench/bench_vs_packingsolver.py`` starts this script with a Python >= 3.12 that has
``packingsolver`` installed, so nestflow's venv never imports it. The instance comes as JSON on
stdin, the solution goes as JSON to stdout (packingsolver's own messages are switched off).

Input::

    {"objective": "BinPackingWithLeftovers" | "BinPacking" | "OpenDimensionX",
     "leftover_mode": "Right" | null, "time_limit": 10.0, "item_item_spacing": 5.0,
     "bins": [{"x_min": 10, "x_max": 2990, "y_min": 10, "y_max": 1490, "copies": 20}],
     "items": [{"outer": [[x, y, bulge], ...], "holes": [[[x, y, bulge], ...], ...],
                "rotations": [[angle, angle, mirror], ...], "copies": 12}]}

A contour's vertex carries the bulge of the edge leaving it (DXF/nestflow convention, 0 for a
straight edge); non-zero bulges become packingsolver circular arcs. Rotations are
packingsolver's ``(start, end, mirror)`` ranges (its pose: mirror x -> -x, then rotate CCW).

Output::

    {"packingsolver": "0.1.1233", "python": "3.12.1", "time": 9.9, "label": "...",
     "bins": [{"bin_type": 0, "copies": 1,
               "items": [{"item": 0, "angle": 90.0, "mirror": false, "x": 12.0, "y": 10.0,
                          "bbox": [x_min, y_min, x_max, y_max]}]}]}

``x, y`` translate the posed item (item coordinates rotated/mirrored about its own (0, 0));
``bbox`` is packingsolver's own bounding box of the placed item, for a cross-check.
"""

from __future__ import annotations

import json
import math
import sys
import time
from typing import Any

import packingsolver
import packingsolver.irregular as psi


def arc_center(start: list[float], end: list[float], bulge: float) -> tuple[float, float]:
    """Centre of the arc from ``start`` to ``end`` with DXF ``bulge`` (tan of a quarter angle).

    Args:
        start: Start point (x, y).
        end: End point (x, y).
        bulge: Non-zero bulge; positive means counter-clockwise.

    Returns:
        The arc's centre.
    """
    ux, uy = end[0] - start[0], end[1] - start[1]
    chord = math.hypot(ux, uy)
    offset = (chord / 2) * (1 - bulge * bulge) / (2 * bulge)
    return (
        (start[0] + end[0]) / 2 - uy / chord * offset,
        (start[1] + end[1]) / 2 + ux / chord * offset,
    )


def build_contour(vertices: list[list[float]]) -> Any:
    """A packingsolver ``Shape`` from ``[x, y, bulge]`` vertices (closed, arcs kept exact).

    Args:
        vertices: The contour's vertices; the closing edge is implied.

    Returns:
        The packingsolver shape.
    """
    points: list[list[float]] = []
    count = len(vertices)
    for k, (x, y, bulge) in enumerate(vertices):
        points.append([x, y])
        if bulge:
            nxt = vertices[(k + 1) % count]
            cx, cy = arc_center([x, y], nxt[:2], bulge)
            points.append([cx, cy, 1.0 if bulge > 0 else -1.0])
    return psi.build_shape(points)


def signed_area(vertices: list[list[float]]) -> float:
    """Signed area of the contour, arcs included (positive when counter-clockwise)."""
    total = 0.0
    for k, (x0, y0, bulge) in enumerate(vertices):
        x1, y1, _ = vertices[(k + 1) % len(vertices)]
        total += (x0 * y1 - x1 * y0) / 2
        if bulge:
            theta = 4 * math.atan(bulge)
            radius = math.hypot(x1 - x0, y1 - y0) / (2 * math.sin(theta / 2))
            total += radius * radius / 2 * (theta - math.sin(theta))
    return total


def reversed_contour(vertices: list[list[float]]) -> list[list[float]]:
    """The same contour travelled the other way (bulges move to the new start, sign flipped)."""
    count = len(vertices)
    return [
        [vertices[k][0], vertices[k][1], -vertices[(k - 1) % count][2]]
        for k in range(count - 1, -1, -1)
    ]


def ccw(vertices: list[list[float]]) -> list[list[float]]:
    """The contour oriented counter-clockwise (packingsolver's convention for every ring)."""
    return vertices if signed_area(vertices) > 0 else reversed_contour(vertices)


def solve(spec: dict[str, Any]) -> dict[str, Any]:
    """Build the instance, optimise it and describe the best solution.

    Args:
        spec: The instance (see the module docstring).

    Returns:
        The solution (see the module docstring).
    """
    builder = psi.InstanceBuilder()
    builder.set_objective(getattr(packingsolver.Objective, spec["objective"]))
    if spec.get("leftover_mode"):
        builder.set_leftover_mode(getattr(psi.LeftoverMode, spec["leftover_mode"]))
    if spec.get("item_item_spacing"):
        builder.set_item_item_minimum_spacing(float(spec["item_item_spacing"]))
    for sheet in spec["bins"]:
        rect = psi.build_rectangle(sheet["x_min"], sheet["x_max"], sheet["y_min"], sheet["y_max"])
        builder.add_bin_type(rect, copies=int(sheet["copies"]))
    shapes = []
    for item in spec["items"]:
        shape = psi.ShapeWithHoles(
            build_contour(ccw(item["outer"])), [build_contour(ccw(h)) for h in item["holes"]]
        )
        shapes.append(shape)
        builder.add_item_type(
            shape,
            allowed_rotations=[(float(a), float(b), bool(m)) for a, b, m in item["rotations"]],
            copies=int(item["copies"]),
        )
    instance = builder.build()
    parameters = psi.OptimizeParameters()
    parameters.time_limit = float(spec["time_limit"])
    parameters.verbosity_level = 0
    started = time.monotonic()
    output = psi.optimize(instance, parameters)
    wall = time.monotonic() - started
    solution = output.solution
    bins = []
    # number_of_bins() counts copies; bin(pos) indexes the distinct bins (each with copies).
    for pos in range(solution.number_of_different_bins()):
        solution_bin = solution.bin(pos)
        items = []
        for placed in solution_bin.items:
            box = shapes[placed.item_type_id].compute_min_max(placed.angle, placed.mirror)
            x, y = placed.bl_corner.x, placed.bl_corner.y
            items.append(
                {
                    "item": placed.item_type_id,
                    "angle": placed.angle,
                    "mirror": placed.mirror,
                    "x": x,
                    "y": y,
                    "bbox": [box.x_min + x, box.y_min + y, box.x_max + x, box.y_max + y],
                }
            )
        bins.append(
            {"bin_type": solution_bin.bin_type_id, "copies": solution_bin.copies, "items": items}
        )
    return {
        "packingsolver": packingsolver.__version__,
        "python": sys.version.split()[0],
        "time": wall,
        "label": output.solution_label,
        "feasible": solution.feasible(),
        "bins": bins,
    }


def main() -> None:
    """Read the instance from stdin, write the solution to stdout."""
    spec = json.load(sys.stdin)
    json.dump(solve(spec), sys.stdout)


if __name__ == "__main__":
    main()
