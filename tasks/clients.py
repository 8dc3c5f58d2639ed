"""One service client per credentials block and process, shared by the tasks of a run.

The CloudNest client paces itself per endpoint (token buckets) and remembers the server's clock
offset; building a new client in every task would forget both and burst into the vendor's rate
limits. Clients are kept in memory only, keyed by a hash of the block's settings, so a rotated
secret or another base URL gets a new client. A shared client also remembers how long its service
has not answered, so a retried task gives up on a dead service at once instead of trying for
another ``unreachable_after_s``.

Importing this module also wires the process so that a cancelled run, SIGTERM or Ctrl-C stops the
clients' waits (:func:`tasks.progress.wire_cancellation`).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import threading
from typing import Any

import tasks.progress  # noqa: F401 - importing it wires cancellation (wire_cancellation)
from blocks.credentials import AlmaCamCredentials, CloudNestCredentials
from nestflow.almacam.client import AlmaCamClient
from nestflow.cloudnest.client import CloudNestClient

_lock = threading.Lock()
_cloudnest: dict[str, CloudNestClient] = {}
_almacam: dict[str, AlmaCamClient] = {}


def _fingerprint(block: CloudNestCredentials | AlmaCamCredentials) -> str:
    """A hash of every setting, secrets included (only the hash is kept)."""
    values = block.model_dump(mode="python")
    for name, value in values.items():
        if hasattr(value, "get_secret_value"):
            values[name] = value.get_secret_value()
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _shared(cache: dict[str, Any], credentials: CloudNestCredentials | AlmaCamCredentials) -> Any:
    key = _fingerprint(credentials)
    with _lock:
        if key not in cache:
            cache[key] = credentials.get_client()
        return cache[key]


def cloudnest_client(credentials: CloudNestCredentials) -> CloudNestClient:
    """The process's CloudNest client for these credentials (created on first use)."""
    return _shared(_cloudnest, credentials)


def almacam_client(credentials: AlmaCamCredentials) -> AlmaCamClient:
    """The process's AlmaCAM client for these credentials (created on first use)."""
    return _shared(_almacam, credentials)


def service_key(credentials: CloudNestCredentials | AlmaCamCredentials) -> str:
    """Which account on which server, for cache keys; never contains a secret.

    CloudNest accounts are named by app id and OrgCode. An AlmaCAM account has only its token,
    so it is named by a short one-way hash of it (orders of one account are not another's).
    """
    if isinstance(credentials, CloudNestCredentials):
        return f"{credentials.base_url.rstrip('/')}|{credentials.app_id}|{credentials.org_code}"
    token = credentials.token.get_secret_value()
    account = hashlib.sha256(f"nestflow-account|{token}".encode()).hexdigest()[:12]
    return f"{credentials.base_url.rstrip('/')}|{account}"


@atexit.register
def close_all() -> None:
    """Close every client's connection pool."""
    with _lock:
        for client in [*_cloudnest.values(), *_almacam.values()]:
            client.close()
        _cloudnest.clear()
        _almacam.clear()
