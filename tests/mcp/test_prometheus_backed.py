"""Every tool on Prometheus-backed data (a simulated day in a real Prometheus 2.42), over all three transports."""

from __future__ import annotations

import pytest
from mcp import Client

from carbon_kepler.engine import Engine
from carbon_kepler.mcp_server.server import build_server, serve_engine
from carbon_kepler.mcp_server.tools import period_args
from carbon_kepler.settings import Settings
from tests.mcp.conftest import DEMO_ORG, PromWorld
from tests.mcp.helpers import LiveServer, ToolCaller, exercise_all_tools
from tests.mcp.test_transports import stdio

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


async def test_in_memory_results_equal_the_engine_on_prometheus(
    prom_settings: Settings, prom_period: str
) -> None:
    async with Client(build_server(serve_engine(prom_settings)), raise_exceptions=True) as client:
        out = await exercise_all_tools(ToolCaller(client), prom_period)
    direct = Engine.from_settings(prom_settings).energy(period_args(prom_period))
    summary = out["get_power_consumption_summary"]
    assert summary["breakdown"]["total"]["value"] == pytest.approx(direct.total.value)
    assert (
        summary["breakdown"]["source"].startswith("Prometheus")
        and summary["breakdown"]["period"]["hours"] == 24
    )
    assert out["list_workloads_by_compliance"]["total"] > 10


async def test_every_tool_over_stdio_on_prometheus(prom_day: PromWorld, prom_period: str) -> None:
    params = stdio("--source", "prometheus", "--prometheus-url", prom_day.url, "--org-config", str(DEMO_ORG))
    async with Client(params, read_timeout_seconds=120) as client:
        out = await exercise_all_tools(ToolCaller(client), prom_period)
    assert out["list_top_power_consumers"]["consumers"]


async def test_every_tool_over_http_on_prometheus(prom_day: PromWorld, prom_period: str) -> None:
    with LiveServer.cli("--source", "prometheus", "--prometheus-url", prom_day.url) as server:
        async with Client(server.url) as client:
            out = await exercise_all_tools(ToolCaller(client), prom_period)
    checks = {c["code"]: c["status"] for c in out["assess_workload_compliance"]["assessment"]["checks"]}
    assert checks["KR_PUE_GREEN_DC"] == "NOT_ASSESSED"  # no organisation config: PUE unknown, never a pass
