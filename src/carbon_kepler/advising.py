"""Recommendation use cases (domain.md §7) at engine level: schedule, rightsize, regions, impact.

Beside assessment.py: wires the pure advice/ domain to the energy the engine attributed, the
assessor's factor, intensity series and PUE, the Prometheus usage source and the injectable clock.
Every method returns a pydantic result model (advice/model.py) that the CLI renders and MCP returns.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from carbon_kepler.advice import impact as imp
from carbon_kepler.advice import regions as reg
from carbon_kepler.advice import rightsizing as rs
from carbon_kepler.advice import schedule as sch
from carbon_kepler.advice.impact import ImpactPlan, ImpactResult, ImpactStep
from carbon_kepler.advice.model import (
    RegionsResult,
    RightsizingResult,
    ScheduleRequest,
    ScheduleResult,
    ScheduleWindow,
    delta,
    rightsizing_result,
    saving,
    schedule_window,
)
from carbon_kepler.advice.tariffs import compare_price, load_tariffs, tariff_notices, window_tariff
from carbon_kepler.assessment import GRID_ZONE, Assessment, Assessor, UnitKind
from carbon_kepler.carbon.emissions import configured_pue, region_pue
from carbon_kepler.carbon.model import IntensitySeries
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Figure, Notice, Quality
from carbon_kepler.core.period import HOUR, Period, hour_floor, hour_label, zone
from carbon_kepler.core.units import joules_to_kwh
from carbon_kepler.energy.attribution import WorkloadHour
from carbon_kepler.energy.prometheus.source import PrometheusSource
from carbon_kepler.energy.prometheus.usage import PROVIDER, PrometheusUsageSource, UsageData, UsageSource
from carbon_kepler.energy.selector import Selector
from carbon_kepler.engine import Attribution, Engine, PeriodArgs, select, unit_of

Progress = Callable[[str], None] | None
MAX_HORIZON_S = 8 * 24 * HOUR
METHOD = (
    "rolling time-weighted mean intensity over each feasible window (partial hours weighted by overlap, as the "
    "Green Software Foundation Carbon Aware SDK does); exact minimum over all start times"
)


def _minute(ts: float, up: bool) -> int:
    return (int(ts // 60) + (1 if up and ts % 60 else 0)) * 60


def _ts(dt: datetime, tz: str) -> float:
    """Epoch seconds; a time without offset is read in the report time zone (KST), never the host's."""
    aware = dt if dt.tzinfo else dt.replace(tzinfo=zone(tz))
    return aware.timestamp()


