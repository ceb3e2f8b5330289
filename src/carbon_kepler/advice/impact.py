"""Impact comparison (domain.md §7): transformations of the measured hourly energy rows.

`scale_allocated` applies rightsizing (each workload's allocated idle/system energy shrinks by its
freed CPU-request fraction); `shift_runs` applies temporal shifting (each run of consecutive hours with
energy moves, whole, to the cleanest window of its KST day). The rows that come out are ordinary
WorkloadHour rows, so the after-figures are the engine's own assessment of them: before and after
reconcile by construction. Continuous workloads (a run longer than a day) are left in place: shifting
a service that never stops changes nothing. A region move re-prices with a one-source intensity ratio.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from carbon_kepler.advice.model import RightsizingResult
from carbon_kepler.advice.regions import PinnedZone, choose_source, coverage, ranking_year, value_for
from carbon_kepler.advice.schedule import DAY, IntensityCurve, best_windows, runs
from carbon_kepler.carbon.factors import CarbonIntensityData
from carbon_kepler.carbon.intensity import IntensityProvider, Region, RegionsData, StaticProfile
from carbon_kepler.compliance.model import CheckResult, Status
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Basis, Figure, Notice, Quality
from carbon_kepler.core.period import HOUR, Period, hour_label, zone
from carbon_kepler.core.units import joules_to_kwh
from carbon_kepler.energy.attribution import WorkloadHour
from carbon_kepler.energy.columns import workload_key
from carbon_kepler.results import PeriodOut


def scale_allocated(rows: Sequence[WorkloadHour], fraction: Mapping[str, float]) -> list[WorkloadHour]:
    """Each row's allocated energy × (1 − f) of its workload; active energy unchanged."""
    return [r._replace(allocated_j=r.allocated_j * (1.0 - fraction.get(workload_key(r), 0.0))) for r in rows]


class ShiftedRun(BaseModel):
    """One run of a workload moved to the cleanest window of its day."""

    model_config = ConfigDict(frozen=True)
    workload: str = Field(description="namespace/workload.")
    from_start: str = Field(description="Measured start of the run (local ISO).")
    to_start: str = Field(description="Start after shifting (local ISO).")
    hours: int = Field(description="Length of the run in hour buckets.")
    energy_kwh: float = Field(description="Energy of the run (kWh, measured).")
    mean_before_g_per_kwh: float = Field(description="Time-weighted mean intensity of the measured hours.")
    mean_after_g_per_kwh: float = Field(description="Time-weighted mean intensity of the new hours.")


def _day_start(hour_utc: int, tz: str) -> int:
    local = datetime.fromtimestamp(hour_utc, UTC).astimezone(zone(tz))
    return int(local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())


def best_offset(first: int, length: int, intensity: Mapping[int, float], period: Period, tz: str) -> int:
    """Seconds to move a run of `length` hours starting at `first` to the cleanest window of its day.

    The span is the run's local day (extended to the run's end if it crosses midnight), clipped to the
    period. Among tied windows the run stays put if it is one of them, else moves the least distance.
    """
    day = _day_start(first, tz)
    lo, hi = max(day, period.start_ts), min(max(day + DAY, first + length * HOUR), period.end_ts)
    curve = IntensityCurve.hourly({h: intensity[h] for h in range(lo, hi, HOUR)})
    ties = best_windows(curve, length * HOUR, lo, hi).best
    starts = [w.start_utc for w in ties]
    if first in starts:
        return 0
    return min(starts, key=lambda s: (abs(s - first), s)) - first


def shift_runs(
    rows: Sequence[WorkloadHour], intensity: Mapping[int, float], period: Period, tz: str
) -> tuple[list[WorkloadHour], list[ShiftedRun], list[Notice]]:
    """Move every run shorter than a day to its cleanest same-day window (energy and order preserved)."""
    by_workload: dict[str, list[WorkloadHour]] = defaultdict(list)
    for r in rows:
        by_workload[workload_key(r)].append(r)
    out: list[WorkloadHour] = []
    moved: list[ShiftedRun] = []
    continuous: list[str] = []
    for key, members in sorted(by_workload.items()):
        offsets: dict[int, int] = {}
        for first, length in runs([m.hour_utc for m in members if m.total_j > 0]):
            if length * HOUR > DAY:
                continuous.append(key)
                continue
            off = best_offset(first, length, intensity, period, tz)
            offsets.update({first + i * HOUR: off for i in range(length)})
            if off:
                moved.append(_shifted(key, members, first, length, off, intensity, tz))
        out += [m._replace(hour_utc=m.hour_utc + offsets.get(m.hour_utc, 0)) for m in members]
    return out, moved, _notices(continuous)


