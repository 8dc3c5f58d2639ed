"""Which DXF layers are cut, which are marking, which are ignored.

There is no universal convention (Inventor writes ``IV_OUTER_PROFILE``/``IV_BEND``, SolidWorks
users map their own layers, shops name layers ``ETCH`` or ``SCRIBE``), so the mapping is a
configurable set of glob patterns, matched case-insensitively because DXF layer names are.
Outer contour versus hole is decided by geometry, never by layer.
"""

from __future__ import annotations

from enum import StrEnum
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict, Field


class LayerRole(StrEnum):
    """What the reader does with the geometry on a layer."""

    CUT = "cut"
    MARK = "mark"
    EXCLUDED = "excluded"


DEFAULT_EXCLUDE: tuple[str, ...] = (
    "BEND*",
    "*_BEND*",
    "IV_BEND*",
    "IV_TANGENT",
    "IV_ARC_CENTERS",
    "IV_TOOL_CENTER*",
    "IV_ROLL*",
    "DIM*",
    "*DIMENSION*",
    "TEXT*",
    "DEFPOINTS",
    "CENTER*",
    "HIDDEN*",
    "CONSTRUCTION*",
)

DEFAULT_MARK: tuple[str, ...] = (
    "ETCH*",
    "*_ETCH*",
    "MARK*",
    "*_MARK*",
    "ENGRAVE*",
    "SCRIBE*",
    "IV_UNCONSUMED_SKETCHES",
)


class LayerRules(BaseModel):
    """Glob patterns (``fnmatch``, case-insensitive) deciding each layer's role.

    Precedence: a ``mark`` match wins (marking is never lost to a broad exclude pattern), then an
    ``exclude`` match; otherwise the layer is cut, unless ``cut`` is non-empty, in which case only
    layers matching ``cut`` are cut and every other layer is excluded.

    Attributes:
        exclude: Layers whose geometry is ignored (bend lines, dimensions, text, centre marks).
        mark: Layers whose geometry travels with the part as marking (``Part.marks``), not cut.
        cut: Optional allow-list of cut layers (e.g. ``["IV_OUTER_PROFILE",
            "IV_INTERIOR_PROFILES"]``); empty means "every layer not excluded or marking".
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    exclude: tuple[str, ...] = Field(default=DEFAULT_EXCLUDE)
    mark: tuple[str, ...] = Field(default=DEFAULT_MARK)
    cut: tuple[str, ...] = ()

    def role(self, layer: str) -> LayerRole:
        """The role of ``layer`` under these rules."""
        name = layer.upper()
        if _matches(name, self.mark):
            return LayerRole.MARK
        if _matches(name, self.exclude):
            return LayerRole.EXCLUDED
        if self.cut and not _matches(name, self.cut):
            return LayerRole.EXCLUDED
        return LayerRole.CUT


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(name, pattern.upper()) for pattern in patterns)
