"""The machine target a run pushes to: the Prefect side of the target registry.

The targets themselves and their registry are core (:mod:`nestflow.targets`); this module gives
them what only the Prefect side can reach (:class:`~nestflow.targets.base.TargetSetup`): the
Machine Target block, the gateway's credentials block and client, filesystem blocks as
:class:`~nestflow.targets.base.Storage`. Adding a target touches neither this module nor the flows.
"""

from __future__ import annotations

from dataclasses import dataclass

from prefect.filesystems import WritableFileSystem

from nestflow.blocks.credentials import CloudNestCredentials
from nestflow.blocks.loading import BlockNotFound, load_block
from nestflow.blocks.settings import MachineTarget as MachineBlock
from nestflow.targets.base import Gateway, Storage, Target
from nestflow.targets.registry import build_target
from nestflow.tasks.clients import cloudnest_client, service_key
from nestflow.tasks.storage import load_filesystem, read_file, write_file


@dataclass(frozen=True)
class BlockStorage:
    """A Prefect writable filesystem block as a target's :class:`~nestflow.targets.base.Storage`."""

    filesystem: WritableFileSystem

    def write(self, path: str, content: bytes) -> str:
        """Write ``content`` at ``path`` in the block; return where it went."""
        return write_file(self.filesystem, path, content)

    def read(self, path: str) -> bytes | None:
        """The content at ``path`` in the block; None when there is no such file."""
        return read_file(self.filesystem, path)


@dataclass(frozen=True)
class BlockSetup:
    """What a target is built from, loaded from blocks when the target asks (a TargetSetup).

    Attributes:
        machine: The Machine Target block.
        machine_name: Its block name (for messages).
        gateway_block: Name of the CloudNest credentials block (the gateway of server push and
            upload-cut), loaded only by the targets that use it.
    """

    machine: MachineBlock
    machine_name: str
    gateway_block: str

    def gateway(self) -> Gateway | None:
        """The run's client of the gateway and its account; None when the block is not saved."""
        try:
            credentials = load_block(CloudNestCredentials, self.gateway_block)
        except BlockNotFound:
            return None
        return Gateway(cloudnest_client(credentials), service_key(credentials))

    def storage(self, block: str) -> Storage:
        """The filesystem block ``block`` (relative paths from the working folder)."""
        return BlockStorage(load_filesystem(block, "."))


def machine_target(
    kind: str, engine: str, machine: MachineBlock, name: str, gateway: str
) -> Target | str:
    """The target of kind ``kind`` (``auto`` chooses by engine) or why it cannot be built.

    Args:
        kind: ``auto`` or a kind of :data:`nestflow.targets.registry.TARGETS`.
        engine: The engine whose layouts go to the machine.
        machine: The Machine Target block.
        name: Its block name (for messages).
        gateway: Name of the CloudNest credentials block (loaded only by targets that use it).
    """
    return build_target(kind, engine, BlockSetup(machine, name, gateway))
