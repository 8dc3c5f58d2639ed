"""Prefect blocks of nestflow: service credentials and shop settings.

``prefect block register -m blocks`` registers every block class exported here.
"""

from blocks.credentials import AlmaCamCredentials, CloudNestCredentials
from blocks.settings import (
    CuttingParameters,
    DrawingRoots,
    MachineTarget,
    SheetFormat,
    SheetStock,
)

__all__ = [
    "AlmaCamCredentials",
    "CloudNestCredentials",
    "CuttingParameters",
    "DrawingRoots",
    "MachineTarget",
    "SheetFormat",
    "SheetStock",
]
