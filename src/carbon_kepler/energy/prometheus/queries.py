"""PromQL builders — the only place PromQL is written (architecture: energy/prometheus is its home).

Every builder returns one expression evaluated as a range query at hour ENDS with step 1h, so each
output point t is the hour bucket [t−1h, t). Aggregation happens in Prometheus (`sum by`), so the
number of requests for a cluster-wide hourly breakdown depends on the period length only, never on
the number of pods.

Hour-bucket methods for counters (domain.md §2.1, measured in BENCHMARKS.md):
  held            increase over a subquery of the counter merged across `state`
                  (`max without (state)`), resampled every `resolution`: consecutive hours share their
                  boundary point, so hours telescope exactly, resets are handled, the `terminated`
                  series continues the `running` one, and no edge extrapolation happens inside a
                  series' life. Default.
  windowed        sum of raw `increase(x[5m])` windows per hour (finer windows, local-rate edges).
  hourly-increase a plain `increase(x[1h])` — what dashboards do; off by several % at edges.
"""

from __future__ import annotations

from enum import StrEnum

from carbon_kepler.energy import kepler
from carbon_kepler.energy.selector import promql_label_value


class Method(StrEnum):
    HELD = "held"
    WINDOWED = "windowed"
    HOURLY_INCREASE = "hourly-increase"


def zone_matcher(zones: tuple[str, ...]) -> str:
    # Zones are validated against kepler.KNOWN_ZONES before they get here; escaped anyway.
    return "|".join(promql_label_value(z) for z in zones)


def _hourly(series: str, method: Method, resolution_s: int) -> str:
    """Energy per hour of the counter expression `series` (already merged across `state`)."""
    if method is Method.HELD:
        return f"increase(({series})[1h:{resolution_s}s])"
    return f"sum_over_time(increase(({series})[5m:{resolution_s}s])[59m59s:5m])"


def _raw_hourly(selector: str, method: Method) -> str | None:
    """Methods that apply increase() on raw series (no subquery) — used by the baselines."""
    if method is Method.HOURLY_INCREASE:
        return f"increase({selector}[1h])"
    if method is Method.WINDOWED:
        return f"sum_over_time(increase({selector}[5m])[59m59s:5m])"
    return None


def pod_energy_new(zones: tuple[str, ...], method: Method, resolution_s: int) -> str:
    sel = f'{kepler.NEW_POD_JOULES}{{zone=~"{zone_matcher(zones)}"}}'
    by = "node_name, pod_namespace, pod_name, pod_id, zone"
    raw = _raw_hourly(sel, method)
    inner = raw if raw else _hourly(f"max without (state) ({sel})", method, resolution_s)
    return f"sum by ({by}) ({inner})"


def node_energy_new(zones: tuple[str, ...], method: Method, resolution_s: int) -> str:
    names = "|".join([kepler.NEW_NODE_JOULES, kepler.NEW_NODE_ACTIVE_JOULES, kepler.NEW_NODE_IDLE_JOULES])
    sel = f'{{__name__=~"{names}", zone=~"{zone_matcher(zones)}"}}'
    labelled = f'label_replace({sel}, "kind", "$1", "__name__", "kepler_node_cpu_(active|idle)_joules_total")'
    # Node series have no `state` label; the held method is exact for them whatever `method` pods use.
    return f"sum by (node_name, zone, kind) ({_hourly(labelled, Method.HELD, resolution_s)})"


def pod_energy_old(zones: tuple[str, ...], method: Method, resolution_s: int) -> str:
    names = "|".join(kepler.old_container_joules(z) for z in zones)
    sel = f'{{__name__=~"{names}", mode="dynamic"}}'
    labelled = f'label_replace({sel}, "zone", "$1", "__name__", "kepler_container_(.+)_joules_total")'
    return (
        f"sum by (instance, container_namespace, pod_name, zone) ({_hourly(labelled, method, resolution_s)})"
    )


def node_energy_old(zones: tuple[str, ...], method: Method, resolution_s: int) -> str:
    names = "|".join(kepler.old_node_joules(z) for z in zones)
    sel = f'{{__name__=~"{names}"}}'
    labelled = f'label_replace({sel}, "zone", "$1", "__name__", "kepler_node_(.+)_joules_total")'
    return f"sum by (instance, zone, mode) ({_hourly(labelled, Method.HELD, resolution_s)})"


def node_coverage(generation_new: bool) -> str:
    """Samples per node and hour of one node counter (coverage = count / expected)."""
    if generation_new:
        return f'sum by (node_name) (count_over_time({kepler.NEW_NODE_JOULES}{{zone="package"}}[1h]))'
    return f'sum by (instance) (count_over_time({kepler.old_node_joules("package")}{{mode="dynamic"}}[1h]))'


def kepler_metric_names() -> str:
    return '{__name__=~"kepler_.+"}'


def build_versions(range_s: int) -> str:
    return (
        f"max by (version) (max_over_time({kepler.NEW_BUILD_INFO}[{range_s}s]))"
        f" or max by (version) (max_over_time({kepler.OLD_BUILD_INFO}[{range_s}s]))"
    )


def node_zones_and_watts(range_s: int) -> str:
    return f"max by (zone) (max_over_time({kepler.NEW_NODE_WATTS}[{range_s}s]))"


def pod_owners(range_s: int) -> str:
    return f"max by (namespace, pod, uid, owner_kind, owner_name) (max_over_time(kube_pod_owner[{range_s}s]))"


def owner_parents(range_s: int) -> str:
    return (
        f"max by (namespace, replicaset, owner_kind, owner_name) (max_over_time(kube_replicaset_owner[{range_s}s]))"
        f" or max by (namespace, job_name, owner_kind, owner_name) (max_over_time(kube_job_owner[{range_s}s]))"
    )


def cpu_requests(range_s: int) -> str:
    return (
        "sum by (namespace, pod, uid) (max by (namespace, pod, uid, container) "
        f'(max_over_time(kube_pod_container_resource_requests{{resource="cpu"}}[{range_s}s])))'
    )
