"""CloudNest sandbox, what the simulated vendor does in the background."""
