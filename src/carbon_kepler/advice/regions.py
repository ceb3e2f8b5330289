"""Regional migration (domain.md §7): the same measured energy re-priced with each region's annual
intensity and provider PUE, ranked, and every region flagged with what moving there means.

One ranking uses one intensity source (and one data year): annual figures from different publishers
use different methods and must never be compared (domain.md §4.2). Regions outside Korea always carry
the personal-data (PIPA) and public-sector (CSAP) constraints, and every region its added latency
from Seoul as a physical lower bound (data/region-constraints.json). Pure functions, no I/O.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from carbon_kepler.carbon.factors import CarbonIntensityData, Confidence, DataModel, choose_factor
from carbon_kepler.carbon.intensity import IntensityProvider, Region, RegionsData
from carbon_kepler.carbon.model import HourlyIntensity
from carbon_kepler.core.datafiles import load_model
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Basis, Figure, Notice, Quality

CONSTRAINTS_FILE = "region-constraints.json"
OFFICIAL_SOURCE = "KR official emission factor"
EARTH_RADIUS_KM = 6371.0


class Origin(DataModel):
    name_en: str = Field(description="Where latency is measured from.")
    name_ko: str = Field(description="Korean name.")
    lat: float = Field(ge=-90, le=90, description="Latitude (degrees).")
    lon: float = Field(ge=-180, le=180, description="Longitude (degrees).")


class Rule(DataModel):
    code: str = Field(description="Stable code.")
    applies: Literal["outside_home", "inside_home", "always"] = Field(description="Which regions it flags.")
    severity: Literal["blocks", "requires_action", "check", "info"] = Field(description="How hard it binds.")
    text_en: str = Field(description="What it means, in English.")
    text_ko: str = Field(description="What it means, in Korean.")
    source: str = Field(description="Law, rule or programme.")
    confidence: Confidence = Field(description="H, M or L.")


class Place(DataModel):
    id: str = Field(description="Region id (regions.json).")
    city_en: str = Field(description="Metro area of the region.")
    lat: float = Field(ge=-90, le=90, description="Latitude (degrees).")
    lon: float = Field(ge=-180, le=180, description="Longitude (degrees).")


class ConstraintsData(DataModel):
    """data/region-constraints.json."""

    schema_version: Literal[1] = Field(description="File schema version.")
    data_version: str = Field(description="Data release.")
    home_country: str = Field(pattern=r"^[A-Z]{2}$", description="Country whose rules apply (KR).")
    origin: Origin = Field(description="Latency origin (Seoul).")
    fibre_km_per_ms: float = Field(gt=0, description="Distance light covers in fibre per millisecond.")
    fibre_source: str = Field(description="Why that speed.")
    rules: tuple[Rule, ...] = Field(description="Constraint rules.")
    places: tuple[Place, ...] = Field(description="Approximate location of each region.")
    places_source: str = Field(description="Where the coordinates come from.")

    def place(self, region_id: str) -> Place | None:
        return next((p for p in self.places if p.id == region_id), None)


@lru_cache(maxsize=2)
def load_constraints(path: str = CONSTRAINTS_FILE) -> ConstraintsData:
    return load_model(ConstraintsData, path)


class SourceValue(NamedTuple):
    source: str  # publisher; a ranking uses exactly one
    year: int | None
    g_per_kwh: float
    basis: str
    confidence: str


def source_values(
    ci: CarbonIntensityData, region: Region, regions: RegionsData | None = None
) -> list[SourceValue]:
    """Every annual intensity known for a region: its own, its grid zone's, and the KR official factor.

    With `regions`, a source that has no value for this region but has one for another region on the
    same grid zone lends it (the figures are grid averages, so the same source stays consistent).
    """
    out = [SourceValue(i.source, i.year, i.g_per_kwh, i.basis, i.confidence) for i in region.intensities]
    out += [
        SourceValue(s.source, v.year, v.g_per_kwh, f"{s.basis}, zone {s.zone}", s.confidence)
        for s in ci.third_party
        if s.zone == region.grid_zone
        for v in s.values
    ]
    if region.country == "KR":
        f = choose_factor(ci)
        out.append(
            SourceValue(OFFICIAL_SOURCE, f.year, f.figure().value, f"factor {f.factor_id}", f.confidence)
        )
    own = {v.source for v in out}
    for other in regions.regions if regions else ():
        if other.id != region.id and other.grid_zone == region.grid_zone:
            lent = [i for i in other.intensities if i.source not in own]
            out += [
                SourceValue(
                    i.source,
                    i.year,
                    i.g_per_kwh,
                    f"{i.basis}; grid {region.grid_zone} value published for {other.id}",
                    i.confidence,
                )
                for i in lent
            ]
            own |= {i.source for i in lent}
    return out


def coverage(ci: CarbonIntensityData, regions: RegionsData) -> dict[str, list[str]]:
    """Intensity source → region ids it has a value for."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in regions.regions:
        for s in dict.fromkeys(v.source for v in source_values(ci, r, regions)):
            out[s].append(r.id)
    return dict(out)


