"""The sandbox runner: every sandboxed vendor API served by uvicorn on loopback, in threads.

From code (tests, the demo)::

    config = SandboxConfig.from_env(almacam_port=0, speed=0.1)
    with start_sandbox(config) as sandbox:
        httpx.post(f"{sandbox.almacam_url}/new", ...)

From the command line, :func:`serve_forever` (``nestflow sandbox``) prints one line per service
and serves until interrupted.

Services are listed in :data:`SERVICES`; adding one takes a
:class:`~sandbox.services.SandboxService` value and one entry there.

Every service is served behind its own :class:`~sandbox.faults.FaultLayer`, so tests can
inject faults into any of them: ``sandbox.faults("almacam").set(plan)`` in-process, or the
``/_sandbox/faults`` admin endpoints over HTTP.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import uvicorn

from nestflow.sandbox.almacam.service import ALMACAM
from nestflow.sandbox.cloudnest.service import CLOUDNEST
from nestflow.sandbox.config import FAULTS_ENV, SandboxConfig
from nestflow.sandbox.faults import FAULTS_PATH, FaultLayer
from nestflow.sandbox.services import SandboxService, ServiceInstance

#: The services ``nestflow sandbox`` runs, in the order their lines are printed.
SERVICES: tuple[SandboxService, ...] = (ALMACAM, CLOUDNEST)

#: Seconds to wait for a server to come up or to stop.
STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 5.0


def _bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: the system picks a free one)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    return socket.create_server((host, port), family=family)


def _url(host: str, port: int) -> str:
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


@dataclass
class RunningService:
    """One service being served.

    Attributes:
        service: What it is.
        url: Base URL (no trailing slash), with the real port.
        port: The port it listens on.
        faults: The fault layer in front of the service's app.
    """

    service: SandboxService
    url: str
    port: int
    faults: FaultLayer
    _server: uvicorn.Server
    _thread: threading.Thread
    _socket: socket.socket
    _instance: ServiceInstance

    @property
    def alive(self) -> bool:
        """Whether its server thread still runs."""
        return self._thread.is_alive()

    @property
    def app(self) -> Any:
        """The service's own application (behind its fault layer), whose state tests inspect."""
        return self._instance.app

    def stop(self) -> None:
        """Stop serving, then release the service's resources."""
        # A held request would keep uvicorn waiting for it; end the holds so it answers at once.
        self.faults.close()
        self._server.should_exit = True
        self._thread.join(SHUTDOWN_TIMEOUT)
        self._socket.close()
        self._instance.close()


def _serve(service: SandboxService, config: SandboxConfig) -> RunningService:
    instance = service.build(config)
    faults = FaultLayer(service.name, instance.app, config.faults.get(service.name))
    sock: socket.socket | None = None
    try:
        sock = _bind(config.host, service.port(config))
        server = uvicorn.Server(
            uvicorn.Config(
                faults,
                log_config=None,
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=1,
                **service.server_options,
            )
        )
        thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"sandbox-{service.name}",
            daemon=True,
        )
        thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise RuntimeError(f"the {service.title} sandbox did not start on {config.host}")
            time.sleep(0.01)
    except BaseException:
        if sock is not None:
            sock.close()
        instance.close()
        raise
    port = sock.getsockname()[1]
    url = _url(config.host, port)
    return RunningService(service, url, port, faults, server, thread, sock, instance)


class RunningSandbox:
    """The started services; a context manager that stops them on exit.

    Attributes:
        config: The configuration the services were started with.
        services: The running services by name.
    """

    def __init__(self, config: SandboxConfig, services: dict[str, RunningService]) -> None:
        self.config = config
        self.services = services

    def url(self, name: str) -> str:
        """Base URL of the service ``name`` (``"almacam"``, ``"cloudnest"``)."""
        return self.services[name].url

    def faults(self, name: str) -> FaultLayer:
        """The fault layer of the service ``name`` (``"almacam"``, ``"cloudnest"``)."""
        return self.services[name].faults

    @property
    def almacam_url(self) -> str:
        """Base URL of the AlmaCAM API."""
        return self.url("almacam")

    @property
    def almacam_token(self) -> str:
        """The Bearer token the AlmaCAM API accepts."""
        return self.config.almacam.token.get_secret_value()

    @property
    def alive(self) -> bool:
        """Whether every server thread still runs."""
        return all(s.alive for s in self.services.values())

    def banner(self) -> list[str]:
        """One line per service with its URL, then its development credentials."""
        lines = [f"{s.service.title} sandbox: {s.url}" for s in self.services.values()]
        for running in self.services.values():
            lines += running.service.credentials(self.config)
        for running in self.services.values():
            if rules := running.faults.plan().rules:
                lines.append(
                    f"{running.service.title} faults: {len(rules)} rule(s) active, "
                    f"see {running.url}{FAULTS_PATH}"
                )
        return lines

    def stop(self) -> None:
        """Stop every service (in reverse start order)."""
        for running in reversed(list(self.services.values())):
            running.stop()
        self.services = {}

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        urls = ", ".join(f"{name}={s.url}" for name, s in self.services.items())
        return f"RunningSandbox({urls})"


def _check_fault_services(config: SandboxConfig, services: Sequence[SandboxService]) -> None:
    """Refuse fault plans for services nobody knows (a typo would silently inject nothing)."""
    known = {service.name for service in (*SERVICES, *services)}
    if unknown := sorted(set(config.faults) - known):
        raise ValueError(
            f"fault plans for unknown services {unknown} (from {FAULTS_ENV} or the config); "
            f"known: {sorted(known)}"
        )


def start_sandbox(
    config: SandboxConfig | None = None, services: Sequence[SandboxService] = SERVICES
) -> RunningSandbox:
    """Start the services, each on its own loopback port, and return once all accept requests.

    Args:
        config: Settings; :meth:`SandboxConfig.from_env` when ``None``.
        services: Which services to run (all registered ones by default).

    Returns:
        The running sandbox; use it as a context manager or call :meth:`RunningSandbox.stop`.

    Raises:
        ValueError: The config has a fault plan for a service that does not exist.
    """
    config = config or SandboxConfig.from_env()
    _check_fault_services(config, services)
    running: dict[str, RunningService] = {}
    try:
        for service in services:
            running[service.name] = _serve(service, config)
    except BaseException:
        RunningSandbox(config, running).stop()
        raise
    return RunningSandbox(config, running)


def serve_forever(config: SandboxConfig | None = None, echo: Callable[[str], None] = print) -> None:
    """Serve until Ctrl-C or SIGTERM, printing each service's URL and dev credentials first.

    Args:
        config: Settings; :meth:`SandboxConfig.from_env` when ``None``.
        echo: Where the lines go.
    """
    stop = threading.Event()
    restore = None
    if threading.current_thread() is threading.main_thread():
        restore = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with start_sandbox(config) as sandbox:
            for line in sandbox.banner():
                echo(line)
            try:
                while sandbox.alive and not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        if restore is not None:
            signal.signal(signal.SIGTERM, restore)
