"""Temporal shift: the rolling time-weighted window search (domain.md §7), exact and brute-force checked."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon_kepler.advice.schedule import (
    IntensityCurve,
    best_windows,
    check_feasible,
    cron_schedule,
    cronjob_snippet,
    daily_best_start,
    runs,
)
from carbon_kepler.carbon.factors import choose_factor, load_carbon_intensity
from carbon_kepler.carbon.intensity import official_kr_profile, profile_values
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.period import HOUR

T0 = 1_776_000_000 - 1_776_000_000 % HOUR  # an hour boundary
MIN = 60


def naive_mean(values: list[float], start: int, end: int) -> float:
    """Brute force: integrate the hourly step function second by second over whole minutes."""
    total = 0.0
    for t in range(start, end, MIN):
        total += values[(t - T0) // HOUR] * MIN
    return total / (end - start)


@st.composite
def requests(draw: st.DrawFn) -> tuple[list[float], int, int, int]:
    n = draw(st.integers(1, 30))
    values = draw(st.lists(st.integers(0, 900).map(float), min_size=n, max_size=n))
    span = n * 60
    duration = draw(st.integers(1, span))
    earliest = draw(st.integers(0, span - duration))
    deadline = draw(st.integers(earliest + duration, span))
    return values, duration * MIN, T0 + earliest * MIN, T0 + deadline * MIN


@settings(max_examples=150, deadline=None)
@given(requests())
def test_no_feasible_window_beats_the_returned_one_and_it_respects_start_and_deadline(
    req: tuple[list[float], int, int, int],
) -> None:
    values, duration, earliest, deadline = req
    curve = IntensityCurve.hourly({T0 + i * HOUR: v for i, v in enumerate(values)})
    search = best_windows(curve, duration, earliest, deadline)
    best = search.best[0]
    assert earliest <= best.start_utc and best.end_utc <= deadline
    assert best.end_utc - best.start_utc == duration
    brute = min(naive_mean(values, s, s + duration) for s in range(earliest, deadline - duration + 1, MIN))
    assert best.mean_g_per_kwh <= brute + 1e-9 * max(1.0, brute)
    assert best.mean_g_per_kwh == pytest.approx(naive_mean(values, best.start_utc, best.end_utc), abs=1e-9)
    for tie in search.best:  # every tie is feasible and equally low
        assert earliest <= tie.start_utc and tie.end_utc <= deadline
        assert tie.mean_g_per_kwh == pytest.approx(best.mean_g_per_kwh, rel=1e-9)


def test_partial_hours_are_weighted_by_their_overlap() -> None:
    # 100 g/kWh in hour 0, 400 in hour 1: a 90-minute window from 00:30 spends 30 min at 100 and 60 at 400.
    curve = IntensityCurve.hourly({T0: 100.0, T0 + HOUR: 400.0})
    assert curve.mean(T0 + 30 * MIN, T0 + 120 * MIN) == pytest.approx((30 * 100 + 60 * 400) / 90)  # 300


def test_a_window_that_does_not_fit_between_earliest_start_and_deadline_is_refused_with_the_fix() -> None:
    with pytest.raises(InputError) as err:
        check_feasible(6 * HOUR, T0, T0 + 4 * HOUR)
    assert "infeasible: the job needs 6 h but only 4 h" in err.value.message
    assert err.value.hint and "deadline later" in err.value.hint


def test_a_deadline_before_the_earliest_start_is_infeasible() -> None:
    curve = IntensityCurve.hourly({T0 + i * HOUR: 1.0 for i in range(4)})
    with pytest.raises(InputError, match="infeasible"):
        best_windows(curve, HOUR, T0 + 3 * HOUR, T0 + HOUR)


def test_flat_intensity_makes_every_window_a_tie_and_the_earliest_is_recommended() -> None:
    curve = IntensityCurve.hourly({T0 + i * HOUR: 417.3 for i in range(6)})
    search = best_windows(curve, 2 * HOUR, T0, T0 + 6 * HOUR)
    assert search.best[0].start_utc == T0
    assert [w.start_utc for w in search.best] == [T0 + i * HOUR for i in range(5)]  # 00, 01, 02, 03, 04


def test_series_with_a_gap_is_refused() -> None:
    with pytest.raises(InputError, match="gap"):
        IntensityCurve.hourly({T0: 1.0, T0 + 2 * HOUR: 1.0})


def test_recurring_four_hour_job_starts_at_11_kst_on_the_shipped_profile() -> None:
    # Shipped KR weights 11-14 h: 0.90, 0.89, 0.89, 0.91 → mean 0.8975, the lowest 4-hour mean of the day.
    ci = load_carbon_intensity()
    profile = official_kr_profile(ci, choose_factor(ci))
    assert profile.profile is not None
    values = profile_values(profile.profile, 417.3)
    daily = daily_best_start(values, 4 * HOUR)
    assert daily.minute_of_day == 11 * 60
    assert daily.mean_g_per_kwh == pytest.approx(417.3 * 0.8975, rel=1e-9)


def test_daily_windows_may_cross_midnight() -> None:
    # Cleanest hours 23:00 and 00:00: a 2-hour daily job starts at 23:00.
    values = [1.0] + [9.0] * 22 + [1.0]
    assert daily_best_start(values, 2 * HOUR).minute_of_day == 23 * 60


def test_cron_lines_for_11_kst_and_its_utc_equivalent() -> None:
    assert cron_schedule(11 * 60) == "0 11 * * *"
    assert cron_schedule((11 - 9) * 60) == "0 2 * * *"
    assert (
        cronjob_snippet(11 * 60 + 30, "Asia/Seoul")
        == 'spec:\n  schedule: "30 11 * * *"\n  timeZone: "Asia/Seoul"\n'
    )


def test_runs_are_maximal_stretches_of_consecutive_hours() -> None:
    assert runs([T0, T0 + HOUR, T0 + 5 * HOUR]) == [(T0, 2), (T0 + 5 * HOUR, 1)]