def _shifted(
    key: str,
    members: list[WorkloadHour],
    first: int,
    length: int,
    off: int,
    intensity: Mapping[int, float],
    tz: str,
) -> ShiftedRun:
    hours = range(first, first + length * HOUR, HOUR)
    energy = sum(m.total_j for m in members if first <= m.hour_utc < first + length * HOUR)
    return ShiftedRun(
        workload=key,
        from_start=hour_label(first, tz),
        to_start=hour_label(first + off, tz),
        hours=length,
        energy_kwh=round(joules_to_kwh(energy), 6),
        mean_before_g_per_kwh=round(sum(intensity[h] for h in hours) / length, 4),
        mean_after_g_per_kwh=round(sum(intensity[h + off] for h in hours) / length, 4),
    )


def _notices(continuous: list[str]) -> list[Notice]:
    if not continuous:
        return []
    names = ", ".join(sorted(set(continuous))[:8]) + (" …" if len(set(continuous)) > 8 else "")
    return [
        Notice(
            code="CONTINUOUS_NOT_SHIFTED",
            message=f"runs longer than a day were left in place (continuous services gain nothing from "
            f"temporal shifting): {names}",
        )
    ]


class CheckDelta(BaseModel):
    """One compliance check before and after an optimisation, with why it changed (or not)."""

    model_config = ConfigDict(frozen=True)
    code: str = Field(description="Check code, e.g. KR_CARBON_2050.")
    name_en: str = Field(description="Check name in English.")
    name_ko: str = Field(description="Check name in Korean.")
    before: Status = Field(description="Status on the measured energy.")
    after: Status = Field(description="Status on the transformed energy.")
    measured_before: Figure | None = Field(description="Value compared before.")
    measured_after: Figure | None = Field(description="Value compared after.")
    threshold: Figure | None = Field(description="Threshold (unchanged by the optimisation).")
    reason_en: str = Field(description="Why the after-status, in English.")
    reason_ko: str = Field(description="Why the after-status, in Korean.")


# -- results -------------------------------------------------------------------------------------


class ImpactPlan(BaseModel):
    """Which optimisations to apply to the measured hourly energy (any combination)."""

    model_config = ConfigDict(frozen=True)
    rightsize: bool = Field(
        False, description="Shrink allocated idle/system energy by each workload's freed CPU request."
    )
    shift: bool = Field(
        False, description="Move each run shorter than a day to the cleanest window of its day."
    )
    region: str | None = Field(None, description="Move to this region id (e.g. aws:ap-northeast-1).")
    region_source: str | None = Field(
        None, description="Intensity source for the region ratio (default: widest coverage)."
    )
    current_region: str | None = Field(
        None, description="Region the workload runs in now (default: org config site)."
    )
    cpu_headroom: float = Field(1.2, ge=1, description="Headroom on the CPU p95 for rightsizing.")


class Snapshot(BaseModel):
    """Energy, emissions and check statuses of one state of the energy series."""

    model_config = ConfigDict(frozen=True)
    it_energy: Figure = Field(description="IT energy (kWh).")
    facility_energy: Figure = Field(description="IT energy × PUE (kWh).")
    emissions_location: Figure = Field(description="Location-based emissions (gCO2eq).")
    emissions_market: Figure = Field(description="Market-based emissions (gCO2eq).")
    intensity: Figure | None = Field(description="Energy-weighted intensity (gCO2eq/kWh).")
    pue: Figure = Field(description="PUE applied.")
    intensity_series: str = Field(description="Hourly intensity series used.")
    statuses: dict[str, Status] = Field(description="Status of every compliance check by code.")


