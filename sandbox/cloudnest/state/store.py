"""Persistence of the CloudNest sandbox: typed records and file blobs in one SQLite database.

The same code path serves both modes: an in-memory database when no state file is configured, a
file when one is (so a restarted sandbox keeps its jobs). Records are pydantic models stored as
JSON, keyed by ``(kind, key)`` and tagged with the job they belong to. Table names carry a
``cloudnest_`` prefix because the state file is shared with the other sandboxed services.

One connection is shared by the request threads and the workers behind a lock: SQLite serialises
writers anyway, and the sandbox's traffic is small.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar, TypeVar

from pydantic import BaseModel

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cloudnest_records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    job_id INTEGER,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS cloudnest_records_job ON cloudnest_records (kind, job_id);
CREATE TABLE IF NOT EXISTS cloudnest_blobs (key TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS cloudnest_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Record(BaseModel):
    """A stored object. Subclasses name their ``kind`` and say which field is the key."""

    kind: ClassVar[str]
    key_field: ClassVar[str]

    @property
    def key(self) -> str:
        """The record's primary key as stored (GUIDs upper-cased, ids as text)."""
        return normalise_key(getattr(self, self.key_field))

    @property
    def owner_job(self) -> int | None:
        """The job this record belongs to, if any (used to list and to delete with the job)."""
        return getattr(self, "job_id", None)


R = TypeVar("R", bound=Record)


def normalise_key(value: object) -> str:
    """GUIDs compare case-insensitively (spec §P rule 3): keys are stored upper-cased."""
    return str(value).upper()


class Store:
    """Records, blobs and counters in SQLite.

    Args:
        path: Database file, or ``None`` for an in-memory database (state lost on exit).
    """

    def __init__(self, path: Path | None = None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            str(path) if path is not None else ":memory:", check_same_thread=False
        )
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock over several calls so a read-modify-write cannot interleave."""
        with self._lock, self._db:
            yield

    # -- records -------------------------------------------------------------------------------

    def save(self, record: Record) -> None:
        """Insert or replace ``record``."""
        with self._lock, self._db:
            # An upsert, not INSERT OR REPLACE: the row keeps its rowid, so lists stay in
            # creation order however often a record changes.
            self._db.execute(
                "INSERT INTO cloudnest_records (kind, key, job_id, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(kind, key) DO UPDATE "
                "SET job_id = excluded.job_id, body = excluded.body",
                (record.kind, record.key, record.owner_job, record.model_dump_json()),
            )

    def get(self, cls: type[R], key: object) -> R | None:
        """The record of type ``cls`` with ``key`` (GUIDs case-insensitive), or ``None``."""
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM cloudnest_records WHERE kind = ? AND key = ?",
                (cls.kind, normalise_key(key)),
            ).fetchone()
        return cls.model_validate_json(row[0]) if row else None

    def all(self, cls: type[R], *, job_id: int | None = None) -> list[R]:
        """Every record of type ``cls`` (of one job when ``job_id`` is given), oldest first."""
        query = "SELECT body FROM cloudnest_records WHERE kind = ?"
        params: tuple[object, ...] = (cls.kind,)
        if job_id is not None:
            query += " AND job_id = ?"
            params += (job_id,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY rowid", params).fetchall()
        return [cls.model_validate_json(body) for (body,) in rows]

    def update(self, cls: type[R], key: object, change: Callable[[R], R]) -> R | None:
        """Atomically replace a record by ``change(record)``; ``None`` when it does not exist."""
        with self.transaction():
            current = self.get(cls, key)
            if current is None:
                return None
            updated = change(current)
            self.save(updated)
            return updated

    def delete(self, cls: type[Record], key: object) -> bool:
        """Delete one record; True when it existed."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "DELETE FROM cloudnest_records WHERE kind = ? AND key = ?",
                (cls.kind, normalise_key(key)),
            )
        return cursor.rowcount > 0

    # -- blobs ---------------------------------------------------------------------------------

    def put_blob(self, key: str, body: bytes) -> None:
        """Store file bytes (uploaded DXF, rendered layout DXF)."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO cloudnest_blobs (key, body) VALUES (?, ?)",
                (normalise_key(key), body),
            )

    def get_blob(self, key: str) -> bytes | None:
        """File bytes stored under ``key``, or ``None``."""
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM cloudnest_blobs WHERE key = ?", (normalise_key(key),)
            ).fetchone()
        return bytes(row[0]) if row else None

    def delete_blob(self, key: str) -> None:
        """Forget the bytes stored under ``key`` (no error when absent)."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM cloudnest_blobs WHERE key = ?", (normalise_key(key),))

    # -- counters ------------------------------------------------------------------------------

    def increment(self, name: str, start: int = 1) -> int:
        """Add one to the counter ``name`` (created at ``start``) and return the new value."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO cloudnest_counters (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1",
                (name, start),
            )
            (value,) = self._db.execute(
                "SELECT value FROM cloudnest_counters WHERE name = ?", (name,)
            ).fetchone()
        return int(value)

    def counter(self, name: str) -> int:
        """Current value of the counter ``name`` (0 when never incremented)."""
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM cloudnest_counters WHERE name = ?", (name,)
            ).fetchone()
        return int(row[0]) if row else 0
