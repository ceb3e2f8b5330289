"""Emissions: golden numbers with the arithmetic written out (domain.md §4.1, §4.3)."""

from __future__ import annotations

import pytest

from carbon_kepler.carbon.emissions import (
    configured_pue,
    emissions,
    make_instrument,
    measured_pue,
    region_pue,
)
from carbon_kepler.carbon.factors import CarbonIntensityData
from carbon_kepler.carbon.intensity import RegionsData, StaticProfile
from carbon_kepler.carbon.model import EnergyWindow, HourEnergy, InstrumentKind
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Basis, Quality
from carbon_kepler.core.period import HOUR, Period
from tests.carbon.helpers import day_window, flat, kst, pue


def test_golden_location_based_12_5_kwh_at_pue_1_135_and_417_3_g(kr_profile: StaticProfile) -> None:
    # 12.5 kWh x 1.135 = 14.1875 kWh facility; 14.1875 kWh x 417.3 g/kWh = 5,920.44375 gCO2eq
    window = day_window({3: 12.5})
    result = emissions(window, flat(417.3, window), pue(1.135))
    assert result.it_energy.value == 12.5
    assert result.facility_energy.value == pytest.approx(14.1875)
    assert result.location_based.value == pytest.approx(5920.44375)
    assert round(result.location_based.value, 1) == 5920.4
    assert result.location_based.unit == "gCO2eq" and result.location_based.basis is Basis.LOCATION
    assert result.market_based.value == pytest.approx(5920.44375)  # no instruments: market = location


def test_market_based_rec_lowers_emissions_but_green_premium_does_not(ci: CarbonIntensityData) -> None:
    # 10 kWh IT x PUE 1.2 = 12 kWh facility at 417.3 g/kWh.
    # location: 12 x 417.3 = 5,007.6 g
    # market: REC covers 30% → 12 x (1 - 0.30) x 417.3 = 3,505.32 g; the 20% green premium changes nothing
    # RE100 share: REC 30% + green premium 20% = 50% of facility energy
    window = day_window({10: 10.0})
    rec = make_instrument(ci, InstrumentKind.REC, 0.30)
    premium = make_instrument(ci, InstrumentKind.GREEN_PREMIUM, 0.20)
    result = emissions(window, flat(417.3, window), pue(1.2), [rec, premium])
    assert result.location_based.value == pytest.approx(5007.6)
    assert result.market_based.value == pytest.approx(3505.32)
    assert result.market_based.basis is Basis.MARKET
    assert result.re100_share.value == pytest.approx(50.0)
    assert result.intensity_market is not None and result.intensity_market.value == pytest.approx(0.7 * 417.3)
    # REC covers 12 x 0.30 = 3.6 kWh and counts for GHG; the green premium covers 12 x 0.20 = 2.4 kWh, RE100 only
    covered = {
        e.kind: (round(e.covered_energy.value, 9), e.counts_for_ghg_reduction) for e in result.instruments
    }
    assert covered == {InstrumentKind.REC: (3.6, True), InstrumentKind.GREEN_PREMIUM: (2.4, False)}


def test_green_premium_alone_leaves_market_based_equal_to_location_based(ci: CarbonIntensityData) -> None:
    window = day_window({10: 10.0})
    premium = make_instrument(ci, InstrumentKind.GREEN_PREMIUM, 1.0)
    result = emissions(window, flat(417.3, window), pue(1.2), [premium])
    assert result.market_based.value == pytest.approx(result.location_based.value)
    assert result.re100_share.value == pytest.approx(100.0)


def test_instrument_only_covers_hours_inside_its_dates(ci: CarbonIntensityData) -> None:
    # 1 kWh at 09:00 KST and 1 kWh at 15:00 KST; a REC for 100% valid from 12:00 KST covers only the second.
    window = day_window({9: 1.0, 15: 1.0})
    rec = make_instrument(ci, InstrumentKind.REC, 1.0, start_utc=kst(2026, 11, 20, 12))
    result = emissions(window, flat(400.0, window), pue(1.0), [rec])
    assert result.location_based.value == pytest.approx(800.0)  # 2 kWh x 400
    assert result.market_based.value == pytest.approx(400.0)  # only the 09:00 kWh stays


