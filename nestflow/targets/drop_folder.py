"""A drop folder the machine's controller watches: the layout DXF written into it.

Any folder the run can write to through a :class:`~nestflow.targets.base.Storage` (the Prefect
side gives a filesystem block: local, SMB, remote). A file still there proves its push; one the
controller took proves nothing.
"""

from __future__ import annotations

from nestflow.ledger import LedgerPush
from nestflow.targets.base import (
    FileTarget,
    LayoutToCut,
    MachineSettings,
    PushLookup,
    Storage,
    TargetSetup,
)


class DropFolderTarget(FileTarget):
    """Layouts written into a drop folder under their file names.

    Args:
        storage: The folder.
        block: The name of its filesystem block (for the exactly-once key and reports).
    """

    def __init__(self, storage: Storage, block: str) -> None:
        self.storage = storage
        self.block = block

    @classmethod
    def set_up_on(cls, machine: MachineSettings) -> bool:
        """Whether the machine's block names its drop folder."""
        return bool(machine.drop_folder_block)

    @classmethod
    def build(cls, setup: TargetSetup) -> DropFolderTarget | str:
        """The machine's drop folder, or why it has none."""
        block = setup.machine.drop_folder_block
        if not block:
            return f"Machine Target block {setup.machine_name!r} has no drop folder"
        return cls(setup.storage(block), block)

    @property
    def key(self) -> str:
        """The drop folder's block."""
        return f"drop-folder|{self.block}"

    @property
    def label(self) -> str:
        """``drop folder <block>``."""
        return f"drop folder {self.block}"

    def push(self, layout: LayoutToCut) -> str:
        """Write the layout DXF under its file name (a re-write replaces the same file)."""
        assert layout.dxf is not None
        return self.storage.write(layout.file_name, layout.dxf)

    def find(self, push: LedgerPush) -> PushLookup:
        """The file still in the folder proves the push; a missing one proves nothing.

        The machine's controller takes files away when it loads them, so an absent file may
        have been written and already taken.
        """
        if push.file and self.storage.read(push.file) is not None:
            return PushLookup(landed=True, reference=push.file, detail=f"{push.file} is there")
        return PushLookup(
            landed=None,
            detail=f"{push.file} is not in {self.label}: never written, or the machine took it",
        )
