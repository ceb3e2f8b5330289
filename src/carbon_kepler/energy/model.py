"""The internal energy model both Kepler generations and both data paths map onto.

Rows are light NamedTuples (hot path: thousands per query). Joules throughout; hours are the UTC
epoch second of the hour start (see core/period.py for why that is also the KST bucket).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from carbon_kepler.core.figures import Notice


class Generation(StrEnum):
    NEW = "v0.10+"  # kepler_pod_cpu_joules_total, node_name label
    OLD = "v0.7-v0.9"  # kepler_container_*_joules_total, mode=dynamic|idle


ZONE_SET = "*"
"""PodHour.zone of a row the source already summed over EnergyData.zones (the local store does)."""


class PodHour(NamedTuple):
    """Active energy Kepler attributed to one pod in one hour and zone (joules); zone ZONE_SET = the sum
    over the requested zone set."""

    hour_utc: int
    node: str
    namespace: str
    pod: str
    pod_uid: str
    zone: str
    joules: float


class NodeHour(NamedTuple):
    """Node energy in one hour and zone (joules): total = active + idle."""

    hour_utc: int
    node: str
    zone: str
    total_j: float
    active_j: float
    idle_j: float


class Owner(NamedTuple):
    kind: str  # Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod, ...
    name: str
    source: str  # "kube_pod_owner" or "pod-name convention"


class WorkloadHour(NamedTuple):
    """A pod's energy in one hour after allocation: Kepler's active joules plus its idle/system share."""

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


@dataclass
class EnergyData:
    """What an EnergySource returns for a period: raw pod and node hours plus context."""

    pod_hours: Sequence[PodHour]  # energy/columns.PodColumns from the sources; a list is accepted
    node_hours: list[NodeHour]
    zones: tuple[str, ...]
    generation: Generation | None = None
    kepler_version: str | None = None
    owners: dict[str, Owner] = field(default_factory=dict)  # pod_uid → owner (from kube_pod_owner)
    cpu_requests: dict[str, float] | None = None  # pod_uid → cores; None when kube-state-metrics absent
    coverage: dict[tuple[str, int], float] = field(default_factory=dict)  # (node, hour) → 0..1 of hour seen
    warnings: list[Notice] = field(default_factory=list)
    source: str = ""  # human description, e.g. "Prometheus http://… (PromQL windowed increase)"
