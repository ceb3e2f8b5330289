"""The packaged demo store is the simulated week integrated by the real collector: check it against
the simulator's exact ground truth (same tolerance as the Prometheus path: max(1 %, 400 J) per pod-hour)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from carbon_kepler.core.period import Period
from carbon_kepler.energy.simulator import SimConfig, Simulation
from carbon_kepler.energy.source import StoreSource, demo_store_path


@pytest.fixture(scope="module")
def week() -> Simulation:
    return Simulation(SimConfig())


def test_demo_store_matches_ground_truth_for_every_pod_hour(week: Simulation) -> None:
    source = StoreSource(demo_store_path(), demo=True)
    period = source.default_period()
    assert period == Period.from_ts(week.start, week.end)
    data = source.fetch(period, ("package", "dram"))
    ours: dict[tuple[str, int], float] = defaultdict(float)
    truth: dict[tuple[str, int], float] = defaultdict(float)
    for r in data.pod_hours:
        ours[(r.pod_uid, r.hour_utc)] += r.joules
    for (uid, _zone, hour), j in week.ground_truth_pods().items():
        truth[(uid, hour)] += j
    bad = [
        k
        for k in set(ours) | set(truth)
        if abs(ours.get(k, 0.0) - truth.get(k, 0.0)) > max(0.01 * truth.get(k, 0.0), 400.0)
    ]
    assert not bad, f"{len(bad)} of {len(truth)} pod-hours off, e.g. {sorted(bad)[:3]}"
    assert sum(ours.values()) == pytest.approx(sum(truth.values()), rel=0.001)


def test_demo_store_says_how_it_was_made() -> None:
    source = StoreSource(demo_store_path(), demo=True)
    assert "through the collector" in (source.store.meta("demo") or "")
    assert source.store.meta("kepler_version") == "v0.11.2"
