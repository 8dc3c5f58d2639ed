"""AlmaCAM sandbox, the vendor's gateway: the HTTP app, authentication, limits, answers."""
