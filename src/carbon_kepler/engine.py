"""Composition root (Engine.from_settings) and the use cases every interface calls.

Interfaces (CLI, MCP, reports) call one Engine method and render its result model; no math there.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import numpy as np

from carbon_kepler.assessment import (
    Assessment,
    Assessor,
    FactorRequest,
    Inventory,
    LiveIntensity,
    Unit,
    UnitKind,
    hourly_groups,
)
from carbon_kepler.carbon.factors import Purpose
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Figure, Notice, Quality
from carbon_kepler.core.period import Clock, Period, resolve_period, system_clock, zone
from carbon_kepler.core.units import joules_to_kwh
from carbon_kepler.energy.attribution import Attributed, Policy, WorkloadHour, attribute
from carbon_kepler.energy.columns import GroupKey, PodInfo, WorkloadColumns, workload_key
from carbon_kepler.energy.model import EnergyData
from carbon_kepler.energy.prometheus.client import ClientOptions, PrometheusClient
from carbon_kepler.energy.prometheus.source import PrometheusSource
from carbon_kepler.energy.selector import Selector
from carbon_kepler.energy.source import EnergySource, StoreSource, demo_store_path
from carbon_kepler.results import EnergyReport, EnergyRow, GroupBy, PeriodOut, Reconciliation
from carbon_kepler.settings import Settings, SourceKind


@dataclass(frozen=True)
class PeriodArgs:
    since: str | None = None
    start: str | None = None
    end: str | None = None
    period: str | None = None

    def given(self) -> bool:
        return any((self.since, self.start, self.end, self.period))


def build_source(settings: Settings) -> EnergySource:
    if settings.source is SourceKind.DEMO:
        return StoreSource(demo_store_path(), demo=True)
    if settings.source is SourceKind.STORE:
        return StoreSource(settings.store)
    client = PrometheusClient(
        ClientOptions(
            url=settings.prometheus_url,
            bearer_token=settings.token,
            token_file=str(settings.token_file) if settings.token_file else None,
            ca_file=str(settings.ca_file) if settings.ca_file else None,
            insecure=settings.insecure,
            timeout_s=settings.timeout_s,
        )
    )
    return PrometheusSource(
        client, method=settings.prometheus_method, resolution_s=settings.prometheus_resolution_s
    )


@dataclass
class Attribution:
    """Energy of a period after allocation, ready for grouping (one fetch serves several views)."""

    period: Period
    data: EnergyData
    attributed: Attributed

    @functools.cached_property
    def coverage(self) -> float:
        """Fraction of the period's node-hours the source had data for (0-1)."""
        return coverage(self.data, self.period)


