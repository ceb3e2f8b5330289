"""calculate_optimal_schedule through the Advisor: fixed clock, shipped profile, measured history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest

from carbon_kepler.advice.model import ScheduleRequest
from carbon_kepler.advising import Advisor
from carbon_kepler.carbon.intensity import FallbackChain, StaticProfile
from carbon_kepler.carbon.model import HourlyIntensity, IntensitySeries, SeriesKind
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Quality
from carbon_kepler.core.period import HOUR, Period
from carbon_kepler.core.units import JOULES_PER_KWH
from tests.advice.conftest import FakeSource, Pod, engine, kst, kst_ts, org_yaml

FACTOR = 417.3  # KR 2023 official factor, gCO2eq/kWh: the shipped profile's mean
# Shipped KR profile weights (carbon-intensity.json) of the hours used below (mean of all 24 = 1.0)
W = {11: 0.90, 12: 0.89, 13: 0.89, 14: 0.91, 19: 1.10, 20: 1.09, 21: 1.07, 22: 1.05}


def _advisor(now_hour: int = 19, org: Path | None = None, pods: list[Pod] | None = None) -> Advisor:
    day = kst_ts(2026, 4, 13, 0)  # Monday; history is that day, the clock is on Tuesday
    source = FakeSource(pods or [], Period.from_ts(day, day + 24 * HOUR))
    return Advisor(engine(source, kst(2026, 4, 14, now_hour), org))


def test_at_19_kst_in_spring_a_4h_job_due_tomorrow_runs_in_the_documented_low_hours() -> None:
    advisor = _advisor()
    result = advisor.schedule(
        ScheduleRequest(duration_minutes=240, deadline=kst(2026, 4, 15, 18), energy_kwh=2.0)
    )
    # Lowest 4-hour mean between 19:00 today and 18:00 tomorrow: 11-15 h, weights 0.90 0.89 0.89 0.91.
    assert result.best.start == "2026-04-15T11:00+09:00"
    assert result.best.end == "2026-04-15T15:00+09:00"
    # 11:00-15:00 lies inside the documented 10-15 h solar low of the shipped profile (domain.md §4.4)
    best = FACTOR * (W[11] + W[12] + W[13] + W[14]) / 4  # 417.3 × 0.8975 = 374.52675
    now = FACTOR * (W[19] + W[20] + W[21] + W[22]) / 4  # 417.3 × 1.0775 = 449.64075
    assert result.best.mean_intensity.value == pytest.approx(374.52675, rel=1e-9)
    assert result.start_now.start == "2026-04-14T19:00+09:00"
    assert result.start_now.mean_intensity.value == pytest.approx(449.64075, rel=1e-9)
    saving = result.saving_vs_now
    assert saving.intensity_saved_g_per_kwh == pytest.approx(now - best, rel=1e-6)  # 75.114 g/kWh
    assert saving.intensity_saved_g_per_kwh == pytest.approx(75.114, rel=1e-6)
    assert saving.intensity_saved_pct == pytest.approx(100 * 0.18 / 1.0775, rel=1e-6)  # 16.71 %
    # No org config: PUE 1.0, so 2 kWh × 1.0 × 75.114 = 150.228 g per run.
    assert saving.emissions_saved is not None
    assert saving.emissions_saved.value == pytest.approx(150.228, rel=1e-6)
    assert "2 kWh × PUE 1 × 75.1140" in saving.formula
    assert result.tied_windows == 1


def test_the_window_mean_says_it_rests_on_the_assumed_profile_not_a_measurement() -> None:
    result = _advisor().schedule(ScheduleRequest(duration_minutes=240, deadline=kst(2026, 4, 15, 18)))
    assert result.intensity_series.assumption is True
    assert result.best.mean_intensity.quality == "estimated"
    assert result.saving_vs_now.emissions_saved is None  # no energy given, no workload history


def test_savings_against_the_workloads_measured_evening_runs() -> None:
    # The CronJob ran 19:00-21:00 KST on Monday with 0.5 kWh active energy each hour, alone on a node
    # of 1 kWh per hour: proportional allocation gives it the whole 0.5 kWh remainder, so 1 kWh per hour.
    h19, h20 = kst_ts(2026, 4, 13, 19), kst_ts(2026, 4, 13, 20)
    job = Pod(
        "batch",
        "nightly-report-29000000-x7k2p",
        "node-1",
        {h19: 0.5 * JOULES_PER_KWH, h20: 0.5 * JOULES_PER_KWH},
    )
    advisor = _advisor(pods=[job])
    result = advisor.schedule(
        ScheduleRequest(
            duration_minutes=120, deadline=kst(2026, 4, 15, 18), namespace="batch", workload="nightly-report"
        )
    )
    assert result.history is not None
    assert result.history.runs == 1 and result.history.usual_start_hours == [19]
    # node 1 kWh/h − pod active 0.5 = 0.5 allocated → 1.0 kWh per hour, 2.0 kWh in 2 hours
    assert result.history.energy.value == pytest.approx(2.0)
    hist = FACTOR * (W[19] + W[20]) / 2  # equal energy both hours: 417.3 × 1.095 = 456.9435
    best = FACTOR * (W[12] + W[13]) / 2  # 12-14 h: 417.3 × 0.89 = 371.397
    assert result.history.intensity.value == pytest.approx(hist, rel=1e-9)
    assert result.best.start == "2026-04-15T12:00+09:00"
    assert result.tied_windows == 1
    s = result.saving_vs_history
    assert s is not None and s.intensity_saved_g_per_kwh == pytest.approx(hist - best, rel=1e-6)  # 85.5465
    # energy per run = mean measured power 1.0 kW × 2 h = 2 kWh; × PUE 1 × 85.5465 g/kWh = 171.093 g
    assert result.energy_per_run is not None and result.energy_per_run.value == pytest.approx(2.0)
    assert s.emissions_saved is not None and s.emissions_saved.value == pytest.approx(
        2.0 * (hist - best), rel=1e-6
    )


def test_pue_from_the_org_config_scales_the_emissions_saved(tmp_path: Path) -> None:
    result = _advisor(org=org_yaml(tmp_path, pue=1.25)).schedule(
        ScheduleRequest(duration_minutes=240, deadline=kst(2026, 4, 15, 18), energy_kwh=2.0)
    )
    assert result.pue.value == 1.25
    assert result.saving_vs_now.emissions_saved is not None
    assert result.saving_vs_now.emissions_saved.value == pytest.approx(2.0 * 1.25 * 75.114, rel=1e-6)


def test_tariff_band_of_each_window_uses_the_table_in_force_on_its_date() -> None:
    # 2026-04: the pre-reform table: 11-12 and 13-15 peak, 12-13 mid; 19-23 mid (domain.md §5).
    before = _advisor().schedule(ScheduleRequest(duration_minutes=240, deadline=kst(2026, 4, 15, 18)))
    assert before.best.tariff is not None and before.start_now.tariff is not None
    assert before.best.tariff.tables == ["KEPCO_TOU_UNTIL_2026_05"]
    assert {s.band: s.hours for s in before.best.tariff.slices} == {"mid": 1.0, "peak": 3.0}
    assert before.best.tariff.relative_price_index == pytest.approx((2 + 3 * 3) / 4)  # 2.75
    assert {s.band: s.hours for s in before.start_now.tariff.slices} == {"mid": 4.0}
    assert before.tariff_vs_now == "higher"  # the old table still priced the solar hours as peak


def test_after_the_2026_reform_the_clean_window_is_also_the_cheaper_band() -> None:
    source = FakeSource([], Period.from_ts(kst_ts(2027, 4, 12, 0), kst_ts(2027, 4, 13, 0)))
    advisor = Advisor(engine(source, kst(2027, 4, 13, 19)))  # Tuesday 19:00 KST, spring 2027
    result = advisor.schedule(ScheduleRequest(duration_minutes=240, deadline=kst(2027, 4, 14, 18)))
    assert result.best.start == "2027-04-14T11:00+09:00"
    assert result.best.tariff is not None and result.start_now.tariff is not None
    assert {s.band: s.hours for s in result.best.tariff.slices} == {"mid": 4.0}  # 08-15 mid
    # 19-21 peak, 21-22 mid, 22-23 light → (3 + 3 + 2 + 1) / 4 = 2.25
    assert result.start_now.tariff.relative_price_index == pytest.approx(2.25)
    assert result.tariff_vs_now == "lower"


def test_recurring_job_gets_a_cronjob_line_in_kst_and_utc() -> None:
    result = _advisor().schedule(ScheduleRequest(duration_minutes=240, deadline=kst(2026, 4, 15, 18)))
    assert result.recurring is not None
    assert result.recurring.cron_schedule == "0 11 * * *"
    assert result.recurring.cron_time_zone == "Asia/Seoul"
    assert result.recurring.cron_schedule_utc == "0 2 * * *"  # 11:00 KST = 02:00 UTC
    assert 'timeZone: "Asia/Seoul"' in result.recurring.cronjob_yaml


def test_a_job_longer_than_the_time_left_before_its_deadline_is_a_clear_error() -> None:
    with pytest.raises(InputError) as err:
        _advisor().schedule(ScheduleRequest(duration_minutes=300, deadline=kst(2026, 4, 14, 23)))
    assert "infeasible: the job needs 5 h but only 4 h" in err.value.message


def test_an_earliest_start_in_the_past_is_moved_to_now() -> None:
    result = _advisor().schedule(
        ScheduleRequest(duration_minutes=60, earliest_start=kst(2026, 4, 14, 8), deadline=kst(2026, 4, 15, 0))
    )
    assert result.earliest_start == "2026-04-14T19:00+09:00"


def test_a_region_outside_korea_without_live_data_is_flat_and_says_timing_cannot_help() -> None:
    result = _advisor().schedule(
        ScheduleRequest(duration_minutes=60, deadline=kst(2026, 4, 15, 18), region="aws:ap-northeast-1")
    )
    assert result.grid_zone == "JP-TK"
    assert result.best.start == result.start_now.start  # all windows tie: the earliest is the answer
    assert {w.code for w in result.warnings} >= {"FLAT_INTENSITY", "NO_TARIFF"}
    assert result.best.tariff is None and result.recurring is None


def test_a_time_without_offset_is_read_in_kst_not_in_the_hosts_zone() -> None:
    naive = _advisor().schedule(ScheduleRequest(duration_minutes=240, deadline=datetime(2026, 4, 15, 18)))
    assert naive.deadline == "2026-04-15T18:00+09:00"


class _Forecast:
    """A live provider (Electricity Maps stand-in) that knows the next 30 hours: cleanest at 02-04 KST."""

    def hourly(self, zone: str, hours: Sequence[int]) -> HourlyIntensity:
        clean = {kst_ts(2026, 4, 15, 2), kst_ts(2026, 4, 15, 3)}
        known = [h for h in hours if h < kst_ts(2026, 4, 16, 1)]
        series = IntensitySeries(
            kind=SeriesKind.LIVE,
            zone=zone,
            source="forecast (test)",
            assumption=False,
            hours_live=len(known),
            quality=Quality.ESTIMATED,
        )
        return HourlyIntensity({h: 100.0 if h in clean else 500.0 for h in known}, series)


def test_a_configured_forecast_is_used_instead_of_the_profile() -> None:
    advisor = _advisor()
    profile = advisor.assessor.intensity
    assert isinstance(profile, StaticProfile)
    advisor.assessor.intensity = FallbackChain(_Forecast(), profile)
    result = advisor.schedule(ScheduleRequest(duration_minutes=120, deadline=kst(2026, 4, 15, 18)))
    assert result.best.start == "2026-04-15T02:00+09:00"  # the forecast's trough, not the profile's 12-14 h
    assert result.best.mean_intensity.value == 100.0
    assert result.intensity_series.kind is SeriesKind.LIVE
    assert result.recurring is not None and result.recurring.cron_schedule == "0 12 * * *"  # daily: profile
