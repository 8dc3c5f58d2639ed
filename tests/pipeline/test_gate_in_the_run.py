"""A doctored engine answer never reaches the machine: the gate stops it and the run says why.

The sandbox nests correctly, so the doctored AlmaCAM answers come from httpx's MockTransport
behind the real client (the one case the sandbox cannot produce); the order the flow submits is
read from the request, and the answer is made from its own part and sheet ids.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from nestflow.almacam.client import AlmaCamClient
from nestflow.blocks import AlmaCamCredentials, MachineTarget
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.outputs import RunIncomplete
from nestflow.flows.parameters import (
    DrawingSource,
    EngineName,
    MaterialSpec,
    NestingSettings,
    PushEngine,
    TargetKind,
)

DOCTORED_URL = "https://almacam-doctored.invalid"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=60.0)

#: A placement doctoring: (order part ids, sheet id) -> the nested parts of one layout.
Doctor = Callable[[list[int], int], list[dict]]

DOCTORED: dict[str, tuple[Doctor, str]] = {
    "part off the sheet": (
        lambda ids, _: [{"id": ids[0], "angle": 0, "flip": False, "position": [-400, 20]}],
        "outside sheet",
    ),
    "two parts on one spot": (
        lambda ids, _: [
            {"id": ids[0], "angle": 0, "flip": False, "position": [100, 100]},
            {"id": ids[1], "angle": 0, "flip": False, "position": [100, 100]},
        ],
        "overlap",
    ),
    "more copies than ordered": (
        lambda ids, _: [
            {"id": ids[0], "angle": 0, "flip": False, "position": [20 + 400 * k, 20]}
            for k in range(3)
        ],
        "count",
    ),
}


def _doctored_service(doctor: Doctor) -> httpx.MockTransport:
    order: dict = {}

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/new":
            order.update(json.loads(request.content))
            return httpx.Response(201, json={"message": "ok", "nesting_order_id": 77})
        ids = [i["id"] for p in order["parts"] for i in p["instances"]]
        sheet = order["sheets"][0]["id"]
        parts = doctor(ids, sheet)
        if path.endswith("/image/0"):
            return httpx.Response(200, content=PNG, headers={"content-type": "image/png"})
        nesting = {"sheet": sheet, "quantity": 1, "length": 900.0, "nested_parts": parts}
        if path.endswith("/stats"):
            nesting["nested_parts"] = [{"id": p["id"]} for p in parts]
        return httpx.Response(200, json={"message": "completed", "nestings": [nesting]})

    return httpx.MockTransport(answer)


@pytest.fixture
def doctored_almacam(monkeypatch: pytest.MonkeyPatch, pipeline_blocks):
    """Save an AlmaCAM block whose service answers with a doctored layout; returns a setter."""
    original = AlmaCamCredentials.get_client
    current: dict[str, Doctor] = {}

    def get_client(self: AlmaCamCredentials, timeout: float | None = None) -> AlmaCamClient:
        if self.base_url != DOCTORED_URL:
            return original(self, timeout)
        transport = _doctored_service(current["doctor"])
        return AlmaCamClient(self.base_url, self.token.get_secret_value(), transport=transport)

    monkeypatch.setattr(AlmaCamCredentials, "get_client", get_client)

    def use(doctor: Doctor) -> str:
        current["doctor"] = doctor
        name = f"doctored-{uuid.uuid4().hex[:6]}"  # a new block: a new cached client
        AlmaCamCredentials(base_url=DOCTORED_URL, token=f"t-{name}").save(name, overwrite=True)
        return name

    return use


@pytest.mark.parametrize("case", sorted(DOCTORED))
def test_a_doctored_almacam_layout_is_never_pushed_and_the_run_names_the_problem(
    case: str, example_folder, pipeline_blocks, doctored_almacam
) -> None:
    doctor, rule = DOCTORED[case]
    folder: Path = example_folder("bracket.dxf", "gusset.dxf")
    MachineTarget(drop_folder_block=pipeline_blocks.names.machine + "-drop").save(
        "gate-laser", overwrite=True
    )
    blocks = pipeline_blocks.names.model_copy(
        update={"almacam": doctored_almacam(doctor), "machine": "gate-laser"}
    )
    job = f"doctored-{uuid.uuid4().hex[:6]}"

    state = nest_to_cnc(
        job_name=job,
        drawings=DrawingSource(folder=str(folder)),
        push=PushEngine.ALMACAM,
        target=TargetKind.DROP_FOLDER,
        engines=[EngineName.ALMACAM],
        material=MATERIAL,
        nesting=FAST,
        blocks=blocks,
        return_state=True,
    )

    assert state.is_failed()
    with pytest.raises(RunIncomplete) as refused:  # nothing nested, so nothing pushed
        state.result()
    assert "layouts refused by the safety gate" in str(refused.value)
    assert f": {rule}: " in str(refused.value)
    assert list(pipeline_blocks.drop.glob(f"{job}-*")) == []  # nothing reached the machine
    assert not (pipeline_blocks.out / job / "almacam").exists()  # no production file written
