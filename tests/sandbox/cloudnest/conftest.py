"""The CloudNest fixtures (sandboxes, signed calls, DXF samples) shared with the client's tests."""

from tests.cloudnest.conftest import (  # noqa: F401 - fixtures, found by pytest by name
    cloudnest_api,
    cloudnest_api_for,
    cloudnest_client,
    cloudnest_client_for,
    cloudnest_sandbox,
    cloudnest_sandbox_factory,
    open_contour_dxf,
    rectangle_dxf,
    static_files,
)
