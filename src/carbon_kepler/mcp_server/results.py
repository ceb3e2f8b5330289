"""MCP result models: thin envelopes around the engine's result models (results.py, assessment.py).

Each envelope opens with a one-line `summary` (summaries first, so a model can stop reading early) and
adds only what a tool caller needs beside the engine's model: the period actually used, pagination,
the check legend. No domain math: every number comes from an engine result; the only derived values
are unit conversions (kWh over a period → average W).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from carbon_kepler.assessment import Assessment, Assessor, WorkloadStatus
from carbon_kepler.carbon.model import HourlyIntensity, IntensitySeries
from carbon_kepler.compliance.model import Kind, Status
from carbon_kepler.compliance.rules import effective
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Figure, Notice, Quality
from carbon_kepler.core.period import Period, hour_label
from carbon_kepler.results import EnergyReport, PeriodOut

IntensityMode = Literal["now", "profile", "forecast"]
Scope = Literal["cluster", "namespace"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class RegionNote(_Out):
    """How a region argument relates to the site the organisation config assigns the cluster to."""

    requested: str = Field(description="Region id given in the call (regions.json).")
    configured: str | None = Field(
        description="Region of the configured site (org config), or None when no org config is loaded."
    )
    applied: bool = Field(
        description="Always False today: the configured site decides PUE and instruments, not the argument."
    )


class WorkloadAssessment(_Out):
    """Emissions and Korean compliance checks of one workload (or namespace) for one period."""

    summary: str = Field(description="One line: unit, period, energy, emissions, worst status.")
    standard: str = Field(description="Check code the result is limited to, or ALL.")
    status: Status = Field(description="Worst status among the returned checks.")
    region: RegionNote | None = Field(None, description="Present when a region argument was given.")
    assessment: Assessment = Field(
        description="Energy (kWh, measured/estimated), emissions (gCO2eq) with the factor and its vintage, "
        "each check {code, status, measured, threshold, kind, source}, coverage and warnings."
    )


class CheckLegend(_Out):
    """A check's definition as applied (after organisation overrides): what each status code compares."""

    code: str = Field(description="Check code, e.g. KR_CARBON_2050.")
    name_en: str = Field(description="English name.")
    name_ko: str = Field(description="Korean name.")
    kind: Kind = Field(description="statutory | certification | policy.")
    threshold: Figure | None = Field(description="Threshold with unit and source; None for a path check.")
    comparison: str = Field(description="le: value ≤ threshold passes; lt: value < threshold passes.")
    overridden: bool = Field(description="True when the organisation config replaced the default.")


class WorkloadPage(_Out):
    """One page of the compliance inventory, largest energy first."""

    summary: str = Field(description="One line: how many workloads, how many fail, what this page holds.")
    period: PeriodOut
    energy_source: str = Field(description="Where the energy figures come from.")
    factor: Figure = Field(
        description="Official emission factor (value, unit, source, year) behind emissions_g."
    )
    intensity_series: str = Field(description="Hourly intensity series used (live or assumed profile).")
    standard: str = Field(description="Check the status filter applies to, or ALL (worst of all checks).")
    checks: list[CheckLegend] = Field(description="Definitions of the checks whose statuses the rows carry.")
    status_counts: dict[Status, int] = Field(description="Workloads per status over all matches (all pages).")
    total: int = Field(description="Workloads matching the filters (all pages).")
    workloads: list[WorkloadStatus] = Field(
        description="This page. emissions_g is location-based gCO2eq; the full assessment is one "
        "assess_workload_compliance call away."
    )
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; None on the last page."
    )
    coverage: float = Field(description="Fraction of node-hours in the period with Kepler data (0–1).")
    warnings: list[Notice] = Field(default_factory=list)


class PowerSummary(_Out):
    """Energy and average power of the cluster or a namespace, with emissions and checks of that scope."""

    summary: str = Field(description="One line: scope, period, energy, average power, emissions.")
    scope: Scope
    namespace: str | None = Field(None, description="Namespace when scope is namespace.")
    average_power: Figure = Field(description="IT energy over the period's hours, W (measured).")
    breakdown: EnergyReport = Field(
        description="Energy by group, largest first (top-N), with reconciliation."
    )
    assessment: Assessment = Field(
        description="Emissions with factor, checks, coverage and warnings of the scope."
    )


