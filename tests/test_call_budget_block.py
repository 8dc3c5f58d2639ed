"""The credentials blocks say how long one call may take in all, and their clients keep to it."""

from __future__ import annotations

from nestflow.blocks.credentials import AlmaCamCredentials, CloudNestCredentials


def test_the_cloudnest_block_passes_its_call_budget_to_the_client() -> None:
    block = CloudNestCredentials(
        app_id="op1", app_secret="s3cret", org_code="TEAM001", call_budget_s=42.0
    )
    with block.get_client() as client:
        assert client.call_budget == 42.0


def test_the_almacam_block_passes_its_call_budget_to_the_client() -> None:
    block = AlmaCamCredentials(token="t0ken", base_url="http://127.0.0.1:9/", call_budget_s=42.0)
    with block.get_client() as client:
        assert client.call_budget == 42.0


def test_a_call_budget_defaults_to_three_minutes() -> None:
    assert AlmaCamCredentials(token="t0ken").call_budget_s == 180.0
    assert CloudNestCredentials(app_id="a", app_secret="s", org_code="o").call_budget_s == 180.0