class ImpactStep(BaseModel):
    """One optimisation applied on top of the previous state, with its delta explained."""

    model_config = ConfigDict(frozen=True)
    optimisation: str = Field(description="rightsize | shift | region.")
    applied: bool = Field(description="False when it could not be applied (reason says why).")
    reason: str | None = Field(description="Why it was not applied.")
    after: Snapshot | None = Field(description="State after this step.")
    energy_delta_kwh: float = Field(description="IT energy change of this step (kWh).")
    emissions_delta_g: float = Field(description="Location-based emissions change of this step (gCO2eq).")
    intensity_delta_g_per_kwh: float | None = Field(
        description="Energy-weighted intensity change (gCO2eq/kWh)."
    )
    explanation_en: str = Field(description="What changed and why, with the numbers.")
    explanation_ko: str = Field(description="The same in Korean.")


class ImpactResult(BaseModel):
    """compare_optimization_impact: before/after of the chosen optimisations on the measured energy."""

    model_config = ConfigDict(frozen=True)
    unit: str = Field(description="Unit key, e.g. workload:ai-team/ml-training-job.")
    period: PeriodOut = Field(description="Window of the measured energy.")
    energy_source: str = Field(description="Where the measured energy comes from.")
    plan: ImpactPlan = Field(description="Optimisations requested.")
    before: Snapshot = Field(description="The engine's assessment of the measured energy.")
    after: Snapshot = Field(description="The engine's assessment of the transformed energy.")
    steps: list[ImpactStep] = Field(description="Each optimisation in order: rightsize, shift, region.")
    checks: list[CheckDelta] = Field(description="Every compliance check before and after.")
    energy_delta: Figure = Field(description="after − before IT energy (kWh).")
    emissions_delta: Figure = Field(description="after − before location-based emissions (gCO2eq).")
    emissions_market_delta: Figure = Field(description="after − before market-based emissions (gCO2eq).")
    intensity_delta: Figure | None = Field(
        description="after − before energy-weighted intensity (gCO2eq/kWh)."
    )
    shifted_runs: list[ShiftedRun] = Field(
        description="Runs moved by temporal shifting (largest energy first, top 10)."
    )
    shifted_runs_total: int = Field(description="Number of runs moved.")
    rightsizing: RightsizingResult | None = Field(description="The rightsizing the rightsize step rests on.")
    warnings: list[Notice] = Field(default_factory=list, description="Caveats.")


class AssessmentLike(Protocol):
    """The parts of an assessment (assessment.Assessment) that a snapshot reads."""

    @property
    def it_energy(self) -> Figure: ...
    @property
    def facility_energy(self) -> Figure: ...
    @property
    def emissions_location(self) -> Figure: ...
    @property
    def emissions_market(self) -> Figure: ...
    @property
    def intensity(self) -> Figure | None: ...
    @property
    def pue(self) -> Figure: ...
    @property
    def intensity_series(self) -> str: ...
    @property
    def checks(self) -> list[CheckResult]: ...


def snapshot(a: AssessmentLike) -> Snapshot:
    return Snapshot(
        it_energy=a.it_energy,
        facility_energy=a.facility_energy,
        emissions_location=a.emissions_location,
        emissions_market=a.emissions_market,
        intensity=a.intensity,
        pue=a.pue,
        intensity_series=a.intensity_series,
        statuses={c.code: c.status for c in a.checks},
    )


def check_deltas(before: AssessmentLike, after: AssessmentLike) -> list[CheckDelta]:
    was = {c.code: c for c in before.checks}
    return [
        CheckDelta(
            code=c.code,
            name_en=c.name_en,
            name_ko=c.name_ko,
            before=was[c.code].status,
            after=c.status,
            measured_before=was[c.code].measured,
            measured_after=c.measured,
            threshold=c.threshold,
            reason_en=c.reason_en,
            reason_ko=c.reason_ko,
        )
        for c in after.checks
    ]


Why = tuple[str, str]  # (English, Korean)


def rightsizing_fractions(result: RightsizingResult) -> tuple[dict[str, float] | None, Why]:
    """Each workload's freed CPU-request fraction, or None (with why) when rightsizing is not available."""
    if result.status == "NOT_AVAILABLE":
        m = ", ".join(result.missing_metrics)
        return None, (f"rightsizing not available: missing {m}", f"요청량 적정화 불가: {m} 없음")
    fractions = {w.workload: w.saving.freed_fraction for w in result.workloads if w.saving}
    n, cores = len(fractions), sum(w.cpu_request_cores - w.cpu_recommended_cores for w in result.workloads)
    en = f"allocated idle/system energy × (1 − freed CPU-request fraction) of {n} workloads"
    ko = f"워크로드 {n}개의 배분된 유휴·시스템 에너지 × (1 − 해제된 CPU 요청 비율)"
    return fractions, (f"{en} ({cores:.3f} cores freed)", f"{ko}({cores:.3f}코어 해제)")


