"""AlmaCAM's previews are best effort: one that cannot be had is named missing, never raised.

An order of a bracket and a gusset on sheets too small for both (200 x 160 mm) has two nestings,
so two previews. The AlmaCAM sandbox is made to fail the first one's route with its fault layer
(:mod:`sandbox.faults`): a server failure, an answer slower than the client's deadline, an answer
that is not a PNG, a dropped connection; a truncated PNG comes from a misbehaving server.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.orders import order_bundle
from nestflow.almacam.previews import MissingPreview, fetch_previews, png_problem
from nestflow.engines.base import EngineSettings, PartOrder
from nestflow.geometry.reader import read_drawing
from nestflow.sandbox.almacam.service import ALMACAM
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.faults import FaultKind, FaultLayer, FaultPlan, FaultRule
from nestflow.sandbox.server import RunningSandbox, start_sandbox
from nestflow.stock import SheetFormat
from tests.misbehaving import Answer, Misbehaving
from tests.pace import load_factor

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Room for the bracket (180 x 120) or the gusset (150 x 150), never both (their area is larger).
SMALL_SHEET = SheetFormat(name="200x160", length=200.0, height=160.0, quantity=4, border_gap=0.0)
NO_PAUSE = (0.0, 0.0)
#: The first preview's route only.
FIRST = r"/image/0$"


@dataclass(frozen=True)
class TwoNestings:
    sandbox: RunningSandbox
    order_id: int
    count: int

    @property
    def faults(self) -> FaultLayer:
        return self.sandbox.faults("almacam")

    def client(self, **options: float) -> AlmaCamClient:
        return AlmaCamClient(
            self.sandbox.almacam_url, self.sandbox.almacam_token, **{"timeout": 5.0, **options}
        )


@pytest.fixture(scope="module")
def two_nestings() -> Iterator[TwoNestings]:
    """A finished order with two nestings, in an AlmaCAM sandbox of its own."""
    with start_sandbox(SandboxConfig(almacam_port=0, speed=0.1), services=[ALMACAM]) as sandbox:
        lines = [
            PartOrder(part=part, quantity=1)
            for name in ("bracket.dxf", "gusset.dxf")
            for part in read_drawing(EXAMPLES / name)
        ]
        bundle = order_bundle(lines, [SMALL_SHEET], EngineSettings(time_s=1.0, spacing=5.0))
        with AlmaCamClient(sandbox.almacam_url, sandbox.almacam_token, timeout=10.0) as client:
            order_id = client.submit(bundle.order, index=bundle.index)
            result = client.wait(order_id, "full", expected_time=1.0, deadline=60.0)
        assert len(result.nestings) == 2
        yield TwoNestings(sandbox, order_id, len(result.nestings))


@pytest.fixture
def first_preview_faulty(two_nestings: TwoNestings) -> Iterator[FaultLayer]:
    """The fault layer of the order's sandbox, cleared after the test."""
    yield two_nestings.faults
    two_nestings.faults.clear()


def _fault(layer: FaultLayer, kind: FaultKind, **options: object) -> None:
    layer.set(FaultPlan(rules=[FaultRule(route=FIRST, method="GET", kind=kind, **options)]))


def _is_png(data: bytes) -> bool:
    return png_problem(data) is None


def test_every_preview_is_fetched_when_the_service_answers(two_nestings: TwoNestings) -> None:
    with two_nestings.client() as client:
        previews = fetch_previews(client, two_nestings.order_id, two_nestings.count)
    assert sorted(previews.images) == [0, 1]
    assert all(_is_png(png) for png in previews.images.values())
    assert previews.missing == []


def test_a_preview_the_server_keeps_failing_is_missing_and_the_other_is_fetched(
    two_nestings: TwoNestings, first_preview_faulty: FaultLayer
) -> None:
    _fault(first_preview_faulty, FaultKind.ERROR, status=500)
    with two_nestings.client() as client:
        previews = fetch_previews(
            client, two_nestings.order_id, two_nestings.count, delays=NO_PAUSE
        )
    assert list(previews.images) == [1] and _is_png(previews.images[1])
    (missing,) = previews.missing
    order = two_nestings.order_id
    assert missing == MissingPreview(
        order_id=order, index=0, endpoint=f"GET /result/{order}/image/0", reason=missing.reason
    )
    assert missing.reason.startswith("HTTP 500")
    assert missing.reason.endswith("(after 3 attempts)")
    assert first_preview_faulty.plan().rules[0].fired == 3  # the first attempt and two retries
    sentence = missing.sentence()
    assert f"AlmaCAM order {order}, layout 1 (GET /result/{order}/image/0)" in sentence
    assert sentence.endswith("the layout is not affected")


