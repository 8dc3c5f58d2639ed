"""Prefect flows chaining nestflow's tasks (the command line that starts them is in ``cli/``)."""

if __name__ != "nestflow.flows":
    # The folder installs as nestflow.flows; importing it as `flows` would load a second
    # copy of every module (and of its state) next to the first.
    raise ImportError("import nestflow.flows, not flows (the folder installs under nestflow.)")
