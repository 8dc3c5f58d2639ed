"""The vendor's order schema (JSON Schema draft-04), as the sandbox validates ``POST /new``.

Transcribed from docs/specs/almacam-api.md section 11 (the 2019 "Job Schema"), with the top-level
``compact`` string the current service accepts, and a sheet's ``border_gap`` of ``null`` taken
as no border gap (real 2025 orders carry it, specs section 3.6; the 2019 schema refused it). Its
quirks are kept on purpose, because the
vendor has them: ``geometry``, ``holes`` and ``defects`` use the tuple form ``items: [...]``, so
only their first contour is checked here, and a plain vertex checks only its ``x``. The semantic
checks (:mod:`sandbox.almacam.endpoints.validation`) check every contour with
:data:`STRICT_CONTOUR` instead and report code -971.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft4Validator


def _contour(strict: bool) -> dict[str, Any]:
    plain_items: Any = {"type": "number"} if strict else [{"type": "number"}]
    coord = {"type": "number"}
    return {
        "type": "array",
        "minItems": 2,
        "items": {
            "oneOf": [
                {"type": "array", "minItems": 2, "maxItems": 2, "items": plain_items},
                {
                    "type": "object",
                    "required": ["x", "y"],
                    "maxProperties": 3,
                    "additionalProperties": False,
                    "properties": {
                        "x": coord,
                        "y": coord,
                        "sag": coord,
                        "bul": coord,
                        "cir": {
                            "type": "object",
                            "required": ["x", "y", "dir"],
                            "additionalProperties": False,
                            "properties": {"x": coord, "y": coord, "dir": {"type": "boolean"}},
                        },
                    },
                },
            ]
        },
    }


CONTOUR = _contour(strict=False)

#: Every vertex fully type-checked: what the engine needs to read a contour.
STRICT_CONTOUR = _contour(strict=True)

_ANGLE = {"type": "number", "minimum": 0, "maximum": 360, "exclusiveMaximum": True}

_ORIENTATION = {
    "oneOf": [
        {
            "type": "object",
            "required": ["angle"],
            "additionalProperties": False,
            "properties": {"angle": _ANGLE, "flip": {"type": "boolean", "default": False}},
        },
        {
            "type": "object",
            "required": ["min_angle", "max_angle"],
            "additionalProperties": False,
            "properties": {
                "min_angle": {"type": "number", "minimum": 0, "exclusiveMinimum": False},
                "max_angle": {"type": "number", "maximum": 360, "exclusiveMaximum": True},
                "flip": {"type": "boolean", "default": False},
            },
        },
    ]
}

_INSTANCE = {
    "type": "object",
    "required": ["id"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"},
        "quantity": {"type": "integer", "minimum": 1, "default": 1},
        "orientations": {"type": "array", "minItems": 1, "items": _ORIENTATION},
    },
}

_PART = {
    "type": "object",
    "required": ["geometry", "instances"],
    "additionalProperties": False,
    "properties": {
        "geometry": {"type": "array", "minItems": 1, "items": [CONTOUR]},
        "holes": {"type": "array", "minItems": 1, "items": [CONTOUR]},
        "protection_offset": {"type": "number", "minimum": 0, "default": 0},
        "instances": {"type": "array", "minItems": 1, "items": _INSTANCE},
    },
}

_SHEET = {
    "type": "object",
    "required": ["id"],
    "additionalProperties": False,
    "allOf": [
        {"not": {"required": ["contour", "length"]}},
        {"not": {"required": ["contour", "height"]}},
        {"oneOf": [{"required": ["length", "height"]}, {"required": ["contour"]}]},
    ],
    "properties": {
        "id": {"type": "integer"},
        "length": {"type": "number"},
        "height": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
        "quantity": {"type": "integer", "minimum": 1, "default": 1},
        "border_gap": {
            "oneOf": [
                {"type": "null"},
                {"type": "number", "minimum": 0, "default": 0},
                {
                    "type": "array",
                    "minItems": 4,
                    "maxItems": 4,
                    "items": {"type": "number", "minimum": 0},
                },
            ]
        },
        "contour": CONTOUR,
        "defects": {"type": "array", "minItems": 1, "items": [CONTOUR]},
    },
}

_PRE_NESTING = {
    "type": "object",
    "required": ["nested_parts", "sheet"],
    "additionalProperties": False,
    "properties": {
        "sheet": {"type": "integer"},
        "quantity": {"type": "integer", "default": 1},
        "nested_parts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "position", "angle", "flip"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer"},
                    "position": {
                        "type": "array",
                        "minItems": 2,
                        "maxItems": 2,
                        "items": {"type": "number"},
                    },
                    "angle": _ANGLE,
                    "flip": {"type": "boolean"},
                },
            },
        },
    },
}

#: The whole order.
ORDER_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["parts", "sheets", "time"],
    "additionalProperties": False,
    "properties": {
        "time": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 300},
        "parts": {"type": "array", "minItems": 1, "maxItems": 1500, "items": _PART},
        "sheets": {"type": "array", "minItems": 1, "items": _SHEET},
        "pre_nestings": {"type": "array", "items": _PRE_NESTING},
        "compact": {"type": "string"},
    },
}

Draft4Validator.check_schema(ORDER_SCHEMA)

#: Validator of whole orders.
ORDER_VALIDATOR = Draft4Validator(ORDER_SCHEMA)

#: Validator of one contour, every vertex checked.
CONTOUR_VALIDATOR = Draft4Validator(STRICT_CONTOUR)
