"""Prefect tasks of nestflow: one module per service or concern, each task one API step."""

if __name__ != "nestflow.tasks":
    # The folder installs as nestflow.tasks; importing it as `tasks` would load a second
    # copy of every module (and of its state) next to the first.
    raise ImportError("import nestflow.tasks, not tasks (the folder installs under nestflow.)")
