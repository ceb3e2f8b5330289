"""Rightsizing (domain.md §7): p95 usage × headroom → recommended request per container, and the
energy the freed capacity carries.

Recommended request = quantile of usage over the window (cAdvisor, p95 by default) × headroom, rounded
up to whole millicores / MiB. Energy saved: a workload carries a share of its nodes' idle and system
energy (the `allocated` part of its measured energy, domain.md §2.1). Freeing part of its CPU request
frees that part of the capacity the share stands for:

    saved_kWh = Σ_h allocated_h × f,   f = Σ_c max(request_c − recommended_c, 0) / Σ_c request_c
    saved_g   = Σ_h allocated_h × f × PUE × I_h

An estimate: the idle energy is only avoided when the cluster actually packs the freed capacity onto
fewer or smaller nodes. Pure functions, no I/O.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from carbon_kepler.carbon.model import HourlyIntensity
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Basis, Figure, Quality
from carbon_kepler.core.units import joules_to_kwh
from carbon_kepler.energy.attribution import WorkloadHour
from carbon_kepler.energy.owners import owner_from_name
from carbon_kepler.energy.prometheus.usage import CPU_USAGE, REQUESTS, ContainerUsage
from carbon_kepler.energy.selector import Selector

MIB = 1024 * 1024
_EPS = 1e-9  # absorbs float noise before rounding up (0.8 × 1.2 = 0.96, not 0.9600000001)


class Availability(StrEnum):
    """Whether a recommendation could be computed from the data at hand."""

    AVAILABLE = "AVAILABLE"
    NOT_AVAILABLE = "NOT_AVAILABLE"


@dataclass(frozen=True)
class RightsizingOptions:
    cpu_headroom: float = 1.2  # 20 % above the p95
    memory_headroom: float = 1.2
    quantile: float = 0.95

    def __post_init__(self) -> None:
        if self.cpu_headroom < 1 or self.memory_headroom < 1:
            raise InputError("headroom must be ≥ 1 (1.2 = 20 % above the usage quantile)")
        if not 0.5 <= self.quantile < 1:
            raise InputError("the usage quantile must be between 0.5 and 1 (e.g. 0.95)")


def cpu_recommendation(p95_cores: float, headroom: float) -> float:
    """p95 × headroom rounded up to a whole millicore (cores)."""
    return math.ceil(p95_cores * headroom * 1000 - _EPS) / 1000


def memory_recommendation(p95_bytes: float, headroom: float) -> float:
    """p95 × headroom rounded up to a whole MiB (bytes)."""
    return float(math.ceil(p95_bytes * headroom / MIB - _EPS) * MIB)


def _action(request: float | None, recommended: float | None) -> str:
    if recommended is None:
        return "unknown"
    if request is None:
        return "set"
    return "decrease" if recommended < request else "increase" if recommended > request else "keep"


class ContainerAdvice(BaseModel):
    """Recommended requests for one container of a workload (across its pods)."""

    model_config = ConfigDict(frozen=True)
    container: str = Field(description="Container name.")
    pods: int = Field(description="Pods of the workload this container was seen in.")
    cpu_request_cores: float | None = Field(description="Current CPU request (largest across pods), cores.")
    cpu_limit_cores: float | None = Field(description="Current CPU limit, cores.")
    cpu_p95_cores: float | None = Field(
        description="Usage quantile of the busiest pod, cores (measured, cAdvisor)."
    )
    cpu_recommended_cores: float | None = Field(
        description="p95 × headroom rounded up to 1 millicore, cores."
    )
    cpu_action: str = Field(description="decrease | increase | keep | set (no request today) | unknown.")
    memory_request_bytes: float | None = Field(description="Current memory request, bytes.")
    memory_limit_bytes: float | None = Field(description="Current memory limit, bytes.")
    memory_p95_bytes: float | None = Field(description="Working-set quantile of the busiest pod, bytes.")
    memory_recommended_bytes: float | None = Field(description="p95 × headroom rounded up to 1 MiB, bytes.")
    memory_action: str = Field(description="decrease | increase | keep | set | unknown.")
    formula: str = Field(description="The arithmetic behind the recommendation.")


def _max(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def container_advice(name: str, rows: list[ContainerUsage], opts: RightsizingOptions) -> ContainerAdvice:
    """One container across the workload's pods: the largest request and the busiest pod's quantile."""
    cpu_req, mem_req = _max(r.cpu_request_cores for r in rows), _max(r.memory_request_bytes for r in rows)
    cpu_p, mem_p = _max(r.cpu_p95_cores for r in rows), _max(r.memory_p95_bytes for r in rows)
    cpu_rec = None if cpu_p is None else cpu_recommendation(cpu_p, opts.cpu_headroom)
    mem_rec = None if mem_p is None else memory_recommendation(mem_p, opts.memory_headroom)
    q = f"p{round(opts.quantile * 100):d}"
    parts = []
    if cpu_p is not None and cpu_rec is not None:
        parts.append(f"CPU {q} {cpu_p:.4g} cores × {opts.cpu_headroom:g} = {cpu_rec * 1000:.0f}m")
    if mem_p is not None and mem_rec is not None:
        parts.append(f"memory {q} {mem_p / MIB:.1f} MiB × {opts.memory_headroom:g} = {mem_rec / MIB:.0f}Mi")
    return ContainerAdvice(
        container=name,
        pods=len({(r.namespace, r.pod) for r in rows}),
        cpu_request_cores=cpu_req,
        cpu_limit_cores=_max(r.cpu_limit_cores for r in rows),
        cpu_p95_cores=cpu_p,
        cpu_recommended_cores=cpu_rec,
        cpu_action=_action(cpu_req, cpu_rec),
        memory_request_bytes=mem_req,
        memory_limit_bytes=_max(r.memory_limit_bytes for r in rows),
        memory_p95_bytes=mem_p,
        memory_recommended_bytes=mem_rec,
        memory_action=_action(mem_req, mem_rec),
        formula="; ".join(parts) or "no usage series for this container",
    )


def group_by_container(rows: Iterable[ContainerUsage], opts: RightsizingOptions) -> list[ContainerAdvice]:
    by_name: dict[str, list[ContainerUsage]] = defaultdict(list)
    for r in rows:
        by_name[r.container].append(r)
    return [container_advice(n, rs, opts) for n, rs in sorted(by_name.items())]


def freed_fraction(containers: Iterable[ContainerAdvice]) -> tuple[float, float, float]:
    """(f, Σ requests, Σ freed) over containers with both a CPU request and a recommendation."""
    pairs = [(c.cpu_request_cores, c.cpu_recommended_cores) for c in containers]
    known = [(q, r) for q, r in pairs if q is not None and r is not None and q > 0]
    total = sum(q for q, _ in known)
    freed = sum(max(q - r, 0.0) for q, r in known)
    return (freed / total if total else 0.0), total, freed


class IdleShareSaving(BaseModel):
    """Energy and emissions the freed CPU request carries, via the allocated idle/system share."""

    model_config = ConfigDict(frozen=True)
    allocated_energy: Figure = Field(
        description="Idle/system energy allocated to the workload in the window (kWh)."
    )
    freed_fraction: float = Field(
        description="Σ max(request − recommended, 0) / Σ request over its containers (0–1)."
    )
    energy_saved: Figure = Field(description="allocated energy × freed fraction (kWh, estimated).")
    emissions_saved: Figure = Field(description="Σ_h saved_h × PUE × I_h (gCO2eq, estimated).")
    formula: str = Field(description="The formula with the numbers written out.")


def idle_share_saving(
    allocated_kwh_by_hour: Mapping[int, float],
    fraction: float,
    intensity: Mapping[int, float],
    pue: Figure,
    series_source: str,
) -> IdleShareSaving:
    """saved_kWh = Σ_h allocated_h × f; saved_g = Σ_h allocated_h × f × PUE × I_h (module docstring)."""
    alloc = sum(allocated_kwh_by_hour.values())
    kwh = alloc * fraction
    grams = sum(a * fraction * pue.value * intensity[h] for h, a in allocated_kwh_by_hour.items())
    formula = (
        f"saved = allocated idle/system {alloc:.6g} kWh × freed fraction {fraction:.4f} = {kwh:.6g} kWh; "
        f"emissions = Σ_h saved_h × PUE {pue.value:g} × I_h = {grams:.6g} gCO2eq"
    )
    return IdleShareSaving(
        allocated_energy=Figure(
            value=alloc,
            unit="kWh",
            source="allocated idle/system share of measured node energy",
            quality=Quality.MEASURED,
        ),
        freed_fraction=round(fraction, 6),
        energy_saved=Figure(
            value=kwh, unit="kWh", source=formula.split(";", maxsplit=1)[0], quality=Quality.ESTIMATED
        ),
        emissions_saved=Figure(
            value=grams,
            unit="gCO2eq",
            source=f"saved energy × PUE × hourly intensity [{series_source}]",
            basis=Basis.LOCATION,
            quality=Quality.ESTIMATED,
        ),
        formula=formula,
    )


class WorkloadRightsizing(BaseModel):
    """Recommended requests for one workload and what the freed CPU request saves."""

    model_config = ConfigDict(frozen=True)
    workload: str = Field(description="namespace/workload.")
    containers: list[ContainerAdvice] = Field(description="Per-container recommendation.")
    cpu_request_cores: float = Field(description="Σ current CPU requests of its containers (cores, one pod).")
    cpu_recommended_cores: float = Field(description="Σ recommended CPU requests (cores, one pod).")
    saving: IdleShareSaving | None = Field(
        description="Energy and emissions the freed request carries; None if not computable."
    )


def workload_rightsizing(
    key: str,
    usage: Iterable[ContainerUsage],
    allocated_kwh_by_hour: Mapping[int, float] | None,
    intensity: HourlyIntensity | None,
    pue: Figure,
    opts: RightsizingOptions,
) -> WorkloadRightsizing:
    """Recommendations for a workload's containers, and the saving when energy and intensity are given."""
    containers = group_by_container(usage, opts)
    fraction, requested, freed = freed_fraction(containers)
    saving = None
    if allocated_kwh_by_hour and intensity is not None:
        saving = idle_share_saving(
            allocated_kwh_by_hour, fraction, intensity.values, pue, intensity.series.source
        )
    return WorkloadRightsizing(
        workload=key,
        containers=containers,
        cpu_request_cores=round(requested, 6),
        cpu_recommended_cores=round(requested - freed, 6),
        saving=saving,
    )


