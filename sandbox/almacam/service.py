"""The AlmaCAM sandbox as a service of the sandbox runner: store, solver workers, app."""

from __future__ import annotations

from nestflow.nesting import solve
from nestflow.sandbox.almacam.gateway.app import AlmaCamLimits, create_app
from nestflow.sandbox.almacam.simulation.runner import OrderRunner, Solver
from nestflow.sandbox.almacam.state.store import OrderStore
from nestflow.sandbox.config import ALMACAM_TOKEN_ENV, SandboxConfig
from nestflow.sandbox.services import SandboxService, ServiceInstance


def build_almacam(
    config: SandboxConfig, solver: Solver = solve, limits: AlmaCamLimits | None = None
) -> ServiceInstance:
    """Open the store, start the solver workers (resuming unfinished orders), build the app.

    Args:
        config: Sandbox settings (state file, speed, token, capacity).
        solver: The nesting engine (tests swap in a failing one).
        limits: How much of a request is read (defaults when ``None``).
    """
    store = OrderStore(config.state_file)
    runner = OrderRunner(
        store, config.solve_seconds, workers=config.almacam.max_concurrent_solves, solver=solver
    )
    runner.resume()

    def close() -> None:
        runner.close()
        store.close()

    app = create_app(config.almacam, store, runner.submit, limits)
    return ServiceInstance(app=app, close=close)


def almacam_credentials(config: SandboxConfig) -> list[str]:
    """How to authenticate; the token itself only when it is the development default."""
    if config.almacam.token_from_env:
        return [f"AlmaCAM token: the value of {ALMACAM_TOKEN_ENV}"]
    token = config.almacam.token.get_secret_value()
    return [f"AlmaCAM token (development default): Authorization: Bearer {token}"]


ALMACAM = SandboxService(
    name="almacam",
    title="AlmaCAM",
    port=lambda config: config.almacam_port,
    build=build_almacam,
    credentials=almacam_credentials,
)
