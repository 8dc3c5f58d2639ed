"""Targets that reach a machine through the gateway (CloudNest's API), by the machine's id.

Server push (the machine's gmid) and the upload-cut task (its IoT card id) share how they are
built and named: the gateway's client and account, and the Machine Target block's field that
holds the machine's id.
"""

from __future__ import annotations

from typing import ClassVar

from nestflow.cloudnest.client import CloudNestClient
from nestflow.targets.base import MachineSettings, TargetSetup


class GatewayTarget:
    """A target that reaches machine ``machine_id`` through the gateway.

    Subclasses say which field of the Machine Target block holds the id, and how the target's
    exactly-once key and label read.

    Args:
        client: A client of the gateway (signed requests).
        machine_id: The machine's id for this target (its gmid, its card id).
        account: Which server and account (for the exactly-once key; no secret).
    """

    #: The Machine Target block's field holding the machine's id for this target.
    machine_field: ClassVar[str]
    #: What the block lacks when that field is empty ("CloudNest gmid").
    missing: ClassVar[str]
    #: Said when the gateway's credentials block is not saved.
    no_gateway: ClassVar[str]
    #: How the exactly-once key and the label begin ("cloudnest-push", "gmid").
    key_prefix: ClassVar[str]
    label_prefix: ClassVar[str]

    def __init__(self, client: CloudNestClient, machine_id: str | int, account: str) -> None:
        self.client = client
        self.machine_id = machine_id
        self.account = account

    @classmethod
    def set_up_on(cls, machine: MachineSettings) -> bool:
        """Whether the machine's block holds its id for this target."""
        return getattr(machine, cls.machine_field) not in (None, "")

    @classmethod
    def build(cls, setup: TargetSetup) -> GatewayTarget | str:
        """The target for the machine's id through the run's gateway, or why there is none."""
        if not cls.set_up_on(setup.machine):
            return f"Machine Target block {setup.machine_name!r} has no {cls.missing}"
        gateway = setup.gateway()
        if gateway is None:
            return cls.no_gateway
        return cls(gateway.client, getattr(setup.machine, cls.machine_field), gateway.account)

    @property
    def key(self) -> str:
        """Account and machine."""
        return f"{self.key_prefix}|{self.account}|{self.machine_id}"

    @property
    def label(self) -> str:
        """``gmid <n>``, ``card <id>``."""
        return f"{self.label_prefix} {self.machine_id}"
