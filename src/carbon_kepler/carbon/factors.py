"""Official Korean emission factors by vintage and purpose, and the typed view of carbon-intensity.json.

Validated at load: a broken file fails with the field path (core/datafiles.py). Factor choice follows domain.md §4.2: K-ETS settles with the allocation
factor, disclosure uses the newest factor for the reporting year, the default is the latest official one.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from carbon_kepler.carbon.model import InstrumentKind
from carbon_kepler.core.datafiles import load_model
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Basis, Figure, Quality
from carbon_kepler.core.units import kg_per_kwh_to_g_per_kwh

Confidence = Literal["H", "M", "L"]
CARBON_INTENSITY_FILE = "carbon-intensity.json"


class DataModel(BaseModel):
    """Base of the data-file models: frozen, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class GasSplit(DataModel):
    co2_kg_per_mwh: float = Field(description="CO2 part (kg/MWh).")
    ch4_kg_per_mwh: float | None = Field(description="CH4 part (kg/MWh), when published.")
    n2o_kg_per_mwh: float | None = Field(description="N2O part (kg/MWh), when published.")
    gwp: str | None = Field(description="GWP set used to add the gases up.")


class OfficialFactor(DataModel):
    id: str = Field(pattern=r"^[A-Z0-9_]+$", description="Stable id, e.g. KR_2023.")
    value_kg_per_kwh: float = Field(gt=0, lt=2, description="tCO2eq/MWh = kgCO2eq/kWh, consumption end.")
    vintage_start: int = Field(ge=1990, description="First data year the factor describes.")
    vintage_end: int = Field(ge=1990, description="Last data year the factor describes.")
    co2eq: bool = Field(description="False for CO2-only parts, which must never be used as a CO2eq factor.")
    gases: GasSplit | None = Field(description="Gas split when published.")
    kets_phases: tuple[int, ...] = Field(description="K-ETS phases that allocated with this factor.")
    published: str | None = Field(pattern=r"^\d{4}-\d{2}(-\d{2})?$", description="Publication date (ISO).")
    source: str = Field(min_length=3, description="Publisher and document.")
    url: str | None = Field(description="Link when one is stable.")
    confidence: Confidence = Field(description="H, M or L.")
    note: str = Field(description="Caveats.")

    @model_validator(mode="after")
    def _vintage_order(self) -> OfficialFactor:
        if self.vintage_end < self.vintage_start:
            raise ValueError(f"vintage_end {self.vintage_end} is before vintage_start {self.vintage_start}")
        return self

    @property
    def vintage(self) -> str:
        s, e = self.vintage_start, self.vintage_end
        return str(s) if s == e else f"{s}-{e}"


class KetsPhase(DataModel):
    phase: int = Field(ge=1, description="K-ETS phase number.")
    first_year: int = Field(description="First compliance year.")
    last_year: int = Field(description="Last compliance year.")
    allocation_factor_id: str = Field(description="Official factor id used at allocation.")
    source: str = Field(description="Allocation plan or guideline.")
    confidence: Confidence = Field(description="H, M or L.")


class AnnualValue(DataModel):
    year: int = Field(description="Data year.")
    g_per_kwh: float = Field(gt=0, description="gCO2eq/kWh.")


class ThirdPartySeries(DataModel):
    source: str = Field(description="Publisher, e.g. Electricity Maps.")
    zone: str = Field(description="Grid zone.")
    basis: str = Field(description="lifecycle | direct | grid average.")
    values: tuple[AnnualValue, ...] = Field(min_length=1, description="Annual averages.")
    url: str | None = Field(description="Where to check it.")
    confidence: Confidence = Field(description="H, M or L.")
    note: str = Field(description="Caveats.")


class ProfileAnchor(DataModel):
    hours: str = Field(description="KST hour range, e.g. 10-15.")
    claim: str = Field(description="What is documented about those hours.")
    source: str = Field(description="Where it is documented.")
    confidence: Confidence = Field(description="H, M or L.")


