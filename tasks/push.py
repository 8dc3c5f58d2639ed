"""Push layouts to the machine exactly once, across retries, crashes and re-runs.

Each push runs inside a Prefect transaction keyed by the job and the layout (and the target).
The transaction's record is written on commit to a durable store on the local filesystem,
next to Prefect's result storage (``$PREFECT_RESULTS_LOCAL_STORAGE_PATH/nestflow-push``);
a later run finding the record skips the push and reports the earlier one. The isolation level
is SERIALIZABLE with file locks, so two runs pushing the same layout at the same time cannot both
push. A crash after the push landed but before the commit is covered by the layer below: the
CloudNest push looks for the job's existing production task first, and the drop folder write
replaces the same file name.

With workers on several machines, point ``PREFECT_RESULTS_LOCAL_STORAGE_PATH`` at shared storage
(or swap :func:`push_store` for a store on a shared filesystem block with a Redis lock manager).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.filesystems import LocalFileSystem, WritableFileSystem
from prefect.locking.filesystem import FileSystemLockManager
from prefect.results import ResultStore
from prefect.serializers import JSONSerializer
from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH
from prefect.transactions import IsolationLevel, transaction

from tasks.events import emit, layout_resource
from tasks.storage import describe, write_file

PUSHED = "pushed"
ALREADY_PUSHED = "already pushed"


def push_store() -> ResultStore:
    """The durable store of push records, with file locks for SERIALIZABLE transactions."""
    root = Path(PREFECT_RESULTS_LOCAL_STORAGE_PATH.value()).expanduser() / "nestflow-push"
    return ResultStore(
        result_storage=LocalFileSystem(basepath=str(root / "records")),
        lock_manager=FileSystemLockManager(lock_files_directory=root / "locks"),
        serializer=JSONSerializer(),
    )


def exactly_once(key: str, push: Callable[[], str]) -> tuple[str, str]:
    """Run ``push`` unless a push with this key was committed before.

    Args:
        key: Business key of the push (job, layout, target).
        push: Does the push and returns its reference (production task, file written).

    Returns:
        ``("pushed", reference)`` or ``("already pushed", the earlier reference)``.
    """
    with transaction(
        key=key, store=push_store(), isolation_level=IsolationLevel.SERIALIZABLE
    ) as txn:
        if txn.is_committed():
            record = txn.read()
            earlier = record.result if record is not None else {}
            get_run_logger().info("push %s was already done: %s", key, earlier)
            return ALREADY_PUSHED, str(earlier.get("reference", ""))
        reference = push()
        txn.stage({"reference": reference, "at": datetime.now(UTC).isoformat()})
        return PUSHED, reference


@task(name="Drop layout into the machine folder", cache_policy=NO_CACHE)
def drop_layout(
    storage: WritableFileSystem, file_name: str, dxf: bytes, layout_id: str, quantity: int
) -> str:
    """Write a nested layout DXF into the machine's drop folder; return where it went."""
    location = write_file(storage, file_name, dxf)
    emit(
        "nestflow.layout.pushed",
        layout_resource("almacam", layout_id),
        payload={
            "engine": "almacam",
            "target": describe(storage),
            "file": file_name,
            "amount": quantity,
        },
    )
    return location