def not_applied(name: str, why: Why) -> ImpactStep:
    return ImpactStep(
        optimisation=name,
        applied=False,
        reason=why[0],
        after=None,
        energy_delta_kwh=0.0,
        emissions_delta_g=0.0,
        intensity_delta_g_per_kwh=None,
        explanation_en=f"not applied: {why[0]}",
        explanation_ko=f"적용하지 않음: {why[1]}",
    )


def applied(name: str, prev: AssessmentLike, after: AssessmentLike, why: Why) -> ImpactStep:
    """One optimisation's deltas against the previous state, explained with the numbers."""
    de = round(after.it_energy.value - prev.it_energy.value, 9)  # 9 decimals: float noise is not a change
    dg = round(after.emissions_location.value - prev.emissions_location.value, 6)
    di = (
        round(after.intensity.value - prev.intensity.value, 6) if after.intensity and prev.intensity else None
    )
    en = f"IT energy {de:+.6g} kWh, emissions {dg:+.6g} gCO2eq"
    ko = f"IT 에너지 {de:+.6g} kWh, 배출량 {dg:+.6g} gCO2eq"
    if di is not None:
        en, ko = f"{en}, intensity {di:+.2f} gCO2eq/kWh", f"{ko}, 탄소집약도 {di:+.2f} gCO2eq/kWh"
    return ImpactStep(
        optimisation=name,
        applied=True,
        reason=None,
        after=snapshot(after),
        energy_delta_kwh=de,
        emissions_delta_g=dg,
        intensity_delta_g_per_kwh=di,
        explanation_en=f"{why[0]}: {en}",
        explanation_ko=f"{why[1]}: {ko}",
    )


# -- regional migration in the impact comparison ----------------------------------------------------


def migration_intensity(
    ci: CarbonIntensityData,
    regions: RegionsData,
    target: Region,
    current: Region,
    source: str | None,
    factor: Figure,
) -> tuple[Figure, Why]:
    """Target grid's annual intensity on the basis of the current series (impact comparison).

    I_target = factor × S_target / S_current, with S from one source and year: the relative
    difference comes from one consistent publisher, the absolute level stays on the factor the
    before-figures use, so before and after compare like with like.
    """
    src = choose_source(coverage(ci, regions), source, current.id)
    year = ranking_year(ci, regions, src)
    vt, vc = value_for(ci, regions, target, src, year), value_for(ci, regions, current, src, year)
    if vt is None or vc is None:
        missing = target.id if vt is None else current.id
        raise InputError(
            f"source {src} has no {year or ''} value for {missing}", hint="choose another region source"
        )
    value = factor.value * vt.g_per_kwh / vc.g_per_kwh
    ratio = f"{factor.value:g} × {vt.g_per_kwh:g} / {vc.g_per_kwh:g} ({src}, {target.id} vs {current.id})"
    fig = Figure(
        value=value,
        unit="gCO2eq/kWh",
        source=f"{ratio} on the basis of {factor.source}",
        year=factor.year,
        basis=Basis.LOCATION,
        quality=Quality.ESTIMATED,
    )
    en = f"intensity {ratio} = {value:.1f} gCO2eq/kWh (flat: no hourly profile for {target.grid_zone})"
    return fig, (
        en,
        f"탄소집약도 {ratio} = {value:.1f} gCO2eq/kWh (평탄: {target.grid_zone} 시간대별 프로파일 없음)",
    )


def migrated_intensity(
    ci: CarbonIntensityData,
    regions: RegionsData,
    target: Region,
    current: Region,
    source: str | None,
    factor: Figure,
) -> tuple[IntensityProvider, Why]:
    """The target grid's flat series (migration_intensity) served whatever zone is asked for."""
    annual, how = migration_intensity(ci, regions, target, current, source, factor)
    static = StaticProfile(target.electricitymaps_zone, annual, None)
    return PinnedZone(static, target.electricitymaps_zone), how
