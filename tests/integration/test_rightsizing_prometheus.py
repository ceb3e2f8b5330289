"""Rightsizing against a real Prometheus 2.42: kube-state-metrics and cAdvisor series with known usage.

The backfilled file is written here, sample by sample, so the p95 can be worked out by hand:
pod api-…-x7k2p runs its `api` container at 0.25 cores, except 0.75 cores for the 30 minutes
T0+60m … T0+90m; its working set is 200 MiB, 600 MiB in the same 30 minutes. The second pod runs at
0.125 cores and 100 MiB. Both request 2 cores / 2 GiB (limits 4 cores / 4 GiB). Pause (`POD`) and
pod-cgroup series (no `container` label) burn 10 cores and must be ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from carbon_kepler.advice import rightsizing as rs
from carbon_kepler.advising import Advisor
from carbon_kepler.core.period import HOUR, Period
from carbon_kepler.core.units import JOULES_PER_KWH
from carbon_kepler.energy.prometheus.client import ClientOptions, PrometheusClient
from carbon_kepler.energy.prometheus.usage import CPU_USAGE, MEMORY_USAGE, PrometheusUsageSource
from carbon_kepler.energy.selector import Selector
from carbon_kepler.engine import PeriodArgs
from tests.advice.conftest import FakeSource, Pod, engine, kst
from tests.integration.promserver import PrometheusServer, backfill, prometheus_available
from tests.services import require

pytestmark = pytest.mark.integration

T0 = int(kst(2026, 4, 13, 9).timestamp())  # 00:00 UTC, an hour boundary
SCRAPE = 15
A, B = "api-7d9f8b6c5d-x7k2p", "api-7d9f8b6c5d-q4m8z"
MIB, GIB = 1024 * 1024, 1024**3
TIMES = range(T0 - 15 * 60, T0 + 2 * HOUR + 1, SCRAPE)


def cores_a(t: int) -> float:
    return 0.75 if T0 + 60 * 60 <= t < T0 + 90 * 60 else 0.25


def _counter(rate: object, t_from: int = TIMES[0]) -> Iterator[tuple[int, float]]:
    value = 1000.0  # multiples of 0.25 stay exact in binary floating point, so every rate is exact
    for t in TIMES:
        if t > t_from:
            value += rate(t - SCRAPE) * SCRAPE  # type: ignore[operator]
        yield t, value


def _series(name: str, labels: str, samples: Iterator[tuple[int, float]]) -> list[str]:
    return [f"{name}{{{labels}}} {v!r} {t}" for t, v in samples]


def openmetrics(with_cadvisor: bool = True) -> str:
    cad = 'job="kubelet",node="node-1",namespace="shop"'
    lines: list[str] = []
    if with_cadvisor:
        lines.append("# TYPE container_cpu_usage_seconds counter")
        lines += _series(CPU_USAGE, f'{cad},pod="{A}",container="api"', _counter(cores_a))
        lines += _series(CPU_USAGE, f'{cad},pod="{B}",container="api"', _counter(lambda t: 0.125))
        lines += _series(CPU_USAGE, f'{cad},pod="{A}",container="POD"', _counter(lambda t: 10.0))
        lines += _series(CPU_USAGE, f'{cad},pod="{A}"', _counter(lambda t: 10.0))  # pod cgroup total
        lines.append("# TYPE container_memory_working_set_bytes gauge")
        mem_a = ((t, float(600 * MIB if cores_a(t) == 0.75 else 200 * MIB)) for t in TIMES)
        lines += _series(MEMORY_USAGE, f'{cad},pod="{A}",container="api"', mem_a)
        lines += _series(
            MEMORY_USAGE, f'{cad},pod="{B}",container="api"', ((t, float(100 * MIB)) for t in TIMES)
        )
    ksm = 'job="kube-state-metrics",namespace="shop",container="api",node="node-1"'
    for family, cpu, mem in (("requests", 2.0, 2 * GIB), ("limits", 4.0, 4 * GIB)):
        lines.append(f"# TYPE kube_pod_container_resource_{family} gauge")
        for pod in (A, B):
            for resource, unit, v in (("cpu", "core", cpu), ("memory", "byte", float(mem))):
                labels = f'{ksm},pod="{pod}",uid="uid-{pod}",resource="{resource}",unit="{unit}"'
                lines += _series(
                    f"kube_pod_container_resource_{family}", labels, ((t, v) for t in TIMES[::2])
                )
    return "\n".join([*lines, "# EOF", ""])


def _serve(tmp: Path, with_cadvisor: bool) -> Iterator[str]:
    require("Prometheus 2.42 (prometheus, promtool)", prometheus_available(), "apt-get install prometheus")
    om = tmp / "usage.om"
    om.write_text(openmetrics(with_cadvisor), encoding="utf-8")
    backfill(om, tmp / "tsdb")
    with PrometheusServer(tmp / "tsdb") as server:
        yield server.url


@pytest.fixture(scope="module")
def prom_usage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("usage"), with_cadvisor=True)


@pytest.fixture(scope="module")
def prom_no_cadvisor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("usage-ksm-only"), with_cadvisor=False)


def _advisor(url: str) -> tuple[Advisor, PrometheusClient]:
    client = PrometheusClient(ClientOptions(url=url))
    # Energy (hand-written, as in tests/advice): node 1 kWh/h; pod A 0.3, pod B 0.1 kWh/h active
    # → remainder 0.6 kWh/h allocated to the `api` workload, 1.2 kWh over the 2 hours.
    pods = [
        Pod("shop", A, "node-1", {T0 + i * HOUR: 0.3 * JOULES_PER_KWH for i in range(2)}),
        Pod("shop", B, "node-1", {T0 + i * HOUR: 0.1 * JOULES_PER_KWH for i in range(2)}),
    ]
    source = FakeSource(pods, Period.from_ts(T0, T0 + 2 * HOUR))
    return Advisor(engine(source, kst(2026, 4, 13, 12)), usage=PrometheusUsageSource(client)), client


def test_recommended_request_is_the_hand_computed_p95_times_headroom(prom_usage: str) -> None:
    advisor, client = _advisor(prom_usage)
    result = advisor.rightsize(PeriodArgs(), Selector(namespace="shop"))
    assert result.status is rs.Availability.AVAILABLE and result.missing_metrics == []
    [api] = result.workloads
    [container] = api.containers
    # 120 one-minute points of rate(...[5m]) over the 2 hours; the 30-minute plateau gives the top
    # ≥ 25 of them exactly 0.75 (every 5-minute window inside it), and the p95 rank 0.95 × 119 = 113.05
    # falls among them: p95 = 0.75 cores; × 1.2 = 0.9 cores = 900m. The POD/cgroup series (10 cores) are out.
    assert container.cpu_p95_cores == pytest.approx(0.75, abs=1e-12)
    assert container.cpu_recommended_cores == 0.9
    # working set: 30 of 120 points at 600 MiB → p95 = 600 MiB; × 1.2 = 720 MiB
    assert container.memory_p95_bytes == 600 * MIB
    assert container.memory_recommended_bytes == 720 * MIB
    assert (container.cpu_request_cores, container.cpu_limit_cores) == (2.0, 4.0)
    assert (container.memory_request_bytes, container.memory_limit_bytes) == (2 * GIB, 4 * GIB)
    # f = (2.0 − 0.9) / 2.0 = 0.55; saved = 1.2 kWh × 0.55 = 0.66 kWh;
    # emissions = 0.6 × 0.55 × (I_09 + I_10) = 0.33 × 417.3 × (0.97 + 0.93) = 261.6471 g
    assert api.saving is not None and api.saving.energy_saved.value == pytest.approx(0.66)
    assert api.saving.emissions_saved.value == pytest.approx(0.33 * 417.3 * (0.97 + 0.93), rel=1e-9)
    # a fixed number of requests whatever the cluster size: one name lookup + four aggregated queries
    assert result.queries == 5 and client.requests == 5


def test_missing_cadvisor_series_is_not_available_and_names_the_metrics(prom_no_cadvisor: str) -> None:
    advisor, client = _advisor(prom_no_cadvisor)
    result = advisor.rightsize(PeriodArgs(), Selector(namespace="shop"))
    assert result.status is rs.Availability.NOT_AVAILABLE
    assert result.missing_metrics == [CPU_USAGE, MEMORY_USAGE]
    [api] = result.workloads
    assert api.saving is None  # never a saving presented without measured usage
    assert api.containers[0].cpu_request_cores == 2.0 and api.containers[0].cpu_p95_cores is None
    assert client.requests == 3  # name lookup + requests + limits; no query for absent families
