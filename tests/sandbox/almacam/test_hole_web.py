"""The AlmaCAM sandbox's opt-in minimum web between holes (``min_hole_web_mm``), over real HTTP.

Off by default, as the vendor's documented checks know no such rule; set, a part whose holes
are closer than the web is refused with -981, the answer the vendor gives for holes that overlap.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from nestflow.sandbox.almacam.service import ALMACAM
from nestflow.sandbox.config import AlmaCamSandboxSettings, SandboxConfig
from nestflow.sandbox.server import start_sandbox
from tests.almacam.conftest import HELLO_WORLD, SANDBOX_SPEED

#: The web the strict sandbox requires between two holes.
MIN_WEB = 1.0


def plate_with_holes(gap: float) -> dict[str, Any]:
    """The hello-world order with a 100 x 60 plate holding two 20 x 20 holes ``gap`` apart."""
    order = copy.deepcopy(HELLO_WORLD)
    right = 40 + gap
    order["parts"][0]["geometry"] = [[[0, 0], [100, 0], [100, 60], [0, 60]]]
    order["parts"][0]["holes"] = [
        [[20, 20], [40, 20], [40, 40], [20, 40]],
        [[right, 20], [right + 20, 20], [right + 20, 40], [right, 40]],
    ]
    order["sheets"] = [{"id": 123, "length": 500.0, "height": 200.0}]
    return order


@pytest.fixture(scope="module")
def strict_http() -> Iterator[httpx.Client]:
    """A client of an AlmaCAM sandbox requiring a :data:`MIN_WEB` web between holes."""
    settings = AlmaCamSandboxSettings(min_hole_web_mm=MIN_WEB)
    config = SandboxConfig(almacam_port=0, speed=SANDBOX_SPEED, almacam=settings)
    with start_sandbox(config, services=[ALMACAM]) as sandbox:
        headers = {"Authorization": f"Bearer {sandbox.almacam_token}"}
        with httpx.Client(base_url=sandbox.almacam_url, headers=headers, timeout=30.0) as client:
            yield client


def test_by_default_holes_closer_than_a_millimetre_are_accepted(
    sandbox_http: httpx.Client,
) -> None:
    answer = sandbox_http.post("/new", json=plate_with_holes(0.5))
    assert answer.status_code == 201, answer.text


def test_with_a_web_set_holes_closer_than_it_give_981_naming_the_part(
    strict_http: httpx.Client,
) -> None:
    answer = strict_http.post("/new", json=plate_with_holes(0.5))

    assert answer.status_code == 400, answer.text
    [error] = answer.json()["errors"]
    assert error["error_code"] == -981
    assert error["path"] == ["parts", 0, "holes"]
    assert error["parts"] == [42]
    assert error["message"].startswith(
        "Hole is not compatible with the part: holes of outline 0 are closer than 1 mm"
    )
    assert "holes 0 and 1 are 0.500 mm apart" in error["message"]


def test_with_a_web_set_holes_as_far_apart_as_it_are_accepted(
    strict_http: httpx.Client,
) -> None:
    answer = strict_http.post("/new", json=plate_with_holes(MIN_WEB))
    assert answer.status_code == 201, answer.text
