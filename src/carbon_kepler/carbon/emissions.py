"""Emissions from hourly IT energy: PUE, location-based and market-based (domain.md §4.1, §4.3).

Location-based: Σ_h E_h x PUE x I_h. Market-based: the facility energy covered by instruments that count
for GHG reduction is taken out at zero intensity; the rest keeps the location intensity (Korea publishes
no residual mix). Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from carbon_kepler.carbon.factors import CarbonIntensityData
from carbon_kepler.carbon.intensity import RegionsData
from carbon_kepler.carbon.model import (
    EmissionsResult,
    EnergyWindow,
    HourlyGroups,
    HourlyIntensity,
    Instrument,
    InstrumentEffect,
    InstrumentKind,
)
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Basis, Figure, Notice, Quality


def configured_pue(value: float, source: str, year: int | None = None) -> Figure:
    """A PUE someone declared (site config or provider average): an estimate, not a measurement."""
    if value < 1.0:
        raise InputError(
            f"PUE {value} is below 1.0", hint="PUE = facility energy / IT energy, so it is ≥ 1.0"
        )
    return Figure(value=value, unit="PUE", source=source, year=year, quality=Quality.ESTIMATED)


def measured_pue(facility_kwh: float, it_kwh: float, *, source: str) -> Figure:
    """PUE from measured facility energy over the same window and scope as the IT energy."""
    if it_kwh <= 0:
        raise InputError("cannot measure PUE: the IT energy of the window is 0 kWh")
    if facility_kwh < it_kwh:
        raise InputError(
            f"facility energy {facility_kwh:g} kWh is below IT energy {it_kwh:g} kWh (PUE < 1)",
            hint="the facility power metric must cover the whole facility, IT included",
        )
    return Figure(
        value=facility_kwh / it_kwh,
        unit="PUE",
        source=f"measured: {facility_kwh:g} kWh facility / {it_kwh:g} kWh IT ({source})",
        quality=Quality.MEASURED,
    )


def region_pue(regions: RegionsData, region_id: str) -> Figure:
    """The provider's published PUE for a region; InputError when none is published."""
    pue = regions.provider_pue(region_id)
    if pue is None:
        provider = regions.providers[regions.region(region_id).provider]
        raise InputError(
            f"no published PUE for {region_id}: {provider.pue_source}", hint="set the site's pue"
        )
    return pue


def make_instrument(
    data: CarbonIntensityData,
    kind: InstrumentKind,
    share: float,
    *,
    start_utc: int | None = None,
    end_utc: int | None = None,
    source: str = "",
) -> Instrument:
    """An instrument whose counting flags come from the K-RE100 rules in carbon-intensity.json."""
    rule = data.instrument_rule(kind)
    return Instrument(
        kind=kind,
        share=share,
        counts_for_re100=rule.counts_for_re100,
        counts_for_ghg_reduction=rule.counts_for_ghg_reduction,
        start_utc=start_utc,
        end_utc=end_utc,
        source=source or f"{rule.name_en} ({rule.source})",
    )


class Cover(NamedTuple):
    """Instrument cover of one hour: shares that count for GHG and for RE100 (each capped at 1), the
    uncapped sum of all active shares, and which instruments are active."""

    ghg: float
    re100: float
    declared: float
    active: tuple[bool, ...]


class _CoverTable:
    """Per-hour cover of one instrument set, memoised: the hot path asks the same hours for every unit."""

    def __init__(self, instruments: tuple[Instrument, ...]) -> None:
        self.instruments = instruments
        self.memo: dict[int, Cover] = {}

    def at(self, hour_utc: int) -> Cover:
        hit = self.memo.get(hour_utc)
        if hit is None:
            active = tuple(i.active(hour_utc) for i in self.instruments)
            on = [i for i, a in zip(self.instruments, active, strict=True) if a]
            hit = self.memo[hour_utc] = Cover(
                ghg=min(sum(i.share for i in on if i.counts_for_ghg_reduction), 1.0),
                re100=min(sum(i.share for i in on if i.counts_for_re100), 1.0),
                declared=sum(i.share for i in on),
                active=active,
            )
        return hit


@lru_cache(maxsize=32)
def _cover_table(instruments: tuple[Instrument, ...]) -> _CoverTable:
    return _CoverTable(instruments)


def _fig(
    value: float, unit: str, source: str, basis: Basis | None, quality: Quality, year: int | None
) -> Figure:
    return Figure(value=value, unit=unit, source=source, year=year, basis=basis, quality=quality)


def _combined_quality(*qs: Quality) -> Quality:
    return Quality.MEASURED if all(q is Quality.MEASURED for q in qs) else Quality.ESTIMATED


