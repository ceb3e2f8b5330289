"""Report periods and hour buckets in local time (Asia/Seoul by default, domain.md §3).

A period is half-open [start, end) in UTC internally; hour buckets are identified by the UTC epoch
second of the bucket start. KST has no DST and a whole-hour offset, so KST hour boundaries are UTC hour
boundaries; only the labels differ. Other zones with half-hour offsets are refused for bucketing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from carbon_kepler.core.errors import InputError

HOUR = 3600
DEFAULT_TZ = "Asia/Seoul"

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone {name!r}", hint="use an IANA name such as Asia/Seoul") from exc


def hour_floor(ts: float) -> int:
    """UTC epoch second of the start of the hour containing `ts`."""
    return int(ts // HOUR) * HOUR


def hour_label(hour_utc: int, tz: str = DEFAULT_TZ) -> str:
    """ISO label of an hour bucket in local time, e.g. '2026-11-20T08:00+09:00'."""
    return datetime.fromtimestamp(hour_utc, UTC).astimezone(zone(tz)).isoformat(timespec="minutes")


@lru_cache(maxsize=65536)
def local_hour_of_day(hour_utc: int, tz: str = DEFAULT_TZ) -> int:
    return datetime.fromtimestamp(hour_utc, UTC).astimezone(zone(tz)).hour


@dataclass(frozen=True)
class Period:
    """Half-open [start, end) in UTC, aligned to whole hours."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InputError("period bounds must carry a time zone")
        if self.end <= self.start:
            raise InputError(
                f"period end {self.end.isoformat()} is not after start {self.start.isoformat()}",
                hint="give --end later than --start",
            )

    @cached_property
    def start_ts(self) -> int:
        return int(self.start.timestamp())

    @cached_property
    def end_ts(self) -> int:
        return int(self.end.timestamp())

    @property
    def hours(self) -> int:
        return (self.end_ts - self.start_ts) // HOUR

    def hour_starts(self) -> Iterator[int]:
        return iter(range(self.start_ts, self.end_ts, HOUR))

    def label(self, tz: str = DEFAULT_TZ) -> str:
        z = zone(tz)
        return f"[{self.start.astimezone(z).isoformat(timespec='minutes')}, {self.end.astimezone(z).isoformat(timespec='minutes')})"

    @classmethod
    def from_ts(cls, start_ts: int, end_ts: int) -> Period:
        return cls(datetime.fromtimestamp(start_ts, UTC), datetime.fromtimestamp(end_ts, UTC))


_DURATION = re.compile(r"^(\d+)([hdw])$")
_UNIT_SECONDS = {"h": HOUR, "d": 24 * HOUR, "w": 7 * 24 * HOUR}


MAX_SPAN_S = 10 * 366 * 24 * HOUR  # ten years: longer spans are typos, and overflow datetime arithmetic


def parse_duration(text: str) -> int:
    """'36h', '7d', '2w' → seconds (at most ten years)."""
    m = _DURATION.match(text.strip())
    if not m or int(m.group(1)) == 0:
        raise InputError(
            f"cannot read duration {text!r}", hint="use a whole number of hours, days or weeks: 36h, 7d, 2w"
        )
    seconds = int(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    if seconds > MAX_SPAN_S:
        raise InputError(
            f"duration {text!r} is longer than ten years", hint="use a shorter --since, e.g. 30d"
        )
    return seconds


def parse_instant(text: str, tz: str = DEFAULT_TZ) -> datetime:
    """ISO date or date-time; a value without offset is read in `tz` (KST by default)."""
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(
            f"cannot read time {text!r}", hint="use ISO 8601, e.g. 2026-11-20 or 2026-11-20T09:00+09:00"
        ) from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone(tz))
    if not 1970 <= dt.year <= 9998:
        raise InputError(f"time {text!r} is out of range", hint="use a date between 1970 and 9998")
    return dt.astimezone(UTC)


def _month_period(text: str, tz: str) -> Period | None:
    m = re.match(r"^(\d{4})-(\d{2})$", text.strip())
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise InputError(f"month {month} in {text!r} is not 1–12")
    if not 1970 <= year <= 9998:
        raise InputError(f"year {year} in {text!r} is out of range", hint="use a month such as 2026-11")
    z = zone(tz)
    start = datetime(year, month, 1, tzinfo=z)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=z)
    return Period(start.astimezone(UTC), end.astimezone(UTC))


def resolve_period(
    *,
    since: str | None = None,
    start: str | None = None,
    end: str | None = None,
    period: str | None = None,
    clock: Clock = system_clock,
    tz: str = DEFAULT_TZ,
) -> Period:
    """Turn CLI/MCP period arguments into an hour-aligned Period.

    `period` is a month (2026-11) in local time; `since` a duration back from now (end = the start of
    the current hour, so the last hour is complete); `start`/`end` explicit instants (floored to hours).
    """
    if period and (since or start or end):
        raise InputError("give either --period or --since/--start/--end, not both")
    if period:
        p = _month_period(period, tz)
        if p is None:
            raise InputError(f"cannot read period {period!r}", hint="use a month such as 2026-11")
        return p
    if since and start:
        raise InputError("give either --since or --start, not both")
    end_dt = parse_instant(end, tz) if end else clock().astimezone(UTC)
    end_ts = hour_floor(end_dt.timestamp())
    if start:
        start_ts = hour_floor(parse_instant(start, tz).timestamp())
    else:
        start_ts = end_ts - parse_duration(since or "7d")
    return Period.from_ts(start_ts, end_ts)


def utc_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")
