"""AlmaCAM's PNG previews, best effort: a picture that cannot be had is named missing, never fatal.

A preview (``GET /result/{id}/image/{index}``) is for people; the layouts are in the result
views. So :func:`fetch_previews` reads each nesting's preview on its own, sends a failed read again
after short pauses while a retry can help (a server failure, a missing answer), checks that what
came back is a whole PNG, and reports every preview it could not get as a
:class:`MissingPreview` naming the order, the index, the endpoint and the reason. Nothing here
raises for a preview; only a cancelled wait stops it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field

from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.errors import (
    NOT_WORTH_RETRYING,
    AlmaCamError,
    AlmaCamServerError,
    AlmaCamTransportError,
    AlmaCamUnreachable,
)
from nestflow.waiting import interruptible_sleep

#: Pauses (s) before each new attempt at a preview whose read failed in a way a retry may mend.
PREVIEW_RETRY_DELAYS: tuple[float, ...] = (1.0, 3.0)


class MissingPreview(BaseModel):
    """A preview that could not be fetched: which one, from where, and why."""

    model_config = ConfigDict(frozen=True)

    order_id: int
    index: int = Field(ge=0, description="0-based nesting number, as in the image path.")
    endpoint: str = Field(description="``GET /result/{id}/image/{index}``.")
    reason: str

    def sentence(self) -> str:
        """One line for the log and the report; the layout itself is not concerned."""
        return (
            f"preview missing: AlmaCAM order {self.order_id}, layout {self.index + 1} "
            f"({self.endpoint}): {self.reason}; the layout is not affected"
        )


class Previews(BaseModel):
    """The previews of an order's nestings that could be had, and those that could not."""

    images: dict[int, bytes] = Field(
        default_factory=dict, description="0-based nesting number -> its PNG."
    )
    missing: list[MissingPreview] = Field(default_factory=list)


def png_problem(data: bytes) -> str | None:
    """Why ``data`` is not a whole, readable PNG image (``None`` when it is one).

    The PNG's chunks and checksums are read (Pillow's ``verify``), not its pixels: a truncated
    or corrupted file is caught without decoding a possibly huge image.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                return f"the answer is a {image.format} image, not a PNG"
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"the answer is not a readable PNG ({exc or type(exc).__name__})"
    return None


def _retry_helps(exc: AlmaCamError) -> bool:
    """A server failure or a missing answer may pass; a refusal or an answer too large will not."""
    return isinstance(exc, AlmaCamServerError | AlmaCamTransportError) and not isinstance(
        exc, NOT_WORTH_RETRYING
    )


def _answer(exc: AlmaCamError) -> str:
    """What came back: ``HTTP 503``, or ``no answer``."""
    return f"HTTP {exc.status}" if exc.status is not None else "no answer"


def _endpoint(order_id: int, index: int) -> str:
    return f"GET /result/{order_id}/image/{index}"


def fetch_previews(
    client: AlmaCamClient,
    order_id: int,
    count: int,
    *,
    delays: Sequence[float] = PREVIEW_RETRY_DELAYS,
    sleep: Callable[[float], None] = interruptible_sleep,
) -> Previews:
    """The PNG preview of each of the ``count`` nestings of a finished order, best effort.

    Each preview is read on its own (one missing leaves the others); a read that failed for a
    server failure or a missing answer is sent again after each of ``delays``. A service that
    has given no answer for the client's ``unreachable_after`` is not asked for the previews
    left: they are missing for the same reason.

    Args:
        client: A client of the account that submitted the order.
        order_id: The finished order.
        count: How many nestings its result has.
        delays: Pauses (s) before the second, third, ... attempt at one preview.
        sleep: Sleeps the pauses (the default stops when waits are cancelled).

    Returns:
        The PNGs fetched by nesting number, and one :class:`MissingPreview` per other one.

    Raises:
        WaitCancelled: Waits were cancelled during a pause.
    """
    previews = Previews()
    unreachable: str | None = None
    for index in range(count):
        endpoint = _endpoint(order_id, index)
        if unreachable is not None:
            previews.missing.append(
                MissingPreview(
                    order_id=order_id, index=index, endpoint=endpoint, reason=unreachable
                )
            )
            continue
        png, reason = _one_preview(client, order_id, index, delays, sleep)
        if png is not None:
            previews.images[index] = png
            continue
        assert reason is not None
        missing = MissingPreview(order_id=order_id, index=index, endpoint=endpoint, reason=reason)
        previews.missing.append(missing)
        if reason.startswith(_UNREACHABLE):
            unreachable = reason
    return previews


#: How the reason of a preview given up with the service starts (the later ones are not asked).
_UNREACHABLE = "the service is unreachable"


def _one_preview(
    client: AlmaCamClient,
    order_id: int,
    index: int,
    delays: Sequence[float],
    sleep: Callable[[float], None],
) -> tuple[bytes | None, str | None]:
    """One preview's PNG, or why there is none after the attempts a retry may help."""
    attempts = len(delays) + 1
    for attempt in range(1, attempts + 1):
        try:
            png = client.image(order_id, index)
        except AlmaCamUnreachable as exc:
            return None, f"{_UNREACHABLE}: {exc.message}"
        except AlmaCamError as exc:
            if attempt == attempts or not _retry_helps(exc):
                tried = f" (after {attempt} attempts)" if attempt > 1 else ""
                return None, f"{_answer(exc)}: {exc.message}{tried}"
            sleep(delays[attempt - 1])
            continue
        problem = png_problem(png)
        return (png, None) if problem is None else (None, problem)
    raise AssertionError("unreachable")  # pragma: no cover
