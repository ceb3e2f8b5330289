"""`carbon-kepler energy`: hourly-integrated energy per workload, namespace, node or pod."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from carbon_kepler.cli import options as o
from carbon_kepler.cli.common import engine_from_flags
from carbon_kepler.cli.output import console, kwh, print_json, progress
from carbon_kepler.cli.strings import t
from carbon_kepler.energy.selector import Selector
from carbon_kepler.engine import PeriodArgs
from carbon_kepler.results import EnergyReport, GroupBy


def energy(
    source: o.Source = None,
    prometheus_url: o.PromUrl = None,
    token: o.Token = None,
    token_file: o.TokenFile = None,
    ca_file: o.CaFile = None,
    insecure: o.Insecure = None,
    store: o.StorePath = None,
    config: o.Config = None,
    zones: o.Zones = None,
    allocation: o.Allocation = None,
    since: o.Since = None,
    start: o.Start = None,
    end: o.End = None,
    period: o.PeriodMonth = None,
    by: Annotated[
        GroupBy, typer.Option("--by", help="Group rows by workload, namespace, node or pod")
    ] = GroupBy.WORKLOAD,
    namespace: Annotated[str | None, typer.Option("--namespace", "-n", help="Only this namespace")] = None,
    workload: Annotated[str | None, typer.Option("--workload", "-w", help="Only this owner workload")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Show the top N rows (0 = all)")] = 25,
    json_out: o.Json = False,
    lang: o.Lang = None,
) -> None:
    """Energy per workload (kWh): Kepler's measured active energy plus the allocated idle/system share."""
    selector = Selector(namespace=namespace, workload=workload)  # validated before any source is opened
    eng = engine_from_flags(locals())
    with progress(not json_out) as step:
        report = eng.energy(
            PeriodArgs(since, start, end, period),
            by=by,
            selector=selector,
            limit=limit or None,
            progress=step,
        )
    if json_out:
        print_json(report)
    else:
        render(report, eng.settings.lang)


def render(report: EnergyReport, lang: str) -> None:
    by = report.group_by
    per_workload = by in (GroupBy.WORKLOAD, GroupBy.POD)
    table = Table(title=t("energy_title", lang, by=t(by.value, lang)), title_justify="left")
    if per_workload:
        table.add_column(t("namespace", lang), overflow="fold")
    table.add_column(t(by.value, lang), overflow="fold")
    table.add_column(t("pods", lang), justify="right", no_wrap=True)
    for col in ("active", "allocated", "total", "share"):
        table.add_column(t(col, lang), justify="right", no_wrap=True)
    inferred = False
    for r in report.rows:
        if per_workload:
            kind, _, how = (r.kind or "").partition(" (")
            inferred = inferred or how.startswith("pod-name")
            name = r.key.split("/", 1)[1]
            star = "*" if how.startswith("pod-name") else ""
            cells = [r.namespace or "", f"{name} [dim]{kind}{star}[/]"]
        else:
            cells = [r.key]
        table.add_row(
            *cells,
            str(r.pods),
            kwh(r.active_kwh),
            kwh(r.allocated_kwh),
            kwh(r.total_kwh),
            f"{r.share_pct:.1f}",
        )
    p = report.period
    console.print(
        f"[bold]{t('period', lang)}[/] [{p.start}, {p.end}) {p.timezone}, {p.hours} h · "
        f"{t(report.quality.value, lang)} · {t('source', lang)}: {report.source}"
    )
    console.print(
        f"{t('zones', lang)}: {'+'.join(report.zones)} · {t('allocation', lang)}: {report.allocation} · "
        f"{t('coverage', lang)}: {report.coverage:.1%}"
        + (f" · Kepler {report.kepler_version}" if report.kepler_version else "")
    )
    console.print(table)
    if inferred:
        console.print(f"[dim]{t('inferred', lang)}[/]")
    if report.rows_omitted:
        console.print(t("omitted", lang, n=report.rows_omitted))
    rec = report.reconciliation
    if rec:
        console.print(
            t(
                "reconcile",
                lang,
                node=kwh(rec.node_total_kwh),
                active=kwh(rec.pods_active_kwh),
                alloc=kwh(rec.allocated_kwh),
                unalloc=kwh(rec.unallocated_kwh),
            )
        )
    for w in report.warnings:
        console.print(f"[yellow]{t('warning', lang)} {w.code}[/]: {w.message}")
