"""Fixtures shared by every test folder."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from nestflow.waiting import reset_waits
from tests.misbehaving import Misbehaving


@pytest.fixture
def fresh_cancel_flag() -> Iterator[None]:
    """A process-wide wait-cancel flag cleared before and after the test."""
    reset_waits()
    yield
    reset_waits()


@pytest.fixture(scope="session")
def misbehaving() -> Iterator[Misbehaving]:
    """A loopback HTTP server that answers as badly as asked (``misbehaving.play(act)``)."""
    server = Misbehaving()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()
