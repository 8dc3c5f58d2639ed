"""Prefect blocks of nestflow: service credentials and shop settings.

``prefect block register -m nestflow.blocks`` registers every block class exported here.
"""

if __name__ != "nestflow.blocks":
    # The folder installs as nestflow.blocks; importing it as `blocks` would load a second
    # copy of every module (and of its state) next to the first.
    raise ImportError("import nestflow.blocks, not blocks (the folder installs under nestflow.)")


from nestflow.blocks.credentials import AlmaCamCredentials, CloudNestCredentials
from nestflow.blocks.settings import (
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
