"""`carbon-kepler regions`: the measured energy re-priced in every region, one intensity source."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from carbon_kepler.advice.model import RegionsResult
from carbon_kepler.advising import Advisor
from carbon_kepler.cli import options as o
from carbon_kepler.cli.common import engine_from_flags
from carbon_kepler.cli.output import console, print_json, progress
from carbon_kepler.energy.selector import Selector
from carbon_kepler.engine import PeriodArgs

_T = {
    "title": {
        "en": "{unit}: {kwh:,.3f} kWh re-priced by region",
        "ko": "{unit}: {kwh:,.3f} kWh의 리전별 재산정",
    },
    "source": {"en": "one source: {s} ({y})", "ko": "단일 출처: {s} ({y})"},
    "rank": {"en": "#", "ko": "순위"},
    "region": {"en": "region", "ko": "리전"},
    "intensity": {"en": "gCO2eq/kWh", "ko": "gCO2eq/kWh"},
    "pue": {"en": "PUE", "ko": "PUE"},
    "emissions": {"en": "gCO2eq", "ko": "gCO2eq"},
    "delta": {"en": "vs current", "ko": "현재 대비"},
    "korea": {"en": "leaves Korea", "ko": "국외 이전"},
    "rtt": {"en": "RTT ≥ ms", "ko": "왕복 ≥ ms"},
    "current": {"en": "current", "ko": "현재"},
    "yes": {"en": "YES", "ko": "예"},
    "no": {"en": "no", "ko": "아니오"},
    "constraints": {"en": "What leaving Korea means", "ko": "국외 리전으로 옮길 때의 제약"},
    "unranked": {"en": "not in this ranking", "ko": "순위 제외"},
    "other": {"en": "other sources: {s}", "ko": "다른 출처: {s}"},
    "cluster": {"en": "the cluster", "ko": "클러스터"},
    "method": {
        "en": "emissions = measured IT energy × provider PUE × annual intensity",
        "ko": "배출량 = 측정 IT 에너지 × 사업자 PUE × 연평균 탄소집약도",
    },
}


def _t(key: str, lang: str, **kw: object) -> str:
    return _T[key]["ko" if lang == "ko" else "en"].format(**kw)


def regions(
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
    namespace: Annotated[str | None, typer.Option("--namespace", "-n", help="This namespace")] = None,
    workload: Annotated[str | None, typer.Option("--workload", "-w", help="This owner workload")] = None,
    intensity_source: Annotated[
        str | None,
        typer.Option(
            "--intensity-source", help="Intensity publisher for the ranking (default: widest coverage)"
        ),
    ] = None,
    current_region: Annotated[
        str | None, typer.Option("--current-region", help="Region it runs in now (default: org config site)")
    ] = None,
    json_out: o.Json = False,
    lang: o.Lang = None,
) -> None:
    """Regional comparison: measured energy × each region's intensity and PUE, with PIPA/CSAP/latency flags."""
    eng = engine_from_flags(locals())
    selector = Selector(namespace=namespace, workload=workload)
    with progress(not json_out) as step:
        result = Advisor(eng).regions(
            PeriodArgs(since, start, end, period),
            selector,
            source=intensity_source,
            current_region=current_region,
            progress=step,
        )
    if json_out:
        print_json(result)
    else:
        render(result, eng.settings.lang)


def _table(r: RegionsResult, lang: str) -> Table:
    table = Table(show_header=True, header_style="bold")
    for key in ("rank", "region", "intensity", "pue", "emissions", "delta", "korea", "rtt"):
        table.add_column(_t(key, lang), justify="left" if key == "region" else "right")
    for opt in r.options:
        name = f"{opt.region} ({opt.name_ko if lang == 'ko' else opt.name_en})"
        if opt.current:
            name = f"[bold]{name} · {_t('current', lang)}[/]"
        delta = "—" if opt.emissions_vs_current_pct is None else f"{opt.emissions_vs_current_pct:+.1f} %"
        leaves = f"[red]{_t('yes', lang)}[/]" if opt.leaves_korea else _t("no", lang)
        rtt = "—" if opt.min_rtt_ms_from_seoul is None else f"{opt.min_rtt_ms_from_seoul:.1f}"
        table.add_row(
            str(opt.rank),
            name,
            f"{opt.intensity.value:,.1f}",
            f"{opt.pue.value:g}",
            f"{opt.emissions.value:,.1f}",
            delta,
            leaves,
            rtt,
        )
    return table


def render(r: RegionsResult, lang: str) -> None:
    unit = r.unit.split(":", 1)[1] if not r.unit.startswith("cluster") else _t("cluster", lang)
    console.print(f"[bold]{_t('title', lang, unit=unit, kwh=r.it_energy.value)}[/]")
    console.print(f"  {_t('source', lang, s=r.source, y=r.year or 'undated')} · [dim]{_t('method', lang)}[/]")
    console.print(_table(r, lang))
    used = {c for opt in r.options if opt.leaves_korea for c in opt.constraints}
    flags = [c for c in r.constraints if c.code in used and c.code != "LATENCY"]
    if flags:
        console.print(f"[bold]{_t('constraints', lang)}[/]")
        for c in flags:
            text = escape(f"[{c.severity}] {c.message_ko if lang == 'ko' else c.message_en}")
            console.print(f"  • {text} [dim]({escape(c.source)})[/]")
    if r.unranked:
        left = ", ".join(f"{u.region}" for u in r.unranked)
        console.print(f"  [dim]{_t('unranked', lang)}: {left}[/]")
    others = ", ".join(f"{s} ({n})" for s, n in r.sources_available.items() if s != r.source)
    console.print(f"  [dim]{_t('other', lang, s=others)}[/]")
    for n in r.warnings:
        console.print(f"[yellow]⚠ {n.code}[/]: {escape(n.message)}")
