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
from carbon_kepler.energy.model import ZONE_SET, EnergyData, Owner
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


def _pod_active(
    data: EnergyData,
) -> tuple[dict[tuple[str, int], dict[str, float]], dict[str, tuple[str, str]]]:
    """(node, hour) → {uid: active joules summed over the zone set}, and uid → (namespace, pod)."""
    zones = {*data.zones, ZONE_SET}
    by_node_hour: dict[tuple[str, int], dict[str, float]] = {}
    names: dict[str, tuple[str, str]] = {}
    for hour, node, ns, pod, uid, zone, joules in data.pod_hours:
        if zone not in zones:
            continue
        members = by_node_hour.get((node, hour))
        if members is None:
            members = by_node_hour[(node, hour)] = {}
        members[uid] = members.get(uid, 0.0) + joules
        if uid not in names:
            names[uid] = (ns, pod)
    return by_node_hour, names


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
    by_node_hour, names = _pod_active(data)
    totals = _node_totals(data)
    owners = {uid: data.owners.get(uid) or owner_from_name(pod) for uid, (_, pod) in names.items()}
    warnings: list[Notice] = []
    nodes: list[NodeBalance] = []
    workloads: list[WorkloadHour] = []  # ordered by (node, hour, uid)
    add = workloads.append
    for key in sorted(totals.keys() | by_node_hour.keys()):
        node, hour = key
        total, idle = totals.get(key, (0.0, 0.0))
        members = sorted(by_node_hour.get(key, {}).items())
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
        scale = remainder / wsum if wsum > 0 and remainder > 0 else 0.0
        given = 0.0
        for uid, active in members:
            share = weights.get(uid, 0.0) * scale
            given += share
            add(WorkloadHour(hour, node, *names[uid], uid, owners[uid], active, share))
        nodes.append(NodeBalance(hour, node, total, idle, pods_active, given, total - pods_active - given))
    return Attributed(workloads, nodes, warnings)
