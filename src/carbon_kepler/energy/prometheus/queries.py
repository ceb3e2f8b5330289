"""PromQL builders — the only place PromQL is written (architecture: energy/prometheus is its home).

Energy expressions are range queries at hour ENDS with step 1h, so each output point t is the hour
bucket [t−1h, t). Aggregation happens in Prometheus (`sum by`), so the number of requests for a
cluster-wide hourly breakdown depends on the period length only, never on the number of pods.

Hour-bucket methods for counters (domain.md §2.1; accuracy and cost measured in BENCHMARKS.md):
  interpolated    `held` plus a boundary correction: the counter's value at each hour boundary is
                  interpolated linearly between the last sample before and the first sample after
                  it (two extra range queries return those samples' values and timestamps). Default.
  held            increase over a subquery of the counter merged across `state`, resampled every
                  `resolution`: consecutive hours share their boundary point so hours telescope
                  exactly, resets are handled, the `terminated` series continues the `running` one,
                  and a pod's end is exact; but energy between the last sample and a boundary lands
                  in the next hour (≤ one scrape interval of the pod's power).
  windowed        sum of raw `increase(x[5m])` windows per hour (local-rate edge extrapolation).
  hourly-increase a plain `increase(x[1h])` per series — what dashboards do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from carbon_kepler.energy import kepler
from carbon_kepler.energy.selector import promql_label_value


class Method(StrEnum):
    INTERPOLATED = "interpolated"
    HELD = "held"
    WINDOWED = "windowed"
    HOURLY_INCREASE = "hourly-increase"


def zone_matcher(zones: tuple[str, ...]) -> str:
    # Zones are validated against kepler.KNOWN_ZONES before they get here; escaped anyway.
    return "|".join(promql_label_value(z) for z in zones)


@dataclass(frozen=True)
class CounterFamily:
    """One energy counter as PromQL pieces: raw selector, per-series merge, grouping labels."""

    selector: str  # raw series
    merged: str  # one series per counter (new generation: `state` merged away)
    by: str  # labels of the output rows
    combine: str  # how series combine into a row: max (same counter, several states) or sum
    node_label: str  # the label naming the Kepler target (one scrape per node)
    clock: str  # one cheap series per node whose sample timestamps are that node's scrape times


_NEW_CLOCK = f'{kepler.NEW_NODE_JOULES}{{zone="package"}}'
_OLD_CLOCK = f'{kepler.old_node_joules("package")}{{mode="dynamic"}}'


def pod_family(zones: tuple[str, ...], old: bool) -> CounterFamily:
    if old:
        names = "|".join(kepler.old_container_joules(z) for z in zones)
        sel = f'label_replace({{__name__=~"{names}", mode="dynamic"}}, "zone", "$1", "__name__", "kepler_container_(.+)_joules_total")'
        return CounterFamily(
            sel, sel, "instance, container_namespace, pod_name, zone", "sum", "instance", _OLD_CLOCK
        )
    sel = f'{kepler.NEW_POD_JOULES}{{zone=~"{zone_matcher(zones)}"}}'
    # `running` and `terminated` are one counter in two series (domain.md §2.1): merge before increase.
    return CounterFamily(
        sel,
        f"max without (state) ({sel})",
        "node_name, pod_namespace, pod_name, pod_id, zone",
        "max",
        "node_name",
        _NEW_CLOCK,
    )


def node_family(zones: tuple[str, ...], old: bool) -> CounterFamily:
    if old:
        names = "|".join(kepler.old_node_joules(z) for z in zones)
        sel = f'label_replace({{__name__=~"{names}"}}, "zone", "$1", "__name__", "kepler_node_(.+)_joules_total")'
        return CounterFamily(sel, sel, "instance, zone, mode", "sum", "instance", _OLD_CLOCK)
    names = "|".join([kepler.NEW_NODE_JOULES, kepler.NEW_NODE_ACTIVE_JOULES, kepler.NEW_NODE_IDLE_JOULES])
    sel = (
        f'label_replace({{__name__=~"{names}", zone=~"{zone_matcher(zones)}"}}, '
        '"kind", "$1", "__name__", "kepler_node_cpu_(active|idle)_joules_total")'
    )
    return CounterFamily(sel, sel, "node_name, zone, kind", "sum", "node_name", _NEW_CLOCK)


def hourly_energy(fam: CounterFamily, method: Method, resolution_s: int) -> str:
    """Joules per hour bucket, one row per `fam.by` group."""
    if method is Method.HOURLY_INCREASE:
        inner = (
            f"increase({fam.selector}[1h])"
            if "label_replace" not in fam.selector
            else f"increase(({fam.selector})[1h:{resolution_s}s])"
        )
    elif method is Method.WINDOWED:
        inner = f"sum_over_time(increase(({fam.merged})[5m:{resolution_s}s])[59m59s:5m])"
    else:  # held and interpolated
        inner = f"increase(({fam.merged})[1h:{resolution_s}s])"
    return f"sum by ({fam.by}) ({inner})"


def boundary_samples(fam: CounterFamily, *, with_held: bool) -> str:
    """At the evaluation time: each counter group's latest value within the 5-minute lookback
    (q="v"), each node's latest scrape time (q="t"; all series of one Kepler target share it, and
    `timestamp()` over thousands of pod series is slow in Prometheus 2.x), and (with_held) the last
    value within the past hour (q="h"), which still holds the final value of a pod that ended then."""
    parts = [
        f'label_replace({fam.combine} by ({fam.by}) ({fam.merged}), "q", "v", "", "")',
        f'label_replace(max by ({fam.node_label}) (timestamp({fam.clock})), "q", "t", "", "")',
    ]
    if with_held:
        held = (
            f"last_over_time({fam.selector}[1h])"
            if fam.combine == "max"
            else f"last_over_time(({fam.selector})[1h:])"
        )
        parts.append(f'label_replace({fam.combine} by ({fam.by}) ({held}), "q", "h", "", "")')
    return " or ".join(parts)


def counter_resets(fam: CounterFamily, resolution_s: int) -> str:
    """Groups with a counter reset (Kepler restart) within each hour."""
    inner = (
        f"resets({fam.selector}[1h])"
        if fam.combine == "max"
        else f"resets(({fam.selector})[1h:{resolution_s}s])"
    )
    return f"sum by ({fam.by}) ({inner}) > 0"


def node_coverage(generation_new: bool) -> str:
    """Samples per node and hour of one node counter (coverage = count / usual count)."""
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
    """Mean node power per zone over the period (from the joule counters, always scraped)."""
    return f"max by (zone) (rate({kepler.NEW_NODE_JOULES}[{range_s}s]))"


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
