"""The ``nestflow`` command line: typer commands, terminal output, and the sandbox demo.

Sits on top of the Prefect layers (flows -> tasks -> blocks -> nestflow); nothing below imports it.
"""

if __name__ != "nestflow.cli":
    # The folder installs as nestflow.cli; importing it as `cli` would load a second
    # copy of every module (and of its state) next to the first.
    raise ImportError("import nestflow.cli, not cli (the folder installs under nestflow.)")
