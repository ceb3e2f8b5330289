"""Driving the MCP server like a client does: schema-checked tool calls, and HTTP servers to talk to."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import httpx2
import jsonschema
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult
from starlette.applications import Starlette

ROOT = Path(__file__).resolve().parents[2]
TOOL_NAMES = (
    "assess_workload_compliance",
    "list_workloads_by_compliance",
    "get_power_consumption_summary",
    "list_top_power_consumers",
    "get_carbon_intensity",
    "generate_compliance_report",
    "calculate_optimal_schedule",
    "get_regional_comparison",
    "compare_optimization_impact",
)


class ToolCaller:
    """Calls tools through an SDK client and validates every structured result against its output schema."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.schemas: dict[str, dict[str, Any]] = {}

    async def _schema(self, name: str) -> dict[str, Any]:
        if not self.schemas:
            listed = await self.client.list_tools()
            self.schemas = {t.name: t.output_schema or {} for t in listed.tools}
        return self.schemas[name]

    async def raw(self, name: str, args: Mapping[str, Any] | None = None) -> CallToolResult:
        return await self.client.call_tool(name, dict(args or {}))

    async def ok(self, name: str, args: Mapping[str, Any] | None = None) -> dict[str, Any]:
        result = await self.raw(name, args)
        text = result.content[0].text if result.content and hasattr(result.content[0], "text") else ""
        assert not result.is_error, f"{name}({args}) failed: {text}"
        data = result.structured_content
        assert isinstance(data, dict), f"{name} returned no structured content"
        jsonschema.Draft202012Validator(await self._schema(name)).validate(data)
        return data

    async def error(self, name: str, args: Mapping[str, Any]) -> str:
        """The text of a tool error: one line, no traceback."""
        result = await self.raw(name, args)
        text = "\n".join(getattr(c, "text", "") for c in result.content)
        assert result.is_error, f"{name}({args}) should fail but returned {text[:200]}"
        assert "Traceback" not in text and "\n" not in text.strip(), text
        return text


async def exercise_all_tools(caller: ToolCaller, period: str | None = None) -> dict[str, dict[str, Any]]:
    """Every tool once, as an assistant would chain them; returns the structured results by tool."""
    p = {"period": period} if period else {}
    out: dict[str, dict[str, Any]] = {}
    out["get_power_consumption_summary"] = await caller.ok("get_power_consumption_summary", p)
    listing = await caller.ok("list_workloads_by_compliance", {**p, "limit": 5})
    out["list_workloads_by_compliance"] = listing
    top = listing["workloads"][0]
    out["assess_workload_compliance"] = await caller.ok(
        "assess_workload_compliance",
        {**p, "workload_name": top["workload"], "namespace": top["namespace"], "standard": "ALL"},
    )
    out["list_top_power_consumers"] = await caller.ok("list_top_power_consumers", {**p, "limit": 5})
    out["get_carbon_intensity"] = await caller.ok("get_carbon_intensity", {"mode": "profile"})
    out["generate_compliance_report"] = await caller.ok("generate_compliance_report", {**p, "top_n": 5})
    who = {"workload_name": top["workload"], "namespace": top["namespace"]}
    out["calculate_optimal_schedule"] = await caller.ok(
        "calculate_optimal_schedule", {**p, **who, "duration_hours": 2}
    )
    out["get_regional_comparison"] = await caller.ok(
        "get_regional_comparison", {**p, "namespace": top["namespace"]}
    )
    out["compare_optimization_impact"] = await caller.ok(
        "compare_optimization_impact",
        {
            **p,
            **who,
            "optimizations": ["temporal_shift", "regional_migration"],
            "target_region": "aws:eu-north-1",
            "current_region": "aws:ap-northeast-2",
        },
    )
    assert set(out) == set(TOOL_NAMES)
    return out


def http_transport(url: str, headers: Mapping[str, str] | None = None) -> AbstractAsyncContextManager[Any]:
    return streamable_http_client(
        url, http_client=httpx2.AsyncClient(headers=dict(headers or {}), timeout=60)
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_healthy(base: str, alive: Any, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):  # not listening yet
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        if not alive():
            raise RuntimeError("server exited before answering /healthz")
        time.sleep(0.2)
    raise RuntimeError(f"{base}/healthz did not answer within {timeout} s")


class LiveServer:
    """`carbon-kepler serve --http` as a subprocess on 127.0.0.1, stopped by its pid on exit."""

    def __init__(self, args: list[str], env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/mcp"
        self._args = args
        self._env = {k: v for k, v in os.environ.items() if not k.startswith("CARBON_KEPLER_")} | dict(
            env or {}
        )
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr = ""

    @classmethod
    def cli(cls, *args: str, env: Mapping[str, str] | None = None) -> LiveServer:
        return cls(list(args), env)

    def __enter__(self) -> Self:
        cmd = [
            sys.executable,
            "-m",
            "carbon_kepler",
            "serve",
            "--http",
            "--port",
            str(self.port),
            *self._args,
        ]
        # stderr to a file, not a pipe: a chatty server never blocks on a full pipe. Closed in __exit__.
        self._log = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(cmd, env=self._env, stdout=subprocess.DEVNULL, stderr=self._log)
        try:
            _wait_healthy(self.base, lambda: self._proc is not None and self._proc.poll() is None)
        except RuntimeError:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_: object) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc is not None:
            self._log.seek(0)
            self._stderr = self._log.read().decode(errors="replace")
            self._log.close()

    @property
    def stderr(self) -> str:
        """What the server logged (after the `with` block)."""
        return self._stderr


class InProcessServer:
    """An ASGI app under uvicorn in a background thread (for servers built around a test engine)."""

    def __init__(self, app: Starlette) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/mcp"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        _wait_healthy(self.base, self._thread.is_alive, timeout=30)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
