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
from carbon_kepler.energy.columns import (
    Floats,
    Index,
    Ints,
    PodColumns,
    RowView,
    WorkloadColumns,
    hour_codes,
    slot_codes,
)
from carbon_kepler.energy.model import EnergyData, WorkloadHour

__all__ = ["Attributed", "NodeBalance", "NodeBalances", "Policy", "WorkloadHour", "attribute"]


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


class NodeBalances(RowView[NodeBalance]):
    """Per node and hour: node energy, pods' active energy, what was allocated and what was not; as columns
    (read as NodeBalance rows in (node, hour) order). unallocated = total − pods_active − allocated."""

    def __init__(
        self, names: list[str], node: Index, hour: Ints, total: Floats, idle: Floats, pods_active: Floats,
        allocated: Floats,
    ) -> None:  # fmt: skip
        self.names, self.node, self.hour = names, node, hour
        self.total, self.idle, self.pods_active, self.allocated = total, idle, pods_active, allocated
        self.unallocated = total - pods_active - allocated
        self._rows: list[NodeBalance] | None = None

    def _build_rows(self) -> list[NodeBalance]:
        return list(
            map(
                NodeBalance,
                self.hour.tolist(),
                [self.names[i] for i in self.node.tolist()],
                self.total.tolist(),
                self.idle.tolist(),
                self.pods_active.tolist(),
                self.allocated.tolist(),
                self.unallocated.tolist(),
            )
        )


class Attributed(NamedTuple):
    workloads: WorkloadColumns  # a Sequence[WorkloadHour]
    nodes: NodeBalances  # a Sequence[NodeBalance]
    warnings: list[Notice]


class _NodeRows(NamedTuple):
    """Node rows of the zone set as columns (several zones of one node-hour are summed into its slot)."""

    node: tuple[str, ...]
    hour: Ints
    total: Floats
    idle: Floats


def _node_rows(data: EnergyData) -> _NodeRows:
    zones = set(data.zones)
    rows = [n for n in data.node_hours if n.zone in zones]
    if not rows:
        return _NodeRows((), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
    hour, node, _zone, total, _active, idle = zip(*rows, strict=True)
    return _NodeRows(
        node,
        np.array(hour, dtype=np.int64),
        np.array(total, dtype=np.float64),
        np.array(idle, dtype=np.float64),
    )


def attribute(data: EnergyData, policy: Policy) -> Attributed:
    if policy is Policy.BY_CPU_REQUEST and data.cpu_requests is None:
        raise InputError(
            "allocation policy by-cpu-request needs CPU requests from kube-state-metrics "
            "(kube_pod_container_resource_requests), which this source does not have",
            hint="use --allocation proportional, or point --source prometheus at a Prometheus that scrapes kube-state-metrics",
        )
    pods = PodColumns.of(data.pod_hours, data.zones, data.owners)
    node_rows = _node_rows(data)
    # (node, hour) slots: the pairs that occur, in (node, hour) order. Only those: node names come and go
    # (old Kepler names a node by its exporter instance), so a dense node x hour grid can be mostly empty.
    node_names = sorted({k.node for k in pods.pods}.union(node_rows.node))
    node_code = {n: i for i, n in enumerate(node_names)}
    n_pod_rows = len(pods.hour)
    row_node = np.concatenate(
        [
            np.array([node_code[k.node] for k in pods.pods], dtype=np.intp)[pods.pod],
            np.array([node_code[n] for n in node_rows.node], dtype=np.intp),
        ]
    )
    hours, row_hour = hour_codes(np.concatenate([pods.hour, node_rows.hour]))
    slot_node, slot_hour, row_slot = slot_codes(row_node, len(node_names), row_hour, len(hours))
    slot, n_slot, n_slots = row_slot[:n_pod_rows], row_slot[n_pod_rows:], len(slot_node)
    total: Floats = np.asarray(np.bincount(n_slot, node_rows.total, n_slots), dtype=np.float64)
    idle: Floats = np.asarray(np.bincount(n_slot, node_rows.idle, n_slots), dtype=np.float64)
    has_total = np.bincount(n_slot, minlength=n_slots) > 0
    active = pods.joules
    pods_active: Floats = np.asarray(np.bincount(slot, active, n_slots), dtype=np.float64)
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
    given: Floats = np.asarray(np.bincount(slot, share, n_slots), dtype=np.float64)

    warnings = [
        Notice(
            code="NODE_DATA_MISSING",
            message=f"no node energy for {node_names[slot_node[s]]} in hour {int(hours[slot_hour[s]])}; pods' idle share not allocated",
        )
        for s in np.flatnonzero(~has_total & (pods_active > 0)).tolist()
    ]
    nodes = NodeBalances(node_names, slot_node, hours[slot_hour], total, idle, pods_active, given)
    # rows read in (node, hour, pod uid) order; the arrays stay as the source gave them
    uids = [k.pod_uid for k in pods.pods]
    uid_rank = np.empty(len(uids), dtype=np.int64)
    uid_rank[sorted(range(len(uids)), key=uids.__getitem__)] = np.arange(len(uids))
    rank = slot.astype(np.int64) * max(len(uids), 1) + uid_rank[pods.pod]  # distinct: one entry per pod-hour
    workloads = WorkloadColumns(pods.pods, pods.pod, pods.hour, active, share, rank)
    return Attributed(workloads, nodes, warnings)
