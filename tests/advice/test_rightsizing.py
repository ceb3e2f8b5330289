"""Rightsizing (domain.md §7): p95 × headroom per container; the saving rides on the allocated idle share."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from carbon_kepler.advice import rightsizing as rs
from carbon_kepler.advising import Advisor
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.period import HOUR, Period
from carbon_kepler.core.units import JOULES_PER_KWH
from carbon_kepler.energy.prometheus.usage import CPU_USAGE, MEMORY_USAGE, ContainerUsage, UsageData
from carbon_kepler.energy.selector import Selector
from carbon_kepler.engine import PeriodArgs
from tests.advice.conftest import FakeSource, Pod, engine, kst, kst_ts

MIB = 1024 * 1024
H9, H10 = kst_ts(2026, 4, 13, 9), kst_ts(2026, 4, 13, 10)
A, B = "api-7d9f8b6c5d-x7k2p", "api-7d9f8b6c5d-q4m8z"


def usage(pod: str, container: str, req: float, p95: float, namespace: str = "shop") -> ContainerUsage:
    return ContainerUsage(namespace, pod, container, req, 2 * req, 512 * MIB, None, p95, 300 * MIB)


@dataclass
class FakeUsage:
    rows: tuple[ContainerUsage, ...]
    missing: tuple[str, ...] = ()
    description: str = "fake usage (tests)"

    def usage(self, period: Period, selector: Selector, quantile: float = 0.95) -> UsageData:
        return UsageData(self.rows, self.missing, self.description, quantile, queries=5)


ROWS = (
    usage(A, "api", 2.0, 0.75),
    usage(A, "log-shipper", 0.5, 0.05),
    usage(B, "api", 2.0, 0.25),
    usage(B, "log-shipper", 0.5, 0.04),
)


def _advisor(fake: FakeUsage | None) -> Advisor:
    # Node 1 kWh/h; pod A 0.3 and pod B 0.1 kWh/h active → remainder 0.6 kWh/h split 0.45 / 0.15.
    pods = [
        Pod("shop", A, "node-1", {H9: 0.3 * JOULES_PER_KWH, H10: 0.3 * JOULES_PER_KWH}),
        Pod("shop", B, "node-1", {H9: 0.1 * JOULES_PER_KWH, H10: 0.1 * JOULES_PER_KWH}),
    ]
    return Advisor(
        engine(FakeSource(pods, Period.from_ts(H9, H9 + 2 * HOUR)), kst(2026, 4, 13, 12)), usage=fake
    )


def test_recommended_request_is_p95_times_headroom_rounded_up_to_a_millicore() -> None:
    assert rs.cpu_recommendation(0.75, 1.2) == 0.9  # 0.75 × 1.2 = 0.9 → 900m exactly, no float creep
    assert rs.cpu_recommendation(0.8, 1.2) == 0.96
    assert rs.cpu_recommendation(0.1234, 1.2) == 0.149  # 0.14808 → 149m
    assert rs.memory_recommendation(600 * MIB, 1.2) == 720 * MIB


def test_headroom_below_one_is_refused() -> None:
    with pytest.raises(InputError, match="headroom"):
        rs.RightsizingOptions(cpu_headroom=0.9)


def test_workload_recommendation_and_its_idle_share_saving_are_hand_computable() -> None:
    result = _advisor(FakeUsage(ROWS)).rightsize(PeriodArgs(), Selector(namespace="shop"))
    assert result.status is rs.Availability.AVAILABLE
    [api] = result.workloads
    assert api.workload == "shop/api"
    by_name = {c.container: c for c in api.containers}
    # busiest pod's p95 × 1.2: api 0.75 → 0.9 cores, log-shipper 0.05 → 0.06 cores
    assert by_name["api"].cpu_recommended_cores == 0.9 and by_name["api"].cpu_action == "decrease"
    assert by_name["log-shipper"].cpu_recommended_cores == 0.06
    assert by_name["api"].memory_recommended_bytes == 360 * MIB  # 300 MiB × 1.2
    # freed fraction = ((2.0 − 0.9) + (0.5 − 0.06)) / (2.0 + 0.5) = 1.54 / 2.5 = 0.616
    assert api.saving is not None
    assert api.saving.freed_fraction == pytest.approx(0.616)
    # allocated idle/system energy: 0.6 kWh/h × 2 h = 1.2 kWh; saved = 1.2 × 0.616 = 0.7392 kWh
    assert api.saving.allocated_energy.value == pytest.approx(1.2)
    assert api.saving.energy_saved.value == pytest.approx(0.7392)
    # emissions = 0.6 × 0.616 × PUE 1 × (I_09 + I_10) = 0.3696 × 417.3 × (0.97 + 0.93) = 293.045 g
    assert api.saving.emissions_saved.value == pytest.approx(0.3696 * 417.3 * (0.97 + 0.93), rel=1e-9)
    assert api.saving.energy_saved.quality == "estimated"
    assert "allocated idle/system 1.2 kWh × freed fraction 0.6160" in api.saving.formula
    assert result.energy_saved is not None and result.energy_saved.value == pytest.approx(0.7392)


def test_missing_cadvisor_usage_is_not_available_and_names_the_metric() -> None:
    result = _advisor(FakeUsage((), missing=(CPU_USAGE, MEMORY_USAGE))).rightsize(PeriodArgs(), Selector())
    assert result.status is rs.Availability.NOT_AVAILABLE
    assert result.missing_metrics == [CPU_USAGE, MEMORY_USAGE]
    assert "container_cpu_usage_seconds_total (from cAdvisor)" in result.missing_explained[0]
    assert result.energy_saved is None and result.emissions_saved is None


def test_a_source_without_prometheus_is_not_available_never_a_guess() -> None:
    result = _advisor(None).rightsize(PeriodArgs(), Selector())
    assert result.status is rs.Availability.NOT_AVAILABLE
    assert set(result.missing_metrics) == {
        "kube_pod_container_resource_requests",
        "kube_pod_container_resource_limits",
        CPU_USAGE,
        MEMORY_USAGE,
    }
    assert "no Prometheus" in result.usage_source
    assert result.workloads == []


def test_a_container_below_its_usage_is_told_to_increase_and_frees_nothing() -> None:
    advice = rs.container_advice("api", [usage(A, "api", 0.5, 0.75)], rs.RightsizingOptions())
    assert advice.cpu_action == "increase" and advice.cpu_recommended_cores == 0.9
    assert rs.freed_fraction([advice]) == (0.0, 0.5, 0.0)