class HourlyProfile(DataModel):
    zone: str = Field(description="Grid zone.")
    timezone: str = Field(description="Zone of the hour-of-day index.")
    assumption: Literal[True] = Field(description="Always true: no published hourly series exists (§4.4).")
    weights: tuple[float, ...] = Field(
        min_length=24, max_length=24, description="Relative weight per hour 0-23."
    )
    anchors: tuple[ProfileAnchor, ...] = Field(
        min_length=1, description="Documented facts the shape follows."
    )
    method: str = Field(description="How the weights become gCO2eq/kWh.")
    confidence: Confidence = Field(description="Confidence in the shape's amplitude.")

    @field_validator("weights")
    @classmethod
    def _positive(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if min(v) <= 0:
            raise ValueError("every weight must be > 0")
        return v


class InstrumentRule(DataModel):
    kind: InstrumentKind = Field(description="Instrument type.")
    name_en: str = Field(description="English name.")
    name_ko: str = Field(description="Korean name.")
    counts_for_re100: bool = Field(description="Counts for RE100 claims.")
    counts_for_ghg_reduction: bool = Field(description="Counts as an emissions reduction.")
    confidence: Confidence = Field(description="H, M or L.")
    source: str = Field(description="Rule source.")


class EmbodiedCoefficient(DataModel):
    family: str = Field(description="Instance family, e.g. c5.")
    total_embodied_kgco2eq: float = Field(gt=0, description="TE per server (kgCO2eq).")
    source: str = Field(description="Coefficient source.")
    url: str | None = Field(description="Link.")
    confidence: Confidence = Field(description="H, M or L.")


class SciDefaults(DataModel):
    expected_lifespan_hours: float = Field(gt=0, description="EL, server lifespan in hours.")
    source: str = Field(description="Source.")
    confidence: Confidence = Field(description="H, M or L.")


class CarbonIntensityData(DataModel):
    """data/carbon-intensity.json."""

    schema_version: Literal[1] = Field(description="File schema version.")
    data_version: str = Field(description="Data release, e.g. 2026.1.")
    official_factors: tuple[OfficialFactor, ...] = Field(min_length=1, description="Korean factors.")
    kets_phases: tuple[KetsPhase, ...] = Field(description="K-ETS phases and their allocation factor.")
    third_party: tuple[ThirdPartySeries, ...] = Field(description="Third-party annual averages per zone.")
    hourly_profiles: tuple[HourlyProfile, ...] = Field(description="Assumed hourly shapes per zone.")
    market_instruments: tuple[InstrumentRule, ...] = Field(description="K-RE100 instrument rules.")
    embodied: tuple[EmbodiedCoefficient, ...] = Field(description="Embodied-carbon coefficients.")
    sci_defaults: SciDefaults = Field(description="SCI defaults.")

    @model_validator(mode="after")
    def _references(self) -> CarbonIntensityData:
        ids = [f.id for f in self.official_factors]
        if len(ids) != len(set(ids)):
            raise ValueError(f"official_factors: duplicate id in {ids}")
        for p in self.kets_phases:
            if p.allocation_factor_id not in ids:
                raise ValueError(
                    f"kets_phases: phase {p.phase} names unknown factor {p.allocation_factor_id!r}"
                )
        missing = set(InstrumentKind) - {r.kind for r in self.market_instruments}
        if missing:
            raise ValueError(f"market_instruments: no rule for {sorted(missing)}")
        return self

    def factor(self, factor_id: str) -> OfficialFactor:
        for f in self.official_factors:
            if f.id == factor_id:
                return f
        allowed = ", ".join(f.id for f in self.official_factors if f.co2eq)
        raise InputError(f"unknown emission factor {factor_id!r}", hint=f"allowed: {allowed}")

    def profile(self, zone: str) -> HourlyProfile | None:
        return next((p for p in self.hourly_profiles if p.zone == zone), None)

    def instrument_rule(self, kind: InstrumentKind) -> InstrumentRule:
        return next(r for r in self.market_instruments if r.kind == kind)


class Purpose(StrEnum):
    """Why the user reports: it decides the factor (domain.md §4.2)."""

    LATEST = "latest"
    DISCLOSURE = "disclosure"
    KETS = "k-ets"


class FactorChoice(BaseModel):
    """The official factor chosen for a reporting year and purpose, and why."""

    model_config = ConfigDict(frozen=True)

    factor_id: str = Field(description="Official factor id.")
    value_kg_per_kwh: float = Field(description="tCO2eq/MWh.")
    vintage: str = Field(description="Data years the factor describes, e.g. 2023 or 2014-2016.")
    year: int = Field(description="Last data year of the vintage.")
    purpose: Purpose = Field(description="latest | disclosure | k-ets.")
    reporting_year: int | None = Field(description="Reporting year the choice was made for.")
    reason: str = Field(description="One line: why this factor.")
    source: str = Field(description="Publisher and document.")
    confidence: Confidence = Field(description="H, M or L.")

    def figure(self) -> Figure:
        g = kg_per_kwh_to_g_per_kwh(self.value_kg_per_kwh)
        return Figure(
            value=round(g, 6),
            unit="gCO2eq/kWh",
            source=f"KR official factor {self.factor_id} ({self.value_kg_per_kwh} tCO2eq/MWh, vintage "
            f"{self.vintage}): {self.source}",
            year=self.year,
            basis=Basis.LOCATION,
            quality=Quality.ESTIMATED,
        )


def _choice(f: OfficialFactor, purpose: Purpose, year: int | None, reason: str) -> FactorChoice:
    return FactorChoice(
        factor_id=f.id,
        value_kg_per_kwh=f.value_kg_per_kwh,
        vintage=f.vintage,
        year=f.vintage_end,
        purpose=purpose,
        reporting_year=year,
        reason=reason,
        source=f.source,
        confidence=f.confidence,
    )


def allowed_reporting_years(data: CarbonIntensityData, purpose: Purpose) -> str:
    """Human description of the reporting years a purpose can serve (used in error messages)."""
    if purpose is Purpose.KETS:
        return (
            ", ".join(f"{p.first_year}-{p.last_year} (phase {p.phase})" for p in data.kets_phases) or "none"
        )
    first = min(f.vintage_start for f in data.official_factors if f.co2eq)
    return f"{first} or later" if purpose is Purpose.DISCLOSURE else "any"


def choose_factor(
    data: CarbonIntensityData,
    *,
    purpose: Purpose = Purpose.LATEST,
    reporting_year: int | None = None,
    factor_id: str | None = None,
) -> FactorChoice:
    """Pick the official factor; raises InputError naming the allowed values when none fits."""
    usable = [f for f in data.official_factors if f.co2eq]
    if factor_id is not None:
        f = data.factor(factor_id)
        if not f.co2eq:
            raise InputError(
                f"factor {factor_id} ({f.value_kg_per_kwh}) is CO2-only, not a CO2eq factor",
                hint=f"allowed: {', '.join(u.id for u in usable)}",
            )
        return _choice(f, purpose, reporting_year, f"factor {f.id} named explicitly in the configuration")
    if purpose is Purpose.LATEST:
        f = max(usable, key=lambda u: (u.vintage_end, u.vintage_start))
        return _choice(f, purpose, reporting_year, "latest official factor (default)")
    if reporting_year is None:
        raise InputError(f"purpose {purpose.value} needs a reporting year", hint="set reporting.year")
    if purpose is Purpose.KETS:
        phase = next((p for p in data.kets_phases if p.first_year <= reporting_year <= p.last_year), None)
        if phase is None:
            raise InputError(
                f"no K-ETS allocation factor known for reporting year {reporting_year}",
                hint=f"allowed years: {allowed_reporting_years(data, purpose)}; or name a factor explicitly",
            )
        f = data.factor(phase.allocation_factor_id)
        return _choice(
            f, purpose, reporting_year, f"K-ETS phase {phase.phase} settles with its allocation factor"
        )
    # Disclosure: the newest factor whose vintage begins no later than the reporting year; a single-year
    # factor wins over a multi-year average ending the same year (domain.md §4.2 "latest single-year").
    candidates = [f for f in usable if f.vintage_start <= reporting_year]
    if not candidates:
        raise InputError(
            f"no official factor covers reporting year {reporting_year}",
            hint=f"allowed years: {allowed_reporting_years(data, purpose)}",
        )
    f = max(candidates, key=lambda u: (u.vintage_end, u.vintage_start))
    return _choice(
        f,
        purpose,
        reporting_year,
        f"disclosure: newest official factor whose vintage starts by {reporting_year} (vintage {f.vintage})",
    )


@lru_cache(maxsize=4)
def load_carbon_intensity(path: str = CARBON_INTENSITY_FILE) -> CarbonIntensityData:
    return load_model(CarbonIntensityData, path)
