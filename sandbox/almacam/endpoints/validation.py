"""Synchronous validation of ``POST /new``: what the vendor refuses before nesting, and how.

Checks run in this order, each stage only when the previous one passed:

1. JSON parsing (-5000). ``NaN``/``Infinity`` are refused too: they are not JSON.
2. Limits (-6000): more than 1,500 different parts, more than 10,000 copies of one instance, or
   more than 10,000 copies in total. They run before the schema so that an oversized order is
   named as such (and is not validated in full). 10,000 is the vendor's limit on the copies of a
   whole order (specs section 10), so no instance can need more; the per-instance check names
   the instance whose quantity is absurd. It also keeps the solver sound: spyrrow lays copies
   along an f32 strip, and a quantity like 1e9 pushes coordinates past 1e8, where an f32 step
   is larger than a part (measured: it panics with "invalid rectangle, x_min == x_max");
   10,000 parts' lengths stay far inside f32's exact range (2**24).
3. The vendor's order schema (-3000), every violation reported with jsonschema's ``absolute_path``
   as ``path``. ``minItems``/``maxItems`` messages use the wording of the jsonschema version the
   vendor runs (``"[] is too short"``), which newer jsonschema releases changed.
4. Semantic checks, all reported together: duplicated instance ids (-7000) and sheet ids (-8000),
   orientation ranges (-989), contours (-971 malformed or flat, -979 self-intersecting), holes
   outside their outline or overlapping (-981) or, when the sandbox sets ``min_hole_web_mm``,
   closer to each other than that web (-981), overlapping outlines of one part (-996), sheets
   without usable room or with bad contours/defects (-994), pre-nestings naming unknown sheets or
   parts or using more copies or sheets than ordered (-973), and pre-nested parts lying off their
   sheet, on a defect or on each other (-996; the border gap binds only the parts the engine
   places, a forced layout may use it).

``parts`` in an error lists the *instance ids* of the part concerned (the ids the user chose; a
part's geometry has no id of its own), ``sheets`` the sheet ids.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from functools import partial
from typing import Any

from jsonschema.exceptions import ValidationError
from shapely.geometry import box

from nestflow.almacam.models import ErrorItem
from nestflow.nesting.shapes import pose_polygon
from nestflow.sandbox.almacam.endpoints.schema import ORDER_VALIDATOR
from nestflow.sandbox.almacam.gateway.answers import ErrorCode, OrderRejected, error_item
from nestflow.sandbox.almacam.simulation.contours import (
    STRIP_LENGTH,
    ContourProblem,
    ReadContour,
    border_gaps,
    hole_owners,
    part_shape,
    read_contour,
    usable_region,
    with_holes,
)
from nestflow.sandbox.hole_webs import thinnest_web

#: Most different parts (entries of ``parts``) an order may hold.
MAX_DIFFERENT_PARTS = 1500

#: Most copies (sum of instance quantities) an order may ask for.
MAX_TOTAL_COPIES = 10_000

#: Most copies of one instance: no more than a whole order may hold (see the module docstring).
MAX_INSTANCE_QUANTITY = MAX_TOTAL_COPIES

#: Overlap area between two outlines of one part that still counts as touching.
OVERLAP_TOLERANCE = 1e-6

#: How far (order unit) a pre-nested part may stick out of the usable area (rounding).
PLACEMENT_TOLERANCE = 1e-6


def validate_order(body: bytes, min_hole_web: float = 0.0) -> dict[str, Any]:
    """Parse and check an order as ``POST /new`` receives it.

    Args:
        body: The raw request body.
        min_hole_web: Least web between two holes of one outline (order unit); 0 checks none.

    Returns:
        The order, valid for nesting.

    Raises:
        OrderRejected: With the vendor errors to answer (HTTP 400).
    """
    order = parse_body(body)
    semantics = partial(semantic_errors, min_hole_web=min_hole_web)
    for stage in (limit_errors, schema_errors, semantics):
        errors = stage(order)
        if errors:
            raise OrderRejected(errors)
    return order


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def parse_body(body: bytes) -> Any:
    """The JSON value of ``body``; raises :class:`OrderRejected` (-5000) when it is not JSON."""
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise OrderRejected(
            [error_item(ErrorCode.JSON_PARSE, f"The body could not be parsed as JSON: {exc}")]
        ) from exc


# --- walking a (possibly malformed) order -------------------------------------------------------


def _dicts(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        yield from ((i, item) for i, item in enumerate(value) if isinstance(item, dict))


def _instances(order: Any) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """``(part index, instance index, instance)`` for every instance object of the order."""
    if not isinstance(order, dict):
        return
    for pi, part in _dicts(order.get("parts")):
        for ii, inst in _dicts(part.get("instances")):
            yield pi, ii, inst


def part_ids(part: dict[str, Any]) -> list[int]:
    """The instance ids of a part: the ids errors about its geometry name."""
    return [inst["id"] for _, inst in _dicts(part.get("instances")) if "id" in inst]


# --- stage 2: limits ------------------------------------------------------------------------------


def limit_errors(order: Any) -> list[ErrorItem]:
    """Too many different parts, copies of one instance, or copies in all (-6000)."""
    if not isinstance(order, dict) or not isinstance(order.get("parts"), list):
        return []
    errors = quantity_errors(order)
    count = len(order["parts"])
    if count > MAX_DIFFERENT_PARTS:
        errors.append(
            error_item(
                ErrorCode.TOO_MANY_PARTS,
                f"Too many different parts: {count} (at most {MAX_DIFFERENT_PARTS})",
                path=["parts"],
            )
        )
    copies = sum(
        q for _, _, inst in _instances(order) if isinstance(q := inst.get("quantity", 1), int)
    )
    if copies > MAX_TOTAL_COPIES and not errors:  # an absurd quantity is named once, above
        errors.append(
            error_item(
                ErrorCode.TOO_MANY_PARTS,
                f"Too many part instances: {copies} copies in total (at most {MAX_TOTAL_COPIES})",
                path=["parts"],
            )
        )
    return errors


def quantity_errors(order: dict[str, Any]) -> list[ErrorItem]:
    """Instances asking for more than :data:`MAX_INSTANCE_QUANTITY` copies (-6000), each named."""
    errors = []
    for pi, ii, inst in _instances(order):
        quantity, part_id = inst.get("quantity", 1), inst.get("id")
        if not isinstance(quantity, int) or quantity <= MAX_INSTANCE_QUANTITY:
            continue
        named = isinstance(part_id, int) and not isinstance(part_id, bool)
        errors.append(
            error_item(
                ErrorCode.TOO_MANY_PARTS,
                f"Too many part instances: quantity {quantity} of part "
                f"{part_id if named else '(no id)'} (at most {MAX_INSTANCE_QUANTITY} copies of "
                "one part, the limit of a whole order)",
                path=["parts", pi, "instances", ii, "quantity"],
                parts=[part_id] if named else None,
            )
        )
    return errors


# --- stage 3: schema ------------------------------------------------------------------------------


def _vendor_message(error: ValidationError) -> str:
    # The vendor's jsonschema predates the "should be non-empty" wording (specs section 9.1).
    if error.validator == "minItems":
        return f"{error.instance!r} is too short"
    if error.validator == "maxItems":
        return f"{error.instance!r} is too long"
    return error.message


def schema_errors(order: Any) -> list[ErrorItem]:
    """Every violation of the vendor's order schema (-3000), located by ``path``."""
    return [
        error_item(ErrorCode.SCHEMA, _vendor_message(e), path=list(e.absolute_path))
        for e in ORDER_VALIDATOR.iter_errors(order)
    ]


