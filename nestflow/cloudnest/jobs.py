"""High-level CloudNest steps of the main sequence: job, drawings, Boost, layouts, push, cut.

Each helper does one step the way a careful operator would: look before creating (a create is
never repeated blindly), poll with back-off until a deadline, and report per-item outcomes with the
server's messages. Polls take ``sleep``/``clock`` injectables so tests run without real waiting.

A poll reads a failed poll as "no news" and goes on: an HTTP 5xx, a vendor's server-side failure
code (1102, 1103, 2201) or a "too frequent" answer (after the client's own resends) until the
deadline, a missing answer until the gateway has been
silent for the client's ``unreachable_after`` seconds, which ends the poll with
:class:`~nestflow.cloudnest.errors.CloudNestUnreachable` instead of waiting out the deadline.
A poll stops with :class:`~nestflow.waiting.WaitCancelled` when the process cancels its waits (its
default sleep wakes up at once; an injected one is looked past after each call) and then, like on
Ctrl-C or SIGTERM in the waiting thread, logs what it leaves running at CloudNest.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from nestflow.batching import batches
from nestflow.cloudnest.client import CloudNestClient, FileSource
from nestflow.cloudnest.errors import (
    INVALID_PARAMETER,
    JOB_NAME_EXISTS,
    NESTING_RUNNING,
    NOT_WORTH_RETRYING,
    CloudNestError,
    CloudNestJobFailed,
    CloudNestNotFound,
    CloudNestRateLimited,
    CloudNestServerError,
    CloudNestTransportError,
    CloudNestUnreachable,
    CloudNestValidationError,
    CloudNestWaitTimeout,
    retryable,
)
from nestflow.cloudnest.models import (
    DrawingDatas,
    DrawingRef,
    DrawingState,
    DrawingStatus,
    FailedPart,
    JobSummary,
    NestDetail,
    NestLayout,
    NestStatus,
    PartAttributes,
    PlanStatus,
    PlanTask,
    PlateInfo,
    PushResult,
    UrlFile,
)
from nestflow.intake import CheckedDrawing
from nestflow.stock import SheetFormat
from nestflow.waiting import (
    Silence,
    cancellable,
    check_cancelled,
    interruptible_sleep,
    waiting_for,
)

log = logging.getLogger("nestflow.cloudnest")

T = TypeVar("T")

JobLike = JobSummary | int
"""A job as returned by :func:`ensure_job`, or its id."""


@dataclass(frozen=True)
class Backoff:
    """Polling intervals: ``initial`` seconds, multiplied by ``factor`` up to ``maximum``."""

    initial: float = 0.5
    factor: float = 1.5
    maximum: float = 5.0

    def intervals(self) -> Iterator[float]:
        """Yield the successive waits."""
        wait = self.initial
        while True:
            yield wait
            wait = min(self.maximum, wait * self.factor)


DEFAULT_BACKOFF = Backoff()
#: Most drawing bytes in one upload request: the largest drawing the reader takes (20 MiB), so a
#: request stays within a gateway's body limit whatever the drawings' sizes (the sandbox's is
#: 21 MiB: one such drawing and its fields); 20 small drawings still go in one request.
UPLOAD_REQUEST_BYTES = 20 * 1024 * 1024


def _job_id(job: JobLike) -> int:
    return job if isinstance(job, int) else job.job_id


def _no_news(exc: CloudNestError) -> bool:
    """Whether a failed poll says nothing about the object polled (so the poll goes on)."""
    if isinstance(exc, CloudNestTransportError | CloudNestRateLimited):
        return True
    return isinstance(exc, CloudNestServerError) and (
        500 <= (exc.status or 0) < 600 or retryable(exc.status)
    )


# --------------------------------------------------------------------------- creating once


def _may_have_failed_to_land(exc: CloudNestError, landed_codes: Collection[int]) -> bool:
    """Whether a create that failed with ``exc`` is worth a look and, if absent, another send.

    An answerless failure (dropped, timed out, cut off) and a server failure (HTTP 5xx, 1102,
    1103, 2201, an unreadable answer) leave it unknown whether the create landed; a refusal with
    one of ``landed_codes`` ("the name exists", "a Boost is running") says something like it is
    there. Every other error is the server's final word; a dead gateway and an answer too large
    are not tried again.
    """
    if isinstance(exc, NOT_WORTH_RETRYING):
        return False
    return exc.may_have_landed or exc.status in landed_codes


def create_once(
    client: CloudNestClient,
    what: str,
    create: Callable[[], T],
    look: Callable[[], T | None] | None,
    *,
    landed_codes: Collection[int] = (),
) -> T:
    """Make a creating call succeed at most once, sending it again only where it did not land.

    After a failure that leaves it unknown whether the create landed (see
    :func:`_may_have_failed_to_land`), the client backs off (after an answerless failure, at
    least its ``timeout``: a request slower than that may still land meanwhile), then ``look``
    reads what the server holds. Found: that is the answer, nothing is sent again. Not found:
    the create is sent again, up to the client's ``max_retries`` times.

    Args:
        client: The client (its ``max_retries``, ``timeout`` and back-off are used).
        what: The object created, for the log and errors ("job 'A-17'").
        create: Sends the create once and returns the created object.
        look: Returns the object when the server holds it, else ``None``; ``None`` for a call
            that can be sent again harmlessly (one that sets a value).
        landed_codes: Refusal codes that mean the object may exist (then it is looked up).

    Raises:
        CloudNestError: The create's final error, when it was refused, or still failed after
            the retries, or a landed code was answered and ``look`` found nothing.
    """
    attempt = 0
    while True:
        try:
            return create()
        except CloudNestError as exc:
            if not _may_have_failed_to_land(exc, landed_codes):
                raise
            said_it_exists = not exc.may_have_landed
            if not said_it_exists:
                if attempt >= client.max_retries:
                    raise
                attempt += 1
                answerless = isinstance(exc, CloudNestTransportError)
                client.back_off(attempt, at_least=client.timeout if answerless else 0.0)
            found = look() if look is not None else None
            if found is not None:
                log.info("%s: the request failed (%s) but had landed; not sent again", what, exc)
                return found
            if said_it_exists:
                raise
            log.warning(
                "%s: the request failed (%s) and did not land; sending it again (%d of %d)",
                what,
                exc,
                attempt,
                client.max_retries,
            )


def _poll(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    client: CloudNestClient,
    deadline: float,
    what: str,
    left_running: str,
    endpoint: str,
    describe: Callable[[T], str],
    on_poll: Callable[[T], None] | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    backoff: Backoff,
) -> T:
    """Call ``fetch`` until ``done`` holds, sleeping with back-off; at most ``deadline`` seconds.

    A 5xx, "too frequent" or missing answer does not end the poll (see the module docstring);
    ``on_poll`` is called only with states actually read.

    Raises:
        CloudNestWaitTimeout: ``done`` still false after ``deadline`` seconds.
        CloudNestUnreachable: No answer at all for the client's ``unreachable_after`` seconds.
        WaitCancelled: The process cancelled its waits; names ``left_running``.
    """
    sleep = cancellable(sleep)
    start = clock()
    end = start + deadline
    silence = Silence(client.unreachable_after, clock)
    state: T | None = None
    problem: CloudNestError | None = None
    with waiting_for(what, f"{left_running} at CloudNest {client.base_url}", log):
        for wait in backoff.intervals():
            check_cancelled()
            sent_at = clock()
            try:
                state = fetch()
            except CloudNestUnreachable as exc:
                raise CloudNestUnreachable(
                    exc.base_url,
                    exc.endpoint,
                    max(exc.silent_s, silence.seconds()),
                    exc.attempts,
                    exc.last,
                    what,
                ) from exc
            except CloudNestError as exc:
                if not _no_news(exc):
                    raise
                (log.info if problem is not None else log.warning)(
                    "%s: a poll failed, polling on (service unreachable after %g s "
                    "without an answer): %s",
                    what,
                    client.unreachable_after,
                    exc,
                )
                problem = exc
                if exc.status is None:
                    silence.unanswered(sent_at, exc.msg)
                    if silence.exceeded():
                        raise CloudNestUnreachable(
                            client.base_url,
                            endpoint,
                            silence.seconds(),
                            silence.attempts,
                            silence.last,
                            what,
                        ) from exc
                else:
                    silence.answered()
            else:
                silence.answered()
                problem = None
                if on_poll is not None:
                    on_poll(state)
                if done(state):
                    return state
            remaining = end - clock()
            if remaining <= 0:
                last = describe(state) if state is not None else "no state read yet"
                failed = f"; last poll failed: {problem}" if problem is not None else ""
                raise CloudNestWaitTimeout(
                    None, f"{what} not done after {deadline:g} s: {last}{failed}", endpoint
                )
            pause = min(wait, remaining)
            if problem is not None and problem.status is None:
                pause = min(pause, max(0.0, silence.left()))
            sleep(pause)
            check_cancelled()
    raise AssertionError("unreachable")  # pragma: no cover


# ------------------------------------------------------------------------------------ job


def find_job(client: CloudNestClient, name: str) -> JobSummary | None:
    """Return the job named exactly ``name`` (the oldest when several), or ``None``.

    The search may return partial matches; only exact names count.
    """
    exact = [job for job in client.job_search(name) if job.job_name == name]
    return min(exact, key=lambda job: job.job_id) if exact else None


def job_still_named(client: CloudNestClient, job_id: int, name: str) -> bool:
    """Whether job ``job_id`` exists on the server and is still the one named ``name``.

    A remembered job id is checked with this before reuse: a vendor (or sandbox) that lost its
    state may have given the same id to another job.
    """
    return any(job.job_id == job_id for job in client.job_search(name) if job.job_name == name)


def ensure_job(
    client: CloudNestClient,
    name: str,
    *,
    material: str | None = None,
    thickness: float | None = None,
    gas: str | None = None,
    comments: str | None = None,
) -> JobSummary:
    """Return the job named ``name``, creating it only when no job has exactly that name.

    Idempotent: running it twice gives one job. If the create fails without a clear answer
    (dropped connection, 5xx) or the server says the name exists (a concurrent create), the job
    is searched again, and created again only when it is not there (:func:`create_once`).

    Raises:
        CloudNestError: The search or create failed, and the job does not exist.
    """
    found = find_job(client, name)
    if found is not None:
        return found

    def create() -> JobSummary:
        created = client.job_add(
            name, material=material, thickness=thickness, gas=gas, comments=comments
        )
        return JobSummary(job_id=created.job_id, job_name=created.job_name)

    return create_once(
        client,
        f"CloudNest job {name!r}",
        create,
        lambda: find_job(client, name),
        landed_codes=(JOB_NAME_EXISTS,),
    )


# ------------------------------------------------------------------------------- drawings


class DrawingOutcome(BaseModel):
    """Final processing state of the drawings of one upload (or of a whole job)."""

    drawings: list[DrawingState] = Field(default_factory=list)

    @property
    def succeeded(self) -> list[DrawingState]:
        """Drawings processed into parts."""
        return [d for d in self.drawings if d.status == DrawingStatus.SUCCESS]

    @property
    def failed(self) -> list[DrawingState]:
        """Drawings the server could not process; ``msg`` says why."""
        return [d for d in self.drawings if d.status == DrawingStatus.FAILED]

    @property
    def ok(self) -> bool:
        """True when no drawing failed."""
        return not self.failed

    def by_filename(self) -> dict[str, DrawingState]:
        """The states keyed by uploaded file name."""
        return {d.filename: d for d in self.drawings}


def _is_url(source: object) -> bool:
    return isinstance(source, str) and source.startswith(("http://", "https://"))


def _filename(source: FileSource | str | UrlFile) -> str:
    if isinstance(source, Path):
        return source.name
    if isinstance(source, UrlFile):
        return source.filename
    if isinstance(source, str):
        return source.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "drawing.dxf"
    return source[0]


#: Longest stem kept in a vendor file name (the whole name stays far below vendors' limits).
VENDOR_STEM_LENGTH = 48
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9_-]+")


def vendor_filename(file: str, sha256: str) -> str:
    """The name a drawing is uploaded under: one no vendor has reason to rewrite.

    Vendors rewrite file names (Unicode normalised or dropped, brackets, quotes and ``%``
    replaced, long names cut), and a name that comes back changed can no longer be matched to
    the drawing. So the upload carries plain ASCII letters, digits, ``-`` and ``_``: the file's
    stem transliterated and cut to :data:`VENDOR_STEM_LENGTH`, then the first 12 hex digits of
    the checked bytes' sha256 (two drawings never share a name; a corrected drawing gets a new
    one), then ``.dxf``. The part keeps its own name (``part_name``), not this one.

    ``vendor_filename("Größe é [rev A].dxf", "3f2a...")`` is ``"Groe_e_rev_A-3f2a....dxf"``.
    """
    stem = unicodedata.normalize("NFKD", Path(file).stem).encode("ascii", "ignore").decode()
    stem = _NOT_PLAIN.sub("_", stem).strip("_")[:VENDOR_STEM_LENGTH] or "drawing"
    return f"{stem}-{sha256[:12]}.dxf"


def _attributes_for(
    filename: str,
    attributes: PartAttributes | Mapping[str, Any] | None,
    per_file: Mapping[str, PartAttributes | Mapping[str, Any]] | None,
) -> PartAttributes:
    """Shared attributes overlaid with the file's own; ``part_name`` defaults to the stem."""
    merged: dict[str, Any] = {"part_name": Path(filename).stem}
    for layer in (attributes, (per_file or {}).get(filename)):
        if isinstance(layer, BaseModel):
            merged.update(layer.model_dump(exclude_none=True))
        elif layer:
            merged.update({k: v for k, v in layer.items() if v is not None})
    return PartAttributes.model_validate(merged)


