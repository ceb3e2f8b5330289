"""Korean and English strings of the terminal output."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "energy_title": {"en": "Energy by {by}", "ko": "{by}별 에너지"},
    "namespace": {"en": "namespace", "ko": "네임스페이스"},
    "workload": {"en": "workload", "ko": "워크로드"},
    "node": {"en": "node", "ko": "노드"},
    "pod": {"en": "pod", "ko": "파드"},
    "kind": {"en": "kind", "ko": "종류"},
    "pods": {"en": "pods", "ko": "파드 수"},
    "active": {"en": "active kWh", "ko": "활성 kWh"},
    "allocated": {"en": "idle+system kWh", "ko": "유휴+시스템 kWh"},
    "total": {"en": "total kWh", "ko": "합계 kWh"},
    "share": {"en": "share %", "ko": "비중 %"},
    "period": {"en": "Period", "ko": "기간"},
    "source": {"en": "Source", "ko": "출처"},
    "coverage": {"en": "data coverage", "ko": "데이터 커버리지"},
    "measured": {"en": "measured", "ko": "측정값"},
    "estimated": {"en": "estimated", "ko": "추정값"},
    "reconcile": {
        "en": "Node energy {node} kWh = pods active {active} + allocated idle/system {alloc} + unallocated {unalloc}",
        "ko": "노드 에너지 {node} kWh = 파드 활성 {active} + 배분된 유휴/시스템 {alloc} + 미배분 {unalloc}",
    },
    "omitted": {"en": "… {n} more rows (use --limit 0 for all)", "ko": "… 외 {n}행 (전체는 --limit 0)"},
    "warning": {"en": "warning", "ko": "경고"},
    "allocation": {"en": "allocation", "ko": "배분 정책"},
    "zones": {"en": "zones", "ko": "측정 영역"},
}


def t(key: str, lang: str, **kw: object) -> str:
    entry = STRINGS[key]
    return entry.get(lang, entry["en"]).format(**kw)
