"""The IoT "upload cut task" (documented, spec §Q.2): any engine's layout DXF to a machine.

The machine is named by its 12-digit card id; the file goes through the gateway (the same signed
requests as CloudNest). It cannot tell how far the machine got.
"""

from __future__ import annotations

from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.errors import UNCONTROLLABLE_MACHINE, CloudNestError
from nestflow.targets.base import FileTarget, LayoutToCut, TargetError, TargetSetup


class UploadCutTarget(FileTarget):
    """The IoT "upload cut task": any engine's layout DXF to the machine with card ``card_id``.

    Args:
        client: A client of the gateway (same signed headers as CloudNest).
        card_id: The machine's 12-digit card id.
        account: Which server and account (for the exactly-once key; no secret).
    """

    def __init__(self, client: CloudNestClient, card_id: str, account: str) -> None:
        self.client = client
        self.card_id = card_id
        self.account = account

    @classmethod
    def build(cls, setup: TargetSetup) -> UploadCutTarget | str:
        """The upload-cut task to the machine's card through the gateway, or why there is none."""
        card_id = setup.machine.card_id
        if not card_id:
            return f"Machine Target block {setup.machine_name!r} has no IoT card id"
        gateway = setup.gateway()
        if gateway is None:
            return "the upload-cut task needs the CloudNest credentials block (same gateway)"
        return cls(gateway.client, card_id, gateway.account)

    @property
    def key(self) -> str:
        """Account and card."""
        return f"upload-cut|{self.account}|{self.card_id}"

    @property
    def label(self) -> str:
        """``card <id>``."""
        return f"card {self.card_id}"

    def push(self, layout: LayoutToCut) -> str:
        """Upload the file as a cut task of ``quantity`` sheets; return the task UUID.

        Raises:
            TargetError: The account cannot control this machine (vendor code 1010).
        """
        assert layout.dxf is not None
        try:
            return self.client.device_upload_cut(
                self.card_id,
                task_name=layout.file_name.removesuffix(".dxf"),
                amount=layout.quantity,
                file=(layout.file_name, layout.dxf),
            )
        except CloudNestError as exc:
            if exc.status == UNCONTROLLABLE_MACHINE:
                raise TargetError(
                    f"machine card {self.card_id}: this account cannot control it (vendor code "
                    f"1010, uncontrollable machine tool); check the card id and that the machine "
                    f"is IoT-certified within the account's quota. {exc.msg}"
                ) from exc
            raise