class UploadItem(BaseModel):
    """One drawing to put into the job."""

    file: str
    path: str | None = None
    url: str | None = None
    sha256: str
    content: bytes = Field(
        default=b"", exclude=True, repr=False, description="The checked bytes to upload."
    )
    quantity: int = 1
    rotate_lock: bool = False

    @property
    def upload_name(self) -> str:
        """The name it is uploaded under (:func:`vendor_filename`)."""
        return vendor_filename(self.file, self.sha256)

    @property
    def part_name(self) -> str:
        """The name its parts carry at the vendor: the drawing's file name without suffix."""
        return Path(self.file).stem

    def source(self) -> UrlFile | tuple[str, bytes]:
        """What to upload: the URL the vendor fetches, or the checked bytes, under its name.

        Raises:
            ValueError: A file item carries no checked bytes, or bytes that are not the ones
                checked (it would upload something nobody checked).
        """
        if self.url:
            return UrlFile(url=self.url, filename=self.upload_name)
        if not self.content or hashlib.sha256(self.content).hexdigest() != self.sha256:
            raise ValueError(
                f"{self.file}: no checked bytes to upload (refused: unchecked content)"
            )
        return self.upload_name, self.content


def upload_items(drawings: Sequence[CheckedDrawing]) -> list[UploadItem]:
    """One upload per checked drawing: its checked bytes and quantity.

    A drawing that may only lie as drawn gets CloudNest's ``rotate_lock``.
    """
    return [
        UploadItem(
            file=d.ref.file,
            path=d.ref.path,
            url=d.ref.url,
            sha256=d.sha256,
            content=d.content,
            quantity=d.terms.quantity,
            rotate_lock=set(d.terms.rotations) == {0.0},
        )
        for d in drawings
    ]


