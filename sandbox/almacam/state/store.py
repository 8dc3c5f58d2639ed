"""Where the AlmaCAM sandbox keeps its nesting orders: SQLite, in memory or in a file.

One table, ``almacam_orders``: the order as submitted, its status, and once solved either the
full-view result body or the error body, with the time the solver finished. Using SQLite for the
in-memory case too keeps one code path; with a file, orders and results survive a restart (the
runner re-runs orders that were still computing, see :mod:`sandbox.almacam.simulation.runner`).
Other sandbox services may keep their own tables in the same file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

_SCHEMA = """
CREATE TABLE IF NOT EXISTS almacam_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL,
    order_json TEXT NOT NULL,
    result_json TEXT,
    error_json TEXT,
    submitted_at REAL NOT NULL,
    solved_at REAL
)
"""


class OrderStatus(StrEnum):
    """Life cycle of an order: computing, then done (result) or failed (error body)."""

    COMPUTING = "computing"
    DONE = "done"
    FAILED = "failed"


class StoredOrder(BaseModel):
    """One order as stored.

    Attributes:
        id: The nesting order id given to the client.
        status: Where the order stands.
        order: The order as submitted (validated JSON).
        result: The full-view result body, once done.
        error: The 400 error body, once failed.
        submitted_at: Epoch seconds of the submission.
        solved_at: Epoch seconds when solving finished (done or failed).
    """

    id: int
    status: OrderStatus
    order: dict[str, Any]
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    submitted_at: float
    solved_at: float | None = None


class OrderStore:
    """Thread-safe order storage on one SQLite connection.

    Args:
        path: SQLite file to keep orders in; ``None`` keeps them in memory for this process only.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            ":memory:" if path is None else str(path), check_same_thread=False
        )
        with self._lock, self._db:
            self._db.execute(_SCHEMA)

    def create(self, order: dict[str, Any]) -> int:
        """Store a new order as computing and return its id."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO almacam_orders (status, order_json, submitted_at) VALUES (?, ?, ?)",
                (OrderStatus.COMPUTING.value, json.dumps(order), time.time()),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def get(self, order_id: int) -> StoredOrder | None:
        """The order with this id, or ``None`` when there is none."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, status, order_json, result_json, error_json, submitted_at, solved_at "
                "FROM almacam_orders WHERE id = ?",
                (order_id,),
            ).fetchone()
        if row is None:
            return None
        oid, status, order, result, error, submitted_at, solved_at = row
        return StoredOrder(
            id=oid,
            status=OrderStatus(status),
            order=json.loads(order),
            result=json.loads(result) if result is not None else None,
            error=json.loads(error) if error is not None else None,
            submitted_at=submitted_at,
            solved_at=solved_at,
        )

    def complete(self, order_id: int, result: dict[str, Any]) -> None:
        """Record the full-view result of a solved order (now is its ``solved_at``)."""
        self._finish(order_id, OrderStatus.DONE, result_json=json.dumps(result))

    def fail(self, order_id: int, error: dict[str, Any]) -> None:
        """Record the error body of an order that could not be nested."""
        self._finish(order_id, OrderStatus.FAILED, error_json=json.dumps(error))

    def _finish(
        self,
        order_id: int,
        status: OrderStatus,
        result_json: str | None = None,
        error_json: str | None = None,
    ) -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE almacam_orders SET status = ?, result_json = ?, error_json = ?, "
                "solved_at = ? WHERE id = ?",
                (status.value, result_json, error_json, time.time(), order_id),
            )

    def computing_ids(self) -> list[int]:
        """Ids of the orders still computing, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM almacam_orders WHERE status = ? ORDER BY id",
                (OrderStatus.COMPUTING.value,),
            ).fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        """Close the database (pending writes are committed already)."""
        with self._lock:
            self._db.close()
