"""Prefect flows chaining nestflow's tasks, and the `nestflow` command line that runs them."""
