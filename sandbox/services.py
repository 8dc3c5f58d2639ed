"""What a sandboxed service gives the runner: how to build its app and what to print about it.

Each service (AlmaCAM, CloudNest) describes itself with one :class:`SandboxService` value; the
runner (:mod:`sandbox.server`) starts every registered service on its own port.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nestflow.sandbox.config import SandboxConfig


@dataclass(frozen=True)
class ServiceInstance:
    """A built service: its ASGI application and how to release what it holds.

    Attributes:
        app: The ASGI application to serve.
        close: Stops background work and closes storage; called once the server has stopped.
    """

    app: Any
    close: Callable[[], None]


@dataclass(frozen=True)
class SandboxService:
    """A service the sandbox runs.

    Attributes:
        name: Short key (``"almacam"``), used in :meth:`RunningSandbox.url`.
        title: Name printed for people (``"AlmaCAM"``).
        port: The configured port of this service (0 = any free port).
        build: Builds the application and its background machinery from the config.
        credentials: Lines telling a developer how to authenticate; must only show values that
            are development defaults, never a secret read from the environment.
        server_options: Extra ``uvicorn.Config`` options the service needs (the CloudNest
            sandbox writes its own ``Date`` header, so it turns uvicorn's off).
    """

    name: str
    title: str
    port: Callable[[SandboxConfig], int]
    build: Callable[[SandboxConfig], ServiceInstance]
    credentials: Callable[[SandboxConfig], list[str]]
    server_options: Mapping[str, Any] = field(default_factory=dict)
