"""What the sandbox accepts as a drawing file: safe names, DXF only, bounded size, loopback URLs.

Files are stored as blobs in the database, never under their given name, so a name is only ever
shown back; it is still cleaned (no directories, no ``..``, no control characters) because clients
write it to disk and into logs. The "active download" variant fetches only from loopback hosts:
the sandbox must never be a way to reach another machine.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import unquote, urlsplit

import httpx

from nestflow.cloudnest.errors import DOWNLOAD_FAILED, UNSUPPORTED_FILE
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal

ALLOWED_SUFFIX = ".dxf"
MAX_NAME_LENGTH = 120
DOWNLOAD_TIMEOUT_SECONDS = 20.0
_UNSAFE = re.compile(r"[^\w.\- ()+,@#&]+", re.UNICODE)


def safe_filename(raw: str | None) -> str:
    r"""The last path component of ``raw``, with unsafe characters replaced by ``_``.

    ``../../etc/passwd.dxf`` becomes ``passwd.dxf``; ``C:\x\a b.DXF`` becomes ``a b.DXF``;
    an empty or all-dots name becomes ``drawing.dxf``.
    """
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: MAX_NAME_LENGTH - len(suffix) - 1] + dot + suffix) if dot else name[:120]
    return name or "drawing.dxf"


def check_dxf_name(name: str) -> None:
    """Refuse (2300) a file whose name does not end in ``.dxf`` (any case)."""
    if not name.lower().endswith(ALLOWED_SUFFIX):
        raise ApiRefusal(UNSUPPORTED_FILE, f"{name!r}: only .dxf files are accepted")


def check_size(name: str, size: int, limit: int) -> None:
    """Refuse (2300) an empty file or one larger than ``limit`` bytes."""
    if size == 0:
        raise ApiRefusal(UNSUPPORTED_FILE, f"{name!r} is empty")
    if size > limit:
        raise ApiRefusal(
            UNSUPPORTED_FILE, f"{name!r} is {size} bytes; the limit is {limit} bytes per file"
        )


def check_loopback_url(url: str) -> None:
    """Refuse (2301) anything but an http(s) URL on a loopback host (127.0.0.0/8, ::1, localhost).

    Raises:
        ApiRefusal: Wrong scheme, no host, or a host that is not loopback; the message names it.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ApiRefusal(DOWNLOAD_FAILED, f"{url!r} is not an http(s) URL with a host")
    host = parts.hostname
    if host.lower() == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ApiRefusal(
            DOWNLOAD_FAILED,
            f"host {host!r} refused: the sandbox downloads only from loopback "
            "(127.0.0.1, ::1, localhost)",
        )


def filename_from_url(url: str) -> str:
    """The file name at the end of a URL's path (percent-decoded)."""
    return unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2])


class DownloadError(Exception):
    """The file could not be fetched; the message says why (status, size, network)."""


def download(url: str, limit: int) -> bytes:
    """Fetch ``url`` (already checked with :func:`check_loopback_url`) up to ``limit`` bytes.

    Redirects are not followed: a redirect could lead off loopback.

    Raises:
        DownloadError: Non-200 answer, too large a body, or a network failure.
    """
    try:
        with httpx.stream(
            "GET", url, timeout=DOWNLOAD_TIMEOUT_SECONDS, follow_redirects=False
        ) as response:
            if response.status_code != 200:
                raise DownloadError(f"download of {url} answered HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > limit:
                    raise DownloadError(f"download of {url} exceeds the limit of {limit} bytes")
    except httpx.HTTPError as exc:
        raise DownloadError(f"download of {url} failed: {type(exc).__name__}: {exc}") from exc
    if not body:
        raise DownloadError(f"download of {url} returned an empty file")
    return bytes(body)
