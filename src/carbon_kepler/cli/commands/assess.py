"""`carbon-kepler assess`: emissions and Korean compliance checks for a workload, namespace or cluster."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from carbon_kepler.assessment import Assessment
from carbon_kepler.cli import options as o
from carbon_kepler.cli.common import engine_from_flags
from carbon_kepler.cli.output import console, print_json, progress
from carbon_kepler.compliance.labels import kind_label, status_label
from carbon_kepler.compliance.model import Status
from carbon_kepler.core.figures import Figure
from carbon_kepler.energy.selector import Selector
from carbon_kepler.engine import PeriodArgs

_STYLE = {Status.COMPLIANT: "green", Status.NON_COMPLIANT: "red", Status.NOT_ASSESSED: "yellow"}
_T = {
    "title": {"en": "Compliance of {unit}", "ko": "{unit} 준수 평가"},
    "check": {"en": "check", "ko": "점검 항목"},
    "status": {"en": "status", "ko": "상태"},
    "value": {"en": "measured", "ko": "측정값"},
    "threshold": {"en": "threshold", "ko": "기준"},
    "kind": {"en": "kind", "ko": "구분"},
    "why": {"en": "reason", "ko": "사유"},
    "energy": {"en": "IT energy", "ko": "IT 에너지"},
    "facility": {"en": "facility energy", "ko": "시설 에너지"},
    "loc": {"en": "emissions (location-based)", "ko": "배출량(위치 기반)"},
    "mkt": {"en": "emissions (market-based)", "ko": "배출량(시장 기반)"},
    "intensity": {"en": "energy-weighted intensity", "ko": "에너지 가중 탄소집약도"},
    "factor": {"en": "emission factor", "ko": "배출계수"},
    "series": {"en": "hourly series", "ko": "시간대별 계열"},
    "reporting": {
        "en": "Cluster share of statutory reporting thresholds (annualised; a contribution, not a breach)",
        "ko": "법정 보고 기준 대비 클러스터 비중(연환산; 위반이 아닌 기여도)",
    },
    "cluster": {"en": "the cluster", "ko": "클러스터"},
}


def _t(key: str, lang: str) -> str:
    return _T[key]["ko" if lang == "ko" else "en"]


def assess(
    source: o.Source = None,
    prometheus_url: o.PromUrl = None,
    token: o.Token = None,
    token_file: o.TokenFile = None,
    ca_file: o.CaFile = None,
    insecure: o.Insecure = None,
    store: o.StorePath = None,
    config: o.Config = None,
    org_config: o.OrgConfig = None,
    purpose: o.PurposeOpt = None,
    reporting_year: o.ReportingYear = None,
    factor: o.FactorId = None,
    zones: o.Zones = None,
    allocation: o.Allocation = None,
    since: o.Since = None,
    start: o.Start = None,
    end: o.End = None,
    period: o.PeriodMonth = None,
    namespace: Annotated[str | None, typer.Option("--namespace", "-n", help="Assess this namespace")] = None,
    workload: Annotated[
        str | None, typer.Option("--workload", "-w", help="Assess this owner workload")
    ] = None,
    json_out: o.Json = False,
    lang: o.Lang = None,
) -> None:
    """Emissions and Korean compliance checks (statutory, certification, policy) with sources."""
    selector = Selector(namespace=namespace, workload=workload)
    eng = engine_from_flags(locals())
    with progress(not json_out) as step:
        result = eng.assess(PeriodArgs(since, start, end, period), selector, progress=step)
    if json_out:
        print_json(result)
    else:
        render(result, eng.settings.lang)


def _fig(f: Figure | None, digits: int = 1) -> str:
    if f is None:
        return "—"
    return f"{f.value:,.{digits}f} {f.unit}"


def render(a: Assessment, lang: str) -> None:
    unit = a.unit.key.split(":", 1)[1] if a.unit.kind != "cluster" else _t("cluster", lang)
    p = a.period
    console.print(f"[bold]{_t('title', lang).format(unit=unit)}[/] · [{p.start}, {p.end}) {p.timezone}")
    for key, fig, digits in (
        ("energy", a.it_energy, 3),
        ("facility", a.facility_energy, 3),
        ("loc", a.emissions_location, 1),
        ("mkt", a.emissions_market, 1),
        ("intensity", a.intensity, 1),
    ):
        quality = "" if fig is None else f" [dim]({fig.quality.value})[/]"
        console.print(f"  {_t(key, lang)}: {_fig(fig, digits)}{quality}")
    console.print(f"  {_t('factor', lang)}: {a.factor.value:g} {a.factor.unit} — {a.factor.source}")
    console.print(f"  {_t('series', lang)}: {a.intensity_series}")
    lg: Literal["ko", "en"] = "ko" if lang == "ko" else "en"
    for c in a.checks:
        style = _STYLE[c.status]
        console.print(
            f"[{style}]●[/] [bold]{c.name(lg)}[/] [{c.code}] — [{style}]{status_label(c.status, lg)}[/] · "
            f"{_t('value', lang)} {_fig(c.measured, 3)} · {_t('threshold', lang)} {_fig(c.threshold, 3)} · "
            f"{kind_label(c.kind, lg)}"
        )
        console.print(f"    [dim]{c.reason(lg)}[/]")
    if a.reporting and a.reporting.assessed:
        console.print(f"[bold]{_t('reporting', lang)}[/]")
        for s in a.reporting.shares:
            console.print(f"  • {s.statement_ko if lang == 'ko' else s.statement_en}")
    for w in a.warnings:
        console.print(f"[yellow]⚠ {w.code}[/]: {w.message}")
