"""Fixtures of the direct task tests: the credentials blocks, and one CloudNest job nested once.

The tasks are called as they are, outside any flow (Prefect 3 runs each call as a task run of
the session's test harness), against the sandbox over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nestflow.blocks.credentials import AlmaCamCredentials, CloudNestCredentials
from nestflow.blocks.loading import load_block
from nestflow.tasks.cloudnest import (
    ensure_job,
    prepare_plates,
    start_boost,
    upload_drawings,
    wait_drawings,
    wait_nesting,
)
from tests.pipeline.tasks.support import GAS, SHEET, THICKNESS, checked, unique, upload_items


@pytest.fixture(scope="session")
def cloudnest_credentials(pipeline_blocks) -> CloudNestCredentials:
    """The CloudNest Credentials block pointing at the sandbox."""
    return load_block(CloudNestCredentials, pipeline_blocks.names.cloudnest)


@pytest.fixture(scope="session")
def almacam_credentials(pipeline_blocks) -> AlmaCamCredentials:
    """The AlmaCAM Credentials block pointing at the sandbox."""
    return load_block(AlmaCamCredentials, pipeline_blocks.names.almacam)


@dataclass(frozen=True)
class NestedJob:
    """A CloudNest job taken through the tasks from plates to a finished Boost."""

    name: str
    material: str
    job_id: int
    plates: list[str]
    uploaded: Any
    states: list[Any]
    boost: str
    detail: Any


@pytest.fixture(scope="session")
def nested_job(cloudnest_credentials) -> NestedJob:
    """Two gussets and a bracket nested by a Boost of a job of its own (material of its own)."""
    credentials, name, material = cloudnest_credentials, unique("tasks-job"), unique("TASKS")
    plates = prepare_plates(credentials, material, THICKNESS, 7.85, [SHEET])
    job_id = ensure_job(credentials, name, material, THICKNESS, GAS)
    items = upload_items(checked(("gusset.dxf", 2), "bracket.dxf"))
    uploaded = upload_drawings(credentials, job_id, items, material, THICKNESS, GAS)
    states = wait_drawings(credentials, job_id, uploaded.refs, 30.0)
    guids = [s.drawing_guid for s in states]
    boost = start_boost(credentials, job_id, guids, plates, 5.0, 1, True)
    detail = wait_nesting(credentials, job_id, 1.0, 60.0)
    return NestedJob(name, material, job_id, plates, uploaded, states, boost, detail)


#: Tasks called outside a flow have no flow run to send their log lines to; Prefect says so on
#: every line. The lines still reach the session's log handlers.
NO_FLOW_RUN_LOGS = (
    "ignore:Logger 'prefect.task_runs' attempted to send logs to the API without a flow run id"
    ":UserWarning"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Silence Prefect's per-line warning about task logs without a flow run, in this folder."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings(NO_FLOW_RUN_LOGS))
