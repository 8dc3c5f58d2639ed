"""Nesting solver: spyrrow strip packing wrapped for sheets, quantities, spacing and defects."""

from nestflow.nesting.errors import NestingError, NestingInputError
from nestflow.nesting.models import (
    Nesting,
    NestItem,
    NestRequest,
    NestResult,
    NestSheet,
    Orientation,
    Placement,
    Point,
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
    "Nesting",
    "NestingError",
    "NestingInputError",
    "Orientation",
    "Placement",
    "Point",
    "Unplaced",
    "angles_in_range",
    "check_result",
    "placed_polygon",
    "solve",
]
