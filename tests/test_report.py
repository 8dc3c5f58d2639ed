"""The run report says which engines it is about."""

from __future__ import annotations

from nestflow.report import EngineSummary, RunSummary, engines_compared


def _summary(*engines: str) -> RunSummary:
    return RunSummary(
        job_name="j",
        mode="production",
        push_engine="none",
        material="S235JR",
        thickness=3.0,
        density=7.85,
        engines=[EngineSummary(engine=name) for name in engines],
    )


def test_a_report_of_two_engines_compares_them() -> None:
    assert engines_compared(_summary("cloudnest", "almacam")) == "CloudNest and AlmaCAM compared"


def test_a_report_of_three_engines_lists_them_all() -> None:
    text = engines_compared(_summary("cloudnest", "almacam", "local"))
    assert text == "CloudNest, AlmaCAM and Local solver compared"


def test_a_report_of_one_engine_names_only_it() -> None:
    assert engines_compared(_summary("local")) == "Local solver"
