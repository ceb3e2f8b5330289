"""Builders shared by the carbon and compliance tests (KST hours, windows, flat series)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from carbon_kepler.carbon.intensity import flat_intensity
from carbon_kepler.carbon.model import EnergyWindow, HourEnergy, HourlyIntensity
from carbon_kepler.core.figures import Basis, Figure, Quality
from carbon_kepler.core.period import HOUR, Period

KST = ZoneInfo("Asia/Seoul")


def kst(year: int, month: int, day: int, hour: int) -> int:
    """UTC epoch second of the start of a KST hour."""
    return int(datetime(year, month, day, hour, tzinfo=KST).timestamp())


def day_period(year: int = 2026, month: int = 11, day: int = 20) -> Period:
    """One KST day, [00:00, 24:00) KST."""
    start = kst(year, month, day, 0)
    return Period.from_ts(start, start + 24 * HOUR)


def day_window(kwh_by_kst_hour: dict[int, float], *, coverage: float | None = None) -> EnergyWindow:
    """A full KST day with data in every hour: the given kWh at those KST hours, 0 kWh elsewhere."""
    period = day_period()
    hours = [
        HourEnergy(h, kwh_by_kst_hour.get((h - period.start_ts) // HOUR, 0.0)) for h in period.hour_starts()
    ]
    return EnergyWindow.of(hours, period, coverage=coverage)


def flat(g_per_kwh: float, window: EnergyWindow, *, source: str = "test factor") -> HourlyIntensity:
    annual = Figure(
        value=g_per_kwh,
        unit="gCO2eq/kWh",
        source=source,
        year=2023,
        basis=Basis.LOCATION,
        quality=Quality.ESTIMATED,
    )
    return flat_intensity("KR", annual, window.period.hour_starts())


def pue(value: float) -> Figure:
    return Figure(value=value, unit="PUE", source="test PUE", quality=Quality.ESTIMATED)
