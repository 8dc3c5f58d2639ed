"""AlmaCAM sandbox, what the simulated vendor keeps, and the queries over it."""
