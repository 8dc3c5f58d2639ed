"""Filesystem blocks: where run outputs, drop-folder layouts and watcher state are written.

A block is named either ``"type-slug/name"`` (any writable filesystem block, e.g.
``"remote-file-system/shared"``) or by a bare name, meaning a ``LocalFileSystem`` block.
"""

from __future__ import annotations

import inspect
import os
import tempfile
from pathlib import Path
from typing import Any

from prefect.blocks.core import Block
from prefect.filesystems import LocalFileSystem, WritableFileSystem
from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH
from prefect.utilities.asyncutils import run_coro_as_sync

from nestflow.blocks.loading import load_block


def load_filesystem(name: str | None, default_basepath: str | Path) -> WritableFileSystem:
    """Load a writable filesystem block by name, or a local folder when no name is given.

    Args:
        name: ``"type-slug/name"``, a LocalFileSystem block name, or None.
        default_basepath: Folder used (unsaved LocalFileSystem) when ``name`` is None.

    Returns:
        The filesystem block.

    Raises:
        TypeError: The named block is not a writable filesystem.
        BlockNotFound: No LocalFileSystem block of that name exists.
        ValueError: No block at that ``type-slug/name`` exists (Prefect's message names it).
    """
    if not name:
        return LocalFileSystem(basepath=str(Path(default_basepath).expanduser().resolve()))
    block = Block.load(name, _sync=True) if "/" in name else load_block(LocalFileSystem, name)
    if not isinstance(block, WritableFileSystem):
        raise TypeError(
            f"block {name!r} is a {type(block).__name__}, not a writable filesystem block: "
            "name a LocalFileSystem, RemoteFileSystem or SMB block"
        )
    return block


def write_file(storage: WritableFileSystem, path: str, content: bytes) -> str:
    """Write ``content`` at ``path`` inside ``storage`` and return where it went."""
    return str(_sync(storage.write_path(path, content)))


def read_file(storage: WritableFileSystem, path: str) -> bytes | None:
    """Read ``path`` inside ``storage``; None when it does not exist."""
    try:
        return _sync(storage.read_path(path))
    except (ValueError, FileNotFoundError):
        return None


def describe(storage: WritableFileSystem) -> str:
    """A short human description of where a filesystem block writes."""
    base = getattr(storage, "basepath", None)
    return f"{type(storage).__name__}({base})" if base else type(storage).__name__


def _sync(value: Any) -> Any:
    """Resolve the result of a block method that is async in some filesystem blocks."""
    return run_coro_as_sync(value) if inspect.iscoroutine(value) else value


def shared_folder(name: str) -> Path:
    """``<result storage>/<name>``: a folder every worker shares (one mount across machines)."""
    return Path(PREFECT_RESULTS_LOCAL_STORAGE_PATH.value()).expanduser() / name


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (a crash leaves the old file or the new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp") as tmp:
        tmp.write(data)
        tmp.flush()
        os.fsync(tmp.fileno())
    os.replace(tmp.name, path)
