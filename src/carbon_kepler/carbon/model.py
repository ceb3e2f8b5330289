"""Carbon-stage types: hourly IT energy in (from energy/), emissions results out (to compliance/ and up).

Hot rows are NamedTuples; results are frozen pydantic models whose field descriptions become MCP output
schemas. Every number that leaves this stage is a core.figures.Figure (architecture convention 4).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple, overload

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Figure, Notice, Quality
from carbon_kepler.core.period import HOUR, Period

HOURS_PER_YEAR = 8760


@overload
def annualise(value: float, covered_hours: float) -> float: ...
@overload
def annualise(value: npt.NDArray[np.float64], covered_hours: float) -> npt.NDArray[np.float64]: ...
def annualise(
    value: float | npt.NDArray[np.float64], covered_hours: float
) -> float | npt.NDArray[np.float64]:
    """Scale a period total (or one per unit) to a year from the hours that had data (domain.md §5:
    annualised figures). Extrapolating from covered hours, not period hours, avoids reading a data gap as
    zero use; without covered hours there is nothing to scale (0)."""
    if covered_hours <= 0:
        return np.zeros_like(value) if isinstance(value, np.ndarray) else 0.0
    return value * HOURS_PER_YEAR / covered_hours


class HourEnergy(NamedTuple):
    """IT energy of one unit (workload, namespace, cluster) in one hour bucket.

    `hour_utc` is the UTC epoch second of the hour start; KST hours start on UTC hours (core/period.py).
    """

    hour_utc: int
    kwh: float


@dataclass(frozen=True)
class EnergyWindow:
    """The hourly IT energy of one unit over a report period, with how much of the period had data.

    `coverage` is the fraction (0-1) of the period's hours for which the energy source had data; an hour
    with data and zero energy is a valid hour, an hour without data is absent from `hours`.
    """

    hours: tuple[HourEnergy, ...]
    period: Period
    coverage: float
    quality: Quality = Quality.MEASURED

    def __post_init__(self) -> None:
        if not 0.0 <= self.coverage <= 1.0:
            raise InputError(
                f"coverage {self.coverage} is outside 0-1", hint="pass the fraction of hours with data"
            )
        bad = next((h for h in self.hours if not (math.isfinite(h.kwh) and h.kwh >= 0)), None)
        if bad is not None:
            raise InputError(f"hour {bad.hour_utc} has energy {bad.kwh} kWh; energy must be a number ≥ 0")
        outside = next(
            (h for h in self.hours if not self.period.start_ts <= h.hour_utc < self.period.end_ts), None
        )
        if outside is not None:
            raise InputError(f"hour {outside.hour_utc} lies outside the period {self.period.label()}")

    @property
    def total_kwh(self) -> float:
        return sum(h.kwh for h in self.hours)

    @property
    def covered_hours(self) -> float:
        """Hours of the period that had data (period hours x coverage)."""
        return self.period.hours * self.coverage

    def annualise(self, value: float) -> float:
        """A period total of this window scaled to a year (module `annualise`)."""
        return annualise(value, self.covered_hours)

    @classmethod
    def of(
        cls,
        hours: list[HourEnergy] | tuple[HourEnergy, ...],
        period: Period,
        *,
        coverage: float | None = None,
        quality: Quality = Quality.MEASURED,
    ) -> EnergyWindow:
        """Window whose coverage defaults to the share of the period's hours present in `hours`."""
        if coverage is None:
            coverage = len({h.hour_utc for h in hours}) / max(period.hours, 1)
        return cls(tuple(hours), period, float(coverage), quality)


@dataclass(frozen=True)
class HourlyGroups:
    """The hourly IT energy of many units at once, as columns (an inventory: every workload of a cluster).

    Entry k says unit `keys[unit[k]]` used `kwh[k]` in the hour starting `hour[k]` (UTC epoch s); one entry
    per unit and hour with data, ordered by unit then hour. Every unit shares the period and coverage.
    `window(i)` is unit i as an EnergyWindow, exactly what one assessment of that unit would build.
    """

    keys: list[str]
    unit: npt.NDArray[np.intp]
    hour: npt.NDArray[np.int64]
    kwh: npt.NDArray[np.float64]
    period: Period
    coverage: float

    def __post_init__(self) -> None:  # the rules of EnergyWindow, for every unit at once
        if not 0.0 <= self.coverage <= 1.0:
            raise InputError(
                f"coverage {self.coverage} is outside 0-1", hint="pass the fraction of hours with data"
            )
        bad = np.flatnonzero(~(np.isfinite(self.kwh) & (self.kwh >= 0)))
        if len(bad):
            k = int(bad[0])
            raise InputError(
                f"{self.keys[self.unit[k]]}: hour {int(self.hour[k])} has energy {float(self.kwh[k])} kWh; "
                "energy must be a number ≥ 0"
            )
        outside = np.flatnonzero((self.hour < self.period.start_ts) | (self.hour >= self.period.end_ts))
        if len(outside):
            raise InputError(
                f"hour {int(self.hour[outside[0]])} lies outside the period {self.period.label()}"
            )

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def covered_hours(self) -> float:
        """Hours of the period that had data (as EnergyWindow.covered_hours)."""
        return self.period.hours * self.coverage

    def window(self, i: int, quality: Quality = Quality.MEASURED) -> EnergyWindow:
        lo, hi = np.searchsorted(self.unit, [i, i + 1])
        hours = tuple(map(HourEnergy, self.hour[lo:hi].tolist(), self.kwh[lo:hi].tolist()))
        return EnergyWindow(hours=hours, period=self.period, coverage=self.coverage, quality=quality)


