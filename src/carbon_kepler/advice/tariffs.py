"""Time-of-use tariff bands (계시별 요금, domain.md §5): the cost co-benefit of temporal shifting.

Typed view of data/tariffs.json and the band of every local hour, chosen by date (the 2026 reform
applies to general service from 2026-06-01). Only the order of the bands is shipped (1 = cheapest):
a window is described by its band mix and a time-weighted band rank, never by invented won amounts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

from carbon_kepler.carbon.factors import Confidence, DataModel
from carbon_kepler.core.datafiles import load_model
from carbon_kepler.core.figures import Notice
from carbon_kepler.core.period import zone

TARIFFS_FILE = "tariffs.json"
Day = Literal["saturday", "sunday"]


class Band(StrEnum):
    LIGHT = "light"
    MID = "mid"
    PEAK = "peak"


Span = tuple[int, int]  # [start hour, end hour) in local time; end < start wraps past midnight


def _hours(span: Span) -> list[int]:
    start, end = span
    return [h % 24 for h in range(start, end if end > start else end + 24)]


class BandInfo(DataModel):
    band: Band = Field(description="light | mid | peak.")
    name_en: str = Field(description="English name.")
    name_ko: str = Field(description="Korean name (경부하, 중간부하, 최대부하).")
    price_rank: int = Field(ge=1, le=3, description="Order of the unit price, 1 = cheapest.")


class Season(DataModel):
    season: str = Field(description="summer | spring_autumn | winter.")
    name_en: str = Field(description="English name.")
    name_ko: str = Field(description="Korean name.")
    months: tuple[int, ...] = Field(min_length=1, description="Calendar months of the season.")
    weekday: dict[Band, tuple[Span, ...]] | None = Field(
        description="Weekday band spans; None when the bands are not in our sources."
    )
    confidence: Confidence = Field(description="H, M or L.")
    note: str = Field(description="Caveat.")

    @model_validator(mode="after")
    def _covers_day_once(self) -> Season:
        if self.weekday is not None:
            hours = sorted(h for spans in self.weekday.values() for s in spans for h in _hours(s))
            if hours != list(range(24)):
                raise ValueError(f"season {self.season}: weekday bands must cover each hour 0-23 once")
        return self


class Discount(DataModel):
    seasons: tuple[str, ...] = Field(description="Seasons the discount applies in.")
    days: tuple[Day, ...] = Field(description="Days it applies on (public holidays are not modelled).")
    hours: tuple[Span, ...] = Field(description="Local hour spans.")
    discount_pct: float = Field(gt=0, le=100, description="Discount on the energy charge (%).")
    until: date | None = Field(description="First day it no longer applies.")
    confidence: Confidence = Field(description="H, M or L.")
    source: str = Field(description="Where it is announced.")


class TariffTable(DataModel):
    id: str = Field(description="Stable id.")
    name_en: str = Field(description="English name.")
    name_ko: str = Field(description="Korean name.")
    valid_from: date | None = Field(description="First day in force (None: long-standing).")
    valid_until: date | None = Field(description="First day no longer in force.")
    seasons: tuple[Season, ...] = Field(min_length=1, description="Seasons with their weekday bands.")
    saturday: dict[Band, Band] = Field(description="Band remapping on Saturdays.")
    sunday: dict[Band, Band] = Field(description="Band remapping on Sundays (and public holidays).")
    weekend_confidence: Confidence = Field(description="Confidence in the weekend rules.")
    weekend_source: str = Field(description="Source of the weekend rules.")
    discounts: tuple[Discount, ...] = Field(description="Time-limited discounts.")
    source: str = Field(description="Where the bands come from.")
    confidence: Confidence = Field(description="H, M or L.")

    def season_of(self, month: int) -> Season:
        return next(s for s in self.seasons if month in s.months)


class TariffData(DataModel):
    """data/tariffs.json."""

    schema_version: Literal[1] = Field(description="File schema version.")
    data_version: str = Field(description="Data release.")
    tariff_en: str = Field(description="Which tariff, in English.")
    tariff_ko: str = Field(description="Which tariff, in Korean.")
    timezone: str = Field(description="Zone of the hour spans.")
    bands: tuple[BandInfo, ...] = Field(min_length=3, max_length=3, description="The three bands.")
    price_rank_source: str = Field(description="Source of the band order.")
    price_note: str = Field(description="Why no won amounts are shipped.")
    tables: tuple[TariffTable, ...] = Field(min_length=1, description="Band tables by validity.")

    @model_validator(mode="after")
    def _months_once(self) -> TariffData:
        for t in self.tables:
            months = sorted(m for s in t.seasons for m in s.months)
            if months != list(range(1, 13)):
                raise ValueError(f"table {t.id}: seasons must cover each month 1-12 once")
        return self

    def table_for(self, day: date) -> TariffTable:
        for t in self.tables:
            if (t.valid_from is None or day >= t.valid_from) and (
                t.valid_until is None or day < t.valid_until
            ):
                return t
        raise ValueError(f"no tariff table covers {day}")  # excluded by the shipped data

    def info(self, band: Band) -> BandInfo:
        return next(b for b in self.bands if b.band == band)


class HourBand(NamedTuple):
    """The band of one local hour; band None when the table has no bands for that season."""

    band: Band | None
    table: TariffTable
    season: Season
    discount_pct: float
    weekend: bool


def _discount(table: TariffTable, season: Season, local: datetime) -> float:
    day = local.strftime("%A").lower()
    for d in table.discounts:
        active = d.until is None or local.date() < d.until
        hours = {h for s in d.hours for h in _hours(s)}
        if active and season.season in d.seasons and day in d.days and local.hour in hours:
            return d.discount_pct
    return 0.0


def band_at(data: TariffData, local: datetime) -> HourBand:
    """Band of the local hour containing `local` (weekday bands, then the weekend remapping)."""
    table = data.table_for(local.date())
    season = table.season_of(local.month)
    weekday = local.weekday()
    band: Band | None = None
    if season.weekday is not None:
        band = next(b for b, spans in season.weekday.items() if any(local.hour in _hours(s) for s in spans))
        remap = table.saturday if weekday == 5 else table.sunday if weekday == 6 else {}
        band = remap.get(band, band)
    return HourBand(band, table, season, _discount(table, season, local), weekday >= 5)


class BandSlice(BaseModel):
    """Hours of a window spent in one band."""

    model_config = ConfigDict(frozen=True)
    band: Band | None = Field(description="light | mid | peak; None where no band is known.")
    name_en: str = Field(description="Band name in English.")
    name_ko: str = Field(description="Band name in Korean.")
    hours: float = Field(description="Hours of the window in this band.")
    discounted_hours: float = Field(description="Of those, hours under a time-limited discount.")


class WindowTariff(BaseModel):
    """Tariff co-benefit of one window: band mix and relative price (an order, not won amounts)."""

    model_config = ConfigDict(frozen=True)
    tariff: str = Field(description="Which tariff the bands belong to.")
    tables: list[str] = Field(description="Band tables applied (chosen by date).")
    seasons: list[str] = Field(description="Seasons the window falls in.")
    slices: list[BandSlice] = Field(description="Hours per band, cheapest band first.")
    relative_price_index: float | None = Field(
        description="Time-weighted band rank: 1 = all light load (cheapest) … 3 = all peak (dearest); "
        "an order of unit prices, not a won amount. None when some hour has no known band."
    )
    discount_note: str | None = Field(description="Time-limited discount that applies, if any.")
    confidence: Confidence = Field(description="Lowest confidence of the bands used.")
    source: str = Field(description="Sources of the bands used.")


def _slices(data: TariffData, hours: dict[Band | None, list[float]]) -> list[BandSlice]:
    order = sorted(hours, key=lambda b: 9 if b is None else data.info(b).price_rank)
    return [
        BandSlice(
            band=b,
            name_en=data.info(b).name_en if b else "unknown band",
            name_ko=data.info(b).name_ko if b else "시간대 정보 없음",
            hours=round(hours[b][0], 4),
            discounted_hours=round(hours[b][1], 4),
        )
        for b in order
    ]


def window_tariff(data: TariffData, start_utc: int, end_utc: int) -> WindowTariff:
    """Band mix of [start, end): each local hour's overlap with the window, weighted by time."""
    tz = zone(data.timezone)
    hours: dict[Band | None, list[float]] = {}
    used: list[HourBand] = []
    t = start_utc
    while t < end_utc:
        local = datetime.fromtimestamp(t, UTC).astimezone(tz)
        nxt = min(end_utc, int((local.replace(minute=0, second=0) + timedelta(hours=1)).timestamp()))
        hb = band_at(data, local)
        slot = hours.setdefault(hb.band, [0.0, 0.0])
        slot[0] += (nxt - t) / 3600
        slot[1] += (nxt - t) / 3600 if hb.discount_pct else 0.0
        used.append(hb)
        t = nxt
    return _summary(data, hours, used)