class Engine:
    def __init__(self, settings: Settings, source: EnergySource, *, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.source = source
        self.clock = clock

        self._assessor: Assessor | None = None

    @property
    def assessor(self) -> Assessor:
        if self._assessor is None:
            s = self.settings
            live = LiveIntensity(
                s.electricitymaps_token.get_secret_value() if s.electricitymaps_token else None,
                s.electricitymaps_url,
            )
            factor = FactorRequest(Purpose(s.purpose) if s.purpose else None, s.reporting_year, s.factor)
            self._assessor = Assessor(
                s.org_config, live=live, today=self.clock(), clock=self.clock, factor=factor
            )
        return self._assessor

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = system_clock) -> Engine:
        return cls(settings, build_source(settings), clock=clock)

    # -- periods --------------------------------------------------------------------------------
    def period(self, args: PeriodArgs) -> Period:
        if not args.given():
            default = self.source.default_period()
            if default is not None:
                return default
        return resolve_period(
            since=args.since,
            start=args.start,
            end=args.end,
            period=args.period,
            clock=self.clock,
            tz=self.settings.timezone,
        )

    def period_out(self, p: Period) -> PeriodOut:
        tz = zone(self.settings.timezone)
        return PeriodOut(
            start=p.start.astimezone(tz).isoformat(timespec="minutes"),
            end=p.end.astimezone(tz).isoformat(timespec="minutes"),
            timezone=self.settings.timezone,
            hours=p.hours,
        )

    # -- energy ---------------------------------------------------------------------------------
    def attribution(self, period: Period, progress: Callable[[str], None] | None = None) -> Attribution:
        if progress:
            progress(f"querying {self.source.description}")
        data = self.source.fetch(period, self.settings.zones)
        if progress:
            progress("allocating idle and system energy")
        return Attribution(period, data, attribute(data, self.settings.allocation))

    def energy(
        self,
        args: PeriodArgs,
        *,
        by: GroupBy = GroupBy.WORKLOAD,
        selector: Selector | None = None,
        limit: int | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> EnergyReport:
        att = self.attribution(self.period(args), progress)
        return self.energy_report(att, by=by, selector=selector or Selector(), limit=limit)

    def energy_report(
        self, att: Attribution, *, by: GroupBy, selector: Selector, limit: int | None = None
    ) -> EnergyReport:
        groups = _sums(select(att.attributed.workloads, selector), by)
        total_j = sum(g.active_j + g.allocated_j for g in groups.values())
        ranked = sorted(groups.items(), key=lambda kg: kg[1].active_j + kg[1].allocated_j, reverse=True)
        shown = ranked[:limit] if limit else ranked  # result rows are built only for what is shown
        out_rows = [_row(key, g, by, total_j) for key, g in shown]
        omitted = len(ranked) - len(shown)
        filtered = selector != Selector()
        return EnergyReport(
            period=self.period_out(att.period),
            source=att.data.source,
            quality=Quality.MEASURED,
            kepler_version=att.data.kepler_version,
            kepler_generation=att.data.generation.value if att.data.generation else None,
            zones=list(att.data.zones),
            allocation=self.settings.allocation.value,
            group_by=by,
            total=Figure(
                value=round(joules_to_kwh(total_j), 6),
                unit="kWh",
                source=att.data.source,
                quality=Quality.MEASURED,
            ),
            rows=out_rows,
            rows_omitted=omitted,
            reconciliation=None if filtered else reconcile(att.attributed),
            coverage=att.coverage,
            warnings=self.notices(att),
        )

    def notices(self, att: Attribution) -> list[Notice]:
        """What every answer about this energy must carry: the source's, the allocation's and the policy's."""
        return _dedupe(att.data.warnings + att.attributed.warnings + _policy_notice(self.settings.allocation))

    # -- compliance -----------------------------------------------------------------------------
    def assess(
        self, args: PeriodArgs, selector: Selector, progress: Callable[[str], None] | None = None
    ) -> Assessment:
        """One unit: the workload, else the namespace, else the whole cluster."""
        assessor = self.assessor  # a broken org config fails before any query
        att = self.attribution(self.period(args), progress)
        rows = select(att.attributed.workloads, selector)
        unit = unit_of(selector, rows)
        return assessor.assess(
            unit,
            rows,
            att.period,
            self.period_out(att.period),
            coverage=att.coverage,
            source=att.data.source,
            cluster=unit.kind is UnitKind.CLUSTER,
        )

    def workload_statuses(
        self, args: PeriodArgs, selector: Selector, progress: Callable[[str], None] | None = None
    ) -> tuple[Period, Inventory]:
        """Every workload (optionally of one namespace) with its checks, largest energy first."""
        assessor = self.assessor
        att = self.attribution(self.period(args), progress)
        rows = select(att.attributed.workloads, selector)
        groups = hourly_groups(rows, att.period, att.coverage, workload_key)
        return att.period, assessor.inventory(groups).by_energy()


def unit_of(selector: Selector, rows: Sequence[WorkloadHour]) -> Unit:
    """The unit a question is about: the workload, else the namespace, else the whole cluster."""
    if selector.workload:
        cols = WorkloadColumns.of(rows)
        namespaces = sorted({cols.pods[p].namespace for p in np.unique(cols.pod).tolist()})
        if len(namespaces) > 1:
            raise InputError(
                f"workload {selector.workload} exists in several namespaces: {', '.join(namespaces)}",
                hint="give --namespace as well",
            )
        ns = namespaces[0]
        return Unit(
            kind=UnitKind.WORKLOAD,
            key=f"workload:{ns}/{selector.workload}",
            namespace=ns,
            workload=selector.workload,
        )
    if selector.namespace:
        return Unit(
            kind=UnitKind.NAMESPACE, key=f"namespace:{selector.namespace}", namespace=selector.namespace
        )
    return Unit(kind=UnitKind.CLUSTER, key="cluster:default")


def select(rows: Sequence[WorkloadHour], selector: Selector) -> WorkloadColumns:
    cols = WorkloadColumns.of(rows)
    if selector == Selector():
        return cols
    picked = cols.where(cols.pod_mask(lambda p: selector.matches(p.namespace, p.pod, p.owner.name)))
    if not len(picked):
        present = [cols.pods[p] for p in np.unique(cols.pod).tolist()]  # pods, not their 10^5 rows
        raise InputError(_no_match_message(selector), hint=_suggest(present, selector))
    return picked


def _no_match_message(selector: Selector) -> str:
    parts = [
        f"{k}={v}"
        for k, v in (
            ("namespace", selector.namespace),
            ("workload", selector.workload),
            ("pod", selector.pod),
        )
        if v
    ]
    return f"no energy data for {', '.join(parts)} in this period"


def _suggest(rows: Sequence[PodInfo], selector: Selector) -> str:
    target = selector.workload or selector.pod
    elsewhere = sorted({r.namespace for r in rows if target in (r.owner.name, r.pod)}) if target else []
    if elsewhere:  # the name exists, only in another namespace (MCP tools default to "default")
        return f"{target} runs in namespace {', '.join(elsewhere)}: use namespace {elsewhere[0]}"
    if selector.namespace and selector.namespace not in {r.namespace for r in rows}:
        options = sorted({r.namespace for r in rows})
        close = difflib.get_close_matches(selector.namespace, options, n=3, cutoff=0.5)
        return (
            f"did you mean {', '.join(close)}? known namespaces: {', '.join(options)}"
            if close
            else f"known namespaces: {', '.join(options)}"
        )
    pool = sorted({r.owner.name for r in rows if selector.namespace in (None, r.namespace)})
    close = difflib.get_close_matches(target or "", pool, n=3, cutoff=0.5)
    shown = ", ".join(pool[:15]) + (" …" if len(pool) > 15 else "")
    return (
        f"did you mean {', '.join(close)}? workloads here: {shown}" if close else f"workloads here: {shown}"
    )


_GROUP_KEYS: dict[GroupBy, GroupKey] = {
    GroupBy.NAMESPACE: lambda r: r.namespace,
    GroupBy.NODE: lambda r: r.node,
    GroupBy.POD: lambda r: f"{r.namespace}/{r.pod}",
    GroupBy.WORKLOAD: workload_key,
}  # one function object per grouping: PodTable caches each pod's key by it


class _GroupSum(NamedTuple):
    """Sums of one group's rows."""

    first: PodInfo  # the pod of the group's first row (namespace, owner)
    active_j: float
    allocated_j: float
    pods: int


def _sums(rows: Sequence[WorkloadHour], by: GroupBy) -> dict[str, _GroupSum]:
    cols = WorkloadColumns.of(rows)
    g = cols.groups(_GROUP_KEYS[by])
    n = len(g.keys)
    active = np.bincount(g.of_row, cols.active, n).tolist()
    allocated = np.bincount(g.of_row, cols.allocated, n).tolist()
    first = [cols.pods[p] for p in cols.pod[g.first_row].tolist()]
    pods = cols.pods_per_group(g).tolist()
    return {k: _GroupSum(first[i], active[i], allocated[i], pods[i]) for i, k in enumerate(g.keys)}


def _row(key: str, g: _GroupSum, by: GroupBy, total_j: float) -> EnergyRow:
    active, allocated, first = g.active_j, g.allocated_j, g.first
    return EnergyRow(
        key=key,
        namespace=None if by is GroupBy.NODE else first.namespace,
        workload=first.owner.name if by in (GroupBy.WORKLOAD, GroupBy.POD) else None,
        kind=f"{first.owner.kind} ({first.owner.source})" if by in (GroupBy.WORKLOAD, GroupBy.POD) else None,
        pods=g.pods,
        active_kwh=round(joules_to_kwh(active), 6),
        allocated_kwh=round(joules_to_kwh(allocated), 6),
        total_kwh=round(joules_to_kwh(active + allocated), 6),
        share_pct=round(100.0 * (active + allocated) / total_j, 2) if total_j else 0.0,
    )


def reconcile(att: Attributed) -> Reconciliation:
    n, k = att.nodes, joules_to_kwh
    return Reconciliation(
        node_total_kwh=round(k(float(n.total.sum())), 6),
        pods_active_kwh=round(k(float(n.pods_active.sum())), 6),
        allocated_kwh=round(k(float(n.allocated.sum())), 6),
        unallocated_kwh=round(k(float(n.unallocated.sum())), 6),
        idle_kwh=round(k(float(n.idle.sum())), 6),
    )


def coverage(data: EnergyData, period: Period) -> float:
    nodes = {n for n, _ in data.coverage} | {r.node for r in data.node_hours}
    if not nodes or period.hours == 0:
        return 0.0
    seen = sum(v for (_, h), v in data.coverage.items() if period.start_ts <= h < period.end_ts)
    return round(min(seen / (len(nodes) * period.hours), 1.0), 4)


def _policy_notice(policy: Policy) -> list[Notice]:
    if policy is Policy.NONE:
        return [
            Notice(
                code="IDLE_NOT_ALLOCATED",
                message="allocation policy 'none': idle and system energy stays unallocated, so workload totals under-report their footprint",
            )
        ]
    return []


def _dedupe(notices: list[Notice]) -> list[Notice]:
    return list({(n.code, n.message): n for n in notices}.values())


def now_local(clock: Clock, tz: str) -> datetime:
    return clock().astimezone(zone(tz))
