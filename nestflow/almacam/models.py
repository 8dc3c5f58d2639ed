"""Pydantic models of the AlmaCAM nesting API: the order we send and every body we read back.

Field names are the vendor's (see ``docs/specs/almacam-api.md``). Two extra-field policies:

* **Requests** (:class:`Order` and everything inside it) forbid unknown fields, mirroring the order
  schema's ``additionalProperties: false``: a typo becomes a local error instead of a 400.
* **Responses** (:class:`SubmitResponse`, results, :class:`ErrorBody`, :class:`StatusMessage`)
  allow unknown fields: the vendor may add fields (a quotation view with aggregate figures, say)
  and the client must keep working.

:class:`NestedPart` is the one model on both sides (pre-nestings send it, the full result returns
it); it follows the response policy so that a vendor-added field never breaks reading a result.

Contour vertices keep the vendor's JSON shapes: a straight-edge vertex is a plain ``[x, y]`` list
and stays a list; an arc vertex is an :class:`ArcVertex` object with at most one of ``sag``,
``bul``, ``cir``. Unset optional keys are never sent (:meth:`Order.to_payload` uses
``exclude_none``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: ``Sheet.length`` of a strip: the sheet is infinitely long and the result's ``length`` is the
#: length used.
STRIP_LENGTH = -1.0

#: Largest ``time`` (seconds) an order may ask for.
MAX_TIME = 300.0

#: Largest number of different parts (entries of ``Order.parts``).
MAX_PARTS = 1500

#: Largest order id taken from the service: ids are 64-bit integers at most (spec 3.9 shows an
#: integer); anything wider is a broken answer, not an order.
MAX_ORDER_ID = 2**63 - 1
#: Largest ``quantity`` of one nesting taken from the service: far above any stock of sheets
#: (an order holds at most 10,000 part copies, spec section 10), so only absurd answers fail.
MAX_NESTING_QUANTITY = 1_000_000
#: A user id (part instance, sheet) as the vendor echoes it back: a 64-bit integer.
UserId = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class RequestModel(BaseModel):
    """Base of what we send: unknown fields are an error, as in the vendor's order schema."""

    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    """Base of what we read: unknown fields are kept, the vendor may add some."""

    model_config = ConfigDict(extra="allow")


# --- contours -----------------------------------------------------------------------------------

#: A straight-edge vertex ``[x, y]`` (kept as a list, as the vendor writes it).
PlainVertex = Annotated[list[float], Field(min_length=2, max_length=2)]


class ArcCentre(RequestModel):
    """``cir`` of an arc vertex: the centre of the arc's circle and its direction."""

    x: float
    y: float
    dir: bool = Field(description="True = counter-clockwise (trigo), false = clockwise.")


class ArcVertex(RequestModel):
    """An object vertex; its arc key describes the edge from this vertex to the next one.

    At most one of ``sag`` (sagitta), ``bul`` (bulge) and ``cir`` (centre and direction) may be
    set; with none the edge is straight. Sign conventions: see :mod:`nestflow.geometry.encoding`.
    """

    x: float
    y: float
    sag: float | None = None
    bul: float | None = None
    cir: ArcCentre | None = None

    @model_validator(mode="after")
    def _one_arc_key(self) -> ArcVertex:
        keys = [k for k in ("sag", "bul", "cir") if getattr(self, k) is not None]
        if len(keys) > 1:
            raise ValueError(f"a vertex takes at most one of sag, bul, cir (got {', '.join(keys)})")
        return self


#: One vertex of a contour: plain list or object.
ContourVertex = PlainVertex | ArcVertex

#: A closed contour (the last vertex connects back to the first; it is not repeated).
ContourSpec = Annotated[list[ContourVertex], Field(min_length=2)]


# --- parts, instances, orientations -------------------------------------------------------------

Angle = Annotated[float, Field(ge=0.0, lt=360.0)]


class PunctualOrientation(RequestModel):
    """One allowed angle (degrees, counter-clockwise); ``flip`` = the copy is mirrored."""

    angle: Angle
    flip: bool = False


class RangeOrientation(RequestModel):
    """Any angle in ``[min_angle, max_angle]`` (degrees); ``flip`` = the copy is mirrored.

    The schema does not require ``min_angle <= max_angle``; the service reports it (code -989).
    """

    min_angle: float = Field(ge=0.0)
    max_angle: float = Field(lt=360.0)
    flip: bool = False


Orientation = PunctualOrientation | RangeOrientation


class Instance(RequestModel):
    """Copies of a part's geometry under one user id, with their allowed orientations.

    Without ``orientations`` the vendor's default applies (the drawn orientation, in its example).
    """

    id: int
    quantity: int = Field(default=1, ge=1)
    orientations: Annotated[list[Orientation], Field(min_length=1)] | None = None


class PartSpec(RequestModel):
    """One geometry of the order: outer contour(s), holes, instances, protection offset."""

    geometry: Annotated[list[ContourSpec], Field(min_length=1)]
    holes: Annotated[list[ContourSpec], Field(min_length=1)] | None = None
    instances: Annotated[list[Instance], Field(min_length=1)]
    protection_offset: float = Field(default=0.0, ge=0.0)


# --- sheets ------------------------------------------------------------------------------------

BorderGap = Annotated[float, Field(ge=0.0)]


