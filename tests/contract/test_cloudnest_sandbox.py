"""The CloudNest sandbox answers every documented endpoint with the shape of the spec's example.

One job goes through the main sequence once per module (add, upload a DXF, Boost, push to the
machine, cut); each endpoint with a response example is called raw, at the point of the sequence
where the vendor's example was taken (§8.2: a task not yet finished), and its answer compared,
by shape, with the example: the same keys at every level and the same JSON types.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nestflow.cloudnest import jobs
from nestflow.cloudnest.models import ENDPOINT_MODELS, PlanStatus

from .conftest import (
    CLOUDNEST_FIXTURES,
    WAIT_SECONDS,
    RawCloudNest,
    cloudnest_endpoint,
    example_name,
    fixture_files,
    load,
    rectangle_dxf,
)
from .shapes import shape_differences

ENDPOINT_EXAMPLES = [
    p for p in fixture_files(CLOUDNEST_FIXTURES, "response") if cloudnest_endpoint(p) is not None
]

#: Keys the spec types ``string | null`` (§8.1 remnant links, §8.2 cutting times).
NULLABLE = frozenset({"file_url", "thumbnail_url", "start_time", "finish_time"})

#: Keys a spec table documents but whose example value was cut off, so the fixture leaves them
#: out (§8.4 ``abnor_info[].area`` and the layout's ``part_weight``).
CUT_OFF = {"8.4-machine-result-list": frozenset({"area", "part_weight"})}

#: The machine of the vendor's example (§8.2) and a time range holding every cut (§Q.1 format).
GMID = 165192
ALL_TIME = {"start_time": "2000-01-01 00:00:00", "end_time": "2100-01-01 00:00:00"}


@pytest.fixture(scope="module")
def answers(cloudnest_raw: RawCloudNest) -> dict[str, dict[str, Any]]:
    """Raw answer envelopes by example name, collected along one job's main sequence."""
    got: dict[str, dict[str, Any]] = {}
    with cloudnest_raw.client() as client:
        job = {"job_name": "contract fixtures", "material": "Q235", "thickness": 1.0}
        got["P.1-job-add"] = cloudnest_raw.envelope("job_add", job)
        job_id = got["P.1-job-add"]["data"]["job_id"]
        datas = [{"filename": "plate.dxf", "amount": 3, "prop": {"orderCode": "20211213-0001"}}]
        got["P.1-drawing-upload"] = cloudnest_raw.envelope(
            "drawing_upload",
            data={"job_id": str(job_id), "datas": json.dumps(datas)},
            files=[("file", ("plate.dxf", rectangle_dxf(100.0, 50.0)))],
        )
        jobs.wait_drawings(client, job_id, WAIT_SECONDS)
        got["P.1-job-boost"] = cloudnest_raw.envelope(
            "job_boost", {"job_id": job_id, "time_limit": 1}
        )
        layout = jobs.wait_nesting(client, job_id, WAIT_SECONDS).results[0]
        got["P.1-production-push"] = cloudnest_raw.envelope(
            "production_push", {"result_guid": layout.result_guid, "gmid": GMID, "amount": 1}
        )
        got["8.2-job-plan-detail"] = cloudnest_raw.envelope("job_plan_detail", {"job_id": [job_id]})
        got["8.1-job-plate-used"] = cloudnest_raw.envelope("job_plate_used", {"job_id": [job_id]})
        got["8.3-part-loc-info"] = cloudnest_raw.envelope(
            "part_loc_info", {"type": "SingleResult", "guid": layout.result_guid, "order_by": "x"}
        )
        plan_guid = got["P.1-production-push"]["data"]["plan_guid"]
        jobs.wait_production(client, plan_guid, WAIT_SECONDS)
        got["8.4-machine-result-list"] = cloudnest_raw.envelope(
            "machine_result_list", {"gmid": GMID, **ALL_TIME}
        )
        got["Q.3-server-version"] = cloudnest_raw.envelope("server_version", signed=False)
        got["3.2-error-envelope"] = cloudnest_raw.envelope(
            "job_info", {"job_id": job_id}, signed=False
        )
    return got


def test_every_endpoint_example_is_covered_by_the_sequence(
    answers: dict[str, dict[str, Any]],
) -> None:
    assert {example_name(p) for p in ENDPOINT_EXAMPLES} <= set(answers)


@pytest.mark.parametrize(
    "path", ENDPOINT_EXAMPLES, ids=[example_name(p) for p in ENDPOINT_EXAMPLES]
)
def test_sandbox_answer_uses_the_spec_success_envelope(
    answers: dict[str, dict[str, Any]], path: Path
) -> None:
    envelope = load(CLOUDNEST_FIXTURES / "3.1-envelope.response.json")
    answer = answers[example_name(path)]
    assert set(answer) == set(envelope)
    assert (answer["status"], answer["msg"]) == (envelope["status"], envelope["msg"])


@pytest.mark.parametrize(
    "path", ENDPOINT_EXAMPLES, ids=[example_name(p) for p in ENDPOINT_EXAMPLES]
)
def test_sandbox_data_has_the_keys_and_types_of_the_spec_example(
    answers: dict[str, dict[str, Any]], path: Path
) -> None:
    name = example_name(path)
    data = answers[name]["data"]
    assert data, f"{name}: the sandbox answered no data to compare"
    differences = shape_differences(
        load(path)["data"], data, nullable=NULLABLE, optional=CUT_OFF.get(name, ())
    )
    assert differences == []


@pytest.mark.parametrize(
    "path", ENDPOINT_EXAMPLES, ids=[example_name(p) for p in ENDPOINT_EXAMPLES]
)
def test_sandbox_data_is_read_by_the_client_model_of_the_endpoint(
    answers: dict[str, dict[str, Any]], path: Path
) -> None:
    ENDPOINT_MODELS[cloudnest_endpoint(path) or ""].parse(answers[example_name(path)]["data"])


def test_plan_detail_is_taken_like_the_spec_example_before_the_cut(
    answers: dict[str, dict[str, Any]],
) -> None:
    [task] = answers["8.2-job-plan-detail"]["data"]
    assert (task["status"], task["finish_plate_amount"]) == (PlanStatus.UNCOMPLETED, 0)
    assert task["parts"][0]["props"], "no props to compare with the example's"


def test_refused_call_answers_the_shape_of_the_spec_error_envelope(
    answers: dict[str, dict[str, Any]],
) -> None:
    example = load(CLOUDNEST_FIXTURES / "3.2-error-envelope.response.json")
    answer = answers["3.2-error-envelope"]
    assert shape_differences(example, answer) == []
    assert answer["status"] == 1000  # §3.2: no app-id header
