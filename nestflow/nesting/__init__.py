"""Nesting solver: spyrrow strip packing wrapped for sheets, quantities, spacing and defects."""

from nestflow.nesting.errors import NestingError, NestingInputError
from nestflow.nesting.models import (
    ItemPlacement,
    NestItem,
    NestRequest,
    NestResult,
    NestSheet,
    Orientation,
    Point,
    SolverLayout,
    Unplaced,
)
from nestflow.nesting.shapes import angles_in_range, placed_polygon
from nestflow.nesting.solver import solve
from nestflow.nesting.validation import check_result

__all__ = [
    "NestItem",
    "NestRequest",
    "NestResult",
    "NestSheet",
    "SolverLayout",
    "NestingError",
    "NestingInputError",
    "Orientation",
    "ItemPlacement",
    "Point",
    "Unplaced",
    "angles_in_range",
    "check_result",
    "placed_polygon",
    "solve",
]
