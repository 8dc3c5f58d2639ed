"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nestflow.waiting import reset_waits


@pytest.fixture
def fresh_cancel_flag() -> Iterator[None]:
    """A process-wide wait-cancel flag cleared before and after the test."""
    reset_waits()
    yield
    reset_waits()
