"""The machine target a run pushes to, built from the Machine Target block: the one registry.

Adding a target touches its class (in ``nestflow/targets.py``, or here when it is Prefect-side)
and one entry of :data:`BUILDERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from prefect.filesystems import WritableFileSystem

from blocks.credentials import CloudNestCredentials
from blocks.loading import BlockNotFound, load_block
from blocks.settings import MachineTarget as MachineBlock
from nestflow.ledger import LedgerPush
from nestflow.targets import (
    CloudNestServerPush,
    FileTarget,
    LayoutToCut,
    PushLookup,
    Target,
    UploadCutTarget,
)
from tasks.clients import cloudnest_client, service_key
from tasks.storage import load_filesystem, read_file, write_file

#: Builds a target from the Machine Target block (its name) and the name of the CloudNest
#: credentials block (the gateway of server push and upload-cut); returns why not, if it can't.
Builder = Callable[[MachineBlock, str, str], "Target | str"]


def _gateway(block: str) -> CloudNestCredentials | None:
    """The CloudNest credentials (the gateway of server push and upload-cut), if saved."""
    try:
        return load_block(CloudNestCredentials, block)
    except BlockNotFound:
        return None


class DropFolderTarget(FileTarget):
    """A drop folder the machine's controller watches: any Prefect writable filesystem.

    Args:
        storage: The filesystem block.
        block: Its block name (for the exactly-once key and reports).
    """

    def __init__(self, storage: WritableFileSystem, block: str) -> None:
        self.storage = storage
        self.block = block

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
        return write_file(self.storage, layout.file_name, layout.dxf)

    def find(self, push: LedgerPush) -> PushLookup:
        """The file still in the folder proves the push; a missing one proves nothing.

        The machine's controller takes files away when it loads them, so an absent file may
        have been written and already taken.
        """
        if push.file and read_file(self.storage, push.file) is not None:
            return PushLookup(landed=True, reference=push.file, detail=f"{push.file} is there")
        return PushLookup(
            landed=None,
            detail=f"{push.file} is not in {self.label}: never written, or the machine took it",
        )


def _server_push(machine: MachineBlock, name: str, gateway: str) -> Target | str:
    if machine.gmid is None:
        return f"Machine Target block {name!r} has no CloudNest gmid"
    credentials = _gateway(gateway)
    if credentials is None:
        return "CloudNest's server-side push needs the CloudNest credentials block"
    client = cloudnest_client(credentials)
    return CloudNestServerPush(client, machine.gmid, service_key(credentials))


def _upload_cut(machine: MachineBlock, name: str, gateway: str) -> Target | str:
    if not machine.card_id:
        return f"Machine Target block {name!r} has no IoT card id"
    credentials = _gateway(gateway)
    if credentials is None:
        return "the upload-cut task needs the CloudNest credentials block (same gateway)"
    client = cloudnest_client(credentials)
    return UploadCutTarget(client, machine.card_id, service_key(credentials))


def _drop_folder(machine: MachineBlock, name: str, gateway: str) -> Target | str:
    if not machine.drop_folder_block:
        return f"Machine Target block {name!r} has no drop folder"
    storage = load_filesystem(machine.drop_folder_block, ".")
    return DropFolderTarget(storage, machine.drop_folder_block)


#: Every machine target, by the run parameter ``target``.
BUILDERS: dict[str, Builder] = {
    "server_push": _server_push,
    "upload_cut": _upload_cut,
    "drop_folder": _drop_folder,
}


def auto_kind(engine: str, machine: MachineBlock) -> str:
    """``auto``: CloudNest's layouts by server push, others by upload-cut, else a drop folder."""
    if engine == "cloudnest" and machine.gmid is not None:
        return "server_push"
    if machine.card_id:
        return "upload_cut"
    if machine.drop_folder_block:
        return "drop_folder"
    return "server_push" if engine == "cloudnest" else "upload_cut"


def machine_target(
    kind: str, engine: str, machine: MachineBlock, name: str, gateway: str
) -> Target | str:
    """The target of kind ``kind`` (``auto`` chooses by engine) or why it cannot be built.

    Args:
        kind: ``auto`` or a key of :data:`BUILDERS`.
        engine: The engine whose layouts go to the machine.
        machine: The Machine Target block.
        name: Its block name (for messages).
        gateway: Name of the CloudNest credentials block (loaded only by targets that use it).
    """
    chosen = auto_kind(engine, machine) if kind == "auto" else kind
    return BUILDERS[chosen](machine, name, gateway)