class UploadOutcome(BaseModel):
    """What an upload batch did: the job's references for the files, and which were new."""

    refs: list[DrawingRef] = Field(default_factory=list)
    uploaded: list[str] = Field(default_factory=list)
    already_there: list[str] = Field(default_factory=list)


def split_held(
    items: Sequence[UploadItem], held: Iterable[DrawingState]
) -> tuple[list[UploadItem], list[DrawingRef]]:
    """Which drawings to upload, and the job's references of those it already holds.

    A drawing is held when the job has a drawing of its upload name (:func:`vendor_filename`,
    which holds its content's hash), or of its own file name (uploaded by an earlier version):
    it is not uploaded again (a crash between an upload landing and its record being written
    cannot duplicate it). The references are named by the items' file names.

    Args:
        items: The drawings to put into the job.
        held: The job's drawings (:meth:`CloudNestClient.job_drawing_status`).

    Returns:
        The items the job lacks, and a reference per item it holds, both in the items' order.
    """
    by_name = {state.filename: state for state in held}
    new: list[UploadItem] = []
    known: list[DrawingRef] = []
    for item in items:
        state = by_name.get(item.upload_name) or by_name.get(item.file)
        if state is None:
            new.append(item)
        else:
            known.append(DrawingRef(drawing_guid=state.drawing_guid, filename=item.file))
    return new, known


