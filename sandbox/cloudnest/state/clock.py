"""The sandbox's clock and the vendor's time strings.

The clock can run ahead or behind the host (``clock_offset_seconds``) so that a client's clock-skew
correction can be tested. Time strings are ``YYYY-MM-DD HH:mm:ss`` in the caller's ``zoneId``
header (an IANA name), Beijing time when absent (spec §5); the vendor's global error 1013
confirms the format (spec §Q.1).
"""

from __future__ import annotations

import calendar
import time
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nestflow.cloudnest.errors import INVALID_PARAMETER, INVALID_TIME_FORMAT
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal

DEFAULT_ZONE = "Asia/Shanghai"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class SandboxClock:
    """Wall-clock time as the sandbox sees it.

    Args:
        offset_seconds: Added to the host's time.
    """

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self.offset_seconds = offset_seconds

    def now(self) -> float:
        """Epoch seconds."""
        return time.time() + self.offset_seconds

    def now_ms(self) -> int:
        """Epoch milliseconds (the unit of the ``time-stamp`` header)."""
        return int(self.now() * 1000)


def zone_of(zone_id: str | None) -> tzinfo:
    """The time zone named by a ``zoneId`` header (Beijing time when absent).

    Raises:
        ApiRefusal: The name is not an IANA time zone.
    """
    name = (zone_id or "").strip() or DEFAULT_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiRefusal(
            INVALID_PARAMETER, f"zoneId {name!r} is not an IANA time zone (e.g. 'Europe/Berlin')"
        ) from None


def format_time(epoch: float | None, zone: tzinfo) -> str | None:
    """``YYYY-MM-DD HH:mm:ss`` in ``zone``; ``None`` stays ``None`` (not started, not finished)."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, zone).strftime(TIME_FORMAT)


def parse_time(text: str, zone: tzinfo, field: str) -> float:
    """Epoch seconds of a ``YYYY-MM-DD HH:mm:ss`` string read in ``zone``.

    Raises:
        ApiRefusal: The string is not in that format (1013); the message names ``field``.
    """
    try:
        return datetime.strptime(text.strip(), TIME_FORMAT).replace(tzinfo=zone).timestamp()
    except ValueError:
        raise ApiRefusal(
            INVALID_TIME_FORMAT, f"{field} {text!r} is not 'YYYY-MM-DD HH:mm:ss'"
        ) from None


def months_later(epoch: float, months: int, zone: tzinfo) -> float:
    """Epoch seconds ``months`` calendar months after ``epoch``, counted in ``zone``.

    The day is clamped to the month's last, so 31 January + 1 month is 28 or 29 February.
    """
    start = datetime.fromtimestamp(epoch, zone)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return start.replace(year=year, month=month + 1, day=day).timestamp()
