"""Collector integration on hand-written expositions (the simulator-driven accuracy tests are separate)."""

from pathlib import Path

import pytest

from carbon_kepler.core.errors import SourceError
from carbon_kepler.core.period import Period
from carbon_kepler.energy.scrape.collector import Collector
from carbon_kepler.energy.store import Store

HEAD = """# HELP kepler_build_info build
# TYPE kepler_build_info gauge
kepler_build_info{version="v0.11.3"} 1
# HELP kepler_node_cpu_joules_total node
# TYPE kepler_node_cpu_joules_total counter
kepler_node_cpu_joules_total{node_name="n1",path="aggregated-package",zone="package"} %(node)s
# HELP kepler_node_cpu_active_joules_total active
# TYPE kepler_node_cpu_active_joules_total counter
kepler_node_cpu_active_joules_total{node_name="n1",path="aggregated-package",zone="package"} %(active)s
# HELP kepler_node_cpu_idle_joules_total idle
# TYPE kepler_node_cpu_idle_joules_total counter
kepler_node_cpu_idle_joules_total{node_name="n1",path="aggregated-package",zone="package"} %(idle)s
# HELP kepler_pod_cpu_joules_total pod
# TYPE kepler_pod_cpu_joules_total counter
"""
POD = 'kepler_pod_cpu_joules_total{node_name="n1",pod_id="%s",pod_name="%s",pod_namespace="batch",state="%s",zone="package"} %s\n'


def expo(node: float, pods: list[tuple[str, str, str, float]]) -> str:
    return HEAD % {"node": node, "active": node / 2, "idle": node / 2} + "".join(POD % p for p in pods)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "s.sqlite", create=True)


def pod_joules(store: Store) -> dict[tuple[int, str], float]:
    data = store.energy(Period.from_ts(0, 10 * 3600), ("package",))
    out: dict[tuple[int, str], float] = {}
    for r in data.pod_hours:
        out[(r.hour_utc, r.pod)] = out.get((r.hour_utc, r.pod), 0.0) + r.joules
    return out


def test_first_scrape_is_a_baseline_and_deltas_split_at_the_hour(store: Store) -> None:
    col = Collector(store)
    col.ingest("n1", expo(1000, [("u1", "etl-1", "running", 500.0)]), 3590.0)
    col.ingest("n1", expo(1300, [("u1", "etl-1", "running", 530.0)]), 3620.0)
    # 30 J over [3590, 3620]: 10 s in hour 0 → 10 J, 20 s in hour 1 → 20 J; the 500 J baseline is history.
    assert pod_joules(store) == pytest.approx({(0, "etl-1"): 10.0, (3600, "etl-1"): 20.0})


def test_terminated_series_continues_the_running_counter(store: Store) -> None:
    col = Collector(store)
    col.ingest("n1", expo(0, [("u1", "job-1", "running", 100.0)]), 100.0)
    col.ingest("n1", expo(50, [("u1", "job-1", "terminated", 160.0)]), 115.0)
    assert pod_joules(store) == pytest.approx({(0, "job-1"): 60.0})


def test_kepler_restart_counts_new_values_from_zero(store: Store) -> None:
    col = Collector(store)
    col.ingest("n1", expo(1000, [("u1", "web-1", "running", 900.0)]), 100.0)
    col.ingest("n1", expo(1100, [("u1", "web-1", "running", 950.0)]), 115.0)
    # restart: node counter drops; the pod counter (960 > 950!) must also be treated as restarted.
    col.ingest("n1", expo(20, [("u1", "web-1", "running", 960.0)]), 130.0)
    assert pod_joules(store) == pytest.approx({(0, "web-1"): 50.0 + 960.0})


def test_pod_born_between_scrapes_counts_its_whole_counter(store: Store) -> None:
    col = Collector(store)
    col.ingest("n1", expo(0, []), 100.0)
    col.ingest("n1", expo(10, [("u2", "new-1", "running", 42.0)]), 115.0)
    assert pod_joules(store) == pytest.approx({(0, "new-1"): 42.0})


def test_replayed_or_old_scrape_is_ignored(store: Store) -> None:
    col = Collector(store)
    col.ingest("n1", expo(0, [("u1", "a-1", "running", 10.0)]), 100.0)
    col.ingest("n1", expo(5, [("u1", "a-1", "running", 20.0)]), 115.0)
    col.ingest("n1", expo(5, [("u1", "a-1", "running", 20.0)]), 115.0)
    assert pod_joules(store) == pytest.approx({(0, "a-1"): 10.0})


def test_node_energy_and_coverage_are_stored(store: Store) -> None:
    col = Collector(store)
    for i in range(5):
        col.ingest("n1", expo(1000 + 100 * i, []), 1000.0 + 15 * i)
    data = store.energy(Period.from_ts(0, 3600), ("package",))
    (node,) = data.node_hours
    assert node.total_j == pytest.approx(400.0)
    assert node.active_j + node.idle_j == pytest.approx(400.0)
    assert data.coverage[("n1", 0)] == pytest.approx(60 / 3600)
    assert data.kepler_version == "v0.11.3"


@pytest.mark.parametrize("bad", ["NaN", "+Inf"])
def test_a_non_number_counter_refuses_the_scrape_and_the_next_one_counts_the_interval(
    store: Store, tmp_path: Path, bad: str
) -> None:
    col = Collector(store)
    col.ingest("n1", expo(1000, [("u1", "etl-1", "running", 500.0)]), 100.0)
    with pytest.raises(SourceError, match=r'kepler_pod_cpu_joules_total\{.*pod_name="etl-1".*finite numbers'):
        col.ingest("n1", expo(1100, [("u1", "etl-1", "running", bad)]), 130.0)  # type: ignore[list-item]
    col.ingest("n1", expo(1200, [("u1", "etl-1", "running", 560.0)]), 160.0)
    reference = Store.open(tmp_path / "ref.sqlite", create=True)
    ref = Collector(reference)
    ref.ingest("n1", expo(1000, [("u1", "etl-1", "running", 500.0)]), 100.0)
    ref.ingest("n1", expo(1200, [("u1", "etl-1", "running", 560.0)]), 160.0)
    assert pod_joules(store) == pod_joules(reference) == pytest.approx({(0, "etl-1"): 60.0})