# --- stage 4: semantics ---------------------------------------------------------------------------


def semantic_errors(order: dict[str, Any], min_hole_web: float = 0.0) -> list[ErrorItem]:
    """Everything the schema cannot express, for a schema-valid order.

    Args:
        order: The order, valid per the schema.
        min_hole_web: Least web between two holes of one outline (order unit); 0 checks none.
    """
    errors = [*duplicate_part_errors(order), *duplicate_sheet_errors(order)]
    errors += orientation_errors(order)
    for pi, part in enumerate(order["parts"]):
        errors += part_geometry_errors(pi, part, min_hole_web)
    for si, sheet in enumerate(order["sheets"]):
        errors += sheet_errors(si, sheet)
    errors += pre_nesting_errors(order)
    if not errors:  # placing pre-nested parts needs sound parts, sheets and references
        errors += pre_nesting_geometry_errors(order)
    return errors


def duplicate_part_errors(order: dict[str, Any]) -> list[ErrorItem]:
    """Instance ids used more than once in the order (-7000), one error per repeat."""
    seen: set[int] = set()
    errors = []
    for pi, ii, inst in _instances(order):
        if inst["id"] in seen:
            errors.append(
                error_item(
                    ErrorCode.DUPLICATED_PART_IDS,
                    f"Duplicated part id {inst['id']}: it is used by more than one instance",
                    path=["parts", pi, "instances", ii, "id"],
                    parts=[inst["id"]],
                )
            )
        seen.add(inst["id"])
    return errors