class Sheet(RequestModel):
    """A sheet format: rectangular (``length`` and ``height``) or shaped (``contour``), not both.

    ``length`` is the x extent (the direction in which the used length is minimised);
    ``length = -1`` (:data:`STRIP_LENGTH`) is an infinitely long strip. ``border_gap`` is one margin
    for all edges or ``[left, right, bottom, top]``; absent or ``null`` (real orders carry both,
    specs section 3.6) it is no margin at all.
    """

    id: int
    length: float | None = None
    height: float | None = Field(default=None, gt=0.0)
    contour: ContourSpec | None = None
    quantity: int = Field(default=1, ge=1)
    border_gap: BorderGap | Annotated[list[BorderGap], Field(min_length=4, max_length=4)] | None = (
        None
    )
    defects: Annotated[list[ContourSpec], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _rectangle_or_contour(self) -> Sheet:
        rectangular = self.length is not None or self.height is not None
        if self.contour is not None and rectangular:
            raise ValueError("a sheet has either length and height or a contour, not both")
        if self.contour is None and (self.length is None or self.height is None):
            raise ValueError("a rectangular sheet needs both length and height")
        return self

    @property
    def is_strip(self) -> bool:
        """Whether this sheet is an infinitely long strip."""
        return self.length == STRIP_LENGTH

    @property
    def border_gaps(self) -> tuple[float, float, float, float]:
        """The margins as ``(left, right, bottom, top)``; 0 on every side without a border gap."""
        gap = self.border_gap if self.border_gap is not None else 0.0
        if isinstance(gap, list):
            left, right, bottom, top = gap
            return left, right, bottom, top
        return (gap,) * 4


# --- placed parts (pre-nestings and results) ----------------------------------------------------


class NestedPart(ResponseModel):
    """A placed copy: rotate by ``angle`` about the part's (0, 0), mirror about x, then translate.

    Sheet coordinates of an input point ``p``: ``position + F(flip) . R(angle) . p``.
    """

    id: UserId
    angle: float
    flip: bool
    position: Annotated[list[float], Field(min_length=2, max_length=2)]


class PreNesting(RequestModel):
    """A forced partial layout on sheet ``sheet``, filled first, repeated ``quantity`` times."""

    sheet: int
    quantity: int = 1
    nested_parts: list[NestedPart]

    @field_validator("nested_parts")
    @classmethod
    def _angles_in_range(cls, parts: list[NestedPart]) -> list[NestedPart]:
        for part in parts:
            if not 0.0 <= part.angle < 360.0:
                raise ValueError(f"part {part.id}: angle {part.angle} is outside [0, 360)")
            if part.model_extra:
                raise ValueError(f"part {part.id}: unknown fields {sorted(part.model_extra)}")
        return parts


# --- the order ---------------------------------------------------------------------------------


class Order(RequestModel):
    """A whole nesting order, as POSTed to ``/new``.

    ``time`` is the optimisation budget in seconds (0 < time <= 300). ``compact`` is a string whose
    accepted values the vendor has not published; it is sent only when set.
    """

    parts: Annotated[list[PartSpec], Field(min_length=1, max_length=MAX_PARTS)]
    sheets: Annotated[list[Sheet], Field(min_length=1)]
    time: float = Field(gt=0.0, le=MAX_TIME)
    pre_nestings: list[PreNesting] | None = None
    compact: str | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON body to send: vendor field names, unset optional keys left out."""
        return self.model_dump(mode="json", exclude_none=True)


# --- responses ---------------------------------------------------------------------------------


class StatusMessage(ResponseModel):
    """A bare ``{"message": ...}`` body (202 computing, 401, 404)."""

    message: str


class SubmitResponse(ResponseModel):
    """Answer of ``POST /new`` (HTTP 201)."""

    message: str
    #: Positive: an id of 0 or below (the service once answered -7) names no order to poll.
    nesting_order_id: int = Field(gt=0, le=MAX_ORDER_ID)


class NestingBase(ResponseModel):
    """Fields common to a nesting of the full and of the stats view."""

    sheet: UserId = Field(description="User id of the sheet format.")
    quantity: int = Field(
        ge=1,
        le=MAX_NESTING_QUANTITY,
        description="How many sheets are cut with this same layout (at least one).",
    )
    length: float = Field(
        ge=0.0, allow_inf_nan=False, description="x of the straight vertical offcut: used length."
    )
    height: float | None = Field(default=None, description="Indicative used height (optional).")


class Nesting(NestingBase):
    """One layout of the full view: every placed part with its transform."""

    nested_parts: list[NestedPart]


class StatsNestedPart(ResponseModel):
    """A placed part of the stats view: its id only."""

    id: UserId


class StatsNesting(NestingBase):
    """One layout of the stats view: which parts, not where."""

    nested_parts: list[StatsNestedPart]


class FullResult(ResponseModel):
    """``GET /result/{id}/full``: every computed datum (production)."""

    message: str
    nestings: list[Nesting]


class StatsResult(ResponseModel):
    """``GET /result/{id}/stats``: the same shape, nested parts carry only ``id`` (quotation)."""

    message: str
    nestings: list[StatsNesting]


class ErrorItem(ResponseModel):
    """One error of a 400 body.

    ``path`` locates the offending node of the sent JSON (keys and indexes); ``parts`` and
    ``sheets`` list the instance and sheet ids concerned.
    """

    error_code: int
    message: str
    path: list[str | int] | None = None
    parts: list[int] | None = None
    sheets: list[int] | None = None


class ErrorBody(ResponseModel):
    """A 400 body: an invalid order at submission, or an order that failed while solving."""

    message: str
    errors: list[ErrorItem] = Field(default_factory=list)


#: Which result view to read.
View = Literal["full", "stats"]


class Computing(BaseModel):
    """The order is still computing (HTTP 202); not a vendor body but the client's answer.

    ``retry_after`` is the server's ``Retry-After`` in seconds when it sent one.
    """

    model_config = ConfigDict(frozen=True)

    message: str
    retry_after: float | None = None
