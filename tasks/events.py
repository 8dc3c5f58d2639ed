"""Prefect events emitted by nestflow's steps, with resource ids carrying the services' ids.

Names follow ``nestflow.<resource>.<action>``. Resource ids are ``nestflow.job.<job id>``,
``nestflow.drawing.<sha256>``, ``nestflow.layout.<engine>.<layout id>``,
``nestflow.order.<order id>`` and ``nestflow.inbox.<folder>``, so automations can match them
with wildcards (``nestflow.layout.*``). Payloads hold ids, names and figures, never credentials.

Payloads are bounded whatever the run holds: a list of parts, files or warnings is sent as
:func:`listing` (its count, its first :data:`LISTED` items, whether it was cut) and a long text
as :func:`quoted`. Prefect refuses an event above 1.5 MB (``EventTooLarge``, which fails the
task), and one drawing may hold 100,000 parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect.events import emit_event

ARRIVED = "nestflow.drawings.arrived"
#: Items of a list an event names; the others are only counted.
LISTED = 20
#: Longest text an event quotes (a warning, a failure's message).
QUOTED = 500


def job_resource(job_id: int | str, name: str | None = None) -> dict[str, str]:
    """The resource of a CloudNest job."""
    return _resource(f"nestflow.job.{job_id}", name)


def drawing_resource(sha256: str, file_name: str) -> dict[str, str]:
    """The resource of a drawing, identified by the hash of its content."""
    return _resource(f"nestflow.drawing.{sha256}", file_name)


def layout_resource(engine: str, layout_id: str) -> dict[str, str]:
    """The resource of one nested layout of an engine (``cloudnest`` or ``almacam``)."""
    return _resource(f"nestflow.layout.{engine}.{layout_id}", layout_id)


def order_resource(order_id: int) -> dict[str, str]:
    """The resource of an AlmaCAM nesting order."""
    return _resource(f"nestflow.order.{order_id}", f"AlmaCAM order {order_id}")


def refused_order_resource(digest: str) -> dict[str, str]:
    """The resource of an AlmaCAM order refused before it got an id (by its content digest)."""
    return _resource(f"nestflow.order.refused.{digest[:16]}", "refused AlmaCAM order")


def cloudnest_drawing_resource(drawing_guid: str, file_name: str) -> dict[str, str]:
    """The resource of a drawing as CloudNest holds it (by its GUID)."""
    return _resource(f"nestflow.drawing.cloudnest.{drawing_guid}", file_name)


def inbox_resource(folder: str) -> dict[str, str]:
    """The resource of an inbox folder."""
    return _resource(f"nestflow.inbox.{folder}", folder)


def as_related(resource: dict[str, str], role: str) -> dict[str, str]:
    """The same resource as a related one, with its role (``job``, ``order``...)."""
    return {**resource, "prefect.resource.role": role}


def _resource(resource_id: str, name: str | None) -> dict[str, str]:
    resource = {"prefect.resource.id": resource_id}
    if name:
        resource["prefect.resource.name"] = name
    return resource


def listing(items: Sequence[str]) -> dict[str, Any]:
    """A list for an event payload: its count, its first :data:`LISTED` items, whether cut.

    Args:
        items: Names, or texts (each quoted at most :data:`QUOTED` characters long).

    Returns:
        ``{"count": ..., "first": [...], "cut": ...}``.
    """
    return {
        "count": len(items),
        "first": [quoted(item) for item in items[:LISTED]],
        "cut": len(items) > LISTED,
    }


def quoted(text: str) -> str:
    """``text`` for an event payload, cut to :data:`QUOTED` characters."""
    return text if len(text) <= QUOTED else text[:QUOTED] + "..."


def emit(
    event: str,
    resource: dict[str, str],
    payload: dict[str, Any] | None = None,
    related: list[dict[str, str]] | None = None,
) -> None:
    """Emit one nestflow event (a no-op when Prefect events are disabled).

    Args:
        event: Event name, ``nestflow.<resource>.<action>``.
        resource: The main resource (one of the ``*_resource`` helpers).
        payload: Ids, names and figures describing what happened.
        related: Other resources involved (e.g. the job of a drawing).
    """
    emit_event(event=event, resource=resource, payload=payload or {}, related=related or [])
