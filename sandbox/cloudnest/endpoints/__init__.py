"""CloudNest sandbox, the endpoints, requests checked and answered from the state."""