def _instrument_effects(
    covered_it_kwh: tuple[float, ...], pue: float, table: _CoverTable, quality: Quality
) -> tuple[InstrumentEffect, ...]:
    effects = []
    for it_kwh, inst in zip(covered_it_kwh, table.instruments, strict=True):
        kwh = it_kwh * pue * inst.share
        effects.append(
            InstrumentEffect(
                kind=inst.kind,
                share=inst.share,
                counts_for_re100=inst.counts_for_re100,
                counts_for_ghg_reduction=inst.counts_for_ghg_reduction,
                covered_energy=_fig(
                    kwh, "kWh", f"declared share {inst.share:g} x facility energy", None, quality, None
                ),
                source=inst.source,
            )
        )
    return tuple(effects)


def market_basis(
    covered_kwh: npt.NDArray[np.float64], counts_for_ghg: Sequence[bool]
) -> npt.NDArray[np.bool_]:
    """Per unit: did a GHG-counting instrument cover any of its energy? Then its checks use the market-based
    intensity (domain.md §4.3). `covered_kwh[j, u]`: facility kWh instrument j covered for unit u."""
    ghg = np.asarray(counts_for_ghg, dtype=bool)
    return np.asarray((covered_kwh[ghg] > 0).any(axis=0), dtype=bool)


class _Totals(NamedTuple):
    """Sums over the window's hours (kWh and g), before PUE where noted."""

    it_kwh: float
    weighted: float  # Σ E_h I_h
    weighted_market: float  # Σ E_h (1 - s_h) I_h, s_h = GHG-counting cover
    re100_it_kwh: float  # Σ E_h r_h, r_h = RE100-counting cover
    instrument_it_kwh: tuple[float, ...]  # per instrument: Σ E_h over the hours it is active
    over_100: bool  # some hour's declared shares add up to more than 1


class GroupTotals(NamedTuple):
    """_Totals of every unit of an HourlyGroups at once (arrays indexed by unit)."""

    it_kwh: npt.NDArray[np.float64]
    weighted: npt.NDArray[np.float64]
    weighted_market: npt.NDArray[np.float64]
    re100_it_kwh: npt.NDArray[np.float64]
    instrument_it_kwh: npt.NDArray[np.float64]  # shape (instruments, units)
    over_100: npt.NDArray[np.bool_]
    hours_with_data: npt.NDArray[np.intp]

    def unit(self, i: int) -> _Totals:
        return _Totals(
            float(self.it_kwh[i]),
            float(self.weighted[i]),
            float(self.weighted_market[i]),
            float(self.re100_it_kwh[i]),
            tuple(self.instrument_it_kwh[:, i].tolist()),
            bool(self.over_100[i]),
        )


