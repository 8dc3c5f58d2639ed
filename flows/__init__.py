"""Prefect flows chaining nestflow's tasks (the command line that starts them is in ``cli/``)."""
