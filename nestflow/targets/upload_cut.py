"""The IoT "upload cut task" (documented, spec §Q.2): any engine's layout DXF to a machine.

The machine is named by its 12-digit card id; the file goes through the gateway (the same signed
requests as CloudNest). It cannot tell how far the machine got.
"""

from __future__ import annotations

from nestflow.cloudnest.errors import UNCONTROLLABLE_MACHINE, CloudNestError
from nestflow.targets.base import FileTarget, LayoutToCut, TargetError
from nestflow.targets.gateway import GatewayTarget


class UploadCutTarget(GatewayTarget, FileTarget):
    """The IoT "upload cut task": any engine's layout DXF to a machine by its card id.

    Built with a client of the gateway, the machine's 12-digit card id (``machine_id``) and the
    account (see :class:`GatewayTarget`).
    """

    machine_field = "card_id"
    missing = "IoT card id"
    no_gateway = "the upload-cut task needs the CloudNest credentials block (same gateway)"
    key_prefix = "upload-cut"
    label_prefix = "card"

    def push(self, layout: LayoutToCut) -> str:
        """Upload the file as a cut task of ``quantity`` sheets; return the task UUID.

        Raises:
            TargetError: The account cannot control this machine (vendor code 1010).
        """
        assert layout.dxf is not None
        try:
            return self.client.device_upload_cut(
                self.machine_id,
                task_name=layout.file_name.removesuffix(".dxf"),
                amount=layout.quantity,
                file=(layout.file_name, layout.dxf),
            )
        except CloudNestError as exc:
            if exc.status == UNCONTROLLABLE_MACHINE:
                raise TargetError(
                    f"machine card {self.machine_id}: this account cannot control it (vendor code "
                    f"1010, uncontrollable machine tool); check the card id and that the machine "
                    f"is IoT-certified within the account's quota. {exc.msg}"
                ) from exc
            raise
