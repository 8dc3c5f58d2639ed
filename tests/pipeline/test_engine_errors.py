"""A service's refusal reaches the summary in the user's terms, and the other engine goes on."""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path

import ezdxf
import httpx
import pytest
from ezdxf import units

from nestflow.almacam.client import AlmaCamClient
from nestflow.blocks import AlmaCamCredentials
from nestflow.blocks.loading import BlockNotFound
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.outputs import NothingNested
from nestflow.flows.parameters import (
    DrawingSource,
    EngineName,
    InDoubt,
    MaterialSpec,
    NestingSettings,
)
from nestflow.report import RunSummary, report_markdown

ROOT = Path(__file__).resolve().parents[2]
MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=2.0, spacing=5.0, max_wait_s=120.0)
SHORT_SHEET = {"name": "short 1000", "length": 1000.0, "height": 1500.0, "quantity": 5}
REFUSING_URL = "https://almacam-refusing.invalid"

#: The vendor's documented 400 shapes (docs/specs/almacam-api.md section A): one error naming a part
#: id, one locating the offending node by its JSON path.
REFUSAL = {
    "message": "An error occured",
    "errors": [
        {"error_code": -979, "message": "Outline description is self intersecting", "parts": [2]},
        {
            "error_code": -3000,
            "message": "[] is too short",
            "path": ["parts", 0, "instances", 0, "orientations"],
        },
    ],
}


def _bar(path: Path, length: float, width: float) -> Path:
    doc = ezdxf.new("R2010", units=units.MM)
    corners = [(0, 0), (length, 0), (length, width), (0, width)]
    doc.modelspace().add_lwpolyline(corners, close=True)
    doc.saveas(path)
    return path


def _folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "drawings"
    folder.mkdir()
    for name in names:
        shutil.copy(ROOT / "examples" / name, folder / name)
    return folder


@pytest.fixture
def refusing_almacam(monkeypatch: pytest.MonkeyPatch, pipeline_blocks) -> str:
    """An AlmaCAM block whose service refuses every order with the vendor's 400 body.

    The sandbox cannot be made to answer such a 400 for drawings nestflow's reader accepts (the
    reader is at least as strict as the order validation), so this one case uses httpx's
    MockTransport behind the real client; CloudNest stays the real sandbox over HTTP.
    """

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json=REFUSAL)

    original = AlmaCamCredentials.get_client

    def get_client(self: AlmaCamCredentials, timeout: float | None = None) -> AlmaCamClient:
        if self.base_url != REFUSING_URL:
            return original(self, timeout)
        return AlmaCamClient(
            self.base_url, self.token.get_secret_value(), transport=httpx.MockTransport(answer)
        )

    monkeypatch.setattr(AlmaCamCredentials, "get_client", get_client)
    AlmaCamCredentials(base_url=REFUSING_URL, token="refused-token").save(
        "test-refusing", overwrite=True
    )
    return "test-refusing"


def test_almacam_400_reaches_the_summary_with_file_and_part_names(
    tmp_path: Path, pipeline_blocks, refusing_almacam: str
) -> None:
    folder = _folder(tmp_path, "bracket.dxf", "gusset.dxf")
    blocks = pipeline_blocks.names.model_copy(update={"almacam": refusing_almacam})
    summary = nest_to_cnc(
        job_name="almacam-refuses",
        drawings=DrawingSource(folder=str(folder)),
        material=MATERIAL,
        nesting=FAST,
        blocks=blocks,
    )
    errors = summary.engine("almacam").errors
    assert summary.engine("almacam").status == "failed"
    assert any("-979" in e and "part 'gusset' from gusset.dxf" in e for e in errors)
    assert any("-3000" in e and "part 'bracket' from bracket.dxf" in e for e in errors)
    assert summary.engine("cloudnest").nested
    written = RunSummary.model_validate(
        json.loads(Path(summary.outputs["summary.json"]).read_text())
    )
    assert written.engine("almacam").errors == errors
    assert "part 'gusset' from gusset.dxf" in report_markdown(summary)


def test_part_fitting_no_sheet_is_named_and_the_other_engine_still_nests(
    tmp_path: Path, pipeline_blocks
) -> None:
    folder = _folder(tmp_path, "gusset.dxf")
    _bar(folder / "long_bar.dxf", 1400.0, 100.0)
    manifest = folder / "orders.csv"
    manifest.write_text(
        "file,quantity,material,thickness,rotations\n"
        "long_bar.dxf,2,S235JR,3,0;180\n"
        "gusset.dxf,3,S235JR,3,0;90;180;270\n"
    )
    summary = nest_to_cnc(
        job_name="bar-too-long",
        manifest=str(manifest),
        sheets=[SHORT_SHEET],
        material=MATERIAL,
        nesting=FAST,
        blocks=pipeline_blocks.names,
    )
    almacam = summary.engine("almacam")
    assert [u.split(":")[0] for u in almacam.unplaced] == [
        "2 x part 'long_bar' from long_bar.dxf not nested"
    ]
    cloudnest = summary.engine("cloudnest")  # CloudNest may turn the bar by 90 degrees
    assert cloudnest.nested and not cloudnest.unplaced
    assert summary.recommended == "cloudnest"


def test_run_with_no_readable_drawing_fails_and_says_why(tmp_path: Path, pipeline_blocks) -> None:
    folder = _folder(tmp_path, "broken_open_contour.dxf")
    state = nest_to_cnc(
        job_name="nothing-readable",
        drawings=DrawingSource(folder=str(folder)),
        material=MATERIAL,
        nesting=FAST,
        blocks=pipeline_blocks.names,
        return_state=True,
    )
    assert state.is_failed()
    with pytest.raises(NothingNested, match="broken_open_contour.dxf: open contour"):
        state.result()


def test_missing_block_fails_the_run_saying_how_to_create_it(pipeline_blocks) -> None:
    blocks = pipeline_blocks.names.model_copy(update={"cloudnest": "never-created"})
    state = nest_to_cnc(
        job_name="no-such-block",
        drawings=DrawingSource(files=[str(ROOT / "examples" / "gusset.dxf")]),
        blocks=blocks,
        return_state=True,
    )
    with pytest.raises(BlockNotFound, match="CloudNest Credentials block named 'never-created'"):
        state.result()


def test_an_almacam_order_whose_answer_was_lost_is_not_submitted_again_unless_asked(
    tmp_path, pipeline_blocks, answer_lost
) -> None:
    folder = _folder(tmp_path, "gusset.dxf")
    run = partial(
        nest_to_cnc,
        job_name="answer-lost",
        drawings=DrawingSource(folder=str(folder)),
        engines=[EngineName.ALMACAM],
        material=MATERIAL,
        nesting=FAST.model_copy(update={"time_s": 2.07}),
        blocks=pipeline_blocks.names,
    )
    with pytest.raises(NothingNested):
        run()  # the order landed at AlmaCAM, its answer was dropped on the way back

    with pytest.raises(NothingNested, match=r"a billed order may already exist"):
        run()

    summary = run(in_doubt=InDoubt.RESEND)
    assert summary.engine("almacam").nested