def duplicate_sheet_errors(order: dict[str, Any]) -> list[ErrorItem]:
    """Sheet ids used more than once (-8000), one error per repeat."""
    seen: set[int] = set()
    errors = []
    for si, sheet in enumerate(order["sheets"]):
        if sheet["id"] in seen:
            errors.append(
                error_item(
                    ErrorCode.DUPLICATED_SHEET_IDS,
                    f"Duplicated sheet id {sheet['id']}: it is used by more than one sheet",
                    path=["sheets", si, "id"],
                    sheets=[sheet["id"]],
                )
            )
        seen.add(sheet["id"])
    return errors


def orientation_errors(order: dict[str, Any]) -> list[ErrorItem]:
    """Angle ranges that are empty or leave [0, 360) (-989)."""
    errors = []
    for pi, ii, inst in _instances(order):
        for oi, orientation in enumerate(inst.get("orientations", [])):
            if "min_angle" not in orientation:
                continue
            low, high = orientation["min_angle"], orientation["max_angle"]
            if not 0 <= low <= high < 360:
                errors.append(
                    error_item(
                        ErrorCode.INVALID_ORIENTATION,
                        f"Invalid orientation: needs 0 <= min_angle <= max_angle < 360, "
                        f"got min_angle {low} and max_angle {high}",
                        path=["parts", pi, "instances", ii, "orientations", oi],
                        parts=[inst["id"]],
                    )
                )
    return errors


def _read_all(
    raws: list[Any], path: list[str | int], ids: list[int]
) -> tuple[list[ReadContour], list[ErrorItem]]:
    contours, errors = [], []
    for k, raw in enumerate(raws):
        try:
            contours.append(read_contour(raw))
        except ContourProblem as problem:
            errors.append(error_item(problem.code, problem.message, path=[*path, k], parts=ids))
    return contours, errors


