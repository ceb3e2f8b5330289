"""The real `carbon-kepler serve` over stdio and streamable HTTP, for current and older protocol clients."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
import pytest
from mcp import Client, StdioServerParameters

from tests.mcp.conftest import DEMO_ORG
from tests.mcp.helpers import LiveServer, ToolCaller, exercise_all_tools

pytestmark = pytest.mark.anyio
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "old", "version": "1"},
    },
}
MCP_HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}


def stdio(*args: str) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARBON_KEPLER_")}
    return StdioServerParameters(
        command=sys.executable, args=["-m", "carbon_kepler", "serve", *args], env=env
    )


async def test_every_tool_over_stdio_on_the_demo_data_with_nothing_but_protocol_on_stdout() -> None:
    # Any stray byte on stdout (a log line, a progress bar) would break the client's JSON-RPC framing.
    async with Client(
        stdio("--source", "demo", "--org-config", str(DEMO_ORG)), read_timeout_seconds=120
    ) as client:
        out = await exercise_all_tools(ToolCaller(client))
    assert out["get_power_consumption_summary"]["breakdown"]["period"]["hours"] == 168


async def test_the_carbon_kepler_mcp_command_serves_an_older_protocol_client_over_stdio() -> None:
    params = stdio("--source", "demo")  # `uvx carbon-kepler-mcp` runs this console script
    params = params.model_copy(
        update={"command": str(Path(sys.executable).with_name("carbon-kepler-mcp")), "args": params.args[3:]}
    )
    async with Client(params, mode="legacy", read_timeout_seconds=120) as client:
        assert client.protocol_version == "2025-11-25"
        data = await ToolCaller(client).ok("list_top_power_consumers", {"limit": 3})
    assert len(data["consumers"]) == 3


async def test_every_tool_over_streamable_http_on_the_demo_data(demo_http: LiveServer) -> None:
    async with Client(demo_http.url) as client:
        await exercise_all_tools(ToolCaller(client))


async def test_http_serves_a_pre_2026_client_with_a_session(demo_http: LiveServer) -> None:
    async with Client(demo_http.url, mode="legacy") as client:
        assert client.protocol_version == "2025-11-25"
        await ToolCaller(client).ok("get_carbon_intensity", {"mode": "profile"})
    resp = httpx.post(demo_http.url, json=INIT, headers=MCP_HEADERS, timeout=30)
    assert resp.status_code == 200 and resp.headers.get("mcp-session-id")


def test_health_endpoint_answers_without_revealing_the_source_url(demo_http: LiveServer) -> None:
    resp = httpx.get(f"{demo_http.base}/healthz", timeout=10)
    assert resp.status_code == 200
    assert resp.json() == {
        "status": "ok",
        "name": "carbon-kepler",
        "version": resp.json()["version"],
        "source": "demo",
    }


def test_serve_refuses_a_bad_source_option_with_one_line_and_exit_2() -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("CARBON_KEPLER_")}
    proc = subprocess.run(
        [sys.executable, "-m", "carbon_kepler", "serve", "--source", "store", "--store", "/nonexistent/x.sqlite"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stdout == ""
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr
