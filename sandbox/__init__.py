"""Local stand-ins for the vendor APIs (AlmaCAM, later CloudNest), served on loopback.

Start them from code with :func:`sandbox.server.start_sandbox` and a
:class:`sandbox.config.SandboxConfig`, or from the shell with ``nestflow sandbox``.
"""
