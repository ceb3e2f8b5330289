"""Korean and English strings of the terminal output."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "energy_title": {"en": "Energy by {by} (kWh)", "ko": "{by}별 에너지 (kWh)"},
    "namespace": {"en": "namespace", "ko": "네임스페이스"},
    "workload": {"en": "workload", "ko": "워크로드"},
    "node": {"en": "node", "ko": "노드"},
    "pod": {"en": "pod", "ko": "파드"},
    "kind": {"en": "kind", "ko": "종류"},
    "pods": {"en": "pods", "ko": "파드"},
    "active": {"en": "active", "ko": "활성"},
    "allocated": {"en": "idle+sys", "ko": "유휴·시스템"},
    "inferred": {
        "en": "* owner inferred from pod-name conventions (kube-state-metrics' kube_pod_owner not available)",
        "ko": "* 파드 이름 규칙으로 소유 워크로드를 추정함(kube-state-metrics의 kube_pod_owner 없음)",
    },
    "total": {"en": "total", "ko": "합계"},
    "share": {"en": "%", "ko": "%"},
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
