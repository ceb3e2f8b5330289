"""MCP resources (reference data, intensity profile, methodology) and the documents tools render.

Resources serve the packaged data files as validated JSON (what the checks and factors rest on), the
KR hourly profile scaled to the factor in use, and a methodology page built from the same data. The
carbon-intensity views and the report Markdown live here too, because tools and resources share them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources as package_files
from typing import Any, Literal

from mcp.server import MCPServer

from carbon_kepler.assessment import Assessment, Inventory, WorkloadStatus
from carbon_kepler.carbon.intensity import official_kr_profile, profile_values, region_intensities
from carbon_kepler.carbon.model import HourlyIntensity
from carbon_kepler.compliance.labels import kind_label, status_label
from carbon_kepler.compliance.model import Status
from carbon_kepler.core.figures import Notice
from carbon_kepler.core.period import HOUR, hour_floor
from carbon_kepler.engine import Engine, now_local
from carbon_kepler.mcp_server import results as r

JSON = "application/json"
MARKDOWN = "text/markdown"


@dataclass(frozen=True)
class ResourceSpec:
    uri: str
    name: str
    title: str
    description: str
    mime_type: str
    read: Callable[[Engine], str]


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)


def regulations(engine: Engine) -> str:
    return _json(engine.assessor.regulations.model_dump(mode="json"))


def factors(engine: Engine) -> str:
    a = engine.assessor
    data = a.carbon.model_dump(
        mode="json", include={"data_version", "official_factors", "kets_phases", "third_party"}
    )
    return _json({"factor_in_use": a.factor.model_dump(mode="json"), **data})


def kr_profile(engine: Engine) -> str:
    a = engine.assessor
    profile = a.carbon.profile("KR")
    assert profile is not None  # the data file ships the KR profile (carbon/factors.py validates it)
    values = profile_values(profile, a.factor.figure().value)
    scaled = {f"{h:02d}:00": round(v, 1) for h, v in enumerate(values)}
    return _json(
        {
            "scaled_to": a.factor.figure().model_dump(mode="json"),
            "g_per_kwh_by_local_hour": scaled,
            **profile.model_dump(mode="json"),
        }
    )


def regions(engine: Engine) -> str:
    return _json(engine.assessor.regions.model_dump(mode="json"))


def sources(_: Engine) -> str:
    return (package_files.files("carbon_kepler") / "data" / "SOURCES.md").read_text(encoding="utf-8")


def methodology(engine: Engine) -> str:
    a, s = engine.assessor, engine.settings
    f = a.factor.figure()
    checks = "\n".join(
        f"- `{c.code}` ({c.kind.value}): {c.name_en} / {c.name_ko}. {c.source}" for c in a.regulations.checks
    )
    return f"""# carbon-kepler methodology

1. **Energy** per workload and hour ({s.timezone} hour buckets, half-open periods): Kepler's measured
   active energy of each pod (RAPL zones {"+".join(s.zones)}) plus a share of node idle and system energy
   (allocation policy `{s.allocation.value}`). Node energy = pods active + allocated + unallocated.
2. **Emissions**: Σ_h E_h × PUE × I_h (gCO2eq). Market-based: energy covered by renewable instruments that
   count for GHG reduction (REC, PPA, self-generation; not the green premium) at 0 g/kWh.
3. **Factor in use**: {f.value:g} {f.unit}, vintage {f.year} — {f.source}. Why: {a.factor.reason}.
4. **Hourly intensity**: {series_text(engine)}. No published hourly series exists for Korea: the profile
   follows documented anchors (midday solar low, 18-21 evening peak) and is scaled so its mean equals the
   factor. It is an assumption and every result says so.
5. **Checks** return COMPLIANT, NON_COMPLIANT or NOT_ASSESSED (never compliant on missing or sparse data);
   each names its threshold's kind (statutory, voluntary certification level, or organisation policy):
{checks}
6. **Reporting thresholds** (cluster): annualised TOE, TJ and tCO2eq as a share of the statutory
   thresholds — a contribution to a facility's or entity's total, never a verdict on a workload.

