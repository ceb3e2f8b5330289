"""Fixtures for the MCP layer: engines on the bundled demo week and on a real Prometheus, HTTP servers.

Tools are driven through the SDK's own client (in memory, stdio, streamable HTTP); every structured
result is validated against the tool's published output schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from carbon_kepler.energy.simulator import SimConfig, Simulation
from carbon_kepler.energy.source import demo_store_path
from carbon_kepler.mcp_server.server import ServedEngine, serve_engine
from carbon_kepler.settings import Settings
from tests.integration.promserver import PrometheusServer, backfill, prometheus_available
from tests.mcp.helpers import LiveServer
from tests.services import require

ROOT = Path(__file__).resolve().parents[2]
DEMO_ORG = ROOT / "examples" / "demo-org.yaml"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def demo_settings() -> Settings:
    """The bundled demo week, with the demo organisation config (site PUE, instruments, baselines)."""
    assert demo_store_path().exists(), "the packaged demo store is missing: run `make demo-data`"
    return Settings(source="demo", org_config=DEMO_ORG)


@pytest.fixture(scope="session")
def demo_engine(demo_settings: Settings) -> ServedEngine:
    return serve_engine(demo_settings)


@pytest.fixture(scope="session")
def store_settings(store_6h: Path) -> Settings:
    """Six simulated hours in a local store, no organisation config (what a fresh install sees)."""
    return Settings(source="store", store=store_6h)


@dataclass
class PromWorld:
    sim: Simulation
    url: str


@pytest.fixture(scope="session")
def prom_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PromWorld]:
    """One simulated day (3 nodes, ~40 pods, Kepler v0.11.2 names) backfilled into a real Prometheus 2.42."""
    require("Prometheus 2.42 (prometheus, promtool)", prometheus_available(), "apt-get install prometheus")
    tmp = tmp_path_factory.mktemp("mcp-prom")
    sim = Simulation(SimConfig(days=1))
    om = tmp / "kepler.om"
    sim.write_openmetrics(om, interval_s=15)
    backfill(om, tmp / "tsdb")
    om.unlink()
    with PrometheusServer(tmp / "tsdb") as server:
        yield PromWorld(sim, server.url)


@pytest.fixture(scope="session")
def prom_settings(prom_day: PromWorld) -> Settings:
    return Settings(source="prometheus", prometheus_url=prom_day.url, org_config=DEMO_ORG)


@pytest.fixture(scope="session")
def prom_period(prom_day: PromWorld) -> str:
    """The simulated day as a START/END period argument (Prometheus has no default period of its own)."""
    from carbon_kepler.core.period import utc_iso

    return f"{utc_iso(prom_day.sim.start)}/{utc_iso(prom_day.sim.end)}"


@pytest.fixture(scope="session")
def demo_http(demo_settings: Settings) -> Iterator[LiveServer]:
    """`carbon-kepler serve --http --source demo` as a real process on 127.0.0.1."""
    with LiveServer.cli("--source", "demo", "--org-config", str(DEMO_ORG)) as server:
        yield server
