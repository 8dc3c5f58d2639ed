"""Drawings in: find the DXF files, read the order manifest, read and check each drawing.

A bad drawing never stops the run: it becomes a per-file failure naming the file and the reason,
and the other drawings go on. URLs are downloaded once here to check their geometry (CloudNest
later fetches them itself by active download).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import task_run

from nestflow.geometry.manifest import ManifestLine, read_manifest
from nestflow.geometry.models import Part
from nestflow.geometry.reader import DrawingFailure, ReadOptions, read_one
from nestflow.intake import (
    CheckedDrawing,
    DrawingLocation,
    DrawingToCheck,
    OrderTerms,
    collect_refs,
)
from tasks.events import drawing_resource, emit

DOWNLOAD_TIMEOUT_S = 60.0


@task(name="Find drawings", cache_policy=NO_CACHE)
def find_drawings(
    folder: str | None, files: list[str], urls: list[str], manifest: list[ManifestLine]
) -> tuple[list[DrawingLocation], list[DrawingFailure]]:
    """Every drawing of the run (see :func:`nestflow.intake.collect_refs`); no folder raises."""
    refs, failures = collect_refs(folder, files, urls, manifest)
    get_run_logger().info("%d drawing(s) to read", len(refs))
    return refs, failures


@task(name="Read order manifest", cache_policy=NO_CACHE)
def load_manifest(path: str | None) -> list[ManifestLine]:
    """Read the order manifest CSV, or nothing when no manifest is given.

    Raises:
        ManifestError: The manifest cannot be read (file, line and column named).
    """
    if not path:
        return []
    lines = read_manifest(path)
    get_run_logger().info("manifest %s: %d line(s)", path, len(lines))
    return lines


def _content(ref: DrawingLocation, timeout: float) -> bytes:
    if ref.path is not None:
        return Path(ref.path).read_bytes()
    response = httpx.get(ref.url or "", timeout=timeout, follow_redirects=True)
    response.raise_for_status()
    return response.content


def _read(
    file: str, content: bytes, options: ReadOptions
) -> tuple[list[Part], DrawingFailure | None]:
    """Read one drawing's bytes (its problem becomes a failure, never an exception)."""
    one = read_one(content, name=file, options=options)
    return one.parts, (one.failures[0] if one.failures else None)


#: Drawings read per task: a task per drawing would cost more in orchestration than reading.
CHECK_BATCH = 20


def _batch_name() -> str:
    items = task_run.parameters["items"]
    first, last = items[0].ref.file, items[-1].ref.file
    return f"check {first}" if len(items) == 1 else f"check {first} .. {last}"


@task(name="Read and check drawings", task_run_name=_batch_name, cache_policy=NO_CACHE)
def check_drawings(items: list[DrawingToCheck], options: ReadOptions) -> list[CheckedDrawing]:
    """Read and check a batch of drawings; each one's problem becomes its own failure."""
    return [check_drawing(item.ref, item.terms, options) for item in items]


def check_drawing(
    ref: DrawingLocation, terms: OrderTerms | DrawingFailure, options: ReadOptions
) -> CheckedDrawing:
    """Read one drawing into parts and check them; any problem becomes the drawing's failure.

    Emits ``nestflow.drawing.checked`` or ``nestflow.drawing.rejected``.
    """
    if isinstance(terms, DrawingFailure):
        return _rejected(CheckedDrawing(ref=ref, failure=terms))
    try:
        content = _content(ref, DOWNLOAD_TIMEOUT_S)
    except (OSError, httpx.HTTPError) as exc:
        failure = DrawingFailure(
            file=ref.file, kind="unreachable", message=f"cannot fetch {ref.path or ref.url}: {exc}"
        )
        return _rejected(CheckedDrawing(ref=ref, failure=failure, terms=terms))
    sha256 = hashlib.sha256(content).hexdigest()
    parts, failure = _read(ref.file, content, options)
    checked = CheckedDrawing(
        ref=ref, sha256=sha256, content=content, parts=parts, failure=failure, terms=terms
    )
    if not checked.ok:
        return _rejected(checked)
    emit(
        "nestflow.drawing.checked",
        drawing_resource(sha256, ref.file),
        payload={
            "file": ref.file,
            "parts": [p.name for p in parts],
            "area_mm2": round(sum(p.area for p in parts), 1),
            "quantity": terms.quantity,
            "warnings": sorted({w for p in parts for w in p.warnings}),
        },
    )
    return checked


def _rejected(checked: CheckedDrawing) -> CheckedDrawing:
    failure = checked.failure or DrawingFailure(
        file=checked.ref.file, kind="no_parts", message="the drawing holds no part"
    )
    checked = checked.model_copy(update={"failure": failure})
    get_run_logger().warning("%s rejected (%s): %s", failure.file, failure.kind, failure.message)
    emit(
        "nestflow.drawing.rejected",
        drawing_resource(checked.sha256 or checked.ref.file, checked.ref.file),
        payload={"file": failure.file, "kind": failure.kind, "message": failure.message},
    )
    return checked