def by_workload(
    usage: Iterable[ContainerUsage], owner: Mapping[tuple[str, str], str], selector: Selector
) -> dict[str, list[ContainerUsage]]:
    """Usage rows grouped by namespace/workload (owner from the energy rows, else the pod-name rules)."""
    out: dict[str, list[ContainerUsage]] = defaultdict(list)
    for u in usage:
        key = owner.get((u.namespace, u.pod)) or f"{u.namespace}/{owner_from_name(u.pod).name}"
        if selector.matches(u.namespace, u.pod, key.split("/", 1)[1]):
            out[key].append(u)
    return dict(out)


def missing_metrics(missing: Iterable[str]) -> tuple[Availability, list[str]]:
    """NOT_AVAILABLE when requests or CPU usage are absent (memory alone only drops memory advice)."""
    miss = list(missing)
    blocking = [m for m in miss if m in (REQUESTS, CPU_USAGE)]
    return (Availability.NOT_AVAILABLE if blocking else Availability.AVAILABLE), miss


def advise_workloads(
    rows: Iterable[WorkloadHour],
    usage: Iterable[ContainerUsage],
    selector: Selector,
    intensity: Callable[[list[int]], HourlyIntensity] | None,
    pue: Figure,
    opts: RightsizingOptions,
) -> list[WorkloadRightsizing]:
    """Every workload with usage rows; savings only when `intensity` is given (usage complete)."""
    rows = list(rows)
    alloc: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    owner: dict[tuple[str, str], str] = {}
    for r in rows:
        key = f"{r.namespace}/{r.owner.name}"
        alloc[key][r.hour_utc] += joules_to_kwh(r.allocated_j)
        owner[(r.namespace, r.pod)] = key
    out = []
    for key, used in by_workload(usage, owner, selector).items():
        hourly = alloc.get(key)
        series = intensity(sorted(hourly)) if intensity and hourly else None
        out.append(workload_rightsizing(key, used, hourly, series, pue, opts))
    return out