def put_drawings(
    client: CloudNestClient,
    job: JobLike,
    items: Sequence[UploadItem],
    attributes: Callable[[UploadItem], PartAttributes],
) -> UploadOutcome:
    """Put drawings into a job: upload those it lacks, each once, under its upload name.

    Args:
        client: The client.
        job: The job (or its id).
        items: The drawings.
        attributes: The part attributes of an item (quantity, material...); its ``part_name``
            is the item's own (:attr:`UploadItem.part_name`).

    Returns:
        A reference per item, named by the item's file name, and which were uploaded now.

    Raises:
        CloudNestValidationError: The server answered an upload with a name it was not sent
            (it rewrote the upload name): the drawing could not be told apart.
        CloudNestError: An upload failed (after its retries).
    """
    job_id = _job_id(job)
    new, known = split_held(items, client.job_drawing_status(job_id))
    per_file = {
        item.upload_name: attributes(item).model_copy(update={"part_name": item.part_name})
        for item in new
    }
    sent = upload_drawings(client, job_id, [item.source() for item in new], per_file=per_file)
    by_upload = {item.upload_name: item for item in new}
    uploaded = []
    for ref in sent:
        item = by_upload.get(ref.filename)
        if item is None:
            raise CloudNestValidationError(
                None,
                f"job {job_id} answered an upload with file name {ref.filename!r}, which was "
                f"not sent (sent: {', '.join(sorted(by_upload))})",
                client.routes["drawing_upload"].describe(),
                hint="CloudNest rewrote a file name nestflow chose to be kept as sent; report "
                "it with the names above.",
            )
        uploaded.append(DrawingRef(drawing_guid=ref.drawing_guid, filename=item.file))
    return UploadOutcome(
        refs=known + uploaded,
        uploaded=[ref.filename for ref in uploaded],
        already_there=[ref.filename for ref in known],
    )


