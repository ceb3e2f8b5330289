"""Session fixtures: the simulator's demo week backfilled into a real Prometheus 2.42 on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from carbon_kepler.energy.simulator import SimConfig, Simulation
from tests.integration.promserver import PrometheusServer, backfill, prometheus_available
from tests.services import require

PROM_SCRAPE_S = 15  # Kepler ServiceMonitor interval used for the backfilled data


@dataclass
class PromWorld:
    sim: Simulation
    url: str


def _world(tmp: Path, config: SimConfig) -> Iterator[PromWorld]:
    require("Prometheus 2.42 (prometheus, promtool)", prometheus_available(), "apt-get install prometheus")
    sim = Simulation(config)
    om = tmp / "kepler.om"
    sim.write_openmetrics(om, interval_s=PROM_SCRAPE_S)
    backfill(om, tmp / "tsdb")
    om.unlink()
    with PrometheusServer(tmp / "tsdb") as server:
        yield PromWorld(sim, server.url)


@pytest.fixture(scope="session")
def prom_week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PromWorld]:
    """7 days, 3 nodes, ~40 pods, Kepler v0.11.2 names, a Kepler restart on node-2."""
    yield from _world(tmp_path_factory.mktemp("prom-week"), SimConfig())


@pytest.fixture(scope="session")
def prom_oldgen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PromWorld]:
    """One day of the same cluster exposed with Kepler v0.9 metric names and labels."""
    yield from _world(tmp_path_factory.mktemp("prom-old"), SimConfig(days=1, generation="old"))
