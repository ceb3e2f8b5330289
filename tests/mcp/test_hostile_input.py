"""Property: hostile text in any string argument of any tool never reaches PromQL and never yields a traceback.

Arguments are pushed through the SDK's own call path (argument validation included) into an engine whose
Prometheus client records every HTTP request it sends; the same engine on the demo data covers the
selection and close-match paths.
"""

from __future__ import annotations

import json
import re
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult

from carbon_kepler.core.errors import CarbonKeplerError
from carbon_kepler.core.period import resolve_period
from carbon_kepler.energy.prometheus.client import ClientOptions, PrometheusClient
from carbon_kepler.energy.prometheus.source import PrometheusSource
from carbon_kepler.mcp_server.server import ServedEngine, build_server
from carbon_kepler.mcp_server.tools import period_args
from carbon_kepler.settings import Settings

PROM = "http://prometheus.test:9090"
TIME_PARAMS = {"time", "start", "end", "step"}
BENIGN = {"workload_name": "web", "namespace": "production"}
ATTACKS = [
    '"} or vector(1) #',
    'production"}[5m]) or up{job=~".+',
    "production\\",
    "a\nb",
    "x" * 10_000,
    "../../etc/passwd",
    "${jndi:ldap://x}",
    "'; DROP TABLE pods; --",
    "\x00\x1b[31m",
    "ai-team\u202e",
    "2026-11/2026-13",
    "9999999999d",
    "-1h",
    "eyJvIjogLTF9",
]
hostile = st.one_of(
    st.sampled_from(ATTACKS), st.text(max_size=200), st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True)
)


class RecordingPrometheus:
    """httpx transport standing in for Prometheus: Kepler metric names exist, every query is empty."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = sorted((k, v) for k, v in request.url.params.multi_items() if k not in TIME_PARAMS)
        self.requests.append(f"{request.url.path} {json.dumps(params)}")
        if "/label/" in request.url.path:
            return httpx.Response(200, json={"status": "success", "data": ["kepler_node_cpu_joules_total"]})
        return httpx.Response(200, json={"status": "success", "data": {"resultType": "vector", "result": []}})

    def sent(self) -> str:
        return "\n".join(self.requests)


@pytest.fixture(scope="module")
def recorder() -> RecordingPrometheus:
    return RecordingPrometheus()


@pytest.fixture(scope="module")
def prom_engine(recorder: RecordingPrometheus) -> ServedEngine:
    client = PrometheusClient(ClientOptions(url=PROM, retries=0), transport=httpx.MockTransport(recorder))
    return ServedEngine(
        Settings(source="prometheus", prometheus_url=PROM), PrometheusSource(client), cache_ttl_s=0
    )


@pytest.fixture(scope="module")
def prom_server(prom_engine: ServedEngine) -> Any:
    return build_server(prom_engine)


@pytest.fixture(scope="module")
def demo_server(demo_engine: ServedEngine) -> Any:
    return build_server(demo_engine)


def _string_arguments(server: Any) -> list[tuple[str, str]]:
    tools = anyio.run(server.list_tools)
    pairs = []
    for t in tools:
        for name, prop in t.input_schema["properties"].items():
            types = {prop.get("type")} | {s.get("type") for s in prop.get("anyOf", [])}
            if "string" in types:
                pairs.append((t.name, name))
    return pairs


def _call(server: Any, tool: str, args: dict[str, Any]) -> str:
    """The text a client would read; raises on a crash (UnexpectedToolError) or a protocol error."""
    try:
        result: CallToolResult = anyio.run(server.call_tool, tool, args)
    except UnexpectedToolError:
        raise
    except ToolError as exc:  # the SDK's own argument validation: an is_error result on the wire
        return str(exc)
    text = "\n".join(getattr(c, "text", "") for c in result.content)
    if result.is_error:
        assert "\n" not in text.strip(), text
    return text


KNOWN_PERIOD_CRASHES = ["9999999999d", "99999999w", "0001-01", "0000-01", "9999-12", "0001-01-01/0001-01-02"]


@pytest.mark.parametrize("text", KNOWN_PERIOD_CRASHES)
def test_absurd_periods_are_input_errors(text: str) -> None:
    with pytest.raises(CarbonKeplerError):
        resolve_period(**vars(period_args(text)))


def _args(tool: str, argument: str, value: str) -> dict[str, Any]:
    base = dict(BENIGN) if tool == "assess_workload_compliance" else {}
    return base | {argument: value}


@pytest.fixture(scope="module")
def baseline(prom_server: Any, recorder: RecordingPrometheus) -> set[str]:
    """Shapes of what the server sends Prometheus for benign arguments: the only PromQL it may ever send."""
    for tool in ("list_top_power_consumers", "assess_workload_compliance", "generate_compliance_report"):
        _call(prom_server, tool, _args(tool, "period", "2026-11"))
    assert recorder.requests, "the benign calls reached Prometheus"
    return {_shape(r) for r in recorder.requests}


def _shape(request: str) -> str:
    """A request with its numbers blanked: a period changes range lengths in PromQL, nothing else may change."""
    return re.sub(r"\d+", "#", request)


def test_string_arguments_are_found_for_every_tool(prom_server: Any) -> None:
    pairs = _string_arguments(prom_server)
    assert {t for t, _ in pairs} >= {"assess_workload_compliance", "list_workloads_by_compliance"}
    assert ("assess_workload_compliance", "workload_name") in pairs
    assert ("list_workloads_by_compliance", "cursor") in pairs


@settings(max_examples=200, deadline=None)
@given(data=st.data(), value=hostile)
def test_hostile_strings_never_reach_promql_or_produce_a_traceback(
    prom_server: Any, recorder: RecordingPrometheus, baseline: set[str], data: st.DataObject, value: str
) -> None:
    tool, argument = data.draw(st.sampled_from(_string_arguments(prom_server)))
    before = len(recorder.requests)
    text = _call(prom_server, tool, _args(tool, argument, value))
    assert "Traceback" not in text
    sent = recorder.requests[before:]
    for request in sent:  # every request has the shape of one sent for benign arguments
        assert _shape(request) in baseline, request
    if len(value) >= 4 and not any(value in b for b in baseline):
        assert not any(value in r or json.dumps(value)[1:-1] in r for r in sent)


@settings(max_examples=120, deadline=None)
@given(data=st.data(), value=hostile)
def test_hostile_strings_on_the_demo_data_are_tool_errors_or_results_never_crashes(
    demo_server: Any, data: st.DataObject, value: str
) -> None:
    tool, argument = data.draw(st.sampled_from(_string_arguments(demo_server)))
    text = _call(demo_server, tool, _args(tool, argument, value))
    assert "Traceback" not in text
