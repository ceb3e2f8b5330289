"""Types shared by the recommendation modules (domain.md §7): availability, a saving, a check delta.

Every number is a Figure or a field whose name carries its unit; every saving states its formula with
the numbers written out, and whether it rests on measured data or on an estimate.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from carbon_kepler.advice import rightsizing
from carbon_kepler.advice.regions import RegionConstraint, RegionOption, Unranked
from carbon_kepler.advice.rightsizing import Availability, RightsizingOptions, WorkloadRightsizing
from carbon_kepler.advice.schedule import HistorySummary, RecurringSchedule, WindowScore
from carbon_kepler.advice.tariffs import WindowTariff
from carbon_kepler.carbon.model import IntensitySeries
from carbon_kepler.core.figures import Basis, Figure, Notice, Quality
from carbon_kepler.core.period import hour_label
from carbon_kepler.energy.prometheus.usage import PROVIDER, UsageData
from carbon_kepler.results import PeriodOut


class Saving(BaseModel):
    """What an option saves against a baseline, with the arithmetic shown."""

    model_config = ConfigDict(frozen=True)
    against: str = Field(description="The baseline: now | history | current-region | before.")
    baseline_intensity: Figure | None = Field(description="Mean intensity of the baseline (gCO2eq/kWh).")
    intensity_saved_g_per_kwh: float | None = Field(
        description="Baseline mean intensity minus the option's (gCO2eq/kWh); negative means worse."
    )
    intensity_saved_pct: float | None = Field(description="The same as a percentage of the baseline.")
    emissions_saved: Figure | None = Field(
        description="gCO2eq saved (energy × PUE × intensity difference); None without an energy figure."
    )
    formula: str = Field(description="The formula with the numbers written out.")


def pct(part: float, whole: float) -> float | None:
    """part / whole in percent, None when whole is 0."""
    return None if whole == 0 else 100.0 * part / whole


def saving(
    against: str, baseline: Figure | None, option: Figure, energy: Figure | None, pue: Figure
) -> Saving:
    """Intensity and emissions an option saves against a baseline: E × PUE × (I_baseline − I_option)."""
    if baseline is None:
        return Saving(
            against=against,
            baseline_intensity=None,
            intensity_saved_g_per_kwh=None,
            intensity_saved_pct=None,
            emissions_saved=None,
            formula="no baseline",
        )
    d = baseline.value - option.value
    formula = f"ΔI = {baseline.value:.4f} − {option.value:.4f} = {d:.4f} gCO2eq/kWh"
    grams = None
    if energy is not None:
        g = energy.value * pue.value * d
        formula += f"; saved = {energy.value:.6g} kWh × PUE {pue.value:g} × {d:.4f} = {g:.6g} gCO2eq"
        grams = Figure(
            value=g, unit="gCO2eq", source=formula, basis=Basis.LOCATION, quality=Quality.ESTIMATED
        )
    return Saving(
        against=against,
        baseline_intensity=baseline,
        intensity_saved_g_per_kwh=d,
        intensity_saved_pct=pct(d, baseline.value),
        emissions_saved=grams,
        formula=formula,
    )


def delta(before: Figure, after: Figure) -> Figure:
    """after − before, in the unit of both."""
    return Figure(
        value=after.value - before.value,
        unit=before.unit,
        source=f"after − before ({after.source})",
        basis=after.basis,
        quality=Quality.ESTIMATED,
    )


def total(figs: list[Figure], unit: str, what: str) -> Figure | None:
    """Σ of figures (None when there are none)."""
    if not figs:
        return None
    return Figure(
        value=sum(f.value for f in figs),
        unit=unit,
        source=f"Σ over {len(figs)} {what}",
        quality=Quality.ESTIMATED,
    )


class ScheduleRequest(BaseModel):
    """A job to place in time (calculate_optimal_schedule arguments)."""

    model_config = ConfigDict(frozen=True)
    duration_minutes: int = Field(gt=0, le=48 * 60, description="How long the job runs (minutes, ≤ 48 h).")
    earliest_start: datetime | None = Field(None, description="Earliest start (default: now).")
    deadline: datetime | None = Field(
        None, description="Must have finished by (default: earliest start + 24 h)."
    )
    region: str | None = Field(
        None, description="Region id (default: the org config site, else the Korean grid)."
    )
    namespace: str | None = Field(None, description="Namespace of the workload, for its measured run hours.")
    workload: str | None = Field(None, description="Workload whose measured runs are the 'history' baseline.")
    energy_kwh: float | None = Field(
        None, gt=0, description="Energy of one run (default: from measured history)."
    )
    max_alternatives: int = Field(3, ge=0, le=20, description="Tied windows to list besides the best.")


# -- temporal shift -------------------------------------------------------------------------------


class ScheduleWindow(BaseModel):
    """One candidate run window."""

    model_config = ConfigDict(frozen=True)
    start: str = Field(description="Start, ISO 8601 in the report time zone (KST by default).")
    end: str = Field(description="End (exclusive), ISO 8601 in the report time zone.")
    start_utc: int = Field(description="Start as UTC epoch seconds.")
    mean_intensity: Figure = Field(
        description="Time-weighted mean grid intensity over the window (gCO2eq/kWh)."
    )
    tariff: WindowTariff | None = Field(description="Time-of-use band mix (Korean grid only), else None.")


class ScheduleResult(BaseModel):
    """calculate_optimal_schedule: the cleanest window for a job, and what it saves."""

    model_config = ConfigDict(frozen=True)
    region: str | None = Field(description="Region id the job runs in (None: the Korean grid).")
    grid_zone: str = Field(description="Grid zone whose intensity is used.")
    now: str = Field(description="The clock's now (local ISO) used as the 'start now' baseline.")
    earliest_start: str = Field(description="Earliest allowed start (local ISO).")
    deadline: str = Field(description="Time by which the job must have finished (local ISO).")
    duration_minutes: int = Field(description="Job duration (minutes).")
    intensity_series: IntensitySeries = Field(description="Forecast or profile used, and what it rests on.")
    method: str = Field(description="How windows are scored.")
    best: ScheduleWindow = Field(
        description="Recommended window: lowest mean intensity, earliest among ties."
    )
    tied_windows: int = Field(description="Windows sharing the lowest mean (including the best).")
    alternatives: list[ScheduleWindow] = Field(description="Other tied windows (a few, earliest first).")
    candidates_evaluated: int = Field(description="Feasible windows scored.")
    start_now: ScheduleWindow = Field(description="The window starting now, for comparison.")
    saving_vs_now: Saving = Field(description="Best window against starting now.")
    saving_vs_history: Saving | None = Field(
        description="Best window against the workload's measured run hours."
    )
    history: HistorySummary | None = Field(
        description="The workload's measured runs (when a workload is named)."
    )
    energy_per_run: Figure | None = Field(
        description="Energy of one run (given, or estimated from measured history)."
    )
    pue: Figure = Field(description="PUE applied to emissions saved.")
    tariff_vs_now: str = Field(
        description="Band order of the best window against now: lower | same | higher | unknown."
    )
    recurring: RecurringSchedule | None = Field(description="Daily CronJob schedule for a recurring job.")
    warnings: list[Notice] = Field(default_factory=list, description="Fallbacks and caveats.")


# -- rightsizing ----------------------------------------------------------------------------------


class RightsizingResult(BaseModel):
    """Rightsizing from kube-state-metrics requests and cAdvisor usage, or why it is not available."""

    model_config = ConfigDict(frozen=True)
    status: Availability = Field(description="AVAILABLE, or NOT_AVAILABLE when a needed metric is missing.")
    missing_metrics: list[str] = Field(description="Metric families with no series in the window.")
    missing_explained: list[str] = Field(description="What each missing metric is and what provides it.")
    period: PeriodOut = Field(description="Window of usage and energy.")
    usage_source: str = Field(description="Where requests and usage come from.")
    quantile: float = Field(description="Usage quantile (0.95 = p95).")
    cpu_headroom: float = Field(description="Multiplier on the CPU quantile.")
    memory_headroom: float = Field(description="Multiplier on the memory quantile.")
    method: str = Field(description="Formulas of the recommendation and of the saving.")
    workloads: list[WorkloadRightsizing] = Field(
        description="Workloads, largest energy saving first (top N)."
    )
    workloads_omitted: int = Field(description="Workloads left out by the limit.")
    energy_saved: Figure | None = Field(
        description="Σ energy saved over the listed workloads (kWh, estimated)."
    )
    emissions_saved: Figure | None = Field(description="Σ emissions saved (gCO2eq, estimated).")
    queries: int = Field(description="Prometheus requests made for usage.")
    warnings: list[Notice] = Field(default_factory=list, description="Caveats.")


# -- regional migration ---------------------------------------------------------------------------


class RegionsResult(BaseModel):
    """get_regional_comparison: the unit's measured energy re-priced in each region (one source)."""

    model_config = ConfigDict(frozen=True)
    unit: str = Field(description="What was compared: cluster, namespace or namespace/workload.")
    period: PeriodOut = Field(description="Window of the measured energy.")
    it_energy: Figure = Field(description="Measured IT energy re-priced in every region (kWh).")
    source: str = Field(description="The one intensity source of this ranking.")
    year: int | None = Field(description="Data year of the ranking (None: undated coefficients).")
    sources_available: dict[str, int] = Field(description="Other sources and how many regions each covers.")
    current_region: str | None = Field(
        description="Region the workload runs in now (org config or argument)."
    )
    options: list[RegionOption] = Field(description="Ranked regions, lowest emissions first.")
    unranked: list[Unranked] = Field(description="Regions without a value in this source/year or a PUE.")
    constraints: list[RegionConstraint] = Field(description="What each constraint code in the options means.")
    method: str = Field(description="Formula of the re-pricing.")
    warnings: list[Notice] = Field(default_factory=list, description="Caveats.")