class InstrumentKind(StrEnum):
    """Renewable-electricity instruments of K-RE100 (domain.md §4.3)."""

    REC = "rec"
    THIRD_PARTY_PPA = "third_party_ppa"
    DIRECT_PPA = "direct_ppa"
    EQUITY_INVESTMENT = "equity_investment"
    SELF_GENERATION = "self_generation"
    GREEN_PREMIUM = "green_premium"


class Instrument(BaseModel):
    """One renewable instrument covering a share of a site's electricity during [start, end)."""

    model_config = ConfigDict(frozen=True)

    kind: InstrumentKind = Field(description="Instrument type (K-RE100).")
    share: float = Field(gt=0, le=1, description="Fraction (0-1] of the site's electricity it covers.")
    counts_for_re100: bool = Field(description="Whether it counts towards an RE100 claim.")
    counts_for_ghg_reduction: bool = Field(description="Whether it lowers market-based (Scope 2) emissions.")
    start_utc: int | None = Field(default=None, description="First covered instant (UTC epoch s), or open.")
    end_utc: int | None = Field(default=None, description="End of cover (UTC epoch s, exclusive), or open.")
    source: str = Field(default="", description="Where the instrument was declared (config file and key).")

    def active(self, hour_utc: int) -> bool:
        starts = self.start_utc is None or hour_utc >= self.start_utc
        return starts and (self.end_utc is None or hour_utc + HOUR <= self.end_utc)


class SeriesKind(StrEnum):
    PROFILE = "profile"  # documented-shape profile scaled to an annual factor (an assumption)
    FLAT = "flat"  # one annual value for every hour
    LIVE = "live"  # Electricity Maps for every hour
    MIXED = "live+profile"  # live where available, profile elsewhere


class IntensitySeries(BaseModel):
    """Which hourly carbon-intensity series a result used, and what it rests on."""

    model_config = ConfigDict(frozen=True)

    kind: SeriesKind = Field(description="profile | flat | live | live+profile.")
    zone: str = Field(description="Grid zone, e.g. KR.")
    source: str = Field(description="Provider and method in one line.")
    annual_factor: Figure | None = Field(
        default=None, description="Annual factor the static part is scaled to (value, vintage, source)."
    )
    factor_id: str | None = Field(default=None, description="Official factor id, e.g. KR_2023.")
    assumption: bool = Field(description="True when any hour comes from an assumed profile shape.")
    hours_live: int = Field(default=0, description="Hours taken from live data.")
    hours_static: int = Field(default=0, description="Hours taken from the static profile or annual value.")
    quality: Quality = Field(description="measured only if every hour is a non-estimated live value.")


@dataclass(frozen=True)
class HourlyIntensity:
    """gCO2eq/kWh per hour bucket (UTC epoch second of hour start) plus what the series is."""

    values: Mapping[int, float]
    series: IntensitySeries
    warnings: tuple[Notice, ...] = field(default=())

    def at(self, hour_utc: int) -> float:
        try:
            return self.values[hour_utc]
        except KeyError:
            raise InputError(
                f"no carbon intensity for hour {hour_utc} in series {self.series.source}",
                hint="request the intensity for every hour of the period (FallbackChain fills gaps)",
            ) from None


class InstrumentEffect(BaseModel):
    """What one instrument did to a result."""

    model_config = ConfigDict(frozen=True)

    kind: InstrumentKind = Field(description="Instrument type.")
    share: float = Field(description="Declared share of the site's electricity (0-1].")
    counts_for_re100: bool = Field(description="Counts for RE100 claims.")
    counts_for_ghg_reduction: bool = Field(description="Lowers market-based emissions.")
    covered_energy: Figure = Field(description="Facility energy covered in the window (kWh).")
    source: str = Field(description="Where the instrument was declared.")


class EmissionsResult(BaseModel):
    """Location- and market-based emissions of one unit over a window (domain.md §4.1, §4.3)."""

    model_config = ConfigDict(frozen=True)

    it_energy: Figure = Field(description="IT energy measured for the unit (kWh).")
    pue: Figure = Field(description="PUE applied (facility energy / IT energy).")
    facility_energy: Figure = Field(description="IT energy x PUE (kWh).")
    location_based: Figure = Field(description="Σ E_h x PUE x I_h (gCO2eq), location-based.")
    market_based: Figure = Field(
        description="Location-based minus energy covered by GHG-counting instruments."
    )
    intensity_location: Figure | None = Field(
        description="Energy-weighted intensity Σ E_h I_h / Σ E_h; None without energy."
    )
    intensity_market: Figure | None = Field(
        description="Energy-weighted intensity after GHG-counting instruments."
    )
    re100_share: Figure = Field(
        description="Share of facility energy covered by RE100-counting instruments (%)."
    )
    instruments: tuple[InstrumentEffect, ...] = Field(description="Effect of each configured instrument.")
    intensity_series: IntensitySeries = Field(description="The hourly intensity series used.")
    coverage: float = Field(description="Fraction of the period's hours that had energy data (0-1).")
    hours_with_data: int = Field(description="Number of hour buckets with energy data.")
    warnings: tuple[Notice, ...] = Field(default=(), description="Fallbacks, gaps and caveats.")


class SciResult(BaseModel):
    """Software Carbon Intensity per functional unit (ISO/IEC 21031:2024, domain.md §4.1)."""

    model_config = ConfigDict(frozen=True)

    operational: Figure = Field(description="E x I: location-based operational emissions incl. PUE (gCO2eq).")
    embodied: Figure = Field(description="M: embodied emissions share (gCO2eq).")
    functional_units: Figure = Field(description="R: count of the functional unit in the window.")
    sci: Figure | None = Field(description="(E x I + M) / R in gCO2eq per unit; None when R is 0.")
    method: str = Field(description="Formula with the numbers written out.")
    warnings: tuple[Notice, ...] = Field(default=(), description="Why SCI could not be computed, etc.")