def part_geometry_errors(
    pi: int, part: dict[str, Any], min_hole_web: float = 0.0
) -> list[ErrorItem]:
    """Bad contours, overlapping outlines (-996) and holes that do not fit (-981) of one part.

    Args:
        pi: Index of the part in the order's ``parts``.
        part: The part, valid per the schema.
        min_hole_web: Least web between two holes of one outline (order unit); holes closer
            than this do not fit either (-981). 0 checks none.
    """
    ids = part_ids(part)
    base: list[str | int] = ["parts", pi]
    outlines, errors = _read_all(part["geometry"], [*base, "geometry"], ids)
    holes, hole_errors = _read_all(part.get("holes", []), [*base, "holes"], ids)
    errors += hole_errors
    if errors:
        return errors
    for a in range(len(outlines)):
        for b in range(a + 1, len(outlines)):
            if outlines[a].polygon.intersection(outlines[b].polygon).area > OVERLAP_TOLERANCE:
                errors.append(
                    error_item(
                        ErrorCode.INVALID_GEOMETRY,
                        f"Invalid geometry: outlines {a} and {b} of the part overlap",
                        path=[*base, "geometry", b],
                        parts=ids,
                    )
                )
    owners = hole_owners(outlines, holes)
    for h, owner in enumerate(owners):
        if owner is None:
            errors.append(
                error_item(
                    ErrorCode.HOLE_NOT_COMPATIBLE,
                    "Hole is not compatible with the part: it is not inside any outline",
                    path=[*base, "holes", h],
                    parts=ids,
                )
            )
    for i, outline in enumerate(outlines):
        indices = [h for h, owner in enumerate(owners) if owner == i]
        own = [holes[h] for h in indices]
        if own and not with_holes(outline, own).is_valid:
            errors.append(
                error_item(
                    ErrorCode.HOLE_NOT_COMPATIBLE,
                    f"Hole is not compatible with the part: holes of outline {i} overlap "
                    "each other or its edge",
                    path=[*base, "holes"],
                    parts=ids,
                )
            )
        elif web := thinnest_web([hole.polygon for hole in own], min_hole_web):
            errors.append(
                error_item(
                    ErrorCode.HOLE_NOT_COMPATIBLE,
                    f"Hole is not compatible with the part: holes of outline {i} are closer "
                    f"than {min_hole_web:g} mm (holes {indices[web.first]} and "
                    f"{indices[web.second]} are {web.width:.3f} mm apart)",
                    path=[*base, "holes"],
                    parts=ids,
                )
            )
    return errors


def sheet_errors(si: int, sheet: dict[str, Any]) -> list[ErrorItem]:
    """A sheet with a bad size, contour or defect, or whose margins leave no room (-994)."""
    base: list[str | int] = ["sheets", si]

    def invalid(message: str, *where: str | int) -> ErrorItem:
        text = f"Invalid sheet: {message}"
        return error_item(ErrorCode.INVALID_SHEET, text, path=[*base, *where], sheets=[sheet["id"]])

    errors = []
    left, right, bottom, top = border_gaps(sheet)
    if "contour" in sheet:
        try:
            outline = read_contour(sheet["contour"]).polygon
        except ContourProblem as problem:
            errors.append(invalid(f"its contour is unusable ({problem.message})", "contour"))
        else:
            x0, y0, x1, y1 = outline.bounds
            inner = box(x0 + left, y0 + bottom, x1 - right, y1 - top)
            if x1 - right <= x0 + left or y1 - top <= y0 + bottom or not inner.intersects(outline):
                errors.append(invalid("the border gaps leave no room for parts", "border_gap"))
    else:
        length, height = sheet["length"], sheet["height"]
        if length != STRIP_LENGTH and length <= 0:
            errors.append(invalid("length must be positive, or -1 for an endless strip", "length"))
        elif (length != STRIP_LENGTH and length - left - right <= 0) or height - bottom - top <= 0:
            errors.append(invalid("the border gaps leave no room for parts", "border_gap"))
    for d, raw in enumerate(sheet.get("defects", [])):
        try:
            read_contour(raw)
        except ContourProblem as problem:
            errors.append(invalid(f"defect {d} is unusable ({problem.message})", "defects", d))
    return errors