class Consumer(_Out):
    """One row of the top-consumers ranking."""

    rank: int = Field(description="1 = largest energy.")
    key: str = Field(description="namespace/workload, namespace, node or namespace/pod.")
    energy_kwh: float = Field(description="IT energy (active + allocated idle/system), kWh.")
    average_power_w: float = Field(description="energy_kwh over the period's hours, W.")
    share_pct: float = Field(description="Share of the selection's energy, percent.")
    pods: int = Field(description="Distinct pods in the group.")
    kind: str | None = Field(None, description="Owner kind (workload and pod rankings).")


class TopConsumers(_Out):
    """The largest energy users of a period, with the emissions of the whole selection."""

    summary: str = Field(description="One line: top entries and their share.")
    period: PeriodOut
    group_by: str = Field(description="workload | namespace | node | pod.")
    quality: Quality = Field(description="measured (Kepler) or estimated.")
    total_energy: Figure = Field(description="Energy of the whole selection, kWh.")
    emissions_location: Figure = Field(description="Location-based emissions of the whole selection, gCO2eq.")
    factor: Figure = Field(
        description="Official emission factor behind the emissions (value, unit, source, year)."
    )
    consumers: list[Consumer] = Field(description="Top-N rows, largest first.")
    omitted: int = Field(description="Rows left out by the limit.")
    coverage: float = Field(description="Fraction of node-hours in the period with Kepler data (0–1).")
    warnings: list[Notice] = Field(default_factory=list)


class IntensityPoint(_Out):
    hour: str = Field(description="Hour start, ISO 8601 in the report time zone.")
    g_per_kwh: float = Field(description="Grid carbon intensity, gCO2eq/kWh.")


class RegionIntensity(_Out):
    """Annual intensities of a region, one Figure per source (compare regions within one source only)."""

    region: str = Field(description="Region id (regions.json).")
    name_en: str
    name_ko: str
    country: str = Field(description="ISO country code; leaving KR raises PIPA/CSAP questions.")
    grid_zone: str = Field(description="Grid zone of the region.")
    annual: list[Figure] = Field(description="Annual gCO2eq/kWh by source and year.")


class CarbonIntensity(_Out):
    """Grid carbon intensity now, as a 24-hour profile, or ahead, with the series it came from."""

    summary: str = Field(description="One line: mode, value(s), series kind and whether it is an assumption.")
    mode: IntensityMode
    zone: str = Field(description="Grid zone of the hourly values (KR).")
    series: IntensitySeries | None = Field(
        description="The hourly series used; None for a region without one."
    )
    factor: Figure = Field(description="Official annual factor the static profile is scaled to.")
    points: list[IntensityPoint] = Field(description="Hourly values in time order (one for mode=now).")
    cleanest: IntensityPoint | None = Field(None, description="Lowest hour among points.")
    dirtiest: IntensityPoint | None = Field(None, description="Highest hour among points.")
    region: RegionIntensity | None = Field(None, description="Annual figures when a region was asked for.")
    warnings: list[Notice] = Field(default_factory=list)


class ComplianceReport(_Out):
    """A filing-ready compliance summary of the cluster or a namespace for one period."""

    summary: str = Field(description="One line: scope, period, worst status, workloads failing.")
    language: Literal["ko", "en"]
    scope: Assessment = Field(
        description="The cluster (with reporting-threshold shares) or namespace assessment."
    )
    status_counts: dict[Status, int] = Field(description="Workloads per worst status.")
    attention: list[WorkloadStatus] = Field(
        description="Non-compliant then not-assessed workloads, largest energy first (top-N)."
    )
    attention_omitted: int = Field(description="Further workloads needing attention, left out by top_n.")
    markdown: str = Field(description="The report as Markdown (same numbers, in `language`).")


def average_watts(kwh: float, hours: int) -> float:
    """kWh over `hours` → mean W (a unit conversion, not a model)."""
    return round(kwh * 1000.0 / hours, 3) if hours else 0.0


def average_power(report: EnergyReport) -> Figure:
    return Figure(
        value=average_watts(report.total.value, report.period.hours),
        unit="W",
        source=f"{report.total.value:g} kWh over {report.period.hours} h ({report.source})",
        quality=report.quality,
    )


def figure_text(f: Figure | None, digits: int = 1) -> str:
    return "—" if f is None else f"{f.value:,.{digits}f} {f.unit}"


