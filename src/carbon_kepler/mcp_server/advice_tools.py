"""MCP tools for the recommendations of issue #5: schedule, regional comparison, impact comparison.

Same pattern as tools.py: `fn(engine, <typed arguments>) -> Model` registered with `@tool`; the
numbers come from carbon_kepler.advising.Advisor, nothing is computed here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from carbon_kepler.advice.impact import ImpactPlan, ImpactResult
from carbon_kepler.advice.model import RegionsResult, ScheduleRequest, ScheduleResult
from carbon_kepler.advising import Advisor
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.period import parse_instant
from carbon_kepler.energy.selector import Selector
from carbon_kepler.engine import Engine
from carbon_kepler.mcp_server.tools import (
    Namespace,
    OptNamespace,
    PeriodText,
    RegionId,
    WorkloadName,
    fixed_period,
    tool,
)

Optimization = Literal["temporal_shift", "resource_rightsizing", "regional_migration"]


class ScheduleAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)
    summary: str = Field(description="One line: the recommended window and what it saves.")
    schedule: ScheduleResult


class RegionsAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)
    summary: str = Field(description="One line: the ranking's source and its top regions.")
    comparison: RegionsResult


class ImpactAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)
    summary: str = Field(description="One line: before → after emissions and check statuses.")
    impact: ImpactResult


def _instant(text: str | None, tz: str) -> datetime | None:
    return parse_instant(text, tz) if text and text.strip() else None


@tool("Find the cleanest time window for a job")
def calculate_optimal_schedule(
    engine: Engine,
    workload_name: WorkloadName,
    namespace: Namespace,
    duration_hours: Annotated[float, Field(gt=0, le=48, description="How long one run takes (hours, ≤ 48).")],
    earliest_start: Annotated[
        str | None, Field(description="Earliest start, ISO 8601 (KST when no offset); default now.")
    ] = None,
    deadline: Annotated[
        str | None,
        Field(description="Must finish by, ISO 8601 (KST when no offset); default earliest + 24 h."),
    ] = None,
    region: RegionId = None,
    period: Annotated[
        PeriodText, Field(description="Window of the workload's measured runs used as the history baseline.")
    ] = None,
) -> ScheduleAnswer:
    """The window between earliest_start and deadline with the lowest time-weighted mean grid intensity
    (rolling window over hourly values, partial hours weighted — as the Green Software Foundation's Carbon
    Aware SDK does), from a live forecast when configured, else the assumed KST hourly profile. Returns the
    saving against starting now and against the workload's measured run hours, the time-of-use tariff band
    of each window, and a CronJob schedule line for recurring jobs."""
    Selector(namespace=namespace, workload=workload_name)
    tz = engine.settings.timezone
    req = ScheduleRequest(
        duration_minutes=round(duration_hours * 60),
        earliest_start=_instant(earliest_start, tz),
        deadline=_instant(deadline, tz),
        region=region,
        namespace=namespace,
        workload=workload_name,
    )
    _, history = fixed_period(engine, period)
    result = Advisor(engine).schedule(req, history)
    s = result.saving_vs_now
    saved = (
        f"{s.intensity_saved_pct:.1f} % lower intensity than starting now"
        if s.intensity_saved_pct is not None
        else "no saving figure"
    )
    summary = f"{namespace}/{workload_name}: run {result.best.start} → {result.best.end} ({saved})"
    return ScheduleAnswer(summary=summary, schedule=result)


@tool("Compare regions for a workload's energy")
def get_regional_comparison(
    engine: Engine,
    workload_name: Annotated[
        str | None, Field(description="Owner workload; omit for the namespace or cluster.")
    ] = None,
    namespace: OptNamespace = None,
    regions: Annotated[
        list[str] | None, Field(description="Only these region ids (provider:code); omit for all.")
    ] = None,
    period: PeriodText = None,
) -> RegionsAnswer:
    """The measured energy of a workload (or namespace, or cluster) re-priced with each region's grid
    intensity from ONE named source and the provider's PUE, ranked by emissions. Regions outside Korea are
    flagged with their constraints: personal-data transfer abroad (PIPA), public-sector cloud certification
    (CSAP) and the added latency from Seoul — never recommend leaving Korea without saying so."""
    selector = Selector(namespace=namespace, workload=workload_name)
    advisor = Advisor(engine)
    known = set(advisor.assessor.regions.region_ids)
    unknown = [x for x in regions or [] if x not in known]
    if unknown:
        raise InputError(
            f"unknown region id(s) {', '.join(x[:60] for x in unknown)}",
            hint=f"allowed: {', '.join(sorted(known))}",
        )
    _, args = fixed_period(engine, period)
    result = advisor.regions(args, selector)
    if regions:
        keep = set(regions) | {o.region for o in result.options if o.current}
        result = result.model_copy(update={"options": [o for o in result.options if o.region in keep]})
    top = ", ".join(
        f"{o.rank}. {o.region}{' (leaves Korea)' if o.leaves_korea else ''}" for o in result.options[:3]
    )
    return RegionsAnswer(summary=f"{result.unit}: ranked by {result.source}: {top}", comparison=result)


@tool("Compare emissions before and after optimisations")
def compare_optimization_impact(
    engine: Engine,
    workload_name: WorkloadName,
    namespace: Namespace,
    optimizations: Annotated[
        list[Optimization],
        Field(min_length=1, description="Any of temporal_shift, resource_rightsizing, regional_migration."),
    ],
    target_region: Annotated[RegionId, Field(description="Region id for regional_migration.")] = None,
    current_region: Annotated[
        RegionId, Field(description="Region the workload runs in now (default: the org config's site).")
    ] = None,
    period: PeriodText = None,
) -> ImpactAnswer:
    """Applies the chosen optimisations to the workload's measured hourly energy and re-runs the engine:
    before/after energy, emissions (location- and market-based), energy-weighted intensity and every
    compliance check's status, each step's delta explained. Rightsizing needs kube-state-metrics and
    cAdvisor in Prometheus (otherwise it is reported NOT_AVAILABLE, never guessed)."""
    if "regional_migration" in optimizations and not target_region:
        raise InputError(
            "regional_migration needs target_region", hint="pass a region id, e.g. aws:ap-northeast-1"
        )
    selector = Selector(namespace=namespace, workload=workload_name)
    plan = ImpactPlan(
        rightsize="resource_rightsizing" in optimizations,
        shift="temporal_shift" in optimizations,
        region=target_region if "regional_migration" in optimizations else None,
        current_region=current_region,
    )
    _, args = fixed_period(engine, period)
    result = Advisor(engine).impact(args, selector, plan)
    b, a = result.before, result.after
    summary = (
        f"{namespace}/{workload_name}: {b.emissions_location.value:,.1f} → {a.emissions_location.value:,.1f} gCO2eq "
        f"(location-based); checks "
        + ", ".join(f"{c.code} {c.before.value}→{c.after.value}" for c in result.checks)
    )
    return ImpactAnswer(summary=summary, impact=result)