def test_a_passing_server_failure_is_fetched_again(
    two_nestings: TwoNestings, first_preview_faulty: FaultLayer
) -> None:
    _fault(first_preview_faulty, FaultKind.ERROR, status=500, times=1)
    with two_nestings.client() as client:
        previews = fetch_previews(
            client, two_nestings.order_id, two_nestings.count, delays=NO_PAUSE
        )
    assert sorted(previews.images) == [0, 1]
    assert previews.missing == []


def test_a_preview_slower_than_the_deadline_is_missing(
    two_nestings: TwoNestings, first_preview_faulty: FaultLayer
) -> None:
    _fault(first_preview_faulty, FaultKind.DELAY, seconds=30.0)
    # 1.5 s for a whole exchange on a quiet machine; on a loaded one the preview that does answer
    # needs longer (it timed out too with 8 busy processes), so the timeout stretches with the
    # load measured now, always far below the 30 s delay.
    timeout = 0.5 * load_factor()
    with two_nestings.client(timeout=timeout) as client:
        previews = fetch_previews(
            client, two_nestings.order_id, two_nestings.count, delays=NO_PAUSE
        )
    first_preview_faulty.release()
    assert list(previews.images) == [1]
    (missing,) = previews.missing
    assert missing.index == 0
    assert missing.reason.startswith("no answer: ")
    assert "timed out" in missing.reason


def test_an_answer_that_is_not_a_png_is_a_missing_preview(
    two_nestings: TwoNestings, first_preview_faulty: FaultLayer
) -> None:
    _fault(first_preview_faulty, FaultKind.ERROR, status=200)  # a text body, status 200
    with two_nestings.client() as client:
        previews = fetch_previews(
            client, two_nestings.order_id, two_nestings.count, delays=NO_PAUSE
        )
    assert list(previews.images) == [1]
    (missing,) = previews.missing
    assert missing.reason.startswith("HTTP 200: the answer is not a PNG image")
    assert first_preview_faulty.plan().rules[0].fired == 1  # an answer, not worth asking again


def test_previews_of_a_service_that_went_silent_are_missing_without_asking_again(
    two_nestings: TwoNestings, first_preview_faulty: FaultLayer
) -> None:
    first_preview_faulty.set(
        FaultPlan(rules=[FaultRule(route=r"/image/", kind=FaultKind.DROP, seconds=1.0)])
    )
    with two_nestings.client(unreachable_after=0.5) as client:
        previews = fetch_previews(
            client, two_nestings.order_id, two_nestings.count, delays=NO_PAUSE
        )
    assert previews.images == {}
    first, second = previews.missing
    assert (first.index, second.index) == (0, 1)
    assert first.reason.startswith("the service is unreachable: service unreachable at")
    assert second.reason == first.reason
    assert first_preview_faulty.plan().rules[0].fired == 1  # the second preview was not asked


def test_a_truncated_png_is_a_missing_preview(
    two_nestings: TwoNestings, misbehaving: Misbehaving
) -> None:
    with two_nestings.client() as client:
        whole = fetch_previews(client, two_nestings.order_id, 1).images[0]
    misbehaving.answer(
        Answer(body=whole[: len(whole) // 2], headers=(("Content-Type", "image/png"),))
    )
    with AlmaCamClient(misbehaving.base_url, "token", timeout=5.0) as client:
        previews = fetch_previews(client, 7, 1, delays=NO_PAUSE)
    assert previews.images == {}
    (missing,) = previews.missing
    assert missing.endpoint == "GET /result/7/image/0"
    assert missing.reason.startswith("the answer is not a readable PNG")


def test_png_problem_accepts_a_whole_png_and_names_other_images() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(out, format="PNG")
    assert png_problem(out.getvalue()) is None
    gif = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(gif, format="GIF")
    assert png_problem(gif.getvalue()) == "the answer is a GIF image, not a PNG"
