from datetime import UTC, datetime

import pytest

from carbon_kepler.core.errors import InputError
from carbon_kepler.core.period import (
    hour_floor,
    hour_label,
    local_hour_of_day,
    parse_duration,
    resolve_period,
)


def test_sample_at_2330_utc_lands_in_0800_kst_bucket_of_next_day() -> None:
    ts = datetime(2026, 11, 19, 23, 30, tzinfo=UTC).timestamp()
    bucket = hour_floor(ts)
    assert hour_label(bucket) == "2026-11-20T08:00+09:00"
    assert local_hour_of_day(bucket) == 8


def test_month_period_is_half_open_in_kst() -> None:
    p = resolve_period(period="2026-11")
    assert p.start == datetime(2026, 10, 31, 15, 0, tzinfo=UTC)  # 2026-11-01 00:00 KST
    assert p.end == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 2026-12-01 00:00 KST
    assert p.hours == 30 * 24


def test_since_ends_at_start_of_current_hour_from_injected_clock() -> None:
    now = datetime(2026, 11, 27, 21, 35, 59, tzinfo=UTC)
    p = resolve_period(since="7d", clock=lambda: now)
    assert p.end == datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
    assert p.hours == 168


def test_start_without_offset_is_read_as_kst() -> None:
    p = resolve_period(start="2026-11-20T09:00", end="2026-11-20T12:00")
    assert p.start == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    assert p.hours == 3


@pytest.mark.parametrize("bad", ["7", "0d", "seven days", "-1d", "1.5h"])
def test_bad_durations_name_the_fix(bad: str) -> None:
    with pytest.raises(InputError, match="36h, 7d, 2w"):
        parse_duration(bad)


def test_end_before_start_is_refused() -> None:
    with pytest.raises(InputError, match="not after start"):
        resolve_period(start="2026-11-20", end="2026-11-19")


def test_period_and_since_together_are_refused() -> None:
    with pytest.raises(InputError, match="either --period"):
        resolve_period(period="2026-11", since="7d")
