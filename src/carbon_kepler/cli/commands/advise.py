"""`carbon-kepler advise`: apply rightsizing, temporal shifting and/or a region move to the measured
hourly energy and show before/after energy, emissions, intensity and every check, each delta explained."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from carbon_kepler.advice.impact import ImpactPlan, ImpactResult
from carbon_kepler.advice.model import RightsizingResult
from carbon_kepler.advising import Advisor
from carbon_kepler.cli import options as o
from carbon_kepler.cli.common import engine_from_flags
from carbon_kepler.cli.output import console, print_json, progress
from carbon_kepler.compliance.labels import status_label
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Figure
from carbon_kepler.energy.selector import Selector
from carbon_kepler.engine import PeriodArgs

_T = {
    "title": {"en": "Impact on {unit}", "ko": "{unit}에 대한 효과"},
    "before": {"en": "before", "ko": "적용 전"},
    "after": {"en": "after", "ko": "적용 후"},
    "delta": {"en": "change", "ko": "변화"},
    "energy": {"en": "IT energy (kWh)", "ko": "IT 에너지(kWh)"},
    "loc": {"en": "emissions, location-based (gCO2eq)", "ko": "배출량, 위치 기반(gCO2eq)"},
    "mkt": {"en": "emissions, market-based (gCO2eq)", "ko": "배출량, 시장 기반(gCO2eq)"},
    "intensity": {"en": "energy-weighted intensity (gCO2eq/kWh)", "ko": "에너지 가중 탄소집약도(gCO2eq/kWh)"},
    "steps": {"en": "Steps", "ko": "적용 단계"},
    "checks": {"en": "Checks", "ko": "점검 항목"},
    "sizing": {"en": "Rightsizing (p95 × headroom)", "ko": "요청량 적정화(p95 × 여유율)"},
    "container": {"en": "container", "ko": "컨테이너"},
    "request": {"en": "CPU request", "ko": "CPU 요청"},
    "p95": {"en": "CPU p95", "ko": "CPU p95"},
    "rec": {"en": "recommended", "ko": "권장"},
    "mem": {"en": "memory p95 → rec.", "ko": "메모리 p95 → 권장"},
    "saved": {
        "en": "saves {kwh:.4g} kWh, {g:.4g} gCO2eq (estimated)",
        "ko": "절감 {kwh:.4g} kWh, {g:.4g} gCO2eq (추정)",
    },
    "na": {"en": "rightsizing NOT AVAILABLE: {m}", "ko": "요청량 적정화 불가: {m} 없음"},
    "moved": {"en": "{n} runs moved, e.g.", "ko": "이동한 실행 {n}회, 예:"},
    "nothing": {
        "en": "choose at least one of --shift, --rightsize, --region",
        "ko": "--shift, --rightsize, --region 중 하나 이상을 선택하세요",
    },
}


def _t(key: str, lang: str, **kw: object) -> str:
    return _T[key]["ko" if lang == "ko" else "en"].format(**kw)


def advise(
    shift: Annotated[
        bool, typer.Option("--shift", help="Move each run shorter than a day to its cleanest hours")
    ] = False,
    rightsize: Annotated[
        bool,
        typer.Option("--rightsize", help="CPU requests to p95 × headroom (kube-state-metrics + cAdvisor)"),
    ] = False,
    region: Annotated[
        str | None, typer.Option("--region", help="Move to this region, e.g. aws:ap-northeast-1")
    ] = None,
    intensity_source: Annotated[
        str | None, typer.Option("--intensity-source", help="Publisher for the region intensity ratio")
    ] = None,
    current_region: Annotated[
        str | None, typer.Option("--current-region", help="Region it runs in now (default: org config site)")
    ] = None,
    headroom: Annotated[
        float, typer.Option("--headroom", help="Multiplier on the CPU p95 (1.2 = +20 %)")
    ] = 1.2,
    namespace: Annotated[str | None, typer.Option("--namespace", "-n", help="This namespace")] = None,
    workload: Annotated[str | None, typer.Option("--workload", "-w", help="This owner workload")] = None,
    source: o.Source = None,
    prometheus_url: o.PromUrl = None,
    token: o.Token = None,
    token_file: o.TokenFile = None,
    ca_file: o.CaFile = None,
    insecure: o.Insecure = None,
    store: o.StorePath = None,
    config: o.Config = None,
    org_config: o.OrgConfig = None,
    zones: o.Zones = None,
    allocation: o.Allocation = None,
    since: o.Since = None,
    start: o.Start = None,
    end: o.End = None,
    period: o.PeriodMonth = None,
    json_out: o.Json = False,
    lang: o.Lang = None,
) -> None:
    """Before/after of rightsizing, temporal shifting and regional migration on the measured energy."""
    eng = engine_from_flags(locals())
    if not (shift or rightsize or region):
        raise InputError(_t("nothing", eng.settings.lang))
    plan = ImpactPlan(rightsize=rightsize, shift=shift, region=region, region_source=intensity_source)
    plan = plan.model_copy(update={"current_region": current_region, "cpu_headroom": headroom})
    selector = Selector(namespace=namespace, workload=workload)
    with progress(not json_out) as step:
        result = Advisor(eng).impact(PeriodArgs(since, start, end, period), selector, plan, step)
    if json_out:
        print_json(result)
    else:
        render(result, eng.settings.lang)


def _num(f: Figure | None, digits: int) -> str:
    return "—" if f is None else f"{f.value:,.{digits}f}"


def _summary(r: ImpactResult, lang: str) -> Table:
    table = Table(show_header=True, header_style="bold")
    table.add_column("")
    for key in ("before", "after", "delta"):
        table.add_column(_t(key, lang), justify="right")
    rows = (
        ("energy", r.before.it_energy, r.after.it_energy, r.energy_delta, 4),
        ("loc", r.before.emissions_location, r.after.emissions_location, r.emissions_delta, 2),
        ("mkt", r.before.emissions_market, r.after.emissions_market, r.emissions_market_delta, 2),
        ("intensity", r.before.intensity, r.after.intensity, r.intensity_delta, 1),
    )
    for key, b, a, d, digits in rows:
        sign = "" if d is None else ("+" if d.value > 0 else "")
        table.add_row(_t(key, lang), _num(b, digits), _num(a, digits), sign + _num(d, digits))
    return table


def _sizing(s: RightsizingResult, lang: str) -> None:
    console.print(f"[bold]{_t('sizing', lang)}[/]")
    if s.missing_metrics:
        console.print(f"  [yellow]{_t('na', lang, m=', '.join(s.missing_metrics))}[/]")
    for w in s.workloads[:10]:
        line = f"  {w.workload}: {w.cpu_request_cores:.3f} → {w.cpu_recommended_cores:.3f} cores"
        if w.saving:
            line += " · " + _t(
                "saved", lang, kwh=w.saving.energy_saved.value, g=w.saving.emissions_saved.value
            )
        console.print(line)
        for c in w.containers:
            console.print(f"    [dim]{escape(f'{c.container}: {c.formula} ({c.cpu_action})')}[/]")


def render(r: ImpactResult, lang: str) -> None:
    lg: Literal["ko", "en"] = "ko" if lang == "ko" else "en"
    console.print(
        f"[bold]{_t('title', lang, unit=r.unit.split(':', 1)[1])}[/] · [{r.period.start}, {r.period.end})"
    )
    console.print(_summary(r, lang))
    console.print(f"[bold]{_t('steps', lang)}[/]")
    for s in r.steps:
        console.print(f"  • {escape(s.explanation_ko if lang == 'ko' else s.explanation_en)}")
    if r.shifted_runs:
        first = r.shifted_runs[0]
        console.print(
            f"    [dim]{_t('moved', lang, n=r.shifted_runs_total)} {first.workload} {first.from_start} → {first.to_start}[/]"
        )
    console.print(f"[bold]{_t('checks', lang)}[/]")
    for c in r.checks:
        name = c.name_ko if lang == "ko" else c.name_en
        console.print(
            f"  {name} {escape(f'[{c.code}]')}: {status_label(c.before, lg)} → {status_label(c.after, lg)}"
        )
        console.print(f"    [dim]{escape(c.reason_ko if lang == 'ko' else c.reason_en)}[/]")
    if r.rightsizing is not None:
        _sizing(r.rightsizing, lang)
    for n in r.warnings:
        console.print(f"[yellow]⚠ {n.code}[/]: {escape(n.message)}")
