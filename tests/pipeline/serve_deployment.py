"""Serve one deployment of prefect.yaml, triggers and parameters as written (run as a script).

Used by the event-trigger test: ``python serve_deployment.py <prefect.yaml> <deployment name>``
with ``PREFECT_API_URL`` pointing at a real Prefect server. ``serve()`` needs no work pool or
worker, and registers the deployment's triggers as automations on that server.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from prefect.cli.deploy._triggers import _initialize_deployment_triggers
from prefect.flows import load_flow_from_entrypoint

ROOT = Path(__file__).resolve().parents[2]


def main(config: Path, name: str) -> None:
    """Serve deployment ``name`` of ``config`` until terminated."""
    raw = yaml.safe_load(config.read_text())
    deployment = next(d for d in raw["deployments"] if d["name"] == name)
    flow = load_flow_from_entrypoint(str(ROOT / deployment["entrypoint"]))
    flow.serve(
        name=name,
        parameters=deployment.get("parameters") or {},
        triggers=_initialize_deployment_triggers(name, deployment.get("triggers") or []),
        tags=deployment.get("tags"),
        print_starting_message=True,
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
