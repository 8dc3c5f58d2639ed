"""Prefect tasks of nestflow: one module per service or concern, each task one API step."""
