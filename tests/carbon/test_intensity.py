"""The KR hourly profile (domain.md §4.4) and the fallback chain."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from carbon_kepler.carbon.factors import CarbonIntensityData, Purpose, choose_factor
from carbon_kepler.carbon.intensity import (
    FallbackChain,
    StaticProfile,
    official_kr_profile,
    profile_values,
    static_for_zone,
)
from carbon_kepler.carbon.model import HourlyIntensity, IntensitySeries, SeriesKind
from carbon_kepler.core.errors import SourceError
from carbon_kepler.core.figures import Figure, Quality
from carbon_kepler.core.period import HOUR
from tests.carbon.helpers import kst


def test_profile_mean_equals_the_chosen_annual_factor(kr_profile: StaticProfile) -> None:
    values = [kr_profile.value_at(kst(2026, 11, 20, h)) for h in range(24)]
    assert sum(values) / 24 == pytest.approx(417.3, abs=1e-9)


def test_profile_follows_the_documented_shape_lowest_midday_highest_evening(ci: CarbonIntensityData) -> None:
    profile = ci.profile("KR")
    assert profile is not None
    values = profile_values(profile, 417.3)
    cleanest = min(range(24), key=values.__getitem__)
    dirtiest = max(range(24), key=values.__getitem__)
    assert 10 <= cleanest <= 15 and 18 <= dirtiest <= 21
    night = [values[h] for h in (0, 1, 2, 3, 4)]
    assert min(values[10:16]) < min(night) and max(night) < max(values[18:22])  # night lies in between


def test_profile_is_indexed_by_kst_hour_not_utc(kr_profile: StaticProfile) -> None:
    # 19:00 KST is 10:00 UTC: the evening peak must land on the KST hour, not on 19:00 UTC (04:00 KST).
    evening = kst(2026, 11, 20, 19)
    assert evening % 86400 == 10 * HOUR
    assert kr_profile.value_at(evening) == pytest.approx(417.3 * 1.10)  # weight 1.10, mean 1.00
    assert kr_profile.value_at(kst(2026, 11, 20, 13)) == pytest.approx(417.3 * 0.89)


def test_profile_is_flagged_as_an_assumption_with_cited_anchors(ci: CarbonIntensityData) -> None:
    profile = ci.profile("KR")
    assert profile is not None and profile.assumption is True and profile.timezone == "Asia/Seoul"
    assert {a.hours for a in profile.anchors} >= {"10-15", "18-21"}
    assert all(a.source for a in profile.anchors)


def test_profile_scales_to_whichever_factor_was_chosen(ci: CarbonIntensityData) -> None:
    choice = choose_factor(ci, purpose=Purpose.DISCLOSURE, reporting_year=2022)  # 0.4541
    profile = official_kr_profile(ci, choice)
    hours = [kst(2022, 6, 1, h) for h in range(24)]
    series = profile.hourly("KR", hours)
    assert sum(series.values.values()) / 24 == pytest.approx(454.1)
    assert series.series.factor_id == "KR_2020_2022" and series.series.assumption
    assert series.series.kind is SeriesKind.PROFILE and series.series.quality is Quality.ESTIMATED


def test_zone_without_profile_gets_a_flat_series_and_says_timing_cannot_help(ci: CarbonIntensityData) -> None:
    annual = Figure(value=408.0, unit="gCO2eq/kWh", source="Cloud Carbon Footprint")
    static = static_for_zone(ci, "SG", annual)
    result = static.hourly("SG", [kst(2026, 1, 1, h) for h in range(3)])
    assert set(result.values.values()) == {408.0}
    assert [w.code for w in result.warnings] == ["FLAT_INTENSITY"]


class _Live:
    """A stand-in live provider: fixed values for some hours, or a failure."""

    def __init__(self, values: dict[int, float] | None = None, error: SourceError | None = None) -> None:
        self.values, self.error = values or {}, error

    def hourly(self, zone: str, hours: Sequence[int]) -> HourlyIntensity:
        if self.error:
            raise self.error
        series = IntensitySeries(
            kind=SeriesKind.LIVE,
            zone=zone,
            source="live test",
            assumption=False,
            hours_live=len(self.values),
            quality=Quality.MEASURED,
        )
        return HourlyIntensity(self.values, series)


HOURS = [kst(2026, 11, 20, h) for h in range(24)]


def test_live_failure_falls_back_to_the_profile_with_a_visible_warning(kr_profile: StaticProfile) -> None:
    chain = FallbackChain(_Live(error=SourceError("HTTP 401")), kr_profile)
    result = chain.hourly("KR", HOURS)
    assert result.values == {h: kr_profile.value_at(h) for h in HOURS}
    assert result.warnings[0].code == "FALLBACK_INTENSITY" and "HTTP 401" in result.warnings[0].message
    assert result.series.kind is SeriesKind.PROFILE


def test_hours_missing_from_live_data_are_filled_from_the_profile_and_counted(
    kr_profile: StaticProfile,
) -> None:
    live = dict.fromkeys(HOURS[:6], 500.0)
    result = FallbackChain(_Live(live), kr_profile).hourly("KR", HOURS)
    assert [result.values[h] for h in HOURS[:6]] == [500.0] * 6
    assert result.values[HOURS[19]] == kr_profile.value_at(HOURS[19])
    assert (result.series.kind, result.series.hours_live, result.series.hours_static) == (
        SeriesKind.MIXED,
        6,
        18,
    )
    assert [w.code for w in result.warnings] == ["PARTIAL_LIVE_INTENSITY"]


def test_complete_live_data_is_used_as_is(kr_profile: StaticProfile) -> None:
    result = FallbackChain(_Live(dict.fromkeys(HOURS, 400.0)), kr_profile).hourly("KR", HOURS)
    assert set(result.values.values()) == {400.0}
    assert result.series.kind is SeriesKind.LIVE and result.warnings == ()
