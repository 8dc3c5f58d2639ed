"""Drawings in: find the DXF files, read the order manifest, read and check each drawing.

A bad drawing never stops the run: it becomes a per-file failure naming the file and the reason,
and the other drawings go on. URLs are downloaded once here to check their geometry (CloudNest
later fetches them itself by active download). The one check that stops a production run is the
order manifest against the drawings (:func:`match_manifest`): a line that matches no drawing, or
a drawing no line orders, fails the run before anything is read or nested.

Each drawing is read in its manifest line's units (overriding its header), else its header's, else
the run's default, and judged by
:func:`nestflow.intake.judge_drawing`: its warnings (the reader's, narrow holes) are logged here
naming file and part, and kept on the checked drawing for the run's summary.

Only allowed places are read (see :mod:`nestflow.intake`: the run's working folder and a
manifest's own folder, or the configured roots), only regular files, and no more than the size
limit of a drawing (``ReadOptions.max_file_bytes``), checked before reading. A URL is fetched
only from a public address or a host the Drawing Roots block allows, each redirect hop checked
(see :mod:`nestflow.urls`); a refused URL rejects its drawing (``url_refused``), nothing sent.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import httpx
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError
from prefect.runtime import task_run

from nestflow.bounded import AnswerTooLarge, AnswerTooSlow, send_bounded
from nestflow.geometry.manifest import ManifestLine
from nestflow.geometry.models import Part
from nestflow.geometry.reader import DrawingFailure, ReadOptions, read_one
from nestflow.intake import (
    CheckedDrawing,
    DrawingLocation,
    DrawingToCheck,
    FileRefused,
    IntakeRules,
    ManifestMismatch,
    OrderTerms,
    collect_refs,
    judge_drawing,
    manifest_mismatches,
    read_order_manifest,
    read_regular_file,
)
from nestflow.tasks.events import drawing_resource, emit, listing, quoted
from nestflow.urls import (
    MAX_REDIRECTS,
    GuardedTransport,
    UrlPolicy,
    check_url_form,
)

DOWNLOAD_TIMEOUT_S = 60.0


@task(name="Find drawings", cache_policy=NO_CACHE)
def find_drawings(
    folder: str | None,
    files: list[str],
    urls: list[str],
    manifest: list[ManifestLine],
    roots: list[Path] | None = None,
) -> tuple[list[DrawingLocation], list[DrawingFailure]]:
    """Every drawing of the run (see :func:`nestflow.intake.collect_refs`).

    Raises:
        FileNotFoundError: The folder does not exist.
        PlaceRefused: With ``roots``, the folder or a file lies outside them.
    """
    refs, failures = collect_refs(folder, files, urls, manifest, roots)
    get_run_logger().info("%d drawing(s) to read", len(refs))
    return refs, failures


@task(name="Read order manifest", cache_policy=NO_CACHE)
def load_manifest(path: str | None, roots: list[Path] | None = None) -> list[ManifestLine]:
    """Read the order manifest CSV, or nothing when no manifest is given.

    Args:
        path: The manifest.
        roots: The folders drawings may be read from; None: a line's drawing must lie in or
            below the manifest's folder (see :func:`nestflow.intake.read_order_manifest`).

    Raises:
        ManifestError: The manifest cannot be read (file, line and column named).
        PlaceRefused: The manifest or a line's drawing lies outside its places.
    """
    if not path:
        return []
    lines = read_order_manifest(path, roots)
    get_run_logger().info("manifest %s: %d line(s)", path, len(lines))
    return lines


@task(name="Match manifest to drawings", cache_policy=NO_CACHE)
def match_manifest(
    refs: list[DrawingLocation],
    manifest: list[ManifestLine],
    drawings_given: bool,
    production: bool,
) -> list[DrawingFailure]:
    """Manifest lines matching no drawing and drawings without a line: fatal in production.

    Args:
        refs: The drawings of the run.
        manifest: The manifest's lines (none: nothing to match).
        drawings_given: Drawings were given besides the manifest.
        production: A production run; a quote goes on without the mismatched drawings.

    Returns:
        The mismatches (see :func:`nestflow.intake.manifest_mismatches`), in a quote.

    Raises:
        ManifestMismatch: Some line or drawing does not match, in production.
    """
    problems = manifest_mismatches(refs, manifest, drawings_given=drawings_given)
    logger = get_run_logger()
    for problem in problems:
        if production:
            logger.error("%s", problem.message)
        else:
            logger.warning("%s (not quoted)", problem.message)
    if problems and production:
        raise ManifestMismatch(problems)
    return problems


def _content(
    ref: DrawingLocation, limit: int, timeout: float, url_policy: UrlPolicy | None = None
) -> bytes:
    """A local drawing's bytes (a regular file of at most ``limit``), or its URL's answer.

    A download is bounded like every answer nestflow reads: at most ``limit`` bytes (decoded)
    and 3 x ``timeout`` for the whole exchange, so a huge or dripping server cannot hold the run.
    It goes through :class:`~nestflow.urls.GuardedTransport`: the URL and every redirect hop
    (at most :data:`~nestflow.urls.MAX_REDIRECTS`) are checked before anything is sent.

    Raises:
        FileRefused: The file is not a regular file, or either is larger than ``limit``.
        UrlRefused: The URL or a redirect may not be fetched (see :mod:`nestflow.urls`).
        OSError: The file cannot be read.
        httpx.HTTPError: The URL did not answer (in time), or answered an error.
    """
    if ref.path is not None:
        return read_regular_file(Path(ref.path), limit)
    url = ref.url or ""
    # Checked first: httpx would read "file:///etc/passwd" as the relative "/etc/passwd". The
    # parsed URL is what is requested (a URL it parsed cannot fail to parse again).
    parsed = check_url_form(url)
    transport = GuardedTransport(url_policy or UrlPolicy())
    # trust_env=False: no proxy from HTTP(S)_PROXY (it would resolve and fetch unchecked; httpx
    # ignores them anyway once a transport is given, this keeps it so) and no .netrc credentials.
    with httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        transport=transport,
        trust_env=False,
    ) as client:
        request = client.build_request("GET", parsed)
        try:
            response = send_bounded(client, request, max_bytes=limit, deadline_s=3 * timeout)
        except AnswerTooLarge as exc:
            raise FileRefused(
                Path(ref.file),
                "file_too_large",
                f"a download from {url} above the limit of {limit:,} bytes: it was read no further",
            ) from exc
        except AnswerTooSlow as exc:
            raise httpx.ReadTimeout(f"{url} did not answer whole in {3 * timeout:g} s") from exc
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
def check_drawings(
    items: list[DrawingToCheck],
    options: ReadOptions,
    rules: IntakeRules | None = None,
    url_policy: UrlPolicy | None = None,
) -> list[CheckedDrawing]:
    """Read and check a batch of drawings; each one's problem becomes its own failure.

    Args:
        items: The drawings and their order terms.
        options: How drawings are read (units are set per drawing from ``rules``).
        rules: The run's units, thickness and hole rules; default: units ``auto``, units in
            doubt warned, no hole checked.
        url_policy: Hosts URLs may be fetched from besides public ones; default: none.
    """
    return [check_drawing(item.ref, item.terms, options, rules, url_policy) for item in items]


def check_drawing(
    ref: DrawingLocation,
    terms: OrderTerms | DrawingFailure,
    options: ReadOptions,
    rules: IntakeRules | None = None,
    url_policy: UrlPolicy | None = None,
) -> CheckedDrawing:
    """Read one drawing into parts and check them; any problem becomes the drawing's failure.

    Its warnings are logged (file and part named) and kept on the checked drawing. Emits
    ``nestflow.drawing.checked`` (its parts and warnings counted, the first few named) or
    ``nestflow.drawing.rejected``. A local drawing that is not a regular file, or is larger than
    ``options.max_file_bytes``, is rejected unread; so is a URL that ``url_policy`` (default:
    public addresses only) does not let through, nothing sent (``url_refused``).
    """
    rules = rules or IntakeRules()
    if isinstance(terms, DrawingFailure):
        return _rejected(CheckedDrawing(ref=ref, failure=terms))
    try:
        content = _content(ref, options.max_file_bytes, DOWNLOAD_TIMEOUT_S, url_policy)
    except FileRefused as exc:
        failure = DrawingFailure(file=ref.file, kind=exc.kind, message=str(exc))
        return _rejected(CheckedDrawing(ref=ref, failure=failure, terms=terms))
    except (OSError, httpx.HTTPError) as exc:
        failure = DrawingFailure(
            file=ref.file, kind="unreachable", message=f"cannot fetch {ref.path or ref.url}: {exc}"
        )
        return _rejected(CheckedDrawing(ref=ref, failure=failure, terms=terms))
    sha256 = hashlib.sha256(content).hexdigest()
    parts, failure = _read(ref.file, content, rules.read_options(options, terms))
    warnings: list[str] = []
    if failure is None:
        warnings, failure = judge_drawing(ref.file, parts, terms, rules)
    for warning in warnings:
        run_logger().warning("%s", warning)
    checked = CheckedDrawing(
        ref=ref,
        sha256=sha256,
        content=content,
        parts=parts if failure is None else [],
        failure=failure,
        terms=terms,
        warnings=warnings,
    )
    if not checked.ok:
        return _rejected(checked)
    emit(
        "nestflow.drawing.checked",
        drawing_resource(sha256, ref.file),
        payload={
            "file": ref.file,
            "parts": listing([p.name for p in parts]),
            "area_mm2": round(sum(p.area for p in parts), 1),
            "quantity": terms.quantity,
            "units": sorted({p.units for p in parts}),
            "warnings": listing(warnings),
        },
    )
    return checked


def run_logger(module: str = __name__) -> logging.Logger | logging.LoggerAdapter:
    """The run's logger; outside a run (a direct call), ``module``'s."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(module)


def _rejected(checked: CheckedDrawing) -> CheckedDrawing:
    failure = checked.failure or DrawingFailure(
        file=checked.ref.file, kind="no_parts", message="the drawing holds no part"
    )
    checked = checked.model_copy(update={"failure": failure})
    run_logger().warning("%s rejected (%s): %s", failure.file, failure.kind, failure.message)
    emit(
        "nestflow.drawing.rejected",
        drawing_resource(checked.sha256 or checked.ref.file, checked.ref.file),
        payload={"file": failure.file, "kind": failure.kind, "message": quoted(failure.message)},
    )
    return checked