def choose_source(cov: dict[str, list[str]], requested: str | None, current: str | None) -> str:
    """The named source, else the one covering most regions (including the current one when given)."""
    if requested is not None:
        if requested not in cov:
            raise InputError(
                f"unknown intensity source {requested!r}", hint=f"allowed: {', '.join(sorted(cov))}"
            )
        return requested
    usable = {s: ids for s, ids in cov.items() if current is None or current in ids}
    if not usable:
        raise InputError(f"no intensity source covers region {current}", hint="pass a source explicitly")
    return max(sorted(usable), key=lambda s: len(usable[s]))


def value_for(
    ci: CarbonIntensityData, regions: RegionsData, region: Region, source: str, year: int | None
) -> SourceValue | None:
    """The region's value in `source` for `year` (None: that source's newest year for the region)."""
    values = [v for v in source_values(ci, region, regions) if v.source == source]
    if year is not None:
        values = [v for v in values if v.year == year]
    return max(values, key=lambda v: v.year or 0, default=None)


def ranking_year(ci: CarbonIntensityData, regions: RegionsData, source: str) -> int | None:
    """One data year per ranking: the newest year that most of the source's regions have."""
    years: dict[int | None, int] = defaultdict(int)
    for r in regions.regions:
        for y in {v.year for v in source_values(ci, r, regions) if v.source == source}:
            years[y] += 1
    return max(years, key=lambda y: (years[y], y or 0)) if years else None


def min_rtt_ms(origin: Origin, place: Place, km_per_ms: float) -> float:
    """Round-trip time over the great-circle distance at the speed of light in fibre (a lower bound)."""
    p1, p2 = math.radians(origin.lat), math.radians(place.lat)
    dp, dl = p2 - p1, math.radians(place.lon - origin.lon)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
    return 2 * km / km_per_ms


class RegionConstraint(BaseModel):
    """Something to weigh before moving a workload to a region."""

    model_config = ConfigDict(frozen=True)
    code: str = Field(
        description="PIPA_CROSS_BORDER | CSAP_PUBLIC_SECTOR | CSAP_CHECK_CERTIFICATION | LATENCY."
    )
    severity: str = Field(description="blocks | requires_action | check | info.")
    message_en: str = Field(description="What it means, in English.")
    message_ko: str = Field(description="What it means, in Korean.")
    source: str = Field(description="Law, programme or method it rests on.")


def constraints_for(region: Region, data: ConstraintsData) -> tuple[list[str], float | None]:
    """Codes of the rules that flag a region, plus its latency bound from Seoul (ms; None without a location)."""
    home = region.country == data.home_country
    codes = [r.code for r in data.rules if r.applies == "always" or (r.applies == "inside_home") == home]
    place = data.place(region.id)
    if place is None:
        return codes, None
    return [*codes, "LATENCY"], round(min_rtt_ms(data.origin, place, data.fibre_km_per_ms), 1)


def glossary(data: ConstraintsData, codes: set[str]) -> list[RegionConstraint]:
    """The text of each constraint code used in a ranking (stated once, not per region)."""
    out = [
        RegionConstraint(
            code=r.code, severity=r.severity, message_en=r.text_en, message_ko=r.text_ko, source=r.source
        )
        for r in data.rules
        if r.code in codes
    ]
    if "LATENCY" in codes:
        out.append(
            RegionConstraint(
                code="LATENCY",
                severity="info",
                message_en=f"Round trip from {data.origin.name_en}: at least min_rtt_ms_from_seoul ms "
                "(speed of light in fibre over the great-circle distance); real routes take longer.",
                message_ko=f"{data.origin.name_ko}에서의 왕복 지연은 최소 min_rtt_ms_from_seoul ms입니다"
                "(대권거리를 광섬유 속 빛의 속도로 나눈 하한값이며 실제 경로는 더 깁니다).",
                source=data.fibre_source,
            )
        )
    return out


class RegionOption(BaseModel):
    """One region with the workload's energy re-priced there."""

    model_config = ConfigDict(frozen=True)
    rank: int = Field(description="1 = lowest emissions in this ranking.")
    region: str = Field(description="Region id, provider:code.")
    name_en: str = Field(description="Region name in English.")
    name_ko: str = Field(description="Region name in Korean.")
    country: str = Field(description="ISO country code.")
    current: bool = Field(description="True for the region the workload runs in now.")
    leaves_korea: bool = Field(description="True when the region is outside Korea (PIPA/CSAP apply).")
    intensity: Figure = Field(description="Annual grid intensity in the ranking's one source (gCO2eq/kWh).")
    pue: Figure = Field(description="Provider PUE applied.")
    facility_energy: Figure = Field(description="Measured IT energy × PUE (kWh).")
    emissions: Figure = Field(description="facility energy × intensity (gCO2eq).")
    emissions_vs_current_g: float | None = Field(
        description="This region's emissions minus the current region's (gCO2eq)."
    )
    emissions_vs_current_pct: float | None = Field(description="The same in percent of the current region's.")
    min_rtt_ms_from_seoul: float | None = Field(
        description="Physical lower bound of the round trip from Seoul (ms)."
    )
    constraints: list[str] = Field(
        description="Codes of the PIPA, CSAP and latency flags (texts in RegionsResult.constraints)."
    )