def period_text(p: PeriodOut) -> str:
    return f"[{p.start}, {p.end}) {p.timezone}"


def consumers(report: EnergyReport) -> list[Consumer]:
    hours = report.period.hours
    return [
        Consumer(
            rank=i,
            key=row.key,
            energy_kwh=row.total_kwh,
            average_power_w=average_watts(row.total_kwh, hours),
            share_pct=row.share_pct,
            pods=row.pods,
            kind=row.kind,
        )
        for i, row in enumerate(report.rows, start=1)
    ]


def merge_notices(*groups: list[Notice]) -> list[Notice]:
    """Notices of several engine results, each once, in order."""
    return list({(n.code, n.message): n for g in groups for n in g}.values())


def check_legend(assessor: Assessor, standard: str) -> list[CheckLegend]:
    """Each check as applied: the data-file definition after the organisation's override."""
    org = assessor.org
    out = []
    for d in assessor.regulations.checks:
        if standard not in ("ALL", d.code):
            continue
        eff = effective(d, org.overrides.get(d.code) if org else None, org.source_path if org else "")
        threshold = (
            None
            if eff.threshold is None
            else Figure(value=eff.threshold, unit=d.unit, source=eff.threshold_source)
        )
        out.append(
            CheckLegend(
                code=d.code,
                name_en=d.name_en,
                name_ko=d.name_ko,
                kind=eff.kind,
                threshold=threshold,
                comparison=d.comparison,
                overridden=eff.overridden,
            )
        )
    return out


# -- pagination: an opaque cursor that pins the offset, the period and the query's other arguments -------


def encode_cursor(offset: int, p: Period, query: str) -> str:
    raw = json.dumps({"o": offset, "s": p.start_ts, "e": p.end_ts, "q": _digest(query)})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str, query: str) -> tuple[int, Period]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        offset, start, end, digest = int(data["o"]), int(data["s"]), int(data["e"]), str(data["q"])
        period = Period.from_ts(start, end)
    except (
        binascii.Error,
        ValueError,
        KeyError,
        TypeError,
        UnicodeError,
        OverflowError,
        OSError,
        InputError,
    ) as exc:
        raise InputError(
            "cursor is not one this server issued", hint="omit cursor to start from the first page"
        ) from exc
    if digest != _digest(query) or offset < 0:
        raise InputError(
            "cursor belongs to a query with other arguments", hint="repeat the same arguments, or omit cursor"
        )
    return offset, period


def _digest(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:16]


# -- carbon intensity -----------------------------------------------------------------------------------


def annual_only(mode: IntensityMode, reg: RegionIntensity, factor: Figure) -> CarbonIntensity:
    """A region outside the KR grid: no hourly series ships for it, so only its annual figures by source."""
    notice = Notice(
        code="NO_HOURLY_SERIES",
        message=f"no hourly series for grid zone {reg.grid_zone}: annual figures only",
    )
    return CarbonIntensity(
        summary=intensity_summary(mode, [], None),
        mode=mode,
        zone=reg.grid_zone,
        series=None,
        factor=factor,
        points=[],
        region=reg,
        warnings=[notice],
    )


def intensity_points(hi: HourlyIntensity, hours: list[int], tz: str) -> list[IntensityPoint]:
    return [
        IntensityPoint(hour=hour_label(h, tz), g_per_kwh=round(hi.values[h], 1))
        for h in hours
        if h in hi.values
    ]


def extremes(points: list[IntensityPoint]) -> tuple[IntensityPoint | None, IntensityPoint | None]:
    if len(points) < 2:
        return None, None
    return min(points, key=lambda p: p.g_per_kwh), max(points, key=lambda p: p.g_per_kwh)


def intensity_summary(mode: str, points: list[IntensityPoint], series: IntensitySeries | None) -> str:
    if not points or series is None:
        return f"{mode}: no hourly series for this region; annual figures by source only"
    what = f"{series.kind.value} series{' (an assumption, not measured)' if series.assumption else ''}"
    if len(points) == 1:
        return f"{points[0].hour}: {points[0].g_per_kwh:g} gCO2eq/kWh, {what}"
    low, high = extremes(points)
    assert low is not None and high is not None
    return (
        f"{mode}, {len(points)} h from {points[0].hour}: cleanest {low.hour} {low.g_per_kwh:g}, "
        f"dirtiest {high.hour} {high.g_per_kwh:g} gCO2eq/kWh, {what}"
    )
