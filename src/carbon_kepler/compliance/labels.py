"""Korean and English labels: statuses, kinds, scopes, reason sentences; check names come from data.

Renderers (CLI --lang ko, reports, MCP) take every user-facing word from here or from
regulations.json, so Korean output never shows an untranslated English check name.
"""

from __future__ import annotations

from typing import Final

from carbon_kepler.compliance.model import Kind, Lang, Status
from carbon_kepler.compliance.rules import RegulationsData, load_regulations
from carbon_kepler.core.errors import InputError

STATUS_LABELS: Final[dict[Status, dict[Lang, str]]] = {
    Status.COMPLIANT: {"en": "Compliant", "ko": "충족"},
    Status.NON_COMPLIANT: {"en": "Non-compliant", "ko": "미충족"},
    Status.NOT_ASSESSED: {"en": "Not assessed", "ko": "평가 불가"},
}

KIND_LABELS: Final[dict[Kind, dict[Lang, str]]] = {
    Kind.STATUTORY: {"en": "statutory", "ko": "법정 기준"},
    Kind.CERTIFICATION: {"en": "certification level (voluntary)", "ko": "인증 기준(자율)"},
    Kind.POLICY: {"en": "policy", "ko": "정책 기준"},
}

SCOPE_LABELS: Final[dict[str, dict[Lang, str]]] = {
    "entity": {"en": "legal entity", "ko": "업체(법인)"},
    "site": {"en": "site", "ko": "사업장"},
}

# Reason sentences by code; {placeholders} are filled by reason(). Both languages carry the same fields.
REASONS: Final[dict[str, dict[Lang, str]]] = {
    "PUE_NOT_CONFIGURED": {
        "en": "No PUE is configured for this site (set sites[].pue or a cloud region in the organisation config): not assessed; emissions count IT energy only (PUE 1.0).",
        "ko": "이 사이트의 PUE가 설정되지 않았습니다(조직 설정의 sites[].pue 또는 클라우드 리전을 지정하세요). 평가하지 않았으며 배출량은 IT 에너지만 계산했습니다(PUE 1.0).",
    },
    "NO_DATA": {
        "en": "No energy data for this unit in the period: not assessed.",
        "ko": "기간 내 이 단위의 에너지 데이터가 없어 평가하지 않았습니다.",
    },
    "LOW_COVERAGE": {
        "en": "Only {coverage} of the period's hours had data (minimum {min_coverage}): not assessed.",
        "ko": "기간 중 {coverage}의 시간에만 데이터가 있어(최소 {min_coverage}) 평가하지 않았습니다.",
    },
    "NO_ENERGY": {
        "en": "The unit used no energy in the period, so its carbon intensity is undefined: not assessed.",
        "ko": "기간 내 에너지 사용량이 0이어서 탄소집약도를 정의할 수 없어 평가하지 않았습니다.",
    },
    "INTENSITY_WITHIN": {
        "en": "Energy-weighted {basis} intensity {measured} gCO2eq/kWh is within the {kind} target of {threshold}.",
        "ko": "에너지 가중 {basis_ko} 탄소집약도 {measured} gCO2eq/kWh가 {kind_ko} 목표 {threshold} 이내입니다.",
    },
    "INTENSITY_ABOVE": {
        "en": "Energy-weighted {basis} intensity {measured} gCO2eq/kWh exceeds the {kind} target of {threshold}.",
        "ko": "에너지 가중 {basis_ko} 탄소집약도 {measured} gCO2eq/kWh가 {kind_ko} 목표 {threshold}을(를) 초과합니다.",
    },
    "PUE_UNKNOWN": {
        "en": "No PUE is configured or measured for the site: not assessed.",
        "ko": "사업장의 PUE가 설정·측정되지 않아 평가하지 않았습니다.",
    },
    "PUE_WITHIN": {
        "en": "PUE {measured} meets the {kind} (PUE {comparison} {threshold}); score band: {band}.",
        "ko": "PUE {measured}이(가) {kind_ko} 수준(PUE {comparison} {threshold})을 충족합니다; 점수 구간: {band_ko}.",
    },
    "PUE_ABOVE": {
        "en": "PUE {measured} misses the {kind} (PUE {comparison} {threshold}); score band: {band}.",
        "ko": "PUE {measured}이(가) {kind_ko} 수준(PUE {comparison} {threshold})에 미달합니다; 점수 구간: {band_ko}.",
    },
    "NO_BASELINE": {
        "en": "No baseline is configured for this unit, so there is no path to compare with: not assessed.",
        "ko": "이 단위의 기준년도 배출량이 설정되지 않아 비교할 감축 경로가 없습니다: 평가하지 않았습니다.",
    },
    "NO_TARGET_AFTER_BASELINE": {
        "en": "No pathway target year follows the baseline year {baseline_year}: not assessed.",
        "ko": "기준년도 {baseline_year} 이후의 감축 목표 연도가 없어 평가하지 않았습니다.",
    },
    "PATHWAY_WITHIN": {
        "en": "Annualised {measured} tCO2eq/year is within the {year} path of {threshold} tCO2eq/year "
        "({reduction}% below the {baseline_year} baseline).",
        "ko": "연환산 {measured} tCO2eq/년이 {year}년 경로 {threshold} tCO2eq/년 이내입니다"
        "({baseline_year}년 기준 대비 {reduction}% 감축).",
    },
    "PATHWAY_ABOVE": {
        "en": "Annualised {measured} tCO2eq/year is above the {year} path of {threshold} tCO2eq/year "
        "({reduction}% below the {baseline_year} baseline).",
        "ko": "연환산 {measured} tCO2eq/년이 {year}년 경로 {threshold} tCO2eq/년을 초과합니다"
        "({baseline_year}년 기준 대비 {reduction}% 감축).",
    },
    "REPORTING_DONE": {
        "en": "Annualised from {coverage} of the period's hours; shares show the cluster's contribution only.",
        "ko": "기간 중 {coverage}의 시간 데이터로 연환산했습니다; 비율은 클러스터의 기여분만 나타냅니다.",
    },
    "SHARE_STATEMENT": {
        "en": "The cluster contributes {share}% of the {name}; the rule applies to the {scope} as a whole.",
        "ko": "이 클러스터는 {name_ko}의 {share}%에 해당합니다; 이 기준은 {scope_ko} 전체에 적용됩니다.",
    },
}

