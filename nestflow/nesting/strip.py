"""Thin adapter around spyrrow 0.9.0 strip packing.

Keeps every spyrrow detail in one place: string ids, integer time limits, and panics. spyrrow
raises ``pyo3_runtime.PanicException`` (a ``BaseException``) on bad input; it is turned into a
:class:`NestingError` here so a panic can never take a server thread down.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import spyrrow

from nestflow.nesting.errors import NestingError
from nestflow.nesting.models import Point

#: spyrrow worker threads per solve (None: one per logical core). A module setting, not a request
#: field, so benchmarks can compare 1 and 2 workers without changing the public API.
WORKERS: int | None = None


@dataclass(frozen=True)
class StripItem:
    """One item type for spyrrow: outline (no holes), copies and allowed rotations (degrees)."""

    key: str
    shape: Sequence[Point]
    demand: int
    rotations: Sequence[float]


@dataclass(frozen=True)
class StripPlacement:
    """One placed copy: ``translate(rotate(shape, rotation about (0, 0)), (tx, ty))``."""

    key: str
    rotation: float
    tx: float
    ty: float


@dataclass(frozen=True)
class StripSolution:
    """spyrrow's answer: used strip width, placements, the wall time the call took and the CPU.

    ``cpu_seconds`` is this process's CPU time during the call (spyrrow's worker threads
    included): on a loaded machine it falls well short of ``seconds`` times the workers, which
    tells a caller the search got less than its wall budget.
    """

    width: float
    placements: list[StripPlacement]
    seconds: float
    cpu_seconds: float = 0.0


def solve_strip(
    items: Sequence[StripItem],
    height: float,
    seconds: int,
    seed: int | None = None,
    early_termination: bool = True,
) -> StripSolution:
    """Strip-pack ``items`` into a strip of ``height`` within ``seconds`` (integer, >= 1).

    Args:
        items: Item types; keys must be unique, demands >= 1, every item must fit the height.
        height: Strip height.
        seconds: Time budget; spyrrow takes whole seconds only (values < 1 are raised to 1).
        seed: Random seed passed through (None = random).
        early_termination: Let spyrrow stop when it stops improving.

    Returns:
        The solution, every copy placed (spyrrow places all items or fails).

    Raises:
        NestingError: If spyrrow fails or panics.
    """
    started, cpu_started = time.monotonic(), time.process_time()
    try:
        instance = spyrrow.StripPackingInstance(
            "nestflow",
            strip_height=float(height),
            items=[
                spyrrow.Item(
                    item.key,
                    [(float(x), float(y)) for x, y in item.shape],
                    demand=int(item.demand),
                    allowed_orientations=[float(r) for r in item.rotations],
                )
                for item in items
            ],
        )
        config = spyrrow.StripPackingConfig(
            early_termination=early_termination,
            total_computation_time=max(1, int(seconds)),
            num_workers=WORKERS,
            seed=seed,
        )
        solution = instance.solve(config)
        placements = [
            StripPlacement(p.id, float(p.rotation), *map(float, p.translation))
            for p in solution.placed_items
        ]
        width = float(solution.width)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - pyo3 PanicException derives from BaseException
        raise NestingError(
            f"spyrrow failed on a strip of height {height:g} with {len(items)} item types: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not math.isfinite(width):
        raise NestingError(f"spyrrow returned a non-finite strip width {width}")
    return StripSolution(
        width, placements, time.monotonic() - started, time.process_time() - cpu_started
    )
