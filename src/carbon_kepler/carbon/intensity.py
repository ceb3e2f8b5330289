"""Carbon intensity by hour and by region: the provider seam, the static profile, the fallback chain,
and the typed view of regions.json (annual intensities per source, provider PUE).

A provider returns gCO2eq/kWh for the hours it can; FallbackChain fills every missing hour from the
static profile and records a warning, so a result never silently mixes or drops data (domain.md §4.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal, Protocol

from pydantic import Field, model_validator

from carbon_kepler.carbon.factors import (
    CarbonIntensityData,
    Confidence,
    DataModel,
    FactorChoice,
    HourlyProfile,
    choose_factor,
)
from carbon_kepler.carbon.model import HourlyIntensity, IntensitySeries, SeriesKind
from carbon_kepler.core.datafiles import load_model
from carbon_kepler.core.errors import InputError, SourceError
from carbon_kepler.core.figures import Basis, Figure, Notice, Quality
from carbon_kepler.core.period import local_hour_of_day

REGIONS_FILE = "regions.json"
MEMO_HOURS = 24 * 366 * 3  # hour values a StaticProfile remembers (three years)


class IntensityProvider(Protocol):
    """Anything that can give gCO2eq/kWh per hour bucket for a grid zone."""

    def hourly(self, zone: str, hours: Sequence[int]) -> HourlyIntensity:
        """Values for the requested hours it can serve (a live source may omit some); raises SourceError."""
        ...


def profile_values(profile: HourlyProfile, annual_g_per_kwh: float) -> tuple[float, ...]:
    """24 KST hour-of-day values scaled so their simple mean equals the annual factor (domain.md §4.4)."""
    mean = sum(profile.weights) / len(profile.weights)
    return tuple(annual_g_per_kwh * w / mean for w in profile.weights)


class StaticProfile:
    """The documented-shape profile scaled to an annual value; flat when the zone has no profile."""

    def __init__(
        self, zone: str, annual: Figure, profile: HourlyProfile | None, *, factor: FactorChoice | None = None
    ) -> None:
        if profile is not None and profile.zone != zone:
            raise ValueError(f"profile for zone {profile.zone} used for zone {zone}")
        self.zone = zone
        self.annual = annual
        self.profile = profile
        self.factor = factor
        self._by_hour = profile_values(profile, annual.value) if profile else None
        self._memo: dict[int, float] = {}  # hour → value: the time-zone conversion is the costly part

    def value_at(self, hour_utc: int) -> float:
        if self._by_hour is None or self.profile is None:
            return self.annual.value
        value = self._memo.get(hour_utc)
        if value is None:
            value = self._by_hour[local_hour_of_day(hour_utc, self.profile.timezone)]
            if len(self._memo) < MEMO_HOURS:
                self._memo[hour_utc] = value
        return value

    def series(self, hours_static: int) -> IntensitySeries:
        shaped = self.profile is not None
        what = (
            "assumed KST hourly profile (documented shape, see docs/METHODOLOGY.md) scaled to"
            if shaped
            else "flat annual value"
        )
        return IntensitySeries(
            kind=SeriesKind.PROFILE if shaped else SeriesKind.FLAT,
            zone=self.zone,
            source=f"{what} {self.annual.value:g} {self.annual.unit} ({self.annual.source})",
            annual_factor=self.annual,
            factor_id=self.factor.factor_id if self.factor else None,
            assumption=shaped,
            hours_static=hours_static,
            quality=Quality.ESTIMATED,
        )

    def hourly(self, zone: str, hours: Sequence[int]) -> HourlyIntensity:
        if zone != self.zone:
            raise ValueError(f"static series for zone {self.zone} asked for zone {zone}")
        if self._by_hour is None:
            values = dict.fromkeys(hours, self.annual.value)
        else:
            memo, value_at = self._memo, self.value_at
            values = {h: memo[h] if h in memo else value_at(h) for h in hours}
        warnings: tuple[Notice, ...] = ()
        if self.profile is None:
            warnings = (
                Notice(
                    code="FLAT_INTENSITY",
                    message=f"no hourly profile for zone {zone}: every hour uses the annual value "
                    f"{self.annual.value:g} {self.annual.unit}, so timing cannot change the result",
                ),
            )
        return HourlyIntensity(values, self.series(len(values)), warnings)


def static_for_zone(
    data: CarbonIntensityData, zone: str, annual: Figure, factor: FactorChoice | None = None
) -> StaticProfile:
    """The zone's assumed profile scaled to `annual`, or a flat series where no profile is shipped."""
    return StaticProfile(zone, annual, data.profile(zone), factor=factor)


def official_kr_profile(data: CarbonIntensityData, choice: FactorChoice) -> StaticProfile:
    """KR profile scaled to the chosen official factor: the default series for Korean regions."""
    return static_for_zone(data, "KR", choice.figure(), choice)


def flat_intensity(zone: str, annual: Figure, hours: Iterable[int]) -> HourlyIntensity:
    """One annual value for every hour (other regions, or a golden calculation)."""
    return StaticProfile(zone, annual, None).hourly(zone, list(hours))


