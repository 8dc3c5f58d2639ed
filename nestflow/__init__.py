"""nestflow core: DXF parts, nesting, and the CloudNest/AlmaCAM clients. No Prefect in here."""

__version__ = "0.1.0"
