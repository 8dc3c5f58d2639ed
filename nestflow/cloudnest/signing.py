"""Request signing for the CloudNest gateway (spec §2).

Every call carries ``app-id``, ``time-stamp`` (epoch milliseconds), ``app-sign`` (lowercase hex
MD5 of ``appId + appSecret + timeStamp``, no separator, UTF-8) and ``X-FS-Orgcode``; ``zoneId`` is
optional. The secret is only ever an input of the hash: it is kept in a
:class:`~pydantic.SecretStr`, never sent, never in a repr.

The gateway refuses timestamps more than ten minutes from its own clock (status 1003). The signer
keeps an offset, measured from the server's ``Date`` header, that is added to the local clock.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from email.utils import parsedate_to_datetime

from pydantic import SecretStr

HEADER_APP_ID = "app-id"
HEADER_TIMESTAMP = "time-stamp"
HEADER_SIGN = "app-sign"
HEADER_ORG_CODE = "X-FS-Orgcode"
HEADER_ZONE_ID = "zoneId"

TIMESTAMP_WINDOW_MS = 600_000
"""The gateway accepts ``time-stamp`` within ±10 minutes of its clock (spec §2.2)."""


def sign(app_id: str, app_secret: str, timestamp_ms: int | str) -> str:
    """Return the ``app-sign`` value: lowercase hex MD5 of ``app_id + app_secret + timestamp``.

    Args:
        app_id: The open-platform appId.
        app_secret: The appSecret (only hashed, never sent).
        timestamp_ms: Epoch time in milliseconds, exactly as sent in ``time-stamp``.
    """
    return hashlib.md5(f"{app_id}{app_secret}{timestamp_ms}".encode()).hexdigest()


def server_time_ms(date_values: Iterable[str]) -> int | None:
    """Read the server's clock from its ``Date`` header value(s), in epoch milliseconds.

    Some servers send two ``Date`` headers (a front server's and the application's own); the last
    readable one is the application's, so it wins.

    Returns:
        Epoch milliseconds, or ``None`` when no value parses.
    """
    found: int | None = None
    for value in date_values:
        try:
            found = int(parsedate_to_datetime(value).timestamp() * 1000)
        except (TypeError, ValueError, IndexError):
            continue
    return found


class Signer:
    """Builds the signed headers of each request; thread-safe.

    Args:
        app_id: The open-platform appId.
        app_secret: The appSecret, plain or as ``SecretStr``.
        org_code: The team's OrgCode (``X-FS-Orgcode``).
        zone_id: Optional IANA zone (``zoneId`` header); the gateway defaults to UTC+8.
        clock: Wall clock in seconds (tests inject a skewed one).
    """

    def __init__(
        self,
        app_id: str,
        app_secret: str | SecretStr,
        org_code: str,
        *,
        zone_id: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app_id = app_id
        self.org_code = org_code
        self.zone_id = zone_id
        self._secret = app_secret if isinstance(app_secret, SecretStr) else SecretStr(app_secret)
        self._clock = clock
        self._offset_ms = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"Signer(app_id={self.app_id!r}, org_code={self.org_code!r}, "
            f"app_secret={self._secret!r})"
        )

    @property
    def secret(self) -> SecretStr:
        """The app secret, masked in every str/repr."""
        return self._secret

    @property
    def offset_ms(self) -> int:
        """Milliseconds added to the local clock (server time minus local time)."""
        with self._lock:
            return self._offset_ms

    def now_ms(self) -> int:
        """Corrected epoch milliseconds to put in ``time-stamp``."""
        return int(self._clock() * 1000) + self.offset_ms

    def headers(self, timestamp_ms: int | None = None) -> dict[str, str]:
        """Return the signed headers for one request.

        Args:
            timestamp_ms: Use this timestamp instead of the corrected clock (test vectors).
        """
        ts = self.now_ms() if timestamp_ms is None else timestamp_ms
        headers = {
            HEADER_APP_ID: self.app_id,
            HEADER_TIMESTAMP: str(ts),
            HEADER_SIGN: sign(self.app_id, self._secret.get_secret_value(), ts),
            HEADER_ORG_CODE: self.org_code,
        }
        if self.zone_id:
            headers[HEADER_ZONE_ID] = self.zone_id
        return headers

    def correct_clock(self, date_values: Iterable[str]) -> bool:
        """Set the offset from a server's ``Date`` header(s).

        Returns:
            True when a ``Date`` was read and the offset changed by more than a second (the
            resolution of ``Date``), i.e. when retrying with the corrected time can help.
        """
        server_ms = server_time_ms(date_values)
        if server_ms is None:
            return False
        offset = server_ms - int(self._clock() * 1000)
        with self._lock:
            changed = abs(offset - self._offset_ms) > 1000
            self._offset_ms = offset
        return changed
