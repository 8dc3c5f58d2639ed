"""Helpers of the direct task tests: models taken from the tasks' own signatures, example drawings.

The tests import only the ``@task`` objects from ``tasks.*``: the models the tasks take (the
drawing to check, the upload item, the run summary) are looked up in the task's signature, so
they keep working wherever those models live.
"""

from __future__ import annotations

import typing
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from nestflow.blocks.settings import SheetFormat
from nestflow.geometry.reader import ReadOptions
from nestflow.tasks.cloudnest import upload_drawings
from nestflow.tasks.drawings import check_drawings

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

#: A sheet the example parts fit on several times over.
SHEET = SheetFormat(name="tasks 1000x500", length=1000.0, height=500.0, quantity=5, border_gap=10)
THICKNESS = 3.0
GAS = "O2"


def parameter_model(task: Any, parameter: str) -> type[BaseModel]:
    """The model a task's ``parameter`` is typed with (the item model of a ``list[...]``)."""
    hint = typing.get_type_hints(task.fn)[parameter]
    if typing.get_origin(hint) is list:
        (hint,) = typing.get_args(hint)
    assert isinstance(hint, type) and issubclass(hint, BaseModel), hint
    return hint


def unique(prefix: str) -> str:
    """A name no other test uses (the sandbox and the task caches live for the session)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def to_check(path: Path, quantity: int = 1, **terms: Any) -> BaseModel:
    """A drawing file to pass to ``check_drawings``, ordered ``quantity`` times."""
    item = parameter_model(check_drawings, "items")
    ref = {"file": path.name, "path": str(path)}
    return item.model_validate({"ref": ref, "terms": {"quantity": quantity, **terms}})


def checked(*files: str | tuple[str, int]) -> list[Any]:
    """Example drawings read and checked by the task (``"a.dxf"`` or ``("a.dxf", quantity)``)."""
    items = [
        to_check(EXAMPLES / f) if isinstance(f, str) else to_check(EXAMPLES / f[0], f[1])
        for f in files
    ]
    drawings = check_drawings(items, ReadOptions())
    assert all(d.ok for d in drawings), [d.failure for d in drawings]
    return drawings


def upload_items(drawings: list[Any]) -> list[Any]:
    """The upload items of checked drawings (their checked bytes and quantities)."""
    item = parameter_model(upload_drawings, "items")
    return [
        item(
            file=d.ref.file,
            path=d.ref.path,
            sha256=d.sha256,
            content=d.content,
            quantity=d.terms.quantity,
        )
        for d in drawings
    ]