BASIS_LABELS: Final[dict[str, dict[Lang, str]]] = {
    "location": {"en": "location-based", "ko": "지역 기준"},
    "market": {"en": "market-based", "ko": "시장 기준"},
}


def status_label(status: Status, lang: Lang) -> str:
    return STATUS_LABELS[status][lang]


def kind_label(kind: Kind, lang: Lang) -> str:
    return KIND_LABELS[kind][lang]


def check_name(code: str, lang: Lang, regulations: RegulationsData | None = None) -> str:
    """Name of a check or reporting threshold in the language asked for (from regulations.json)."""
    regs = regulations or load_regulations()
    for item in regs.named():
        if item.code == code:
            return item.name_ko if lang == "ko" else item.name_en
    allowed = ", ".join(item.code for item in regs.named())
    raise InputError(f"unknown check {code!r}", hint=f"allowed: {allowed}")


def reason(code: str, **params: object) -> tuple[str, str]:
    """(English, Korean) sentences for a reason code; `*_ko` params are filled for Korean automatically."""
    texts = REASONS[code]
    values: dict[str, object] = dict(params)
    kind, basis, scope = params.get("kind"), params.get("basis"), params.get("scope")
    if isinstance(kind, Kind):
        values["kind"], values["kind_ko"] = KIND_LABELS[kind]["en"], KIND_LABELS[kind]["ko"]
    if isinstance(basis, str) and basis in BASIS_LABELS:
        values["basis"], values["basis_ko"] = BASIS_LABELS[basis]["en"], BASIS_LABELS[basis]["ko"]
    if isinstance(scope, str) and scope in SCOPE_LABELS:
        values["scope"], values["scope_ko"] = SCOPE_LABELS[scope]["en"], SCOPE_LABELS[scope]["ko"]
    return texts["en"].format(**values), texts["ko"].format(**values)
