"""Shop settings blocks: the sheet stock, the machine layouts are pushed to, where drawings lie.

They hold no secrets. Keeping them in blocks lets a shop change its stock or its laser without
redeploying: deployments name the block, the flow loads it at run time.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from prefect.blocks.core import Block
from pydantic import Field, HttpUrl, field_validator, model_validator

from nestflow.report.cutting import DEFAULT_CUTTING_TABLE, CostRates, CuttingTable
from nestflow.stock import SheetFormat
from nestflow.urls import UrlPolicy

DOCUMENTATION = HttpUrl("https://docs.prefect.io/latest/develop/blocks")


class SheetStock(Block):
    """The sheet formats a shop nests on, for one material grade.

    Example:
        ```python
        from nestflow.blocks import SheetStock
        stock = SheetStock.load("BLOCK_NAME")
        print([(s.length, s.height, s.quantity) for s in stock.sheets])
        ```
    """

    _block_type_name: ClassVar[str] = "Sheet Stock"
    _block_type_slug: ClassVar[str] = "nestflow-sheet-stock"
    _documentation_url: ClassVar[HttpUrl] = DOCUMENTATION
    _description: ClassVar[str] = (
        "Sheet formats in stock (length, height, quantity, border gap), used by both engines."
    )

    sheets: list[SheetFormat] = Field(
        default_factory=lambda: [SheetFormat()],
        min_length=1,
        description="Formats in stock, preferred first.",
    )


class MachineTarget(Block):
    """Where chosen layouts go: CloudNest push (gmid), IoT upload-cut (card id), drop folder.

    Example:
        ```python
        from nestflow.blocks import MachineTarget
        machine = MachineTarget.load("BLOCK_NAME")
        print(machine.gmid, machine.drop_folder_block)
        ```
    """

    _block_type_name: ClassVar[str] = "Machine Target"
    _block_type_slug: ClassVar[str] = "nestflow-machine-target"
    _documentation_url: ClassVar[HttpUrl] = DOCUMENTATION
    _description: ClassVar[str] = (
        "A laser reached through CloudNest's server-side push (gmid), the IoT upload-cut task "
        "(card id), or a drop folder its controller watches (a Prefect filesystem block)."
    )

    gmid: int | None = Field(
        default=None,
        title="CloudNest machine id (gmid)",
        description="Machine id for CloudNest server-side push; empty if not on CloudNest.",
    )
    card_id: str | None = Field(
        default=None,
        pattern=r"^\d{12}$",
        title="IoT card id",
        description=(
            "The machine's 12-digit card id for the documented IoT upload-cut task (any "
            "engine's layout DXF); empty if the machine is not IoT-certified."
        ),
    )
    drop_folder_block: str | None = Field(
        default=None,
        title="Drop folder block",
        description=(
            'Prefect filesystem block receiving nested DXF files, as "type-slug/name" '
            '(e.g. "local-file-system/laser-1") or a LocalFileSystem block name.'
        ),
    )
    production_timeout_s: float = Field(
        default=3600.0, gt=0, description="Longest wait for production, in seconds."
    )

    @model_validator(mode="after")
    def _has_a_destination(self) -> MachineTarget:
        if self.gmid is None and not self.card_id and not self.drop_folder_block:
            raise ValueError("a machine target needs a gmid, a card_id or a drop_folder_block")
        return self


class CuttingParameters(Block):
    """How fast the shop's laser cuts, and what sheets and laser time cost: what quotes price with.

    Example:
        ```python
        from nestflow.blocks import CuttingParameters
        rates = CuttingParameters.load("BLOCK_NAME")
        print(rates.table.source, rates.costs.machine_rate_per_hour)
        ```
    """

    _block_type_name: ClassVar[str] = "Cutting Parameters"
    _block_type_slug: ClassVar[str] = "nestflow-cutting-parameters"
    _documentation_url: ClassVar[HttpUrl] = DOCUMENTATION
    _description: ClassVar[str] = (
        "Cutting speed, pierce time and marking speed per material, thickness and gas, with "
        "where the figures come from; sheet price per kg and the laser's hourly rate."
    )

    table: CuttingTable = Field(
        default=DEFAULT_CUTTING_TABLE,
        title="Cutting table",
        description="Rows per material family, thickness and gas; its source is quoted with it.",
    )
    costs: CostRates = Field(
        default_factory=CostRates,
        title="Cost rates",
        description="Currency, sheet price per kg and the laser's hourly rate.",
    )


class DrawingRoots(Block):
    """The folders a worker may read drawings and order manifests from, the hosts of drawing URLs.

    Without this block a run reads drawings only in or below its working folder (where the
    command line was started; a deployment's project folder), a manifest's lines only in or
    below the manifest's own folder, and URLs only from public addresses. With it
    (``blocks.drawing_roots``), every local path of a run (the drawings' folder, its files, the
    manifest and each of its lines) must lie in one of ``folders`` once ``..`` and links are
    followed, so that a run started by a form or an event, whoever filled it, reads no other
    file of the worker; and a URL on one of ``url_hosts`` is fetched even from a loopback,
    private or link-local address (a shop's own ERP or file server).

    Example:
        ```python
        from nestflow.blocks import DrawingRoots
        roots = DrawingRoots.load("BLOCK_NAME")
        print(roots.folders)
        ```
    """

    _block_type_name: ClassVar[str] = "Drawing Roots"
    _block_type_slug: ClassVar[str] = "nestflow-drawing-roots"
    _documentation_url: ClassVar[HttpUrl] = DOCUMENTATION
    _description: ClassVar[str] = (
        "Folders the flows may read drawings and order manifests from (an inbox, a share of the "
        "shop's drawings); a path of a run outside them is refused before it is read. Hosts of "
        "the shop's own network drawing URLs may be fetched from."
    )

    folders: list[str] = Field(
        default_factory=list,
        description=(
            "Absolute folders (e.g. /srv/nestflow/inbox); their subfolders are included. Empty: "
            "the run's working folder."
        ),
    )
    url_hosts: list[str] = Field(
        default_factory=list,
        title="URL hosts",
        description=(
            "Hosts drawing URLs may be fetched from although their address is loopback, private "
            'or link-local: "erp.local" (any port) or "10.0.0.5:8080". Public hosts need no entry.'
        ),
    )

    @field_validator("folders")
    @classmethod
    def _absolute(cls, folders: list[str]) -> list[str]:
        relative = [f for f in folders if not Path(f).expanduser().is_absolute()]
        if relative:
            raise ValueError(
                f"give absolute folders, not {', '.join(map(repr, relative))}: a relative "
                "folder would mean another place in each worker's working directory"
            )
        return folders

    @field_validator("url_hosts")
    @classmethod
    def _hosts(cls, hosts: list[str]) -> list[str]:
        odd = [h for h in hosts if not h.strip() or "/" in h or "@" in h]
        if odd:
            raise ValueError(
                f"give host names or host:port, not {', '.join(map(repr, odd))} (no scheme, "
                "path or user)"
            )
        return hosts

    def resolved(self) -> list[Path] | None:
        """The folders as paths are compared with them (``~``, ``..`` and links resolved).

        None when no folder is given: the run's working folder applies.
        """
        return [Path(folder).expanduser().resolve() for folder in self.folders] or None

    def url_policy(self) -> UrlPolicy:
        """The hosts drawing URLs may be fetched from besides public ones."""
        return UrlPolicy(allowed_hosts=self.url_hosts)
