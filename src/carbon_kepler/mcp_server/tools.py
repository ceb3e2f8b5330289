"""MCP tools: typed arguments → one or two engine calls → an MCP result model. No math, no PromQL.

Registration pattern: decorate `fn(engine: Engine, <typed arguments>) -> ResultModel` with `@tool(title)`.
server.build_server binds every registered function to the server's one engine, publishes the other
parameters as the input schema, the docstring as the description and the return model as the output
schema, marks it read-only, and turns a CarbonKeplerError into a one-line tool error (server.bind, the
MCP layer's single error boundary). The recommendation tools of issue #5 plug in the same way (one
`@tool` function each, reusing the argument types below).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, Field

from carbon_kepler.assessment import GRID_ZONE, Assessment, WorkloadStatus
from carbon_kepler.carbon.intensity import load_regions, official_kr_profile
from carbon_kepler.compliance.model import Status
from carbon_kepler.compliance.rules import load_regulations
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Notice
from carbon_kepler.core.period import Period
from carbon_kepler.energy.selector import Selector
from carbon_kepler.engine import Engine, PeriodArgs
from carbon_kepler.mcp_server import results as r
from carbon_kepler.mcp_server.resources import (
    compliance_report,
    intensity_hours,
    not_a_forecast,
    region_intensity,
    series_text,
)
from carbon_kepler.mcp_server.results import decode_cursor
from carbon_kepler.results import GroupBy

ModelT = TypeVar("ModelT", bound=BaseModel)
ToolFn = Callable[..., BaseModel]
ALL = "ALL"
CHECK_CODES = tuple(c.code for c in load_regulations().checks)


@dataclass(frozen=True)
class ToolSpec:
    fn: ToolFn
    title: str


TOOLS: list[ToolSpec] = []


def tool(title: str) -> Callable[[Callable[..., ModelT]], Callable[..., ModelT]]:
    """Register a tool function `fn(engine, **arguments) -> ResultModel` (see the module docstring)."""

    def add(fn: Callable[..., ModelT]) -> Callable[..., ModelT]:
        TOOLS.append(ToolSpec(fn, title))
        return fn

    return add


# -- argument types (descriptions become the input schema) ---------------------------------------------


def _enum(values: tuple[str, ...]) -> Callable[[dict[str, Any]], None]:
    """Publish allowed values in the schema (also inside an optional's string branch); checked at run time."""

    def add(schema: dict[str, Any]) -> None:
        branch = next((s for s in schema.get("anyOf", []) if s.get("type") == "string"), schema)
        branch["enum"] = list(values)

    return add


PeriodText = Annotated[
    str | None,
    Field(
        description="Report period: a month in local time ('2026-11'), a duration back from now ('7d', "
        "'36h', '2w'), or 'START/END' in ISO 8601 ('2026-11-01/2026-11-08'). Omit for the data source's "
        "default (the demo week, or the last 7 days on Prometheus)."
    ),
]
WorkloadName = Annotated[
    str,
    Field(
        description="Owner workload name (Deployment, StatefulSet, CronJob, Job, ...), e.g. ml-training-job."
    ),
]
Namespace = Annotated[str, Field(description="Kubernetes namespace the workload runs in.")]
OptNamespace = Annotated[
    str | None, Field(description="Only this Kubernetes namespace; omit for the whole cluster.")
]
Standard = Annotated[
    str,
    Field(
        description="Check code from the Korean rule set (KR_CARBON_2050: carbon-intensity policy target; "
        "KR_PUE_GREEN_DC: Green Data Center PUE certification level; KR_REDUCTION_PATHWAY: reduction "
        "path vs a baseline) or ALL.",
        json_schema_extra=_enum((*CHECK_CODES, ALL)),
    ),
]
RegionId = Annotated[
    str | None,
    Field(
        description="Cloud region id from regions.json (provider:code, e.g. aws:ap-northeast-2). "
        "See the carbon-kepler://regions resource.",
        json_schema_extra=_enum(load_regions().region_ids),
    ),
]
Limit = Annotated[int, Field(ge=1, le=100, description="Rows to return (1-100).")]
Cursor = Annotated[
    str | None, Field(description="next_cursor from the previous page; omit for the first page.")
]


# -- shared helpers -------------------------------------------------------------------------------------


def period_args(text: str | None) -> PeriodArgs:
    if text is None or not text.strip():
        return PeriodArgs()
    t = text.strip()
    if "/" in t:
        start, _, end = t.partition("/")
        return PeriodArgs(start=start, end=end)
    if t[:1].isdigit() and "-" in t:
        return PeriodArgs(period=t)
    return PeriodArgs(since=t)


def fixed_period(engine: Engine, text: str | None) -> tuple[Period, PeriodArgs]:
    """Resolve the period once, then pass explicit bounds so every engine call of a tool sees the same hours."""
    p = engine.period(period_args(text))
    return p, _explicit(p)


def _explicit(p: Period) -> PeriodArgs:
    return PeriodArgs(start=p.start.isoformat(), end=p.end.isoformat())


def check_standard(standard: str) -> str:
    if standard != ALL and standard not in CHECK_CODES:
        raise InputError(
            f"unknown standard {standard[:80]!r}", hint=f"allowed: {', '.join((*CHECK_CODES, ALL))}"
        )
    return standard


def limit_checks(a: Assessment, standard: str, extra: list[Notice]) -> Assessment:
    checks = a.checks if standard == ALL else [c for c in a.checks if c.code == standard]
    return a.model_copy(update={"checks": checks, "warnings": [*a.warnings, *extra]})


def region_note(engine: Engine, region: str | None) -> tuple[r.RegionNote | None, list[Notice]]:
    if region is None:
        return None, []
    assessor = engine.assessor
    assessor.regions.region(region)  # InputError listing the allowed ids
    org = assessor.org
    configured = org.site_for_cluster(None).region if org else None
    note = r.RegionNote(requested=region, configured=configured, applied=False)
    if configured == region:
        return note, []
    where = f"the configured site's region {configured}" if configured else "no organisation config (PUE 1.0)"
    msg = f"region {region} was not applied: PUE and instruments come from {where}; compare regions with get_carbon_intensity(region=...)"
    return note, [Notice(code="REGION_NOT_APPLIED", message=msg)]


# -- tools ----------------------------------------------------------------------------------------------


@tool("Assess a workload's Korean compliance")
def assess_workload_compliance(
    engine: Engine,
    workload_name: WorkloadName,
    namespace: Namespace = "default",
    standard: Standard = "KR_CARBON_2050",
    region: RegionId = None,
    period: PeriodText = None,
) -> r.WorkloadAssessment:
    """Energy (kWh), emissions (gCO2eq, with the official factor and its vintage) and Korean compliance
    checks of one workload for a period. Each check says COMPLIANT, NON_COMPLIANT or NOT_ASSESSED (never
    compliant on missing data), the measured value, the threshold, whether the threshold is statutory,
    a voluntary certification level or policy, and its source. Use list_workloads_by_compliance to find
    workload names; an unknown name or namespace returns the close matches."""
    selector = Selector(namespace=namespace, workload=workload_name)
    std = check_standard(standard)
    note, notices = region_note(engine, region)
    _, args = fixed_period(engine, period)
    a = limit_checks(engine.assess(args, selector), std, notices)
    worst = _worst(a)
    summary = (
        f"{namespace}/{workload_name} {r.period_text(a.period)}: {r.figure_text(a.it_energy, 3)}, "
        f"{r.figure_text(a.emissions_location)} location-based; {std}: {worst.value}"
    )
    return r.WorkloadAssessment(summary=summary, standard=std, status=worst, region=note, assessment=a)


def _worst(a: Assessment) -> Status:
    return a.worst if a.checks else Status.NOT_ASSESSED


@tool("List workloads by compliance status")
def list_workloads_by_compliance(
    engine: Engine,
    namespace: OptNamespace = None,
    status_filter: Annotated[
        Status | None, Field(description="Only workloads with this status for `standard`; omit for all.")
    ] = None,
    standard: Standard = ALL,
    period: PeriodText = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> r.WorkloadPage:
    """Compliance inventory: every workload (optionally of one namespace) with its energy, location-based
    emissions, energy-weighted grid intensity and the status of each check, largest energy first, paginated
    (limit/cursor). status_counts covers all pages. Start here to find non-compliant or unassessed
    workloads, then call assess_workload_compliance for the full evidence of one."""
    selector = Selector(namespace=namespace)
    std = check_standard(standard)
    query = f"{namespace}|{status_filter}|{std}|{period}"
    offset, p = decode_cursor(cursor, query) if cursor else (0, engine.period(period_args(period)))
    args = _explicit(p)
    _, rows = engine.workload_statuses(args, selector)
    att, period_out = engine.attribution(p), engine.period_out(p)
    matched = rows.with_status(std, status_filter)
    page = matched[offset : offset + limit]
    more = offset + limit < len(matched)
    counts = rows.counts(std)
    summary = (
        f"{len(rows)} workloads {r.period_text(period_out)}; {std}: {counts[Status.NON_COMPLIANT]} non-compliant, "
        f"{counts[Status.NOT_ASSESSED]} not assessed; rows {offset + 1}-{offset + len(page)} of {len(matched)} shown"
    )
    factor = engine.assessor.factor
    return r.WorkloadPage(
        summary=summary,
        period=period_out,
        energy_source=att.data.source,
        factor=factor.figure(),
        intensity_series=series_text(engine),
        standard=std,
        checks=r.check_legend(engine.assessor, std),
        status_counts=counts,
        total=len(matched),
        workloads=[WorkloadStatus.of_row(rows.row(k)) for k in page],
        next_cursor=r.encode_cursor(offset + limit, p, query) if more else None,
        coverage=att.coverage,
        warnings=engine.notices(att),
    )


GroupArg = Annotated[
    GroupBy | None,
    Field(
        description="Group rows by workload, namespace, node or pod (default: namespace for "
        "the cluster, workload within a namespace)."
    ),
]


@tool("Summarise power consumption")
def get_power_consumption_summary(
    engine: Engine,
    namespace: OptNamespace = None,
    group_by: GroupArg = None,
    limit: Limit = 10,
    period: PeriodText = None,
) -> r.PowerSummary:
    """Energy (kWh, measured by Kepler plus the allocated share of idle/system energy) and average power
    (W) of the cluster or one namespace, broken down by namespace, workload, node or pod (top-N), with the
    reconciliation to node energy, the emissions with the official factor, every compliance check and the
    cluster's share of the statutory reporting thresholds (cluster scope)."""
    selector = Selector(namespace=namespace)
    by = group_by or (GroupBy.WORKLOAD if namespace else GroupBy.NAMESPACE)
    _, args = fixed_period(engine, period)
    report = engine.energy(args, by=by, selector=selector, limit=limit)
    a = engine.assess(args, selector)
    power = r.average_power(report)
    scope = f"namespace {namespace}" if namespace else "cluster"
    summary = (
        f"{scope} {r.period_text(report.period)}: {r.figure_text(report.total, 3)}, average "
        f"{r.figure_text(power)}, {r.figure_text(a.emissions_location)} location-based"
    )
    return r.PowerSummary(
        summary=summary,
        scope="namespace" if namespace else "cluster",
        namespace=namespace,
        average_power=power,
        breakdown=report,
        assessment=a,
    )


@tool("List the top power consumers")
def list_top_power_consumers(
    engine: Engine,
    limit: Limit = 10,
    group_by: Annotated[
        GroupBy, Field(description="Rank workloads, namespaces, nodes or pods.")
    ] = GroupBy.WORKLOAD,
    namespace: OptNamespace = None,
    period: PeriodText = None,
) -> r.TopConsumers:
    """The largest energy users of a period, ranked by IT energy (kWh) with average power (W) and share,
    plus the energy and location-based emissions of the whole selection with the official factor. Use it
    to find the dirtiest workloads; then assess_workload_compliance for one of them."""
    selector = Selector(namespace=namespace)
    _, args = fixed_period(engine, period)
    report = engine.energy(args, by=group_by, selector=selector, limit=limit)
    a = engine.assess(args, selector)
    rows = r.consumers(report)
    top = ", ".join(f"{c.key} {c.energy_kwh:.3f} kWh ({c.share_pct:.1f}%)" for c in rows[:3])
    return r.TopConsumers(
        summary=f"top {len(rows)} {group_by.value}s {r.period_text(report.period)} of {r.figure_text(report.total, 3)}: {top}",
        period=report.period,
        group_by=group_by.value,
        quality=report.quality,
        total_energy=report.total,
        emissions_location=a.emissions_location,
        factor=a.factor,
        consumers=rows,
        omitted=report.rows_omitted,
        coverage=report.coverage,
        warnings=r.merge_notices(report.warnings, a.warnings),
    )


@tool("Get grid carbon intensity")
def get_carbon_intensity(
    engine: Engine,
    mode: Annotated[
        r.IntensityMode,
        Field(
            description="now: the current hour; profile: the 24 hours of today (local time); forecast: the "
            "next `hours` hours (live forecast when an Electricity Maps token is configured, else the profile)."
        ),
    ] = "now",
    hours: Annotated[int, Field(ge=1, le=72, description="Hours ahead for mode=forecast (1-72).")] = 24,
    region: RegionId = None,
) -> r.CarbonIntensity:
    """Korean grid carbon intensity (gCO2eq/kWh) now, as today's hourly profile or ahead, with the series
    it came from: live Electricity Maps data when configured, else the documented-shape profile scaled to
    the official emission factor (marked as an assumption). Lowest hours are usually around midday
    (solar), highest in the evening peak. With `region`, adds that region's annual intensities by source
    (compare regions within one source only)."""
    a = engine.assessor
    reg = region_intensity(engine, region) if region else None
    if reg is not None and reg.grid_zone != GRID_ZONE:
        return r.annual_only(mode, reg, a.factor.figure())
    hours_utc = intensity_hours(engine, mode, hours)
    provider = official_kr_profile(a.carbon, a.factor) if mode == "profile" else a.intensity
    hi = provider.hourly(GRID_ZONE, hours_utc)
    points = r.intensity_points(hi, hours_utc, engine.settings.timezone)
    low, high = r.extremes(points)
    return r.CarbonIntensity(
        summary=r.intensity_summary(mode, points, hi.series),
        mode=mode,
        zone=GRID_ZONE,
        series=hi.series,
        factor=a.factor.figure(),
        points=points,
        cleanest=low,
        dirtiest=high,
        region=reg,
        warnings=[*hi.warnings, *not_a_forecast(mode, hi)],
    )


@tool("Generate a compliance report")
def generate_compliance_report(
    engine: Engine,
    namespace: OptNamespace = None,
    period: PeriodText = None,
    top_n: Annotated[int, Field(ge=0, le=50, description="Workloads needing attention to list (0-50).")] = 10,
    language: Annotated[
        Literal["ko", "en"] | None, Field(description="Report language; default: the server's setting.")
    ] = None,
) -> r.ComplianceReport:
    """A filing-ready compliance report for the cluster (or one namespace) and period: energy, emissions
    with the official factor, every check with its kind and source, the cluster's share of the statutory
    reporting thresholds (a contribution, never a breach), workload counts per status and the workloads
    needing attention, as structured data plus Markdown (Korean or English)."""
    selector = Selector(namespace=namespace)
    _, args = fixed_period(engine, period)
    scope = engine.assess(args, selector)
    _, rows = engine.workload_statuses(args, selector)
    lang: Literal["ko", "en"] = language or ("ko" if engine.settings.lang == "ko" else "en")
    return compliance_report(scope, rows, top_n, lang)
