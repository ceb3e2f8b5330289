"""Shared fixtures: small stores built through the real collector from the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbon_kepler.energy.demo import build_store
from carbon_kepler.energy.simulator import SimConfig, Simulation


@pytest.fixture(scope="session")
def sim_6h() -> Simulation:
    return Simulation(SimConfig(hours=6))


@pytest.fixture(scope="session")
def store_6h(tmp_path_factory: pytest.TempPathFactory, sim_6h: Simulation) -> Path:
    """Six simulated hours (demo cluster) collected at 30 s into a store."""
    out = tmp_path_factory.mktemp("store") / "six-hours.sqlite"
    build_store(sim_6h, out, 30)
    return out
