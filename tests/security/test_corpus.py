"""Every probe of the security corpus is refused with a clear reason (issue 18, items 3 and 6).

Each probe is one attempt a run could be asked to make (see :mod:`tests.security.corpus`): a
system file, a climb out of the working folder, a link out of it, a device or FIFO, a name no
file system takes, a URL to loopback, a private or metadata address in any spelling, a redirect
to one, another scheme, a file filed away through a link. None may be read, fetched or moved;
each must be refused by a typed error or a rejection of a refusing kind, naming why.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.corpus import PROBES, Probe, Shop, loopback_servers, make_shop, run_probe


@pytest.fixture(scope="module")
def ports() -> Iterator[tuple[int, int]]:
    """The target and the redirector, on 127.0.0.1."""
    with loopback_servers() as running:
        yield running


@pytest.fixture
def shop(tmp_path: Path, ports: tuple[int, int]) -> Shop:
    """A fresh working folder, an outside folder with a secret, the two servers' ports."""
    return make_shop(tmp_path, ports)


@pytest.mark.parametrize("probe", PROBES, ids=lambda probe: probe.name)
def test_the_probe_is_refused_with_a_reason_and_nothing_is_read(probe: Probe, shop: Shop) -> None:
    result = run_probe(probe, shop)
    assert (result.outcome, result.reason) == ("refused", result.reason)
    assert result.reason.strip()


@pytest.mark.parametrize("probe", PROBES, ids=lambda probe: probe.name)
def test_the_refusal_carries_no_raw_control_character(probe: Probe, shop: Shop) -> None:
    reason = run_probe(probe, shop).reason
    assert not [c for c in reason if ord(c) < 32 or 127 <= ord(c) < 160]
