"""Allocation of what Kepler leaves unattributed: node idle energy and non-pod (system) active energy.

Kepler gives each pod a CPU-time share of *active* energy only (domain.md §2.1), so Σ pods < node total.
Per node and hour, the remainder R = node total − Σ pods' active is allocated by policy:
  none          nothing allocated; R stays `unallocated`
  proportional  pod p gets R × active_p / Σ active (default)
  by-cpu-request pod p gets R × request_p / Σ requests of pods present in that hour (kube-state-metrics)
Invariant, per node-hour: Σ (active + allocated) over pods + unallocated = node total (tested).
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from typing import NamedTuple

from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Notice
from carbon_kepler.energy.model import EnergyData, Owner
from carbon_kepler.energy.owners import owner_from_name


class Policy(StrEnum):
    NONE = "none"
    PROPORTIONAL = "proportional"
    BY_CPU_REQUEST = "by-cpu-request"


class WorkloadHour(NamedTuple):
    hour_utc: int
    node: str
    namespace: str
    pod: str
    pod_uid: str
    owner: Owner
    active_j: float
    allocated_j: float

    @property
    def total_j(self) -> float:
        return self.active_j + self.allocated_j


class NodeBalance(NamedTuple):
    hour_utc: int
    node: str
    total_j: float  # node energy over the zone set
    idle_j: float
    pods_active_j: float
    allocated_j: float
    unallocated_j: float


class Attributed(NamedTuple):
    workloads: list[WorkloadHour]
    nodes: list[NodeBalance]
    warnings: list[Notice]


def _pod_active(data: EnergyData) -> dict[tuple[str, int, str], tuple[str, str, float]]:
    """(node, hour, uid) → (namespace, pod, active joules summed over the zone set)."""
    zones = set(data.zones)
    out: dict[tuple[str, int, str], tuple[str, str, float]] = {}
    for r in data.pod_hours:
        if r.zone not in zones:
            continue
        key = (r.node, r.hour_utc, r.pod_uid)
        prev = out.get(key)
        out[key] = (r.namespace, r.pod, (prev[2] if prev else 0.0) + r.joules)
    return out


def _node_totals(data: EnergyData) -> dict[tuple[str, int], tuple[float, float]]:
    """(node, hour) → (total, idle) joules over the zone set."""
    zones = set(data.zones)
    out: dict[tuple[str, int], tuple[float, float]] = defaultdict(lambda: (0.0, 0.0))
    for n in data.node_hours:
        if n.zone in zones:
            t, i = out[(n.node, n.hour_utc)]
            out[(n.node, n.hour_utc)] = (t + n.total_j, i + n.idle_j)
    return out


def _weights(
    policy: Policy, members: list[tuple[str, float]], requests: dict[str, float] | None
) -> dict[str, float]:
    if policy is Policy.PROPORTIONAL:
        return dict(members)
    if policy is Policy.BY_CPU_REQUEST:
        assert requests is not None
        return {uid: requests.get(uid, 0.0) for uid, _ in members}
    return {}


def attribute(data: EnergyData, policy: Policy) -> Attributed:
    if policy is Policy.BY_CPU_REQUEST and data.cpu_requests is None:
        raise InputError(
            "allocation policy by-cpu-request needs CPU requests from kube-state-metrics "
            "(kube_pod_container_resource_requests), which this source does not have",
            hint="use --allocation proportional, or point --source prometheus at a Prometheus that scrapes kube-state-metrics",
        )
    pods = _pod_active(data)
    totals = _node_totals(data)
    by_node_hour: dict[tuple[str, int], list[tuple[str, float]]] = defaultdict(list)
    for (node, hour, uid), (_, _, active) in pods.items():
        by_node_hour[(node, hour)].append((uid, active))
    warnings: list[Notice] = []
    allocated: dict[tuple[str, int, str], float] = {}
    nodes: list[NodeBalance] = []
    for key in sorted(set(totals) | set(by_node_hour)):
        node, hour = key
        total, idle = totals.get(key, (0.0, 0.0))
        members = by_node_hour.get(key, [])
        pods_active = sum(a for _, a in members)
        remainder = max(total - pods_active, 0.0)
        if key not in totals and pods_active > 0:
            warnings.append(
                Notice(
                    code="NODE_DATA_MISSING",
                    message=f"no node energy for {node} in hour {hour}; pods' idle share not allocated",
                )
            )
        weights = _weights(policy, members, data.cpu_requests)
        wsum = sum(weights.values())
        given = 0.0
        if wsum > 0 and remainder > 0:
            for uid, w in weights.items():
                share = remainder * w / wsum
                allocated[(node, hour, uid)] = share
                given += share
        nodes.append(NodeBalance(hour, node, total, idle, pods_active, given, total - pods_active - given))
    workloads = [
        WorkloadHour(
            hour,
            node,
            ns,
            pod,
            uid,
            data.owners.get(uid) or owner_from_name(pod),
            active,
            allocated.get((node, hour, uid), 0.0),
        )
        for (node, hour, uid), (ns, pod, active) in sorted(pods.items())
    ]
    return Attributed(workloads, nodes, warnings)
