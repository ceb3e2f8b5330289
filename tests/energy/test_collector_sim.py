"""Collector.ingest fed the simulator's expositions directly (no HTTP): fake meter and old generation.

Every node is scraped every 15 s at the simulator's Prometheus-like per-node phases
(`Simulation.scrape_times`), one `ingest` per exposition — the same code path as the live collector.
Tolerance per pod-hour: max(1 %, 400 J), see tests/integration/test_collector_path.py.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from carbon_kepler.core.period import Period
from carbon_kepler.energy.attribution import Policy, attribute
from carbon_kepler.energy.model import Generation
from carbon_kepler.energy.scrape.collector import Collector
from carbon_kepler.energy.simulator import FAKE_SCALE, SimConfig, Simulation
from carbon_kepler.energy.store import Store

HOUR = 3600
INTERVAL = 15

PodHours = dict[tuple[str, int], float]


def collect(sim: Simulation, path: Path, rounds: int | None = None, endpoint: str = "{node}") -> Store:
    """Ingest every node's exposition at every scrape instant (or the first `rounds`), in time order.

    `endpoint` is the collector's endpoint key per node; the live collector uses the scrape URL."""
    store = Store.open(path, create=True)
    col = Collector(store)
    scrapes = sorted((t, node) for node in sim.nodes for t in sim.scrape_times(node, INTERVAL)[:rounds])
    for t, node in scrapes:
        text = sim.exposition(node, t)
        if text is not None:
            col.ingest(endpoint.format(node=node), text, float(t))
    return store


def per_pod_hour(store: Store, lo: int, hi: int, zones: tuple[str, ...]) -> PodHours:
    out: PodHours = defaultdict(float)
    for r in store.energy(Period.from_ts(lo, hi), zones).pod_hours:
        out[(r.pod_uid, r.hour_utc)] += r.joules
    return dict(out)


def truth_pod_hour(sim: Simulation, lo: int, hi: int, key: str = "uid") -> PodHours:
    out: PodHours = defaultdict(float)
    truth = sim.ground_truth_pods(key="ns_name" if key == "ns_name" else "uid")
    for (pod, _zone, hour), j in truth.items():
        if lo <= hour < hi:
            out[(pod, hour)] += j
    return dict(out)


def violations(ours: PodHours, truth: PodHours, floor_j: float = 400.0) -> list[str]:
    return [
        f"{k}: collector {ours.get(k, 0.0):.6g} J, truth {truth.get(k, 0.0):.6g} J"
        for k in sorted(set(ours) | set(truth))
        if abs(ours.get(k, 0.0) - truth.get(k, 0.0)) > max(0.01 * truth.get(k, 0.0), floor_j)
    ]


def test_fake_meter_through_the_collector_is_flagged_as_not_measurement(tmp_path: Path) -> None:
    sim = Simulation(SimConfig(fake_meter=True, hours=2))
    store = collect(sim, tmp_path / "fake.sqlite")
    data = store.energy(Period.from_ts(sim.start, sim.end), ("package-0",))
    fake = [w for w in data.warnings if w.code == "FAKE_METER"]
    assert len(fake) == 1, data.warnings
    msg = fake[0].message.lower()
    assert "not measurement" in msg and "fake" in msg, fake[0].message
    # The numbers still flow (at microwatt scale) and are the fake meter's, not zero or garbage.
    lo, hi = sim.start + HOUR, sim.end - sim.end % HOUR
    ours, truth = per_pod_hour(store, lo, hi, ("package-0",)), truth_pod_hour(sim, lo, hi)
    assert truth and 0 < max(ours.values()) < 1.0
    assert not violations(ours, truth, floor_j=400.0 * FAKE_SCALE)


def test_real_meter_through_the_collector_has_no_fake_meter_warning(tmp_path: Path) -> None:
    sim = Simulation(SimConfig(hours=1))
    store = collect(sim, tmp_path / "real.sqlite", rounds=8)
    data = store.energy(Period.from_ts(sim.start, sim.end), ("package", "dram"))
    assert data.pod_hours and not [w for w in data.warnings if w.code == "FAKE_METER"]


@pytest.mark.slow
def test_old_generation_through_the_collector_matches_ground_truth(tmp_path: Path) -> None:
    sim = Simulation(SimConfig(generation="old", hours=3))
    store = collect(sim, tmp_path / "old.sqlite")
    lo, hi = sim.start + HOUR, sim.end  # the first hour holds the baseline scrapes
    data = store.energy(Period.from_ts(lo, hi), ("package", "dram"))
    assert data.generation is Generation.OLD and data.kepler_version == "v0.9.0"
    ours = per_pod_hour(store, lo, hi, ("package", "dram"))
    truth = truth_pod_hour(sim, lo, hi, key="ns_name")
    assert len(truth) > 60 and all("/" in pod for pod, _ in truth)
    bad = violations(ours, truth)
    assert not bad, f"{len(bad)} of {len(truth)} pod-hours off:\n" + "\n".join(bad[:20])
    # Multi-container pods are one pod (their containers' counters summed), keyed namespace/name.
    assert {r.pod_uid for r in data.pod_hours} == {f"{r.namespace}/{r.pod}" for r in data.pod_hours}


@pytest.mark.parametrize("generation", ["new", "old"])
def test_pods_are_filed_under_the_node_of_their_node_energy_when_the_endpoint_is_a_url(
    tmp_path: Path, generation: str
) -> None:
    """The live collector's endpoint key is the scrape URL, not the node name."""
    sim = Simulation(SimConfig(generation="old" if generation == "old" else "new", hours=1))
    url = "https://{node}.cluster.test:30443/metrics"
    store = collect(sim, tmp_path / "urls.sqlite", rounds=12, endpoint=url)
    data = store.energy(Period.from_ts(sim.start - HOUR, sim.end), ("package", "dram"))
    assert {r.node for r in data.pod_hours} == {n.node for n in data.node_hours} == set(sim.nodes)
    missing = [w for w in attribute(data, Policy.PROPORTIONAL).warnings if w.code == "NODE_DATA_MISSING"]
    assert not missing, missing[:2]