class Unranked(BaseModel):
    model_config = ConfigDict(frozen=True)
    region: str = Field(description="Region id left out of the ranking.")
    reason: str = Field(description="Why (no value in this source or year, no published PUE).")


class Ranking(NamedTuple):
    options: list[RegionOption]
    unranked: list[Unranked]


def intensity_figure(v: SourceValue) -> Figure:
    return Figure(
        value=v.g_per_kwh,
        unit="gCO2eq/kWh",
        source=f"{v.source} ({v.basis}, confidence {v.confidence})",
        year=v.year,
        basis=Basis.LOCATION,
        quality=Quality.ESTIMATED,
    )


def _priced(region: Region, v: SourceValue, pue: Figure, it_kwh: float) -> tuple[Figure, Figure, Figure]:
    """(intensity, facility energy, emissions) of the measured IT energy moved to `region`."""
    facility = Figure(
        value=it_kwh * pue.value,
        unit="kWh",
        source=f"measured IT energy {it_kwh:.6g} kWh x PUE {pue.value:g} ({pue.source})",
        quality=Quality.ESTIMATED,
    )
    emissions = Figure(
        value=facility.value * v.g_per_kwh,
        unit="gCO2eq",
        source=f"{facility.value:.6g} kWh x {v.g_per_kwh:g} gCO2eq/kWh ({v.source}, {region.id})",
        year=v.year,
        basis=Basis.LOCATION,
        quality=Quality.ESTIMATED,
    )
    return intensity_figure(v), facility, emissions


def rank_regions(
    it_kwh: float,
    ci: CarbonIntensityData,
    regions: RegionsData,
    data: ConstraintsData,
    source: str,
    current: str | None,
    current_pue: Figure | None = None,
) -> Ranking:
    """Every region with a value in `source` (one year) and a PUE, lowest emissions first.

    PUE is the provider's published one; the current region uses `current_pue` (the site's configured
    PUE) when given, since that is the facility the workload actually runs in.
    """
    year = ranking_year(ci, regions, source)
    rows: list[tuple[Region, Figure, Figure, Figure, Figure]] = []
    unranked: list[Unranked] = []
    for r in regions.regions:
        pue = current_pue if r.id == current and current_pue else regions.provider_pue(r.id)
        v = value_for(ci, regions, r, source, year)
        if v is None:
            unranked.append(Unranked(region=r.id, reason=f"no {source} value for {year or 'any year'}"))
        elif pue is None:
            unranked.append(Unranked(region=r.id, reason=regions.providers[r.provider].pue_source))
        else:
            rows.append((r, pue, *_priced(r, v, pue, it_kwh)))
    rows.sort(key=lambda x: (x[4].value, x[0].id))
    base = next((x[4].value for x in rows if x[0].id == current), None)
    options = [_option(i + 1, row, base, current, data) for i, row in enumerate(rows)]
    return Ranking(options, unranked)


def _option(
    rank: int,
    row: tuple[Region, Figure, Figure, Figure, Figure],
    base: float | None,
    current: str | None,
    data: ConstraintsData,
) -> RegionOption:
    r, pue, intensity, fac, em = row
    flags, rtt = constraints_for(r, data)
    delta = None if base is None else em.value - base
    return RegionOption(
        rank=rank,
        region=r.id,
        name_en=r.name_en,
        name_ko=r.name_ko,
        country=r.country,
        current=r.id == current,
        leaves_korea=r.country != data.home_country,
        intensity=intensity,
        pue=pue,
        facility_energy=fac,
        emissions=em,
        emissions_vs_current_g=None if delta is None else round(delta, 6),
        emissions_vs_current_pct=None if delta is None or not base else 100.0 * delta / base,
        min_rtt_ms_from_seoul=rtt,
        constraints=flags,
    )


class PinnedZone:
    """An IntensityProvider that serves one grid's series whatever zone it is asked for: lets the
    assessor (which always asks for the Korean grid) assess the energy as if it ran elsewhere."""

    def __init__(self, inner: IntensityProvider, zone_key: str) -> None:
        self.inner, self.zone_key = inner, zone_key

    def hourly(self, zone_key: str, hours: Sequence[int]) -> HourlyIntensity:
        return self.inner.hourly(self.zone_key, hours)


def migration_notices(target: Region, current: Region, home_country: str) -> list[Notice]:
    """What a move changes besides intensity and PUE (impact comparison)."""
    out = []
    if target.country != current.country:
        why = f"the site's renewable instruments do not cover electricity in {target.country}: dropped"
        out.append(Notice(code="INSTRUMENTS_DROPPED", message=why))
    if target.country != home_country:
        why = f"{target.id} is outside Korea: PIPA cross-border transfer and CSAP constraints apply"
        out.append(Notice(code="LEAVES_KOREA", message=f"{why} (see `carbon-kepler regions`)"))
    return out
