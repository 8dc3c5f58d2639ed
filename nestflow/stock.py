"""What a shop nests on: the sheet formats in stock.

One name per concept: a :class:`SheetFormat` is one format (size, border, how many sheets); the
``Sheet Stock`` block (``nestflow.blocks.settings.SheetStock``) is a shop's list of them. The
engines, the run parameters and the block all take this one model.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class SheetFormat(BaseModel):
    """One sheet format in stock (mm)."""

    name: str = Field(default="", description="Name of the format, used in reports and errors.")
    length: float = Field(default=3000.0, gt=0, description="Sheet length along x, in mm.")
    height: float = Field(default=1500.0, gt=0, description="Sheet height along y, in mm.")
    quantity: int = Field(default=20, ge=1, description="Sheets of this format available.")
    border_gap: float = Field(
        default=10.0, ge=0, description="Unusable margin on every edge of the sheet, in mm."
    )

    @property
    def label(self) -> str:
        """The format's name, or its size when it has none."""
        return self.name or f"{self.length:g} x {self.height:g}"
