"""One service client per credentials block and run, shared by the tasks of that run.

The CloudNest client paces itself per endpoint (token buckets) and remembers the server's clock
offset; building a new client in every task would forget both and burst into the vendor's rate
limits. Clients are kept in memory only, keyed by a hash of the block's settings, so a rotated
secret or another base URL gets a new client. A shared client also remembers how long its service
has not answered, so a retried task gives up on a dead service at once instead of trying for
another ``unreachable_after_s``.

Where they are kept is a :class:`ClientScope`, and it decides how long they live:

* a flow run's: its task runner (:class:`~nestflow.tasks.run_scope.RunTaskRunner`) opens one when
  the run starts and closes its clients when the run's tasks are done;
* :func:`client_scope`: a program or a test that calls the tasks outside a flow run opens its own;
* outside both (a task called on its own, a script), the process's scope,
  :data:`PROCESS_CLIENTS`, whose clients are closed when the interpreter exits (registered on its
  first client, not at import).

Importing this module changes nothing in the process.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from nestflow.almacam.client import AlmaCamClient
from nestflow.blocks.credentials import AlmaCamCredentials, CloudNestCredentials
from nestflow.cloudnest.client import CloudNestClient

Credentials = CloudNestCredentials | AlmaCamCredentials


class ClientScope:
    """The clients of one run (or program): one per credentials, closed together.

    Thread-safe: the run's tasks ask for clients from the task runner's threads.

    Args:
        name: What the scope belongs to, for its repr.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._clients: dict[str, CloudNestClient | AlmaCamClient] = {}
        self._closed = False
        self._closed_at_exit = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, clients={len(self._clients)})"

    def client(self, credentials: Credentials) -> Any:
        """The scope's client for ``credentials`` (created on first use).

        Raises:
            RuntimeError: The scope was closed (its run is over).
        """
        key = f"{type(credentials).__name__}|{_fingerprint(credentials)}"
        with self._lock:
            if self._closed:
                raise RuntimeError(
                    f"the clients of {self.name} were closed when it ended: "
                    "ask for a client inside the run (or inside client_scope())"
                )
            if key not in self._clients:
                self._clients[key] = credentials.get_client()
            return self._clients[key]

    def close(self) -> None:
        """Close every client's connection pool; later requests for a client are refused."""
        with self._lock:
            clients, self._clients, self._closed = list(self._clients.values()), {}, True
        for client in clients:
            client.close()

    def close_at_exit(self) -> ClientScope:
        """Have the interpreter's exit close this scope (registered once); returns the scope."""
        with self._lock:
            if not self._closed_at_exit:
                atexit.register(self.close)
                self._closed_at_exit = True
        return self


#: The clients of calls made outside any run or :func:`client_scope` (closed at exit).
PROCESS_CLIENTS = ClientScope("this process (outside flow runs)")
_current: ContextVar[ClientScope | None] = ContextVar("nestflow_client_scope", default=None)


@contextmanager
def client_scope(name: str = "a program") -> Iterator[ClientScope]:
    """Keep the clients asked for inside this block in a scope of their own; close them after.

    Inside means this context and the tasks it submits (they copy it).

    Args:
        name: What the scope belongs to (a flow run's name), for messages.

    Yields:
        The scope.
    """
    scope = ClientScope(name)
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)
        scope.close()


def current_scope() -> ClientScope:
    """The innermost open scope; outside any, the process's (:data:`PROCESS_CLIENTS`)."""
    scope = _current.get()
    return scope if scope is not None else PROCESS_CLIENTS.close_at_exit()


def _fingerprint(block: Credentials) -> str:
    """A hash of every setting, secrets included (only the hash is kept)."""
    values = block.model_dump(mode="python")
    for name, value in values.items():
        if hasattr(value, "get_secret_value"):
            values[name] = value.get_secret_value()
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def cloudnest_client(credentials: CloudNestCredentials) -> CloudNestClient:
    """The current run's CloudNest client for these credentials (created on first use)."""
    client: CloudNestClient = current_scope().client(credentials)
    return client


def almacam_client(credentials: AlmaCamCredentials) -> AlmaCamClient:
    """The current run's AlmaCAM client for these credentials (created on first use)."""
    client: AlmaCamClient = current_scope().client(credentials)
    return client


def service_key(credentials: Credentials) -> str:
    """Which account on which server, for cache keys; never contains a secret.

    CloudNest accounts are named by app id and OrgCode. An AlmaCAM account has only its token,
    so it is named by a short one-way hash of it (orders of one account are not another's).
    """
    if isinstance(credentials, CloudNestCredentials):
        return f"{credentials.base_url.rstrip('/')}|{credentials.app_id}|{credentials.org_code}"
    token = credentials.token.get_secret_value()
    account = hashlib.sha256(f"nestflow-account|{token}".encode()).hexdigest()[:12]
    return f"{credentials.base_url.rstrip('/')}|{account}"