def _sum_by(unit: npt.NDArray[np.intp], weights: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    return np.bincount(unit, weights, n).astype(np.float64, copy=False)


def group_totals(groups: HourlyGroups, intensity: HourlyIntensity, table: _CoverTable) -> GroupTotals:
    """Σ over each unit's hours in one vectorised pass: intensity and cover are looked up once per distinct
    hour, then every (unit, hour) entry is weighted and summed per unit in entry order (the same sums, term
    by term, as a loop over one unit's hours)."""
    n = len(groups)
    hours, inv = np.unique(groups.hour, return_inverse=True)
    n_h, n_i = len(hours), len(table.instruments)
    i_h = np.empty(n_h)
    free = np.empty(n_h)  # 1 - GHG-counting cover
    re100 = np.empty(n_h)
    over = np.zeros(n_h, dtype=bool)
    active = np.zeros((n_i, n_h), dtype=bool)
    at, known, cover = intensity.values.get, table.memo.get, table.at
    for k, hour in enumerate(hours.tolist()):
        value = at(hour)
        if value is None:
            value = intensity.at(hour)  # raises with the hour named
        c = known(hour) or cover(hour)
        i_h[k], free[k], re100[k] = value, 1 - c.ghg, c.re100
        if n_i:
            active[:, k] = c.active
            over[k] = c.declared > 1
    e, unit = groups.kwh, groups.unit
    per = np.array([_sum_by(unit, e * active[j][inv], n) for j in range(n_i)]).reshape(n_i, n)
    return GroupTotals(
        it_kwh=_sum_by(unit, e, n),
        weighted=_sum_by(unit, e * i_h[inv], n),
        weighted_market=_sum_by(unit, e * free[inv] * i_h[inv], n),
        re100_it_kwh=_sum_by(unit, e * re100[inv], n),
        instrument_it_kwh=per,
        over_100=np.bincount(unit, over[inv], n) > 0,
        hours_with_data=np.bincount(unit, minlength=n).astype(np.intp),
    )


class GroupEmissions(NamedTuple):
    """What an inventory needs of every unit's emissions (arrays by unit; NaN intensity without energy)."""

    it_kwh: npt.NDArray[np.float64]
    location_g: npt.NDArray[np.float64]
    market_g: npt.NDArray[np.float64]
    intensity_location: npt.NDArray[np.float64]
    intensity_market: npt.NDArray[np.float64]
    market: npt.NDArray[np.bool_]  # a GHG-counting instrument covered energy of the unit
    hours_with_data: npt.NDArray[np.intp]


def group_emissions(
    groups: HourlyGroups, intensity: HourlyIntensity, pue: float, instruments: Sequence[Instrument] = ()
) -> GroupEmissions:
    """The figures `emissions()` gives each unit, for all units in one pass (same sums, same formulas)."""
    if pue < 1.0:
        raise InputError(f"PUE {pue} is below 1.0", hint="PUE = facility energy / IT energy ≥ 1.0")
    table = _cover_table(tuple(instruments))
    t = group_totals(groups, intensity, table)
    shares = np.array([inst.share for inst in table.instruments], dtype=np.float64).reshape(-1, 1)
    covered = (
        t.instrument_it_kwh * pue * shares
    )  # as _instrument_effects: facility kWh each instrument covered
    market = market_basis(covered, [inst.counts_for_ghg_reduction for inst in table.instruments])
    with np.errstate(divide="ignore", invalid="ignore"):
        has = t.it_kwh > 0
        loc = np.where(has, t.weighted / t.it_kwh, np.nan)
        mkt = np.where(has, t.weighted_market / t.it_kwh, np.nan)
    return GroupEmissions(
        it_kwh=t.it_kwh,
        location_g=t.weighted * pue,
        market_g=t.weighted_market * pue,
        intensity_location=loc,
        intensity_market=mkt,
        market=market,
        hours_with_data=t.hours_with_data,
    )


def _totals(window: EnergyWindow, intensity: HourlyIntensity, table: _CoverTable) -> _Totals:
    one = HourlyGroups(
        keys=[""],
        unit=np.zeros(len(window.hours), dtype=np.intp),
        hour=np.array([h.hour_utc for h in window.hours], dtype=np.int64),
        kwh=np.array([h.kwh for h in window.hours], dtype=np.float64),
        period=window.period,
        coverage=window.coverage,
    )
    return group_totals(one, intensity, table).unit(0)


def _warnings(t: _Totals, intensity: HourlyIntensity) -> tuple[Notice, ...]:
    out = list(intensity.warnings)
    if t.it_kwh <= 0:
        out.append(Notice(code="NO_ENERGY", message="no energy recorded in the window: intensity undefined"))
    if t.over_100:
        out.append(Notice(code="INSTRUMENTS_OVER_100", message="instrument shares add up to more than 100%"))
    return tuple(out)


def emissions(
    window: EnergyWindow,
    intensity: HourlyIntensity,
    pue: Figure,
    instruments: Sequence[Instrument] = (),
) -> EmissionsResult:
    """Location- and market-based emissions of one unit; every number names its factor and source.

    PUE multiplies every hour alike, so Σ E_h x PUE x I_h = PUE x Σ E_h I_h and the energy-weighted
    intensity does not depend on PUE.
    """
    if pue.value < 1.0:
        raise InputError(f"PUE {pue.value} is below 1.0", hint="PUE = facility energy / IT energy ≥ 1.0")
    table = _cover_table(tuple(instruments))
    t = _totals(window, intensity, table)
    series = intensity.series
    q = _combined_quality(window.quality, series.quality, pue.quality)
    year = series.annual_factor.year if series.annual_factor else None
    src = f"IT energy x PUE {pue.value:g} x hourly intensity [{series.source}]"
    facility_kwh = t.it_kwh * pue.value
    per_kwh = f"Σ E_h I_h / Σ E_h [{series.source}]"
    has_energy = t.it_kwh > 0
    return EmissionsResult(
        it_energy=_fig(t.it_kwh, "kWh", "hourly IT energy of the unit", None, window.quality, None),
        pue=pue,
        facility_energy=_fig(facility_kwh, "kWh", f"IT energy x PUE {pue.value:g}", None, q, None),
        location_based=_fig(t.weighted * pue.value, "gCO2eq", src, Basis.LOCATION, q, year),
        market_based=_fig(
            t.weighted_market * pue.value,
            "gCO2eq",
            f"{src}, less energy covered by GHG-counting instruments at 0 g/kWh",
            Basis.MARKET,
            q,
            year,
        ),
        intensity_location=(
            _fig(t.weighted / t.it_kwh, "gCO2eq/kWh", per_kwh, Basis.LOCATION, q, year)
            if has_energy
            else None
        ),
        intensity_market=(
            _fig(t.weighted_market / t.it_kwh, "gCO2eq/kWh", f"market-based {per_kwh}", Basis.MARKET, q, year)
            if has_energy
            else None
        ),
        re100_share=_fig(
            100 * t.re100_it_kwh / t.it_kwh if has_energy else 0.0,
            "%",
            "facility energy covered by RE100-counting instruments",
            None,
            q,
            None,
        ),
        instruments=_instrument_effects(t.instrument_it_kwh, pue.value, table, q),
        intensity_series=series,
        coverage=window.coverage,
        hours_with_data=len(window.hours),
        warnings=_warnings(t, intensity),
    )
