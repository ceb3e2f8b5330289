"""Result models shared by MCP output schemas, CLI --json and report JSON (defined once)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from carbon_kepler.core.figures import Figure, Notice, Quality


class GroupBy(StrEnum):
    WORKLOAD = "workload"
    NAMESPACE = "namespace"
    NODE = "node"
    POD = "pod"


class PeriodOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    start: str = Field(description="Inclusive start, ISO 8601 in the report time zone.")
    end: str = Field(description="Exclusive end, ISO 8601 in the report time zone.")
    timezone: str = Field(description="IANA time zone of hour buckets and labels (default Asia/Seoul).")
    hours: int = Field(description="Number of hour buckets in [start, end).")


class EnergyRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    key: str = Field(description="Group key: namespace/workload, namespace, node or namespace/pod.")
    namespace: str | None = Field(None, description="Kubernetes namespace (absent when grouped by node).")
    workload: str | None = Field(
        None, description="Owner workload name (Deployment, StatefulSet, CronJob, ...)."
    )
    kind: str | None = Field(
        None, description="Owner kind, and how it was found (kube_pod_owner or pod-name convention)."
    )
    pods: int = Field(description="Distinct pods in the group during the period.")
    active_kwh: float = Field(description="Active energy Kepler attributed (measured), kWh.")
    allocated_kwh: float = Field(description="Share of node idle + system energy allocated by policy, kWh.")
    total_kwh: float = Field(description="active + allocated, kWh (IT energy, before PUE).")
    share_pct: float = Field(description="Share of the total of all rows, percent.")


class Reconciliation(BaseModel):
    model_config = ConfigDict(frozen=True)
    node_total_kwh: float = Field(description="Node energy over the zone set, all nodes, kWh (measured).")
    pods_active_kwh: float = Field(description="Σ pods' active energy, kWh (measured).")
    allocated_kwh: float = Field(description="Σ allocated idle + system energy, kWh.")
    unallocated_kwh: float = Field(description="node total − pods active − allocated, kWh.")
    idle_kwh: float = Field(description="Node idle energy within the node total, kWh (measured).")


class EnergyReport(BaseModel):
    """Hourly-integrated energy per group for a period, with the split that reconciles to node energy."""

    model_config = ConfigDict(frozen=True)
    period: PeriodOut
    source: str = Field(description="Data source and method.")
    quality: Quality = Field(description="measured (Kepler) or estimated.")
    kepler_version: str | None = Field(None, description="Kepler version from its build-info metric.")
    kepler_generation: str | None = Field(None, description="Kepler metric generation detected.")
    zones: list[str] = Field(description="RAPL zones summed (CPU package + DRAM by default).")
    allocation: str = Field(
        description="Policy that allocates idle/system energy: none | proportional | by-cpu-request."
    )
    group_by: GroupBy
    total: Figure = Field(description="Total IT energy of the selected rows (active + allocated).")
    rows: list[EnergyRow] = Field(description="Groups, largest first (top-N when limited).")
    rows_omitted: int = Field(0, description="Groups left out by the limit.")
    reconciliation: Reconciliation | None = Field(
        None, description="Cluster-wide balance; present when nothing is filtered."
    )
    coverage: float = Field(description="Fraction of node-hours in the period with Kepler data (0–1).")
    warnings: list[Notice] = Field(default_factory=list)
