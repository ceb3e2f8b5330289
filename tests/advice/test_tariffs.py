"""Time-of-use bands (domain.md §5): chosen by date, weekday bands, weekend rules, the 2026 reform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carbon_kepler.advice.tariffs import Band, TariffData, band_at, compare_price, load_tariffs, window_tariff
from carbon_kepler.core.datafiles import load_model, packaged_path
from carbon_kepler.core.errors import DataFileError
from tests.advice.conftest import kst, kst_ts


@pytest.fixture(scope="module")
def data() -> TariffData:
    return load_tariffs()


@pytest.mark.parametrize(
    ("when", "band"),
    [
        # before 2026-06-01: light 23-09, peak 10-12 and 13-17 in spring/summer, mid otherwise
        (kst(2026, 4, 14, 3), Band.LIGHT),
        (kst(2026, 4, 14, 11), Band.PEAK),
        (kst(2026, 4, 14, 12), Band.MID),
        (kst(2026, 4, 14, 19), Band.MID),
        (kst(2026, 1, 13, 18), Band.PEAK),  # winter evening peak 17-20
        (kst(2026, 1, 13, 22), Band.PEAK),  # winter 22-23
        # from 2026-06-01 (general service), spring/autumn weekdays: light 22-08, mid 08-15 and 21-22, peak 15-21
        (kst(2026, 9, 15, 7), Band.LIGHT),
        (kst(2026, 9, 15, 11), Band.MID),
        (kst(2026, 9, 15, 18), Band.PEAK),
        (kst(2026, 9, 15, 21), Band.MID),
        (kst(2026, 9, 15, 22), Band.LIGHT),
    ],
)
def test_weekday_band_follows_the_table_in_force_on_the_date(
    data: TariffData, when: object, band: Band
) -> None:
    assert band_at(data, when).band is band  # type: ignore[arg-type]


def test_saturday_peak_is_billed_as_mid_and_sunday_is_light_all_day(data: TariffData) -> None:
    assert band_at(data, kst(2026, 4, 18, 11)).band is Band.MID  # Saturday, weekday peak hour
    assert band_at(data, kst(2026, 4, 19, 11)).band is Band.LIGHT  # Sunday


def test_spring_weekend_midday_discount_from_the_2026_reform(data: TariffData) -> None:
    assert band_at(data, kst(2027, 4, 17, 12)).discount_pct == 50  # Saturday 12:00, spring 2027
    assert band_at(data, kst(2027, 4, 17, 15)).discount_pct == 0  # outside 11-14
    assert band_at(data, kst(2026, 4, 18, 12)).discount_pct == 0  # before the reform


def test_post_reform_winter_bands_are_unknown_rather_than_guessed(data: TariffData) -> None:
    hour = band_at(data, kst(2026, 12, 15, 18))
    assert hour.band is None
    summary = window_tariff(data, kst_ts(2026, 12, 15, 18), kst_ts(2026, 12, 15, 20))
    assert summary.relative_price_index is None
    assert compare_price(summary, summary) == "unknown"


def test_a_window_spanning_bands_is_weighted_by_time(data: TariffData) -> None:
    # 2026-09-15 14:30-16:00: 30 min mid (until 15:00) + 60 min peak → index (2 × 0.5 + 3 × 1) / 1.5
    summary = window_tariff(data, kst_ts(2026, 9, 15, 14, 30), kst_ts(2026, 9, 15, 16))
    assert {s.band: s.hours for s in summary.slices} == {Band.MID: 0.5, Band.PEAK: 1.0}
    assert summary.relative_price_index == pytest.approx((2 * 0.5 + 3 * 1.0) / 1.5, abs=1e-4)  # 2.6667


def test_no_won_amount_is_shipped_only_the_order_of_bands(data: TariffData) -> None:
    raw = packaged_path("tariffs.json").read_text(encoding="utf-8")
    assert "원/kWh" not in raw and "KRW" not in raw
    assert [b.price_rank for b in data.bands] == [1, 2, 3]


def test_a_table_that_leaves_an_hour_without_a_band_is_refused(tmp_path: Path) -> None:
    raw = json.loads(packaged_path("tariffs.json").read_text(encoding="utf-8"))
    raw["tables"][0]["seasons"][0]["weekday"]["light"] = [[0, 8]]  # 08-09 and 23-24 now missing
    bad = tmp_path / "tariffs.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(DataFileError, match="each hour 0-23 once"):
        load_model(TariffData, bad)
