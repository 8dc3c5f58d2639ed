"""The client's ``before_request`` hook, over real HTTP against the CloudNest sandbox."""

import pytest

from nestflow.cloudnest import jobs
from nestflow.cloudnest.errors import CloudNestValidationError


class HookRefused(Exception):
    """What a hook raises to stop a request (e.g. no slot of a shared limit)."""


def test_before_request_gets_the_route_name_of_each_sent_request(
    cloudnest_sandbox, cloudnest_client_for
):
    names: list[str] = []
    client = cloudnest_client_for(cloudnest_sandbox, before_request=names.append)
    client.job_search("nothing-like-this")
    client.material_list()
    client.job_search("nor-this")
    assert names == ["job_search", "material_list", "job_search"]


def test_before_request_runs_again_for_a_resend_after_too_frequent(
    cloudnest_sandbox_factory, cloudnest_client_for
):
    sandbox = cloudnest_sandbox_factory(endpoint_rate_limits={"job_search": 1.0})
    names: list[str] = []
    client = cloudnest_client_for(sandbox, before_request=names.append)
    client.job_search("first")
    client.job_search("second")  # refused with 1009 at least once, then resent
    stats = client.stats()["job_search"]
    assert stats.rate_limited >= 1
    assert names == ["job_search"] * stats.sent
    assert stats.sent == 2 + stats.rate_limited


def test_before_request_runs_after_the_client_pacing(cloudnest_sandbox, cloudnest_client_for):
    steps: list[str] = []
    client = cloudnest_client_for(
        cloudnest_sandbox,
        # One request per 100 s: the second waits (the fake sleep records it) however long the
        # first took; at 1 per second a first request slower than 1 s on a loaded machine left
        # the second nothing to wait for (CI with 8 busy processes, 2026-12-08).
        default_rate=0.01,
        sleep=lambda seconds: steps.append("paced"),
        before_request=lambda name: steps.append("hook"),
    )
    client.job_search("first")
    client.job_search("second")  # the bucket makes this one wait ~100 s (fake sleep)
    assert steps == ["hook", "paced", "hook"]


def test_before_request_is_not_called_for_a_request_refused_before_sending(
    cloudnest_sandbox, cloudnest_client_for
):
    names: list[str] = []
    client = cloudnest_client_for(cloudnest_sandbox, before_request=names.append)
    with pytest.raises(CloudNestValidationError):
        client.request("job_search", {"job_name": ["not", "a", "name"]})
    assert names == []


def test_a_refusing_hook_stops_the_request_and_gives_back_the_quota(
    cloudnest_sandbox, cloudnest_client_for
):
    def refuse(name: str) -> None:
        raise HookRefused(f"no slot for {name}")

    client = cloudnest_client_for(
        cloudnest_sandbox, before_request=refuse, daily_quotas={"job_search": 5}
    )
    with pytest.raises(HookRefused, match="no slot for job_search"):
        client.job_search("never-sent")
    assert client.quota.remaining("job_search") == 5
    assert "job_search" not in client.stats()


def test_a_material_added_by_another_run_meanwhile_is_taken_not_refused(
    cloudnest_sandbox, cloudnest_client_for
):
    other = cloudnest_client_for(cloudnest_sandbox)

    def add_it_first(name: str) -> None:
        # the other run adds the material between this run's look and its add
        if name == "material_add":
            other.material_add(material_name="Race-S355", density=7.85)

    client = cloudnest_client_for(cloudnest_sandbox, before_request=add_it_first)
    material_id = jobs.find_or_add_material(client, "Race-S355", 7.85)

    (added,) = [m for m in other.material_list() if m.material_name == "Race-S355"]
    assert material_id == added.material_id


def test_a_material_add_refused_for_another_reason_still_fails(
    cloudnest_sandbox, cloudnest_client_for
):
    client = cloudnest_client_for(cloudnest_sandbox)
    with pytest.raises(CloudNestValidationError, match="density must be positive"):
        jobs.find_or_add_material(client, "Bad-density", -1.0)
