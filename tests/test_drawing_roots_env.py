"""``nestflow blocks`` makes a Drawing Roots block from the environment, as it makes the others."""

from __future__ import annotations

from nestflow.blocks import DrawingRoots
from nestflow.blocks.environment import values_from_env


def test_drawing_roots_and_url_hosts_come_from_their_environment_variables() -> None:
    environ = {
        "NESTFLOW_DRAWING_ROOTS": '["/srv/nestflow/inbox", "/mnt/drawings"]',
        "NESTFLOW_URL_HOSTS": '["erp.local:8080"]',
    }
    values = values_from_env(DrawingRoots, environ)
    assert values == {
        "folders": ["/srv/nestflow/inbox", "/mnt/drawings"],
        "url_hosts": ["erp.local:8080"],
    }
    assert DrawingRoots(**values).url_hosts == ["erp.local:8080"]


def test_no_drawing_roots_variable_makes_no_drawing_roots_field() -> None:
    assert values_from_env(DrawingRoots, {"NESTFLOW_DRAWING_ROOTS": "  "}) == {}