def rightsizing_result(
    period: PeriodOut,
    data: UsageData,
    opts: RightsizingOptions,
    advice: list[WorkloadRightsizing],
    limit: int | None,
    notices: list[Notice],
) -> RightsizingResult:
    """The result of rightsize: top `limit` workloads by energy saved, with totals over them."""
    status, missing = rightsizing.missing_metrics(data.missing)
    advice = sorted(advice, key=lambda w: (-(w.saving.energy_saved.value if w.saving else 0.0), w.workload))
    shown = advice[:limit] if limit else advice
    savings = [w.saving for w in shown if w.saving]
    return RightsizingResult(
        status=status,
        missing_metrics=missing,
        missing_explained=[f"{m} (from {PROVIDER[m]}) has no series in the window" for m in missing],
        period=period,
        usage_source=data.source,
        quantile=opts.quantile,
        cpu_headroom=opts.cpu_headroom,
        memory_headroom=opts.memory_headroom,
        method=" ".join((rightsizing.__doc__ or "").split()),
        workloads=shown,
        workloads_omitted=len(advice) - len(shown),
        energy_saved=total([s.energy_saved for s in savings], "kWh", "workloads"),
        emissions_saved=total([s.emissions_saved for s in savings], "gCO2eq", "workloads"),
        queries=data.queries,
        warnings=notices if savings else [],
    )


def schedule_window(
    w: WindowScore, series: IntensitySeries, tz: str, tariff: WindowTariff | None
) -> ScheduleWindow:
    """A scored window with its local labels, mean intensity and tariff band mix."""
    mean = Figure(
        value=round(w.mean_g_per_kwh, 6),
        unit="gCO2eq/kWh",
        source=f"time-weighted mean of [{series.source}]",
        basis=Basis.LOCATION,
        quality=series.quality,
    )
    return ScheduleWindow(
        start=hour_label(w.start_utc, tz),
        end=hour_label(w.end_utc, tz),
        start_utc=w.start_utc,
        mean_intensity=mean,
        tariff=tariff,
    )
