"""Container requests, limits and p95 usage for rightsizing (domain.md §7), from Prometheus.

Requests and limits come from kube-state-metrics (`kube_pod_container_resource_{requests,limits}`),
usage from cAdvisor (`container_cpu_usage_seconds_total`, `container_memory_working_set_bytes`).
Everything is aggregated in Prometheus, one row per (namespace, pod, container): a fixed number of
requests (one metric-name lookup + at most four queries) whatever the cluster size. Which metric
families are absent is reported, never guessed around. The selector is validated (energy/selector.py)
before any label value reaches a query, and escaped again when it does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from carbon_kepler.core.period import Period
from carbon_kepler.energy.prometheus.client import PrometheusClient
from carbon_kepler.energy.selector import Selector, promql_label_value

REQUESTS = "kube_pod_container_resource_requests"
LIMITS = "kube_pod_container_resource_limits"
CPU_USAGE = "container_cpu_usage_seconds_total"
MEMORY_USAGE = "container_memory_working_set_bytes"
FAMILIES = (REQUESTS, LIMITS, CPU_USAGE, MEMORY_USAGE)
PROVIDER = {
    REQUESTS: "kube-state-metrics",
    LIMITS: "kube-state-metrics",
    CPU_USAGE: "cAdvisor",
    MEMORY_USAGE: "cAdvisor",
}
_KEY = "namespace, pod, container"


class ContainerUsage(NamedTuple):
    """One container of one pod over the window; None where the metric was absent."""

    namespace: str
    pod: str
    container: str
    cpu_request_cores: float | None
    cpu_limit_cores: float | None
    memory_request_bytes: float | None
    memory_limit_bytes: float | None
    cpu_p95_cores: float | None
    memory_p95_bytes: float | None


@dataclass(frozen=True)
class UsageData:
    rows: tuple[ContainerUsage, ...]
    missing: tuple[str, ...]  # metric families with no series in the window
    source: str
    quantile: float
    queries: int = 0
    promql: tuple[str, ...] = field(default=())


class UsageSource(Protocol):
    """Anything that can give per-container requests, limits and usage quantiles for a window."""

    @property
    def description(self) -> str: ...

    def usage(self, period: Period, selector: Selector, quantile: float = 0.95) -> UsageData: ...


def _matchers(selector: Selector) -> str:
    parts = [
        f'{k}="{promql_label_value(v)}"'
        for k, v in (("namespace", selector.namespace), ("pod", selector.pod))
        if v
    ]
    return "".join(f",{p}" for p in parts)


def resources_query(family: str, range_s: int, selector: Selector) -> str:
    """Largest request (or limit) per container and resource over the window."""
    sel = f'{family}{{resource=~"cpu|memory"{_matchers(selector)}}}'
    return f"max by ({_KEY}, resource) (max_over_time({sel}[{range_s}s]))"


def cpu_quantile_query(range_s: int, selector: Selector, quantile: float, step_s: int = 60) -> str:
    """Quantile over the window of each container's 5-minute CPU rate (cores), sampled every step."""
    sel = f'{CPU_USAGE}{{container!="",container!="POD"{_matchers(selector)}}}'
    rate = f"sum by ({_KEY}) (rate({sel}[5m]))"
    return f"quantile_over_time({quantile:g}, ({rate})[{range_s}s:{step_s}s])"


def memory_quantile_query(range_s: int, selector: Selector, quantile: float, step_s: int = 60) -> str:
    """Quantile over the window of each container's working-set bytes, sampled every step."""
    sel = f'{MEMORY_USAGE}{{container!="",container!="POD"{_matchers(selector)}}}'
    return f"quantile_over_time({quantile:g}, (sum by ({_KEY}) ({sel}))[{range_s}s:{step_s}s])"


def presence_match() -> str:
    return '{__name__=~"' + "|".join(FAMILIES) + '"}'


Key = tuple[str, str, str]


class PrometheusUsageSource:
    """UsageSource over the Prometheus HTTP API (also Thanos, Mimir, VictoriaMetrics)."""

    def __init__(self, client: PrometheusClient, *, step_s: int = 60) -> None:
        self.client = client
        self.step_s = step_s

    @property
    def description(self) -> str:
        return f"Prometheus {self.client.base} (kube-state-metrics requests/limits, cAdvisor usage)"

    def usage(self, period: Period, selector: Selector, quantile: float = 0.95) -> UsageData:
        rng, at = period.end_ts - period.start_ts, period.end_ts
        present = set(self.client.label_values("__name__", presence_match(), period.start_ts, period.end_ts))
        missing = tuple(f for f in FAMILIES if f not in present)
        cols: dict[str, dict[Key, float]] = {}
        promql: list[str] = []
        plan = [
            (REQUESTS, "req", resources_query(REQUESTS, rng, selector)),
            (LIMITS, "lim", resources_query(LIMITS, rng, selector)),
            (CPU_USAGE, "cpu", cpu_quantile_query(rng, selector, quantile, self.step_s)),
            (MEMORY_USAGE, "mem", memory_quantile_query(rng, selector, quantile, self.step_s)),
        ]
        for family, name, expr in plan:
            if family in present:
                promql.append(expr)
                cols.update(_columns(name, self.client.query(expr, at)))
        return UsageData(_rows(cols), missing, self.description, quantile, 1 + len(promql), tuple(promql))


def _columns(name: str, result: Iterable[dict[str, object]]) -> dict[str, dict[Key, float]]:
    """Query rows → column name → (namespace, pod, container) → value; resources split cpu/memory."""
    out: dict[str, dict[Key, float]] = {}
    for r in result:
        m = r["metric"]
        value = r["value"]
        assert isinstance(m, dict) and isinstance(value, list)
        key = (str(m.get("namespace", "")), str(m.get("pod", "")), str(m.get("container", "")))
        col = f"{name}_{m['resource']}" if "resource" in m else name
        out.setdefault(col, {})[key] = float(value[1])
    return out


def _rows(cols: dict[str, dict[Key, float]]) -> tuple[ContainerUsage, ...]:
    keys = sorted({k for c in cols.values() for k in c})
    names = ("req_cpu", "lim_cpu", "req_memory", "lim_memory", "cpu", "mem")
    return tuple(ContainerUsage(*k, *(cols.get(n, {}).get(k) for n in names)) for k in keys)
