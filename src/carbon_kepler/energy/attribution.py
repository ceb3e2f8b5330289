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
import numpy.typing as npt

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


class _NodeRows(NamedTuple):
    """Node rows of the zone set as columns (several zones of one node-hour are summed into its slot)."""

    node: list[str]
    hour: npt.NDArray[np.int64]
    total: npt.NDArray[np.float64]
    idle: npt.NDArray[np.float64]


def _node_rows(data: EnergyData) -> _NodeRows:
    zones = set(data.zones)
    rows = [n for n in data.node_hours if n.zone in zones]
    return _NodeRows(
        [n.node for n in rows],
        np.array([n.hour_utc for n in rows], dtype=np.int64),
        np.array([n.total_j for n in rows], dtype=np.float64),
        np.array([n.idle_j for n in rows], dtype=np.float64),
    )


def attribute(data: EnergyData, policy: Policy) -> Attributed:
    if policy is Policy.BY_CPU_REQUEST and data.cpu_requests is None:
        raise InputError(
            "allocation policy by-cpu-request needs CPU requests from kube-state-metrics "
            "(kube_pod_container_resource_requests), which this source does not have",
            hint="use --allocation proportional, or point --source prometheus at a Prometheus that scrapes kube-state-metrics",
        )
    pods = PodColumns.of(data.pod_hours, data.zones)
    node_rows = _node_rows(data)
    # (node, hour) slots in sorted order: slot = node code x len(hours) + hour code
    node_names = sorted({k.node for k in pods.pods}.union(node_rows.node))
    hours = np.unique(np.concatenate([pods.hour, node_rows.hour]))
    node_code = {n: i for i, n in enumerate(node_names)}
    n_h = len(hours)
    n_slots = len(node_names) * n_h
    pod_node = np.array([node_code[k.node] for k in pods.pods], dtype=np.intp)
    slot = pod_node[pods.pod] * n_h + np.searchsorted(hours, pods.hour)
    n_slot = np.array([node_code[n] for n in node_rows.node], dtype=np.intp) * n_h + np.searchsorted(
        hours, node_rows.hour
    )
    total = np.bincount(n_slot, node_rows.total, n_slots)
    idle = np.bincount(n_slot, node_rows.idle, n_slots)
    has_total = np.bincount(n_slot, minlength=n_slots) > 0
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