def upload_drawings(
    client: CloudNestClient,
    job: JobLike,
    sources: Sequence[FileSource | str | UrlFile],
    *,
    attributes: PartAttributes | Mapping[str, Any] | None = None,
    per_file: Mapping[str, PartAttributes | Mapping[str, Any]] | None = None,
    batch_size: int = 20,
    max_batch_bytes: int = UPLOAD_REQUEST_BYTES,
) -> list[DrawingRef]:
    """Upload DXF drawings to a job: files as multipart, ``http(s)://`` URLs by active download.

    Args:
        client: The client.
        job: The job (or its id).
        sources: Paths, ``(filename, bytes)`` pairs, URL strings, or URLs with the file name
            to store them under (:class:`UrlFile`; its ``datas`` are not used).
        attributes: Part attributes for every drawing (quantity ``amount``, ``material``,
            ``thickness``, ``gas``, ``rotate_lock``...).
        per_file: Attributes of single files, keyed by file name, overriding ``attributes``.
        batch_size: Files per request (the server caps files per upload).
        max_batch_bytes: Most file bytes per request (a larger file goes alone).

    Returns:
        One reference per drawing, in the order of ``sources``.

    Raises:
        CloudNestValidationError: Two sources share a file name (the server could not tell
            their states apart), or ``batch_size`` < 1.
        CloudNestError: An upload failed; drawings of earlier batches stay uploaded.
    """
    job_id = _job_id(job)
    names = [_filename(s) for s in sources]
    duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
    if duplicates:
        raise CloudNestValidationError(
            None,
            f"file names repeat: {', '.join(duplicates)}",
            "upload_drawings",
            hint="Rename the files so that each name is unique within the job.",
        )
    not_urls = [
        s.url if isinstance(s, UrlFile) else s
        for s in sources
        if isinstance(s, str | UrlFile) and not _is_url(s.url if isinstance(s, UrlFile) else s)
    ]
    if not_urls:
        raise CloudNestValidationError(
            None,
            f"not http(s) URLs: {', '.join(not_urls)}",
            "upload_drawings",
            hint="Pass local files as pathlib.Path or (filename, bytes), URLs as strings.",
        )
    if batch_size < 1:
        raise CloudNestValidationError(None, "batch_size must be >= 1", "upload_drawings")
    files: list[FileSource] = [s for s in sources if not isinstance(s, str | UrlFile)]
    urls = [s for s in sources if isinstance(s, str | UrlFile)]
    refs: list[DrawingRef] = []
    for file_batch in batches(files, batch_size, weight=_file_bytes, max_weight=max_batch_bytes):

        def send_files(todo: list[FileSource]) -> list[DrawingRef]:
            datas = [
                DrawingDatas(
                    filename=_filename(source),
                    **_attributes_for(_filename(source), attributes, per_file).model_dump(
                        exclude_none=True
                    ),
                )
                for source in todo
            ]
            return client.drawing_upload(job_id, todo, datas)

        refs += _upload_batch(client, job_id, file_batch, send_files)
    for url_batch in batches(urls, batch_size):

        def send_urls(todo: list[str | UrlFile]) -> list[DrawingRef]:
            url_files = [
                UrlFile(
                    url=url.url if isinstance(url, UrlFile) else url,
                    filename=_filename(url),
                    datas=_attributes_for(_filename(url), attributes, per_file),
                )
                for url in todo
            ]
            return client.drawing_upload_url(job_id, url_files)

        refs += _upload_batch(client, job_id, url_batch, send_urls)
    order = {name: index for index, name in enumerate(names)}
    return sorted(refs, key=lambda ref: order.get(ref.filename, len(order)))


S = TypeVar("S", FileSource, str | UrlFile)


def _file_bytes(source: FileSource) -> int:
    """The size of a file to upload (a path's size on disk, or its bytes)."""
    return source.stat().st_size if isinstance(source, Path) else len(source[1])


