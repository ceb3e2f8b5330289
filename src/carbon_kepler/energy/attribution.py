"""Allocation of what Kepler leaves unattributed: node idle energy and non-pod (system) active energy.

Kepler gives each pod a CPU-time share of *active* energy only (domain.md §2.1), so Σ pods < node total.
Per node and hour, the remainder R = node total − Σ pods' active is allocated by policy:
  none          nothing allocated; R stays `unallocated`
  proportional  pod p gets R × active_p / Σ active (default)
  by-cpu-request pod p gets R × request_p / Σ requests of pods present in that hour (kube-state-metrics)
Invariant, per node-hour: Σ (active + allocated) over pods + unallocated = node total (tested).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

import numpy as np

from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Notice
from carbon_kepler.energy.columns import PodColumns, PodInfo, WorkloadColumns
from carbon_kepler.energy.model import EnergyData, WorkloadHour
from carbon_kepler.energy.owners import owner_from_name

__all__ = ["Attributed", "NodeBalance", "Policy", "WorkloadHour", "attribute"]


class Policy(StrEnum):
    NONE = "none"
    PROPORTIONAL = "proportional"
    BY_CPU_REQUEST = "by-cpu-request"


class NodeBalance(NamedTuple):
    hour_utc: int
    node: str
    total_j: float  # node energy over the zone set
    idle_j: float
    pods_active_j: float
    allocated_j: float
    unallocated_j: float


class Attributed(NamedTuple):
    workloads: WorkloadColumns  # a Sequence[WorkloadHour]
    nodes: list[NodeBalance]
    warnings: list[Notice]


def _node_totals(data: EnergyData) -> dict[tuple[str, int], tuple[float, float]]:
    """(node, hour) → (total, idle) joules over the zone set."""
    zones = set(data.zones)
    out: dict[tuple[str, int], tuple[float, float]] = {}
    for n in data.node_hours:
        if n.zone in zones:
            t, i = out.get((n.node, n.hour_utc), (0.0, 0.0))
            out[(n.node, n.hour_utc)] = (t + n.total_j, i + n.idle_j)
    return out


def attribute(data: EnergyData, policy: Policy) -> Attributed:
    if policy is Policy.BY_CPU_REQUEST and data.cpu_requests is None:
        raise InputError(
            "allocation policy by-cpu-request needs CPU requests from kube-state-metrics "
            "(kube_pod_container_resource_requests), which this source does not have",
            hint="use --allocation proportional, or point --source prometheus at a Prometheus that scrapes kube-state-metrics",
        )
    pods = PodColumns.of(data.pod_hours, data.zones)
    totals = _node_totals(data)
    # (node, hour) slots in sorted order: slot = node code x len(hours) + hour code
    node_names = sorted({k.node for k in pods.pods} | {n for n, _ in totals})
    hours = np.unique(np.concatenate([pods.hour, np.array([h for _, h in totals], dtype=np.int64)]))
    node_code = {n: i for i, n in enumerate(node_names)}
    n_h = len(hours)
    n_slots = len(node_names) * n_h
    pod_node = np.array([node_code[k.node] for k in pods.pods], dtype=np.intp)
    slot = pod_node[pods.pod] * n_h + np.searchsorted(hours, pods.hour)
    total, idle = np.zeros(n_slots), np.zeros(n_slots)
    has_total = np.zeros(n_slots, dtype=bool)
    if totals:
        t_slot = np.array([node_code[n] * n_h for n, _ in totals], dtype=np.intp) + np.searchsorted(
            hours, np.array([h for _, h in totals], dtype=np.int64)
        )
        total[t_slot] = [t for t, _ in totals.values()]
        idle[t_slot] = [i for _, i in totals.values()]
        has_total[t_slot] = True
    active = pods.joules
    pods_active = np.bincount(slot, active, n_slots)
    has_pods = np.bincount(slot, minlength=n_slots) > 0
    remainder = np.maximum(total - pods_active, 0.0)
    if policy is Policy.PROPORTIONAL:
        weight = active
    elif policy is Policy.BY_CPU_REQUEST:
        assert data.cpu_requests is not None
        req = data.cpu_requests
        weight = np.array([req.get(k.pod_uid, 0.0) for k in pods.pods], dtype=np.float64)[pods.pod]
    else:
        weight = np.zeros(len(active))
    wsum = np.bincount(slot, weight, n_slots)
    ok = ((wsum > 0) & (remainder > 0))[slot]
    share = np.zeros(len(weight))
    # R x (w / Σw): the fraction is ≤ 1, so a subnormal Σw cannot overflow (R / Σw could)
    share[ok] = remainder[slot][ok] * (weight[ok] / wsum[slot][ok])
    given = np.bincount(slot, share, n_slots)

    warnings = [
        Notice(
            code="NODE_DATA_MISSING",
            message=f"no node energy for {node_names[s // n_h]} in hour {int(hours[s % n_h])}; pods' idle share not allocated",
        )
        for s in np.flatnonzero(~has_total & (pods_active > 0)).tolist()
    ]
    used = np.flatnonzero(has_total | has_pods)
    nodes = list(
        map(
            NodeBalance,
            hours[used % n_h].tolist(),
            [node_names[i] for i in (used // n_h).tolist()],
            total[used].tolist(),
            idle[used].tolist(),
            pods_active[used].tolist(),
            given[used].tolist(),
            (total[used] - pods_active[used] - given[used]).tolist(),
        )
    )
    # rows in (node, hour, pod uid) order
    uid_rank = np.empty(len(pods.pods), dtype=np.int64)
    uid_rank[np.argsort(np.array([k.pod_uid for k in pods.pods], dtype=object), kind="stable")] = np.arange(
        len(pods.pods)
    )
    order = np.argsort(slot.astype(np.int64) * max(len(pods.pods), 1) + uid_rank[pods.pod], kind="stable")
    info = [PodInfo(*k, data.owners.get(k.pod_uid) or owner_from_name(k.pod)) for k in pods.pods]
    workloads = WorkloadColumns(info, pods.pod[order], pods.hour[order], active[order], share[order])
    return Attributed(workloads, nodes, warnings)