def _summary(data: TariffData, hours: dict[Band | None, list[float]], used: list[HourBand]) -> WindowTariff:
    total = sum(v[0] for v in hours.values())
    known = None not in hours and total > 0
    index = sum(data.info(b).price_rank * v[0] for b, v in hours.items() if b) / total if known else None
    confs = [h.season.confidence for h in used] + [h.table.weekend_confidence for h in used if h.weekend]
    discounts = {d.source for h in used if h.discount_pct for d in h.table.discounts}
    tables = list(dict.fromkeys(h.table.id for h in used))
    return WindowTariff(
        tariff=data.tariff_en,
        tables=tables,
        seasons=list(dict.fromkeys(h.season.season for h in used)),
        slices=_slices(data, hours),
        relative_price_index=round(index, 4) if index is not None else None,
        discount_note="; ".join(sorted(discounts)) or None,
        confidence=min(confs, key="LMH".index) if confs else "L",
        source="; ".join(dict.fromkeys(h.table.source for h in used)),
    )


def compare_price(best: WindowTariff | None, baseline: WindowTariff | None) -> str:
    """'lower' | 'same' | 'higher' | 'unknown': the band order of `best` against `baseline`."""
    if best is None or baseline is None:
        return "unknown"
    a, b = best.relative_price_index, baseline.relative_price_index
    if a is None or b is None:
        return "unknown"
    return "same" if abs(a - b) < 1e-9 else "lower" if a < b else "higher"


@lru_cache(maxsize=2)
def load_tariffs(path: str = TARIFFS_FILE) -> TariffData:
    return load_model(TariffData, path)


def tariff_notices(korean_grid: bool) -> list[Notice]:
    """What the tariff co-benefit does not cover."""
    if not korean_grid:
        why = "Korean time-of-use bands apply to the Korean grid only: no tariff co-benefit shown"
        return [Notice(code="NO_TARIFF", message=why)]
    why = "tariff bands treat public holidays as weekdays (only Saturdays and Sundays are modelled)"
    return [Notice(code="HOLIDAYS_NOT_MODELLED", message=why)]
