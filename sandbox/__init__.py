"""Local stand-ins for the vendor APIs (AlmaCAM, later CloudNest), served on loopback.

Start them from code with :func:`sandbox.server.start_sandbox` and a
:class:`sandbox.config.SandboxConfig`, or from the shell with ``nestflow sandbox``.
"""

if __name__ != "nestflow.sandbox":
    # The folder installs as nestflow.sandbox; importing it as `sandbox` would load a second
    # copy of every module (and of its state) next to the first.
    raise ImportError("import nestflow.sandbox, not sandbox (the folder installs under nestflow.)")