def test_shares_over_100_percent_are_capped_and_flagged(ci: CarbonIntensityData) -> None:
    window = day_window({1: 5.0})
    insts = [
        make_instrument(ci, InstrumentKind.REC, 0.7),
        make_instrument(ci, InstrumentKind.DIRECT_PPA, 0.6),
    ]
    result = emissions(window, flat(417.3, window), pue(1.1), insts)
    assert result.market_based.value == 0.0
    assert any(w.code == "INSTRUMENTS_OVER_100" for w in result.warnings)


def test_the_same_energy_emits_more_in_the_evening_than_at_midday(kr_profile: StaticProfile) -> None:
    # profile weights: 19:00 KST 1.10, 13:00 KST 0.89 (mean 1.00) → 459.03 vs 371.397 g/kWh
    evening, midday = day_window({19: 2.0}), day_window({13: 2.0})
    e = emissions(evening, kr_profile.hourly("KR", list(evening.period.hour_starts())), pue(1.0))
    m = emissions(midday, kr_profile.hourly("KR", list(midday.period.hour_starts())), pue(1.0))
    assert e.location_based.value == pytest.approx(2.0 * 417.3 * 1.10)
    assert m.location_based.value == pytest.approx(2.0 * 417.3 * 0.89)
    assert e.intensity_location is not None and e.intensity_location.value == pytest.approx(459.03)


def test_every_output_names_the_factor_its_vintage_and_source(kr_profile: StaticProfile) -> None:
    window = day_window({12: 1.0})
    result = emissions(window, kr_profile.hourly("KR", list(window.period.hour_starts())), pue(1.135))
    for fig in (result.location_based, result.market_based, result.intensity_location):
        assert fig is not None and fig.year == 2023 and "KR_2023" in fig.source
    series = result.intensity_series
    assert series.factor_id == "KR_2023" and series.annual_factor is not None
    assert "Ministry of Climate, Energy and Environment" in series.annual_factor.source
    assert series.assumption and result.location_based.quality is Quality.ESTIMATED


def test_no_energy_leaves_intensity_undefined_and_says_so(kr_profile: StaticProfile) -> None:
    window = day_window({})
    result = emissions(window, kr_profile.hourly("KR", list(window.period.hour_starts())), pue(1.2))
    assert result.intensity_location is None and result.location_based.value == 0.0
    assert any(w.code == "NO_ENERGY" for w in result.warnings)


def test_measured_pue_is_facility_over_it_energy() -> None:
    # 1,135 kWh facility / 1,000 kWh IT = 1.135
    fig = measured_pue(1135.0, 1000.0, source="facility_power_watts")
    assert fig.value == pytest.approx(1.135) and fig.quality is Quality.MEASURED


def test_facility_energy_below_it_energy_is_refused() -> None:
    with pytest.raises(InputError, match="PUE < 1"):
        measured_pue(900.0, 1000.0, source="x")


@pytest.mark.parametrize("value", [0.9, -1.2])
def test_configured_pue_below_one_is_refused(value: float) -> None:
    with pytest.raises(InputError, match=r"≥ 1\.0"):
        configured_pue(value, "config")


def test_region_pue_comes_from_the_provider_and_fails_where_none_is_published(regions: RegionsData) -> None:
    assert region_pue(regions, "azure:koreacentral").value == 1.185
    with pytest.raises(InputError, match="set the site's pue"):
        region_pue(regions, "ncloud:KR")


def test_window_rejects_negative_energy_hours_outside_the_period_and_bad_coverage() -> None:
    period = Period.from_ts(kst(2026, 11, 20, 0), kst(2026, 11, 20, 0) + 2 * HOUR)
    with pytest.raises(InputError, match="≥ 0"):
        EnergyWindow.of([HourEnergy(period.start_ts, -1.0)], period)
    with pytest.raises(InputError, match="outside the period"):
        EnergyWindow.of([HourEnergy(period.end_ts, 1.0)], period)
    with pytest.raises(InputError, match="outside 0-1"):
        EnergyWindow.of([], period, coverage=1.5)


def test_annualising_extrapolates_from_the_hours_that_had_data() -> None:
    # 30-day period (720 h) with coverage 0.5 → 360 h with data; 100 g over those → 100 x 8760 / 360 = 2,433.3 g/yr
    start = kst(2026, 11, 1, 0)
    window = EnergyWindow.of([], Period.from_ts(start, start + 720 * HOUR), coverage=0.5)
    assert window.annualise(100.0) == pytest.approx(2433.333, rel=1e-6)