def pre_nesting_errors(order: dict[str, Any]) -> list[ErrorItem]:
    """Pre-nestings naming unknown sheets or parts, or using more copies than ordered (-973)."""
    sheets = {sheet["id"]: sheet for sheet in order["sheets"]}
    ordered = Counter({inst["id"]: inst.get("quantity", 1) for _, _, inst in _instances(order)})
    used: Counter[int] = Counter()
    sheets_used: Counter[int] = Counter()
    errors = []

    def out_of_range(message: str, where: list[str | int], **ids: list[int]) -> ErrorItem:
        return error_item(ErrorCode.BAD_USER_PARAM, message, path=where, **ids)

    for ni, pre in enumerate(order.get("pre_nestings", [])):
        where: list[str | int] = ["pre_nestings", ni]
        quantity = pre.get("quantity", 1)
        sheets_used[pre["sheet"]] += max(quantity, 0)
        if pre["sheet"] not in sheets:
            errors.append(
                out_of_range(
                    f"Pre-nesting {ni} uses sheet {pre['sheet']}, which the order does not define",
                    [*where, "sheet"],
                    sheets=[pre["sheet"]],
                )
            )
        if quantity < 1:
            errors.append(
                out_of_range(
                    f"Pre-nesting {ni} has quantity {quantity}; it must be at least 1",
                    [*where, "quantity"],
                )
            )
        for pj, nested in enumerate(pre["nested_parts"]):
            if nested["id"] not in ordered:
                errors.append(
                    out_of_range(
                        f"Pre-nesting {ni} places part {nested['id']}, which no instance defines",
                        [*where, "nested_parts", pj, "id"],
                        parts=[nested["id"]],
                    )
                )
            used[nested["id"]] += max(quantity, 0)
    for sheet_id, count in sorted(sheets_used.items()):
        if sheet_id in sheets and count > sheets[sheet_id].get("quantity", 1):
            errors.append(
                out_of_range(
                    f"Pre-nestings use {count} sheets {sheet_id}, "
                    f"but only {sheets[sheet_id].get('quantity', 1)} are available",
                    ["pre_nestings"],
                    sheets=[sheet_id],
                )
            )
    for part_id, count in sorted(used.items()):
        if part_id in ordered and count > ordered[part_id]:
            errors.append(
                out_of_range(
                    f"Pre-nestings place {count} copies of part {part_id}, "
                    f"but only {ordered[part_id]} are ordered",
                    ["pre_nestings"],
                    parts=[part_id],
                )
            )
    return errors


def pre_nesting_geometry_errors(order: dict[str, Any]) -> list[ErrorItem]:
    """Pre-nested parts outside the usable sheet area or overlapping each other (-996)."""
    if not order.get("pre_nestings"):
        return []
    shapes = {
        inst["id"]: shape
        for part in order["parts"]
        for shape in [part_shape(part)]
        for inst in part["instances"]
    }
    sheets = {sheet["id"]: sheet for sheet in order["sheets"]}
    errors = []
    for ni, pre in enumerate(order.get("pre_nestings", [])):
        # Margins bind the engine, not a layout the user forces: only outline and defects count.
        region = usable_region(sheets[pre["sheet"]], margins=False).buffer(PLACEMENT_TOLERANCE)
        laid: list[tuple[int, Any]] = []
        for pj, nested in enumerate(pre["nested_parts"]):
            x, y = nested["position"]
            shape = pose_polygon(shapes[nested["id"]], nested["angle"], nested["flip"], x, y)
            where: list[str | int] = ["pre_nestings", ni, "nested_parts", pj]
            if not region.covers(shape):
                errors.append(
                    error_item(
                        ErrorCode.INVALID_GEOMETRY,
                        f"Invalid geometry: pre-nested part {nested['id']} is not on its sheet "
                        "(outside the outline or on a defect)",
                        path=where,
                        parts=[nested["id"]],
                        sheets=[pre["sheet"]],
                    )
                )
            for other_id, other in laid:
                if shape.intersection(other).area > OVERLAP_TOLERANCE:
                    errors.append(
                        error_item(
                            ErrorCode.INVALID_GEOMETRY,
                            f"Invalid geometry: pre-nested parts {other_id} and {nested['id']} "
                            "overlap",
                            path=where,
                            parts=[other_id, nested["id"]],
                            sheets=[pre["sheet"]],
                        )
                    )
            laid.append((nested["id"], shape))
    return errors