def _upload_batch(
    client: CloudNestClient,
    job_id: int,
    batch: list[S],
    send: Callable[[list[S]], list[DrawingRef]],
) -> list[DrawingRef]:
    """Upload one batch once (:func:`create_once`): after a failure, only what the job lacks.

    The job's drawings are looked up by file name (names are unique within an upload); a batch
    the server took in part is completed with the files it lacks, never sent whole again.
    """
    names = {_filename(source): source for source in batch}
    held: dict[str, DrawingRef] = {}

    def create() -> list[DrawingRef]:
        return list(held.values()) + send([s for n, s in names.items() if n not in held])

    def look() -> list[DrawingRef] | None:
        for state in client.job_drawing_status(job_id):
            if state.filename in names:
                held[state.filename] = DrawingRef(
                    drawing_guid=state.drawing_guid, filename=state.filename
                )
        return list(held.values()) if len(held) == len(names) else None

    shown = ", ".join(list(names)[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return create_once(client, f"upload of {shown} to CloudNest job {job_id}", create, look)


def wait_drawings(
    client: CloudNestClient,
    job: JobLike,
    deadline: float,
    on_poll: Callable[[list[DrawingState]], None] | None = None,
    *,
    drawings: Sequence[DrawingRef] | None = None,
    sleep: Callable[[float], None] = interruptible_sleep,
    clock: Callable[[], float] = time.monotonic,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> DrawingOutcome:
    """Poll the job's drawing-processing status until every drawing is ``success`` or ``failed``.

    Args:
        client: The client.
        job: The job (or its id).
        deadline: Seconds to wait at most.
        on_poll: Called with the states after each poll (progress reporting).
        drawings: Wait for these drawings only (default: every drawing of the job); their
            states then carry the references' file names, not the server's.
        sleep: Sleep function (tests); the default stops when waits are cancelled.
        clock: Monotonic clock (tests).
        backoff: Polling intervals.

    Returns:
        The final state of each drawing, with the server's message for failures.

    Raises:
        CloudNestWaitTimeout: Drawings still waiting/processing at the deadline (named).
        CloudNestValidationError: A drawing of ``drawings`` is missing from the job's status.
        CloudNestUnreachable: The gateway gave no answer for its ``unreachable_after``.
        WaitCancelled: Waits were cancelled; names the job whose drawings are left processing.
    """
    job_id = _job_id(job)
    wanted = (
        {ref.drawing_guid.upper(): ref.filename for ref in drawings}
        if drawings is not None
        else None
    )

    def fetch() -> list[DrawingState]:
        states = client.job_drawing_status(job_id)
        if wanted is None:
            return states
        mine = [
            s.model_copy(update={"filename": wanted[s.drawing_guid.upper()]})
            for s in states
            if s.drawing_guid.upper() in wanted
        ]
        if len(mine) != len(wanted):
            missing = set(wanted) - {s.drawing_guid.upper() for s in mine}
            raise CloudNestValidationError(
                None,
                f"drawings {', '.join(sorted(missing))} are not in job {job_id}",
                client.routes["job_drawing_status"].describe(),
                hint="Check that the drawings were uploaded to this job.",
            )
        return mine

    final = {DrawingStatus.SUCCESS, DrawingStatus.FAILED}

    def pending(states: list[DrawingState]) -> list[str]:
        return [f"{s.filename} ({s.status})" for s in states if s.status not in final]

    states = _poll(
        fetch,
        lambda states: not pending(states),
        client=client,
        deadline=deadline,
        what=f"drawing processing of job {job_id}",
        left_running=f"the processing of the drawings of CloudNest job {job_id}",
        endpoint=client.routes["job_drawing_status"].describe(),
        describe=lambda states: "still pending: " + ", ".join(pending(states)),
        on_poll=on_poll,
        sleep=sleep,
        clock=clock,
        backoff=backoff,
    )
    return DrawingOutcome(drawings=states)


# ------------------------------------------------------------------------------- nesting


def boost(
    client: CloudNestClient,
    job: JobLike,
    plates: Sequence[str] | None = None,
    gap: float | None = None,
    *,
    time_limit: int | None = None,
) -> str | None:
    """Start a Boost (fast nesting) of the job on the given plates (plate GUIDs) with ``gap`` mm.

    The GUID of the job's latest Boost is read first. After a failure that leaves it unknown
    whether the Boost started, the job's nesting is looked at: a Boost newer than that one (or,
    from a server that names no Boost, one running) is this Boost, and it is not started again;
    otherwise it is sent again (:func:`create_once`; a second Boost only nests the job again).

    Returns:
        The Boost's nest task GUID; ``None`` only when a failed request's Boost was found running
        on a server that names no Boost in its nesting details.
    """
    job_id = _job_id(job)
    before = latest_nesting(client, job_id)
    earlier = before.nest_task_guid if before is not None else None

    def create() -> _Boost:
        sent = client.job_boost(job_id, plate_guids=plates, gap=gap, time_limit=time_limit)
        return _Boost(sent.nest_task_guid)

    def look() -> _Boost | None:
        now = latest_nesting(client, job_id)
        if now is None:
            return None
        if now.nest_task_guid is not None:
            return _Boost(now.nest_task_guid) if now.nest_task_guid != earlier else None
        return _Boost(None) if now.status == NestStatus.NESTING else None

    started = create_once(
        client, f"Boost of CloudNest job {job_id}", create, look, landed_codes=(NESTING_RUNNING,)
    )
    return started.guid


@dataclass(frozen=True)
class _Boost:
    """A Boost started: its nest task GUID, ``None`` when it was found running."""

    guid: str | None


def refused_parts(client: CloudNestClient, job_id: int) -> list[FailedPart]:
    """The parts the job's latest nesting failed on for their own geometry (empty if none)."""
    detail = latest_nesting(client, job_id)
    if detail is None or detail.status != NestStatus.FAILED:
        return []
    return detail.failed_parts


def remove_part(client: CloudNestClient, part_guid: str) -> None:
    """Delete a part from its job; a part already gone counts as removed (sent again freely)."""

    def delete() -> bool:
        try:
            client.part_update(part_guid=part_guid, delete=True)
        except CloudNestNotFound:
            pass
        return True

    create_once(client, f"removal of part {part_guid}", delete, None)


def latest_nesting(client: CloudNestClient, job_id: int) -> NestDetail | None:
    """The job's latest nesting (its Boost, status and layouts), ``None`` when it has none."""
    try:
        return client.job_nest_detail(job_id)
    except CloudNestNotFound:
        return None


def wait_nesting(
    client: CloudNestClient,
    job: JobLike,
    deadline: float,
    on_poll: Callable[[NestDetail], None] | None = None,
    *,
    sleep: Callable[[float], None] = interruptible_sleep,
    clock: Callable[[], float] = time.monotonic,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> NestDetail:
    """Poll the job's nesting details until the nesting is finished.

    Returns:
        The finished nesting with its layouts (DXF URL, utilisation, parts).

    Raises:
        CloudNestJobFailed: The server reports the nesting failed (its message included).
        CloudNestWaitTimeout: Still nesting at the deadline.
        CloudNestUnreachable: The gateway gave no answer for its ``unreachable_after``.
        WaitCancelled: Waits were cancelled; names the job whose nesting is left running.
    """
    job_id = _job_id(job)
    endpoint = client.routes["job_nest_detail"].describe()
    detail = _poll(
        lambda: client.job_nest_detail(job_id),
        lambda d: d.status in (NestStatus.FINISHED, NestStatus.FAILED),
        client=client,
        deadline=deadline,
        what=f"nesting of job {job_id}",
        left_running=f"the Boost nesting of CloudNest job {job_id}",
        endpoint=endpoint,
        describe=lambda d: f"status {d.status!r} {d.msg}".strip(),
        on_poll=on_poll,
        sleep=sleep,
        clock=clock,
        backoff=backoff,
    )
    if detail.status == NestStatus.FAILED:
        raise CloudNestJobFailed(None, f"nesting of job {job_id} failed: {detail.msg}", endpoint)
    return detail


def download_layout_dxf(client: CloudNestClient, result: NestLayout) -> bytes:
    """Download the DXF of a layout (its ``dxf_url``).

    Raises:
        CloudNestValidationError: The layout has no DXF URL.
        CloudNestBadDownload: The link did not serve a DXF (checked by ``client.download``).
    """
    endpoint = f"download layout {result.result_guid}"
    if not result.dxf_url:
        raise CloudNestValidationError(
            None, "the layout has no dxf_url", endpoint, hint="Wait until the nesting finished."
        )
    return client.download(result.dxf_url, layout=result.result_guid)


# ---------------------------------------------------------------------------- production


def existing_push(
    client: CloudNestClient, job: JobLike, result_guid: str, gmid: int
) -> PlanTask | None:
    """The job's production task holding layout ``result_guid`` on machine ``gmid``, if any."""
    return _existing_plan(client, _job_id(job), result_guid, gmid)


def _existing_plan(
    client: CloudNestClient, job_id: int, result_guid: str, gmid: int
) -> PlanTask | None:
    for plan in client.job_plan_detail([job_id]):
        if plan.result_guid.upper() == result_guid.upper() and plan.gmid == gmid:
            return plan
    return None


def push_layout(
    client: CloudNestClient,
    result_guid: str,
    gmid: int,
    amount: int,
    *,
    job: JobLike | None = None,
) -> PushResult:
    """Push a layout to machine ``gmid`` for ``amount`` sheets (server-side production push).

    With ``job`` given, the push is made idempotent: a production task already holding this
    layout on this machine is returned instead of pushing again, and after a failure that leaves
    it unknown whether the push landed (dropped connection, timeout, 5xx) the job's tasks are
    looked at after a pause of at least the client's timeout; the push is sent again only when
    none holds the layout (:func:`create_once`). Without ``job`` it is sent once.

    Raises:
        CloudNestError: The push failed (and, with ``job``, no task for the layout exists).
    """
    if job is None:
        return client.production_push(result_guid, gmid, amount)
    job_id = _job_id(job)

    def look() -> PushResult | None:
        existing = _existing_plan(client, job_id, result_guid, gmid)
        return None if existing is None else PushResult(plan_guid=existing.guid)

    found = look()
    if found is not None:
        return found
    return create_once(
        client,
        f"push of layout {result_guid} to machine {gmid}",
        lambda: client.production_push(result_guid, gmid, amount),
        look,
    )


def _plan_done(plan: PlanTask) -> bool:
    return plan.status == PlanStatus.COMPLETED or (
        plan.total_plate_amount > 0 and plan.finish_plate_amount >= plan.total_plate_amount
    )


def wait_production(
    client: CloudNestClient,
    plan: PushResult | str,
    deadline: float,
    on_poll: Callable[[PlanTask], None] | None = None,
    *,
    sleep: Callable[[float], None] = interruptible_sleep,
    clock: Callable[[], float] = time.monotonic,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> PlanTask:
    """Poll a production task until every planned sheet is cut.

    Raises:
        CloudNestWaitTimeout: Sheets still to cut at the deadline.
        CloudNestUnreachable: The gateway gave no answer for its ``unreachable_after``.
        WaitCancelled: Waits were cancelled; names the production task left on the machine.
    """
    plan_guid = plan if isinstance(plan, str) else plan.plan_guid
    return _poll(
        lambda: client.production_detail(plan_guid),
        _plan_done,
        client=client,
        deadline=deadline,
        what=f"production task {plan_guid}",
        left_running=f"production task (plan) {plan_guid} on the machine",
        endpoint=client.routes["production_detail"].describe(),
        describe=lambda p: (
            f"{p.finish_plate_amount}/{p.total_plate_amount} sheets cut, status {p.status!r}"
        ),
        on_poll=on_poll,
        sleep=sleep,
        clock=clock,
        backoff=backoff,
    )


__all__ = [
    "Backoff",
    "DrawingOutcome",
    "boost",
    "download_layout_dxf",
    "ensure_job",
    "find_job",
    "push_layout",
    "upload_drawings",
    "wait_drawings",
    "wait_nesting",
    "wait_production",
]


# --------------------------------------------------------------------------------- stock


def find_or_add_material(client: CloudNestClient, name: str, density: float) -> int:
    """The id of the material called ``name`` (any case), added with ``density`` if absent.

    Two runs starting at once on an account without the material both find it absent and both
    add it; names are unique, so the later add is refused (2200). A refused add therefore looks
    again and takes the material the other run added; an add that failed without a clear answer
    is looked up and sent again only when absent (:func:`create_once`).
    """
    found = _material_id(client, name)
    if found is not None:
        return found
    return create_once(
        client,
        f"CloudNest material {name!r}",
        lambda: client.material_add(material_name=name, density=density).material_id,
        lambda: _material_id(client, name),
        landed_codes=(INVALID_PARAMETER,),
    )


def _material_id(client: CloudNestClient, name: str) -> int | None:
    for material in client.material_list():
        if material.material_name.lower() == name.lower():
            return material.material_id
    return None


def find_or_add_plate(
    client: CloudNestClient, material_id: int, thickness: float, sheet: SheetFormat
) -> str:
    """The GUID of the standard plate matching ``sheet``, added if absent.

    Its stock (``remain_amount``) is set to the format's quantity when it differs (a value set,
    so sent again freely after a failure); the add is made once (:func:`create_once`).
    """

    def look() -> PlateInfo | None:
        return next(
            (
                plate
                for plate in client.plate_list(material_id=material_id, thickness=thickness)
                if plate.plate_type == 0
                and abs(plate.width - sheet.length) < 1e-6
                and abs(plate.height - sheet.height) < 1e-6
                and abs(plate.gap - sheet.border_gap) < 1e-6
            ),
            None,
        )

    plate = look()
    if plate is None:
        return create_once(
            client,
            f"CloudNest plate {sheet.label!r}",
            lambda: (
                client.plate_add(
                    plate_type=0,
                    plate_name=sheet.label,
                    remain_amount=sheet.quantity,
                    width=sheet.length,
                    height=sheet.height,
                    material_id=material_id,
                    thickness=thickness,
                    gap=sheet.border_gap,
                ).plate_guid
            ),
            lambda: None if (added := look()) is None else added.plate_guid,
        )
    if plate.remain_amount != sheet.quantity:
        create_once(
            client,
            f"stock of CloudNest plate {sheet.label!r}",
            lambda: client.plate_update(plate_guid=plate.plate_guid, remain_amount=sheet.quantity),
            None,
        )
    return plate.plate_guid
