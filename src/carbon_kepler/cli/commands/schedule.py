"""`carbon-kepler schedule`: the cleanest window for a job between its earliest start and deadline."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.markup import escape

from carbon_kepler.advice.model import Saving, ScheduleRequest, ScheduleResult, ScheduleWindow
from carbon_kepler.advising import Advisor
from carbon_kepler.cli import options as o
from carbon_kepler.cli.common import engine_from_flags
from carbon_kepler.cli.output import console, print_json, progress
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.period import parse_instant
from carbon_kepler.engine import PeriodArgs

_T = {
    "title": {"en": "Cleanest window for a {d} job", "ko": "{d} 작업의 최저 탄소 실행 구간"},
    "best": {"en": "recommended", "ko": "추천"},
    "now": {"en": "start now", "ko": "지금 시작"},
    "tie": {"en": "also lowest", "ko": "동률"},
    "vs_now": {"en": "saves vs starting now", "ko": "지금 시작 대비 절감"},
    "vs_hist": {"en": "saves vs its measured run hours", "ko": "실제 실행 시간대 대비 절감"},
    "per_run": {"en": "per run", "ko": "1회당"},
    "history": {
        "en": "measured: {runs} runs, usually starting at {hours} h, {kwh:.4g} kWh, {i:.1f} gCO2eq/kWh",
        "ko": "측정: {runs}회 실행, 주로 {hours}시 시작, {kwh:.4g} kWh, {i:.1f} gCO2eq/kWh",
    },
    "tariff": {"en": "tariff", "ko": "요금 시간대"},
    "tariff_cmp": {"en": "tariff band vs now: {c}", "ko": "지금 대비 요금 시간대: {c}"},
    "cron": {"en": "recurring job (CronJob)", "ko": "반복 작업(CronJob)"},
    "utc": {"en": "without spec.timeZone (UTC)", "ko": "spec.timeZone 미지원 시(UTC)"},
    "series": {"en": "intensity series", "ko": "탄소집약도 계열"},
    "ties": {"en": "{n} windows share the lowest mean", "ko": "최저 평균을 공유하는 구간 {n}개"},
}
_CMP_KO = {
    "lower": "더 저렴한 시간대",
    "same": "같은 수준",
    "higher": "더 비싼 시간대",
    "unknown": "알 수 없음",
}
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?$")


def _t(key: str, lang: str, **kw: object) -> str:
    return _T[key]["ko" if lang == "ko" else "en"].format(**kw)


def parse_minutes(text: str) -> int:
    """'4h', '90m', '1h30m' → minutes."""
    m = _DURATION.match(text.strip())
    if not m or not any(m.groups()) or (minutes := int(m.group(1) or 0) * 60 + int(m.group(2) or 0)) == 0:
        raise InputError(f"cannot read duration {text!r}", hint="use hours and minutes: 4h, 90m, 1h30m")
    return minutes


def schedule(
    duration: Annotated[str, typer.Option("--duration", "-d", help="How long the job runs: 4h, 90m, 1h30m")],
    earliest: Annotated[
        str | None,
        typer.Option("--earliest", help="Earliest start (ISO 8601; KST when no offset; default now)"),
    ] = None,
    deadline: Annotated[
        str | None, typer.Option("--deadline", help="Finish by (ISO 8601; default earliest + 24 h)")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Region id, e.g. aws:ap-northeast-2 (default: org site)")
    ] = None,
    namespace: Annotated[
        str | None, typer.Option("--namespace", "-n", help="Namespace of the workload")
    ] = None,
    workload: Annotated[
        str | None, typer.Option("--workload", "-w", help="Compare with this workload's measured runs")
    ] = None,
    energy_kwh: Annotated[
        float | None, typer.Option("--energy-kwh", help="Energy of one run (default: from measured history)")
    ] = None,
    source: o.Source = None,
    prometheus_url: o.PromUrl = None,
    token: o.Token = None,
    token_file: o.TokenFile = None,
    ca_file: o.CaFile = None,
    insecure: o.Insecure = None,
    store: o.StorePath = None,
    config: o.Config = None,
    org_config: o.OrgConfig = None,
    since: o.Since = None,
    json_out: o.Json = False,
    lang: o.Lang = None,
) -> None:
    """Cleanest time to run a job: rolling mean intensity, savings vs now and vs its history, tariff band."""
    eng = engine_from_flags(locals())
    tz = eng.settings.timezone
    req = ScheduleRequest(
        duration_minutes=parse_minutes(duration),
        earliest_start=parse_instant(earliest, tz) if earliest else None,
        deadline=parse_instant(deadline, tz) if deadline else None,
        region=region,
        namespace=namespace,
        workload=workload,
        energy_kwh=energy_kwh,
    )
    with progress(not json_out) as step:
        result = Advisor(eng).schedule(req, PeriodArgs(since=since), progress=step)
    if json_out:
        print_json(result)
    else:
        render(result, eng.settings.lang)


def _hm(iso: str) -> str:
    return iso[:16].replace("T", " ")


def _window(label: str, w: ScheduleWindow, lang: str) -> str:
    line = f"{label}: {_hm(w.start)} → {_hm(w.end)} · {w.mean_intensity.value:,.1f} gCO2eq/kWh"
    if w.tariff is not None:
        bands = ", ".join(f"{s.name_ko if lang == 'ko' else s.name_en} {s.hours:g}h" for s in w.tariff.slices)
        index = w.tariff.relative_price_index
        line += f" · {_t('tariff', lang)}: {bands}" + (f" (index {index:.2f}/3)" if index is not None else "")
    return line


def _saving(label: str, s: Saving, lang: str) -> str:
    if s.intensity_saved_g_per_kwh is None:
        return ""
    pct = f" ({s.intensity_saved_pct:.1f} %)" if s.intensity_saved_pct is not None else ""
    line = f"  {label}: {s.intensity_saved_g_per_kwh:,.1f} gCO2eq/kWh{pct}"
    if s.emissions_saved is not None:
        line += f"; {s.emissions_saved.value:,.2f} gCO2eq {_t('per_run', lang)}"
    return line + f"\n    [dim]{escape(s.formula)}[/]"


def render(r: ScheduleResult, lang: str) -> None:
    hours = f"{r.duration_minutes // 60}h{r.duration_minutes % 60:02d}m".replace("h00m", "h")
    console.print(
        f"[bold]{_t('title', lang, d=hours)}[/] · {_hm(r.earliest_start)} → {_hm(r.deadline)} ({r.grid_zone})"
    )
    console.print(f"  [green]★ {_window(_t('best', lang), r.best, lang)}[/]")
    for w in r.alternatives:
        console.print(f"    {_window(_t('tie', lang), w, lang)}")
    if r.tied_windows > 1:
        console.print(f"    [dim]{_t('ties', lang, n=r.tied_windows)}[/]")
    console.print(f"  {_window(_t('now', lang), r.start_now, lang)}")
    console.print(_saving(_t("vs_now", lang), r.saving_vs_now, lang))
    if r.history and r.saving_vs_history:
        h = r.history
        hrs = ", ".join(str(x) for x in h.usual_start_hours)
        console.print(
            f"  {_t('history', lang, runs=h.runs, hours=hrs, kwh=h.energy.value, i=h.intensity.value)}"
        )
        console.print(_saving(_t("vs_hist", lang), r.saving_vs_history, lang))
    cmp = _CMP_KO.get(r.tariff_vs_now, r.tariff_vs_now) if lang == "ko" else r.tariff_vs_now
    console.print(f"  {_t('tariff_cmp', lang, c=cmp)}")
    if r.recurring:
        rc = r.recurring
        console.print(f'  {_t("cron", lang)}: schedule "{rc.cron_schedule}" timeZone "{rc.cron_time_zone}"')
        console.print(f'    [dim]{_t("utc", lang)}: "{rc.cron_schedule_utc}"[/]')
    console.print(f"  [dim]{_t('series', lang)}: {escape(r.intensity_series.source)}[/]")
    for n in r.warnings:
        console.print(f"[yellow]⚠ {n.code}[/]: {escape(n.message)}")
