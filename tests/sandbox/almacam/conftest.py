"""The AlmaCAM fixtures (sandbox, orders, HTTP client) shared with the client's tests."""

from tests.almacam.conftest import (  # noqa: F401 - fixtures, found by pytest by name
    almacam_client,
    almacam_sandbox,
    await_result,
    bracket_part,
    constructed_order,
    hello_world_order,
    sandbox_http,
    solved_hello_world,
)