class Advisor:
    """Recommendations with numbers for one engine (settings, energy source, clock)."""

    def __init__(self, engine: Engine, *, usage: UsageSource | None = None) -> None:
        self.engine = engine
        self._usage = usage
        self.tariffs = load_tariffs()
        self.constraints = reg.load_constraints()

    @property
    def tz(self) -> str:
        return self.engine.settings.timezone

    @property
    def assessor(self) -> Assessor:
        return self.engine.assessor

    def usage_source(self) -> UsageSource | None:
        """The injected usage source, else Prometheus when energy comes from Prometheus, else None."""
        if self._usage is not None:
            return self._usage
        src = self.engine.source
        return PrometheusUsageSource(src.client) if isinstance(src, PrometheusSource) else None

    def _pue(self) -> tuple[Figure, list[Notice]]:
        if self.assessor.pue is not None:
            return self.assessor.pue, []
        why = "no site PUE configured: savings count IT energy only (PUE 1.0); pass --org-config"
        return configured_pue(1.0, "PUE not configured"), [Notice(code="PUE_NOT_CONFIGURED", message=why)]

    def _site_pue(self, region_id: str | None) -> Figure | None:
        """The configured site PUE when `region_id` is the org config site's region."""
        return self.assessor.pue if region_id and region_id == self._site_region() else None

    def _site_region(self) -> str | None:
        org = self.assessor.org
        return org.site_for_cluster(None).region if org else None

    def _attributed(
        self, args: PeriodArgs, selector: Selector, progress: Progress
    ) -> tuple[Attribution, Sequence[WorkloadHour]]:
        att = self.engine.attribution(self.engine.period(args), progress)
        return att, select(att.attributed.workloads, selector)

    # -- temporal shift ---------------------------------------------------------------------------
    def schedule(
        self, req: ScheduleRequest, history: PeriodArgs | None = None, progress: Progress = None
    ) -> ScheduleResult:
        """calculate_optimal_schedule: the cleanest window between earliest start and deadline."""
        now = _minute(self.engine.clock().timestamp(), up=True)
        asked = _minute(_ts(req.earliest_start, self.tz), up=True) if req.earliest_start else now
        earliest = max(now, asked)
        deadline = _minute(_ts(req.deadline, self.tz), up=False) if req.deadline else earliest + 24 * HOUR
        duration = req.duration_minutes * 60
        sch.check_feasible(duration, earliest, deadline)  # a deadline in the past fails here
        if deadline - now > MAX_HORIZON_S:
            raise InputError("the deadline lies more than 8 days ahead", hint="plan within a week")
        region = req.region or self._site_region()
        grid, provider, static = sch.grid_provider(
            self.assessor.carbon,
            self.assessor.regions.region(region) if region else None,
            self.assessor.intensity,
        )
        last = max(deadline, now + duration)
        series = provider.hourly(grid, list(range(hour_floor(now), last + HOUR - 1, HOUR)))
        curve = sch.IntensityCurve.hourly(series.values)
        search = sch.best_windows(curve, duration, earliest, deadline)
        hist = self._history(req, history, progress)
        pue, notices = self._pue()
        energy = sch.energy_per_run(req.energy_kwh, hist, duration)
        best = self._window(search.best[0], series.series, grid)
        now_score = sch.WindowScore(now, now + duration, curve.mean(now, now + duration))
        start_now = self._window(now_score, series.series, grid)
        return ScheduleResult(
            region=region,
            grid_zone=grid,
            now=hour_label(now, self.tz),
            earliest_start=hour_label(earliest, self.tz),
            deadline=hour_label(deadline, self.tz),
            duration_minutes=req.duration_minutes,
            intensity_series=series.series,
            method=METHOD,
            best=best,
            tied_windows=len(search.best),
            alternatives=[
                self._window(w, series.series, grid) for w in search.best[1 : 1 + req.max_alternatives]
            ],
            candidates_evaluated=search.candidates,
            start_now=start_now,
            saving_vs_now=saving("now", start_now.mean_intensity, best.mean_intensity, energy, pue),
            saving_vs_history=saving("history", hist.intensity, best.mean_intensity, energy, pue)
            if hist
            else None,
            history=hist,
            energy_per_run=energy,
            pue=pue,
            tariff_vs_now=compare_price(best.tariff, start_now.tariff),
            recurring=sch.recurring_for(static, duration, earliest, self.tz),
            warnings=[*series.warnings, *notices, *tariff_notices(grid == GRID_ZONE)],
        )

    def _window(self, w: sch.WindowScore, series: IntensitySeries, grid: str) -> ScheduleWindow:
        tariff = window_tariff(self.tariffs, w.start_utc, w.end_utc) if grid == GRID_ZONE else None
        return schedule_window(w, series, self.tz, tariff)

    def _history(
        self, req: ScheduleRequest, args: PeriodArgs | None, progress: Progress
    ) -> sch.HistorySummary | None:
        if not req.workload:
            return None
        att, rows = self._attributed(
            args or PeriodArgs(), Selector(namespace=req.namespace, workload=req.workload), progress
        )
        kwh: dict[int, float] = defaultdict(float)
        for r in rows:
            kwh[r.hour_utc] += joules_to_kwh(r.total_j)
        intensity = self.assessor.intensity.hourly(GRID_ZONE, sorted(kwh))
        hist = sch.history_summary(
            kwh, intensity, self.engine.period_out(att.period), att.data.source, self.tz
        )
        if hist is None:
            raise InputError(
                f"workload {req.workload} used no measured energy in this period", hint="widen --since"
            )
        return hist

    # -- rightsizing ------------------------------------------------------------------------------
    def _usage_data(
        self, period: Period, selector: Selector, quantile: float, progress: Progress
    ) -> UsageData:
        source = self.usage_source()
        if source is None:
            what = f"{self.engine.source.description}: no Prometheus, so no kube-state-metrics or cAdvisor series"
            return UsageData((), tuple(PROVIDER), what, quantile)
        if progress:
            progress(f"querying requests and usage from {source.description}")
        return source.usage(period, Selector(namespace=selector.namespace, pod=selector.pod), quantile)

    def rightsize(
        self,
        args: PeriodArgs,
        selector: Selector,
        options: rs.RightsizingOptions | None = None,
        *,
        limit: int | None = 20,
        progress: Progress = None,
    ) -> RightsizingResult:
        """p95 × headroom per container and the idle/system energy the freed request carries."""
        att, rows = self._attributed(args, selector, progress)
        return self._rightsize(att, rows, selector, options or rs.RightsizingOptions(), limit, progress)

    def _rightsize(
        self,
        att: Attribution,
        rows: Sequence[WorkloadHour],
        selector: Selector,
        opts: rs.RightsizingOptions,
        limit: int | None,
        progress: Progress,
    ) -> RightsizingResult:
        data = self._usage_data(att.period, selector, opts.quantile, progress)
        complete = rs.missing_metrics(data.missing)[0] is rs.Availability.AVAILABLE
        pue, notices = self._pue()
        hourly = partial(self.assessor.intensity.hourly, GRID_ZONE) if complete else None
        advice = rs.advise_workloads(rows, data.rows, selector, hourly, pue, opts)
        period = self.engine.period_out(att.period)
        return rightsizing_result(period, data, opts, advice, limit, notices)

    # -- regional migration -----------------------------------------------------------------------
    def regions(
        self,
        args: PeriodArgs,
        selector: Selector,
        *,
        source: str | None = None,
        current_region: str | None = None,
        progress: Progress = None,
    ) -> RegionsResult:
        """get_regional_comparison: measured IT energy re-priced in every region with one named source."""
        a = self.assessor
        current = current_region or self._site_region()
        cov = reg.coverage(a.carbon, a.regions)
        src = reg.choose_source(cov, source, current and a.regions.region(current).id)
        att, rows = self._attributed(args, selector, progress)
        it_kwh = joules_to_kwh(sum(r.total_j for r in rows))
        ranking = reg.rank_regions(
            it_kwh, a.carbon, a.regions, self.constraints, src, current, self._site_pue(current)
        )
        why = "no current region (org config site or --current-region): no deltas against it"
        return RegionsResult(
            unit=unit_of(selector, rows).key,
            period=self.engine.period_out(att.period),
            it_energy=Figure(
                value=round(it_kwh, 6), unit="kWh", source=att.data.source, quality=Quality.MEASURED
            ),
            source=src,
            year=reg.ranking_year(a.carbon, a.regions, src),
            sources_available={s: len(ids) for s, ids in sorted(cov.items())},
            current_region=current,
            options=ranking.options,
            unranked=ranking.unranked,
            constraints=reg.glossary(self.constraints, {c for o in ranking.options for c in o.constraints}),
            method="emissions = measured IT energy × provider PUE × annual intensity; one source and year per ranking",
            warnings=[] if current else [Notice(code="CURRENT_REGION_UNKNOWN", message=why)],
        )

    # -- impact comparison ------------------------------------------------------------------------
    def impact(
        self, args: PeriodArgs, selector: Selector, plan: ImpactPlan, progress: Progress = None
    ) -> ImpactResult:
        """compare_optimization_impact: rightsize → shift → region on the measured hourly energy.

        Every state is the assessor's own assessment of the transformed rows, so before and after
        reconcile exactly with the engine run on the transformed series.
        """
        base = self.assessor
        migrated = self._migrated(base, plan) if plan.region else None  # bad region ids fail before queries
        att, rows = self._attributed(args, selector, progress)
        unit, pout = unit_of(selector, rows), self.engine.period_out(att.period)
        cov = att.coverage

        def assess(rows_: Sequence[WorkloadHour], assessor: Assessor) -> Assessment:
            cluster = unit.kind is UnitKind.CLUSTER
            return assessor.assess(
                unit, rows_, att.period, pout, coverage=cov, source=att.data.source, cluster=cluster
            )

        before = state = assess(rows, base)
        steps: list[ImpactStep] = []
        moved: list[imp.ShiftedRun] = []
        sizing: RightsizingResult | None = None
        warnings: list[Notice] = []
        if plan.rightsize:
            opts = rs.RightsizingOptions(cpu_headroom=plan.cpu_headroom)
            sizing = self._rightsize(att, rows, selector, opts, None, progress)
            fractions, why = imp.rightsizing_fractions(sizing)
            if fractions is None:
                steps.append(imp.not_applied("rightsize", why))
            else:
                rows = imp.scale_allocated(rows, fractions)
                state = _record(steps, "rightsize", state, assess(rows, base), why)
        if plan.shift:
            rows, moved, notes, why = self._shifted(rows, att.period)
            state, warnings = _record(steps, "shift", state, assess(rows, base), why), warnings + notes
        if migrated is not None:
            state = _record(steps, "region", state, assess(rows, migrated[0]), migrated[1])
            warnings += migrated[2]
        return ImpactResult(
            unit=unit.key,
            period=pout,
            energy_source=att.data.source,
            plan=plan,
            before=imp.snapshot(before),
            after=imp.snapshot(state),
            steps=steps,
            checks=imp.check_deltas(before, state),
            energy_delta=delta(before.it_energy, state.it_energy),
            emissions_delta=delta(before.emissions_location, state.emissions_location),
            emissions_market_delta=delta(before.emissions_market, state.emissions_market),
            intensity_delta=before.intensity and state.intensity and delta(before.intensity, state.intensity),
            shifted_runs=sorted(moved, key=lambda m: -m.energy_kwh)[:10],
            shifted_runs_total=len(moved),
            rightsizing=sizing,
            warnings=warnings,
        )

    def _shifted(
        self, rows: Sequence[WorkloadHour], period: Period
    ) -> tuple[Sequence[WorkloadHour], list[imp.ShiftedRun], list[Notice], imp.Why]:
        hourly = self.assessor.intensity.hourly(GRID_ZONE, list(period.hour_starts())).values
        shifted, moved, notes = imp.shift_runs(rows, hourly, period, self.tz)
        n, kwh = len(moved), sum(m.energy_kwh for m in moved)
        why = (
            f"{n} runs moved to the cleanest window of their day ({kwh:.6g} kWh)",
            f"실행 {n}회를 그날 가장 깨끗한 시간대로 이동({kwh:.6g} kWh)",
        )
        return shifted, moved, notes, why

    def _migrated(self, base: Assessor, plan: ImpactPlan) -> tuple[Assessor, imp.Why, list[Notice]]:
        """A copy of the assessor for the target region: intensity ratio from one source, provider PUE."""
        target = base.regions.region(plan.region or "")
        current_id = plan.current_region or self._site_region()
        if current_id is None:
            raise InputError(
                "moving needs the current region",
                hint="give the current region (--current-region, or current_region in MCP) or an org config with a site",
            )
        current = base.regions.region(current_id)
        moved = copy.copy(base)
        en, ko = [f"moved from {current.id} to {target.id}"], [f"{current.id} → {target.id} 이전"]
        if target.electricitymaps_zone != current.electricitymaps_zone:
            args = (base.carbon, base.regions, target, current, plan.region_source, base.factor.figure())
            moved.intensity, how = imp.migrated_intensity(*args)
            en, ko = [*en, how[0]], [*ko, how[1]]
        if base.pue is not None:  # without a configured PUE both sides stay at IT energy (PUE 1.0)
            moved.pue = region_pue(base.regions, target.id)
            pue = f"PUE {base.pue.value:g} → {moved.pue.value:g} ({moved.pue.source})"
            en, ko = [*en, pue], [*ko, pue]
        if target.country != current.country:
            moved.instruments = ()
        notes = reg.migration_notices(target, current, self.constraints.home_country)
        return moved, ("; ".join(en), "; ".join(ko)), notes


def _record(
    steps: list[ImpactStep], name: str, prev: Assessment, after: Assessment, why: imp.Why
) -> Assessment:
    steps.append(imp.applied(name, prev, after, why))
    return after