class FallbackChain:
    """Live provider first; every hour it cannot give comes from the static profile, with a warning."""

    def __init__(self, primary: IntensityProvider, fallback: StaticProfile) -> None:
        self.primary = primary
        self.fallback = fallback

    def hourly(self, zone: str, hours: Sequence[int]) -> HourlyIntensity:
        try:
            live = self.primary.hourly(zone, hours)
        except SourceError as exc:
            base = self.fallback.hourly(zone, hours)
            notice = Notice(
                code="FALLBACK_INTENSITY",
                message=f"live carbon intensity unavailable ({exc.message}); used {base.series.source}",
            )
            return HourlyIntensity(base.values, base.series, (notice, *base.warnings))
        return self._merge(zone, hours, live)

    def _merge(self, zone: str, hours: Sequence[int], live: HourlyIntensity) -> HourlyIntensity:
        wanted = set(hours)
        values = {h: v for h, v in live.values.items() if h in wanted}
        missing = sorted(wanted - values.keys())
        if not missing:
            return HourlyIntensity(values, live.series, live.warnings)
        values.update({h: self.fallback.value_at(h) for h in missing})
        static = self.fallback.series(len(missing))
        series = IntensitySeries(
            kind=SeriesKind.MIXED if len(missing) < len(wanted) else static.kind,
            zone=zone,
            source=f"{live.series.source} where available, else {static.source}",
            annual_factor=static.annual_factor,
            factor_id=static.factor_id,
            assumption=static.assumption,
            hours_live=len(wanted) - len(missing),
            hours_static=len(missing),
            quality=Quality.ESTIMATED,
        )
        notice = Notice(
            code="PARTIAL_LIVE_INTENSITY",
            message=f"{len(missing)} of {len(wanted)} hours had no live intensity and use the static series",
        )
        return HourlyIntensity(values, series, (*live.warnings, notice))


class Provider(DataModel):
    name: str = Field(description="Provider name.")
    pue: float | None = Field(ge=1, description="Fleet PUE, or None when no verified figure exists.")
    pue_source: str = Field(description="Source of the PUE (or why there is none).")
    pue_year: int | None = Field(description="Year of the PUE figure.")
    pue_confidence: Confidence = Field(description="H, M or L.")


class RegionIntensity(DataModel):
    source: str = Field(description="Publisher; compare regions only within one source.")
    year: int | None = Field(description="Data year, None for undated coefficient sets.")
    g_per_kwh: float = Field(ge=0, description="gCO2eq/kWh.")
    basis: str = Field(description="What the number is.")
    confidence: Confidence = Field(description="H, M or L.")


class Region(DataModel):
    id: str = Field(description="provider:code, e.g. aws:ap-northeast-2.")
    provider: str = Field(description="Key into providers.")
    code: str = Field(description="Provider's region code.")
    name_en: str = Field(description="English name.")
    name_ko: str = Field(description="Korean name.")
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO country code; KR matters for PIPA/CSAP.")
    grid_zone: str = Field(description="Grid zone whose zone-level series apply (carbon-intensity.json).")
    electricitymaps_zone: str = Field(description="Electricity Maps zone key.")
    seed: bool = Field(description="Region listed by the seed system.")
    intensities: tuple[RegionIntensity, ...] = Field(description="Provider-specific annual intensities.")


class RegionsData(DataModel):
    """data/regions.json."""

    schema_version: Literal[1] = Field(description="File schema version.")
    data_version: str = Field(description="Data release.")
    providers: dict[str, Provider] = Field(description="Providers by key.")
    regions: tuple[Region, ...] = Field(min_length=1, description="Cloud regions.")

    @model_validator(mode="after")
    def _references(self) -> RegionsData:
        seen: set[str] = set()
        for r in self.regions:
            if r.provider not in self.providers:
                raise ValueError(f"region {r.id}: unknown provider {r.provider!r}")
            if r.id != f"{r.provider}:{r.code}" or r.id in seen:
                raise ValueError(f"region {r.id}: id must be unique and equal provider:code")
            seen.add(r.id)
        return self

    @property
    def region_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.regions)

    def region(self, region_id: str) -> Region:
        for r in self.regions:
            if r.id == region_id:
                return r
        raise InputError(f"unknown region {region_id!r}", hint=f"allowed: {', '.join(self.region_ids)}")

    def provider_pue(self, region_id: str) -> Figure | None:
        """The provider's published PUE as a Figure, or None when no verified figure exists."""
        p = self.providers[self.region(region_id).provider]
        if p.pue is None:
            return None
        return Figure(
            value=p.pue, unit="PUE", source=p.pue_source, year=p.pue_year, quality=Quality.ESTIMATED
        )


def region_intensities(ci: CarbonIntensityData, regions: RegionsData, region_id: str) -> tuple[Figure, ...]:
    """Annual intensities of a region by source: zone-level series plus provider-specific ones.

    Each Figure names its source; callers compare regions within one source only (domain.md §4.2).
    """
    region = regions.region(region_id)
    out = [
        Figure(
            value=v.g_per_kwh,
            unit="gCO2eq/kWh",
            source=f"{s.source} ({s.basis}, zone {s.zone})",
            year=v.year,
            basis=Basis.LOCATION,
            quality=Quality.ESTIMATED,
        )
        for s in ci.third_party
        if s.zone == region.grid_zone
        for v in s.values
    ]
    out += [
        Figure(
            value=i.g_per_kwh,
            unit="gCO2eq/kWh",
            source=f"{i.source} ({i.basis})",
            year=i.year,
            basis=Basis.LOCATION,
            quality=Quality.ESTIMATED,
        )
        for i in region.intensities
    ]
    if region.country == "KR":
        out.append(choose_factor(ci).figure())
    return tuple(out)


@lru_cache(maxsize=4)
def load_regions(path: str = REGIONS_FILE) -> RegionsData:
    return load_model(RegionsData, path)