Sources of every number: carbon-kepler://sources. Thresholds: carbon-kepler://regulations.
"""


RESOURCES = (
    ResourceSpec(
        "carbon-kepler://regulations",
        "regulations",
        "Korean rules, checks and reporting thresholds",
        "Rules (statutory, certification, policy) with sources and confidence, check definitions with "
        "thresholds, reporting thresholds and energy conversions (regulations.json).",
        JSON,
        regulations,
    ),
    ResourceSpec(
        "carbon-kepler://intensity/factors",
        "emission-factors",
        "Official Korean emission factors",
        "Official factors by vintage, the factor in use and why, K-ETS allocation factors, third-party "
        "annual averages (compare within one source only).",
        JSON,
        factors,
    ),
    ResourceSpec(
        "carbon-kepler://intensity/profile/KR",
        "kr-hourly-profile",
        "KR hourly carbon-intensity profile",
        "The assumed KST hour-of-day profile with its documented anchors, scaled to the factor in use "
        "(gCO2eq/kWh per local hour).",
        JSON,
        kr_profile,
    ),
    ResourceSpec(
        "carbon-kepler://regions",
        "regions",
        "Cloud regions",
        "Cloud regions with country, grid zone, provider PUE and annual intensities by source "
        "(regions.json).",
        JSON,
        regions,
    ),
    ResourceSpec(
        "carbon-kepler://methodology",
        "methodology",
        "Methodology",
        "How energy, emissions and each compliance check are computed, with the factor and series in use.",
        MARKDOWN,
        methodology,
    ),
    ResourceSpec(
        "carbon-kepler://sources",
        "sources",
        "Sources of the reference data",
        "Audit trail of every packaged number with its source and confidence (SOURCES.md).",
        MARKDOWN,
        sources,
    ),
)


def register_resources(server: MCPServer[Any], engine: Engine) -> None:
    for spec in RESOURCES:
        server.resource(
            spec.uri, name=spec.name, title=spec.title, description=spec.description, mime_type=spec.mime_type
        )(_reader(spec, engine))


def _reader(spec: ResourceSpec, engine: Engine) -> Callable[[], str]:
    def read() -> str:
        return spec.read(engine)

    read.__name__ = spec.name.replace("-", "_")
    return read


# -- carbon-intensity views (get_carbon_intensity tool, methodology) ------------------------------------


def series_text(engine: Engine) -> str:
    """Which hourly intensity series the checks use (the same choice the engine's assessor makes)."""
    a = engine.assessor
    static = official_kr_profile(a.carbon, a.factor).series(0).source
    live = engine.settings.electricitymaps_token is not None
    return f"Electricity Maps live (zone KR) where available, else {static}" if live else static


def intensity_hours(engine: Engine, mode: str, hours: int) -> list[int]:
    """Hour buckets of a mode: the current hour, the next `hours` hours, or today's 24 local hours."""
    now = hour_floor(engine.clock().timestamp())
    if mode == "now":
        return [now]
    if mode == "forecast":
        return [now + i * HOUR for i in range(hours)]
    midnight = now_local(engine.clock, engine.settings.timezone).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return [int(midnight.timestamp()) + i * HOUR for i in range(24)]


def not_a_forecast(mode: str, hi: HourlyIntensity) -> list[Notice]:
    if mode != "forecast" or hi.series.hours_live:
        return []
    msg = "no live forecast (set an Electricity Maps token): these hours are the assumed profile, not a forecast"
    return [Notice(code="NO_LIVE_FORECAST", message=msg)]


def region_intensity(engine: Engine, region_id: str) -> r.RegionIntensity:
    a = engine.assessor
    reg = a.regions.region(region_id)  # InputError listing the allowed ids
    return r.RegionIntensity(
        region=reg.id,
        name_en=reg.name_en,
        name_ko=reg.name_ko,
        country=reg.country,
        grid_zone=reg.grid_zone,
        annual=list(region_intensities(a.carbon, a.regions, reg.id)),
    )


# -- the compliance report (structured + Markdown; report/ will own rendering once it lands) -------------

Lang = Literal["ko", "en"]
_MD: dict[str, tuple[str, str]] = {  # key: (en, ko)
    "title": ("Compliance report", "준수 보고서"),
    "cluster": ("cluster", "클러스터"),
    "energy": ("IT energy", "IT 에너지"),
    "emissions": ("Emissions (location / market)", "배출량(위치 / 시장 기반)"),
    "factor": ("Emission factor", "배출계수"),
    "coverage": ("Data coverage", "데이터 커버리지"),
    "checks": ("Checks", "점검 결과"),
    "head": (
        "| check | status | measured | threshold | kind |",
        "| 점검 항목 | 상태 | 측정값 | 기준 | 구분 |",
    ),
    "reporting": ("Share of statutory reporting thresholds (annualised)", "법정 보고 기준 대비 비중(연환산)"),
    "workloads": ("Workloads by status", "상태별 워크로드"),
    "attention": ("Workloads needing attention", "조치가 필요한 워크로드"),
    "more": ("… and {n} more", "… 외 {n}개"),
    "warnings": ("Warnings", "경고"),
}


def compliance_report(scope: Assessment, rows: Inventory, top_n: int, lang: Lang) -> r.ComplianceReport:
    counts = rows.counts("ALL")
    needing = rows.needing_attention()
    attention = [WorkloadStatus.of_row(rows.row(k)) for k in needing[:top_n]]
    summary = (
        f"{_unit(scope, 'en')} {r.period_text(scope.period)}: {r.figure_text(scope.it_energy, 3)}, "
        f"{r.figure_text(scope.emissions_location)}; worst {scope.worst.value}; {len(rows)} workloads, "
        f"{counts[Status.NON_COMPLIANT]} non-compliant, {counts[Status.NOT_ASSESSED]} not assessed"
    )
    omitted = len(needing) - len(attention)
    return r.ComplianceReport(
        summary=summary,
        language=lang,
        scope=scope,
        status_counts=counts,
        attention=attention,
        attention_omitted=omitted,
        markdown=report_markdown(scope, counts, attention, omitted, lang),
    )


def _unit(a: Assessment, lang: Lang) -> str:
    return a.unit.key.split(":", 1)[1] if a.unit.namespace else _MD["cluster"][lang == "ko"]


def report_markdown(
    a: Assessment, counts: dict[Status, int], attention: list[WorkloadStatus], omitted: int, lang: Lang
) -> str:
    def t(key: str) -> str:
        return _MD[key][lang == "ko"]

    lines = [
        f"# {t('title')}: {_unit(a, lang)}",
        "",
        f"{r.period_text(a.period)} · {a.energy_source}",
        "",
        f"- {t('energy')}: {r.figure_text(a.it_energy, 3)} ({a.it_energy.quality.value})",
        f"- {t('emissions')}: {r.figure_text(a.emissions_location)} / {r.figure_text(a.emissions_market)}",
        f"- {t('factor')}: {a.factor.value:g} {a.factor.unit} ({a.factor.year}) — {a.factor.source}",
        f"- {t('coverage')}: {a.coverage:.1%}",
        "",
        f"## {t('checks')}",
        "",
        t("head"),
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {c.name(lang)} ({c.code}) | {status_label(c.status, lang)} | {r.figure_text(c.measured, 3)} | "
        f"{r.figure_text(c.threshold, 3)} | {kind_label(c.kind, lang)} |"
        for c in a.checks
    ]
    if a.reporting and a.reporting.assessed:
        lines += ["", f"## {t('reporting')}", ""]
        lines += [f"- {s.statement_ko if lang == 'ko' else s.statement_en}" for s in a.reporting.shares]
    lines += ["", f"## {t('workloads')}", ""] + [f"- {status_label(s, lang)}: {n}" for s, n in counts.items()]
    if attention:
        lines += ["", f"## {t('attention')}", ""]
        lines += [
            f"- {w.key}: {status_label(w.worst, lang)}, {w.energy_kwh:.3f} kWh, {w.emissions_g:,.0f} gCO2eq"
            for w in attention
        ]
        lines += [t("more").format(n=omitted)] if omitted else []
    if a.warnings:
        lines += ["", f"## {t('warnings')}", ""] + [f"- {w.code}: {w.message}" for w in a.warnings]
    return "\n".join(lines) + "\n"
