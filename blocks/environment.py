"""Blocks built from environment variables (``nestflow blocks``): the secrets' way in.

A deployment host exports the vendor credentials once, runs ``nestflow blocks``, and from then on
flows load them from Prefect. Each block is created when its required variables are set, or
updated field by field when it already exists; absent variables leave a field as it is. Results
describe what was saved without any secret value. ``nestflow blocks --drop-folder PATH`` makes a
drop-folder machine from a path instead (:func:`save_drop_folder`).

Variables (JSON for the mappings and lists):

========================================  =======================================================
``NESTFLOW_CLOUDNEST_APP_ID``             CloudNest appId (required to create)
``NESTFLOW_CLOUDNEST_APP_SECRET``         CloudNest app secret (required to create)
``NESTFLOW_CLOUDNEST_ORG_CODE``           team OrgCode (required to create)
``NESTFLOW_CLOUDNEST_BASE_URL``           gateway URL
``NESTFLOW_CLOUDNEST_ZONE_ID``            IANA time zone for the zoneId header
``NESTFLOW_CLOUDNEST_ROUTE_OVERRIDES``    ``{"job_add": "POST /cn-api/api/job/create"}``
``NESTFLOW_CLOUDNEST_RATE_LIMITS``        ``{"job_add": 1.0}``
``NESTFLOW_CLOUDNEST_GLOBAL_RATE_LIMIT``  Prefect global concurrency limit (with slot decay)
``NESTFLOW_ALMACAM_TOKEN``                AlmaCAM Bearer token (required to create)
``NESTFLOW_ALMACAM_BASE_URL``             AlmaCAM API URL
``NESTFLOW_MACHINE_GMID``                 CloudNest machine id (gmid)
``NESTFLOW_MACHINE_CARD_ID``              the machine's 12-digit IoT card id (upload-cut task)
``NESTFLOW_MACHINE_DROP_FOLDER_BLOCK``    filesystem block of the machine's drop folder
``NESTFLOW_SHEETS``                       ``[{"length": 3000, "height": 1500, "quantity": 20}]``
``NESTFLOW_DRAWING_ROOTS``                folders drawings may be read from: ``["/srv/inbox"]``
``NESTFLOW_URL_HOSTS``                    the shop's own URL hosts: ``["erp.local:8080"]``
========================================  =======================================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from prefect.blocks.core import Block
from prefect.filesystems import LocalFileSystem
from pydantic import BaseModel, SecretStr, ValidationError

from nestflow.blocks.credentials import AlmaCamCredentials, CloudNestCredentials
from nestflow.blocks.settings import DrawingRoots, MachineTarget, SheetStock


class EnvField(BaseModel):
    """One block field and the variable it comes from."""

    field: str
    variable: str
    kind: str = "text"
    """``text``, ``secret``, ``json`` or ``int``."""


#: Block class -> its fields' variables.
FIELDS: dict[type[Block], list[EnvField]] = {
    CloudNestCredentials: [
        EnvField(field="app_id", variable="NESTFLOW_CLOUDNEST_APP_ID"),
        EnvField(field="app_secret", variable="NESTFLOW_CLOUDNEST_APP_SECRET", kind="secret"),
        EnvField(field="org_code", variable="NESTFLOW_CLOUDNEST_ORG_CODE"),
        EnvField(field="base_url", variable="NESTFLOW_CLOUDNEST_BASE_URL"),
        EnvField(field="zone_id", variable="NESTFLOW_CLOUDNEST_ZONE_ID"),
        EnvField(
            field="route_overrides", variable="NESTFLOW_CLOUDNEST_ROUTE_OVERRIDES", kind="json"
        ),
        EnvField(field="rate_limits", variable="NESTFLOW_CLOUDNEST_RATE_LIMITS", kind="json"),
        EnvField(field="global_rate_limit", variable="NESTFLOW_CLOUDNEST_GLOBAL_RATE_LIMIT"),
    ],
    AlmaCamCredentials: [
        EnvField(field="token", variable="NESTFLOW_ALMACAM_TOKEN", kind="secret"),
        EnvField(field="base_url", variable="NESTFLOW_ALMACAM_BASE_URL"),
    ],
    MachineTarget: [
        EnvField(field="gmid", variable="NESTFLOW_MACHINE_GMID", kind="int"),
        EnvField(field="card_id", variable="NESTFLOW_MACHINE_CARD_ID"),
        EnvField(field="drop_folder_block", variable="NESTFLOW_MACHINE_DROP_FOLDER_BLOCK"),
    ],
    SheetStock: [EnvField(field="sheets", variable="NESTFLOW_SHEETS", kind="json")],
    DrawingRoots: [
        EnvField(field="folders", variable="NESTFLOW_DRAWING_ROOTS", kind="json"),
        EnvField(field="url_hosts", variable="NESTFLOW_URL_HOSTS", kind="json"),
    ],
}


class BlockChange(BaseModel):
    """What happened to one block, described without secret values."""

    block_type: str
    name: str
    action: str
    """``created``, ``updated``, ``unchanged`` (it exists; none of its variables is set),
    ``absent`` (it does not exist and none of its variables is set) or ``skipped``."""
    fields: list[str] = []
    detail: str = ""


def _value(spec: EnvField, raw: str) -> Any:
    if spec.kind == "json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{spec.variable} is not valid JSON: {exc.msg}") from None
    if spec.kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{spec.variable} must be a whole number") from None
    return SecretStr(raw) if spec.kind == "secret" else raw


def values_from_env(cls: type[Block], environ: Mapping[str, str]) -> dict[str, Any]:
    """The fields of ``cls`` whose variables are set (non-empty) in ``environ``."""
    return {
        spec.field: _value(spec, environ[spec.variable].strip())
        for spec in FIELDS[cls]
        if environ.get(spec.variable, "").strip()
    }


def _existing(cls: type[Block], name: str) -> Block | None:
    try:
        return cls.load(name, _sync=True)
    except ValueError:
        return None


def apply_env(cls: type[Block], name: str, environ: Mapping[str, str]) -> BlockChange:
    """Create or update block ``name`` of ``cls`` from ``environ`` and save it.

    Raises:
        ValueError: A variable holds a malformed value (named in the message).
    """
    title = cls.get_block_type_name()
    values = values_from_env(cls, environ)
    current = _existing(cls, name)
    if not values:
        if current is None:
            detail = "not created: none of its variables is set"
            return BlockChange(block_type=title, name=name, action="absent", detail=detail)
        return BlockChange(block_type=title, name=name, action="unchanged")
    merged = {**(current.model_dump() if current else {}), **values}
    merged = {k: v for k, v in merged.items() if not k.startswith("_") and k != "block_type_slug"}
    try:
        block = cls.model_validate(merged)
    except ValidationError as exc:
        missing = sorted({str(e["loc"][0]) for e in exc.errors() if e["type"] == "missing"})
        detail = f"missing {', '.join(missing)}" if missing else exc.errors()[0]["msg"]
        return BlockChange(block_type=title, name=name, action="skipped", detail=detail)
    block.save(name, overwrite=True, _sync=True)
    action = "updated" if current else "created"
    return BlockChange(block_type=title, name=name, action=action, fields=sorted(values))


def apply_all(name: str, environ: Mapping[str, str]) -> list[BlockChange]:
    """Create or update every nestflow block called ``name`` from the environment."""
    return [apply_env(cls, name, environ) for cls in FIELDS]


def save_drop_folder(name: str, folder: Path) -> list[BlockChange]:
    """Make ``name`` a machine that takes layouts in ``folder``: no Python needed.

    Saves a Local File System block ``name`` writing into the folder (resolved) and points the
    Machine Target block ``name`` at it (``drop_folder_block``), creating it or keeping its other
    fields (gmid, card id). A run pushes there with ``--target NAME``.

    Args:
        name: The name of both blocks.
        folder: The drop folder the machine's controller watches (it must exist).

    Returns:
        What happened to each block, described as :func:`apply_env` does.
    """
    basepath = str(folder.expanduser().resolve())
    storage = _existing(LocalFileSystem, name)
    LocalFileSystem(basepath=basepath).save(name, overwrite=True, _sync=True)
    storage_change = BlockChange(
        block_type=LocalFileSystem.get_block_type_name(),
        name=name,
        action="updated" if storage else "created",
        fields=["basepath"],
        detail=basepath,
    )
    reference = f"{LocalFileSystem.get_block_type_slug()}/{name}"
    existing = _existing(MachineTarget, name)
    machine = existing or MachineTarget(drop_folder_block=reference)
    machine.drop_folder_block = reference
    machine.save(name, overwrite=True, _sync=True)
    machine_change = BlockChange(
        block_type=MachineTarget.get_block_type_name(),
        name=name,
        action="updated" if existing else "created",
        fields=["drop_folder_block"],
        detail=reference,
    )
    return [storage_change, machine_change]
