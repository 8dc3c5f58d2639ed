"""Local CloudNest (Bochu) open-platform server: the vendor's gateway, jobs, Boost and machines.

Build it with :func:`sandbox.cloudnest.gateway.app.create_app` and serve it with any ASGI server
(see :data:`sandbox.cloudnest.gateway.app.SERVER_OPTIONS`), or run ``nestflow sandbox``, which
plugs in :data:`sandbox.cloudnest.service.CLOUDNEST`. Settings:
:class:`sandbox.cloudnest.settings.CloudNestSandboxSettings` (environment variables
``NESTFLOW_SANDBOX_CLOUDNEST_*``, ``NESTFLOW_SANDBOX_RATE_LIMIT``, ``NESTFLOW_SANDBOX_MACHINES``).
"""
