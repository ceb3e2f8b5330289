"""MCP server benchmarks (issue #4): per-tool latency, server overhead, concurrent HTTP clients.

    .venv/bin/python benchmarks/mcp_bench.py               # demo week + 200- and 2,000-pod Prometheus + 20 clients x 60 s
    .venv/bin/python benchmarks/mcp_bench.py --pods 200    # one Prometheus size only
    .venv/bin/python benchmarks/mcp_bench.py --quick       # smoke run; Markdown to stdout only

Latency is measured through the SDK's in-memory client (protocol, argument and output validation, JSON,
the worker-thread hop) with the server's caches cleared before each call, so every call does its full
data-source and engine work ("warm" repeats it within the cache TTL). "Data source" is the time inside
EnergySource.fetch (SQLite or Prometheus); "engine" the rest of the tool function (attribution, emissions,
checks); "MCP layer" what the server adds around the tool function; "server overhead" = latency − data
source (the issue's definition, so it includes the engine). A full run writes benchmarks/mcp_results.md.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `benchmarks` and `tests` import from the repo root

from mcp import Client  # noqa: E402
from tests.mcp.helpers import LiveServer  # noqa: E402

from benchmarks.common import (  # noqa: E402
    cpu_speed_ms,
    fs,
    loadavg,
    log,
    machine,
    median,
    percentile,
    prometheus_dataset,
    table,
)
from carbon_kepler.core.period import Period, utc_iso  # noqa: E402
from carbon_kepler.energy.model import EnergyData  # noqa: E402
from carbon_kepler.energy.simulator import SimConfig, Simulation  # noqa: E402
from carbon_kepler.energy.source import EnergySource  # noqa: E402
from carbon_kepler.engine import build_source  # noqa: E402
from carbon_kepler.mcp_server.server import PerThreadSource, ServedEngine, build_server, settle_heap  # noqa: E402
from carbon_kepler.mcp_server.tools import TOOLS, ToolSpec  # noqa: E402
from carbon_kepler.settings import Settings, SourceKind  # noqa: E402

OUT = ROOT / "benchmarks" / "mcp_results.md"
OVERHEAD_TARGET_S = 0.050
DEMO_ORG = ROOT / "examples" / "demo-org.yaml"


def calls(period: str | None) -> list[tuple[str, dict[str, Any]]]:
    """One representative call per tool (what an assistant asks first)."""
    p = {"period": period} if period else {}
    return [
        ("get_power_consumption_summary", p),
        ("list_top_power_consumers", {**p, "limit": 10}),
        ("list_workloads_by_compliance", {**p, "limit": 20}),
        (
            "assess_workload_compliance",
            {**p, "workload_name": "web", "namespace": "production", "standard": "ALL"},
        ),
        ("get_carbon_intensity", {"mode": "profile"}),
        ("generate_compliance_report", {**p, "top_n": 10}),
        (
            "calculate_optimal_schedule",
            {**p, "workload_name": "report-hourly", "namespace": "batch", "duration_hours": 1.0},
        ),
        ("get_regional_comparison", {**p, "workload_name": "web", "namespace": "production"}),
        (
            "compare_optimization_impact",
            {**p, "workload_name": "web", "namespace": "production", "optimizations": ["temporal_shift"]},
        ),
    ]


class Stopwatch:
    """Seconds spent inside wrapped callables, summed across threads."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._lock = threading.Lock()

    def add(self, dt: float) -> None:
        with self._lock:
            self.seconds += dt

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(time.perf_counter() - t)

        return timed


class TimedSource:
    def __init__(self, inner: EnergySource, watch: Stopwatch) -> None:
        self.inner, self.watch = inner, watch
        self.fetch = watch.wrap(self._fetch)

    @property
    def description(self) -> str:
        return self.inner.description

    def _fetch(self, period: Period, zones: tuple[str, ...]) -> EnergyData:
        return self.inner.fetch(period, zones)

    def default_period(self) -> Period | None:
        return self.inner.default_period()


class ServerClock:
    """Server-side handling time of tools/call: a server middleware around params validation, the tool
    and result conversion. The client's own work (its JSON-Schema check of structuredContent, parsing)
    and the in-memory transport are outside it."""

    def __init__(self) -> None:
        self.last = 0.0

    async def __call__(self, ctx: Any, call_next: Any) -> Any:
        t = time.perf_counter()
        try:
            return await call_next(ctx)
        finally:
            if ctx.method == "tools/call":
                self.last = time.perf_counter() - t


@dataclass
class ToolTiming:
    tool: str
    latency: list[float] = field(default_factory=list)  # cold: caches cleared before the call
    server: list[float] = field(default_factory=list)  # server-side handling time of the same calls
    source: list[float] = field(default_factory=list)
    inside: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)  # the same call again within the cache TTL
    chars: int = 0  # size of the result text a model reads


async def measure(settings: Settings, period: str | None, repeat: int) -> list[ToolTiming]:
    source_watch, tool_watch = Stopwatch(), Stopwatch()
    sqlite = settings.source in (SourceKind.DEMO, SourceKind.STORE)
    inner: EnergySource = PerThreadSource(settings) if sqlite else build_source(settings)
    engine = ServedEngine(settings, TimedSource(inner, source_watch))
    specs = [ToolSpec(tool_watch.wrap(s.fn), s.title) for s in TOOLS]
    out = []
    server, clock = build_server(engine, tools=specs), ServerClock()
    server.middleware.append(clock)
    settle_heap()  # as `serve` does before it starts a transport
    async with Client(server) as client:
        for name, args in calls(period):
            timing = ToolTiming(name)
            for i in range(repeat + 1):  # the first call warms imports and the SQLite page cache
                engine.clear_cache()
                s0, f0, t0 = source_watch.seconds, tool_watch.seconds, time.perf_counter()
                result = await client.call_tool(name, args)
                latency = time.perf_counter() - t0
                assert not result.is_error, f"{name}: {result.content}"
                timing.chars = len(getattr(result.content[0], "text", ""))
                if i:
                    timing.latency.append(latency)
                    timing.server.append(clock.last)
                    timing.source.append(source_watch.seconds - s0)
                    timing.inside.append(tool_watch.seconds - f0)
                    t0 = time.perf_counter()
                    await client.call_tool(name, args)
                    timing.warm.append(time.perf_counter() - t0)
            out.append(timing)
            log(f"  {name}: p50 {fs(median(timing.latency))}, warm {fs(median(timing.warm))}")
    return out


def latency_table(timings: list[ToolTiming]) -> tuple[str, bool, bool]:
    """The table, whether server overhead met the target for every tool, and whether the MCP layer did."""
    rows, ok, layer_ok = [], True, True
    for t in timings:
        overhead = median([a - b for a, b in zip(t.server, t.source, strict=True)])
        seen = median([a - b for a, b in zip(t.latency, t.source, strict=True)])
        engine = median([a - b for a, b in zip(t.inside, t.source, strict=True)])
        layer = median([a - b for a, b in zip(t.server, t.inside, strict=True)])
        client = median([a - b for a, b in zip(t.latency, t.server, strict=True)])
        ok &= overhead <= OVERHEAD_TARGET_S
        layer_ok &= layer <= OVERHEAD_TARGET_S
        rows.append([
            f"`{t.tool}`", fs(median(t.latency)), fs(percentile(t.latency, 99)), fs(median(t.server)),
            fs(median(t.source)), fs(engine), fs(layer),
            fs(overhead) + ("" if overhead <= OVERHEAD_TARGET_S else " ⚠"), fs(client), fs(seen),
            fs(median(t.warm)), f"{t.chars:,}", len(t.latency),
        ])  # fmt: skip
    headers = [
        "tool",
        "p50",
        "p99",
        "server p50",
        "data source",
        "engine",
        "MCP layer",
        "server overhead",
        "client side",
        "overhead seen by client",
        "warm p50",
        "result chars",
        "calls",
    ]
    return table(headers, rows), ok, layer_ok


@dataclass
class LoadResult:
    clients: int
    seconds: float
    calls: int = 0
    errors: int = 0
    latency: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)


async def load(url: str, clients: int, seconds: float) -> LoadResult:
    """`clients` SDK clients over streamable HTTP, each calling the tools in turn for `seconds`."""
    res = LoadResult(clients, seconds)
    mix = calls(None)
    deadline = time.perf_counter() + seconds

    async def client_loop(k: int) -> None:
        async with Client(url, read_timeout_seconds=60) as client:
            i = k
            while time.perf_counter() < deadline:
                name, args = mix[i % len(mix)]
                i += 1
                t = time.perf_counter()
                try:
                    result = await client.call_tool(name, args)
                    failed = result.is_error
                except Exception as exc:  # a benchmark counts failures of any kind
                    failed, result = True, None
                    res.error_samples.append(f"{name}: {type(exc).__name__}: {exc}"[:200])
                res.calls += 1
                res.errors += failed
                res.latency.append(time.perf_counter() - t)

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(k) for k in range(clients)))
    res.seconds = time.perf_counter() - started
    return res


def load_section(res: LoadResult) -> str:
    return table(
        ["clients", "duration", "calls", "errors", "throughput", "p50", "p99"],
        [[res.clients, fs(res.seconds), f"{res.calls:,}", res.errors, f"{res.calls / res.seconds:.1f} calls/s",
          fs(median(res.latency)), fs(percentile(res.latency, 99))]],
    )  # fmt: skip


def prom_config(pods: int, quick: bool) -> SimConfig:
    return SimConfig(pods=pods, nodes=max(3, pods // 10), hours=6 if quick else None, days=1)


async def run(args: argparse.Namespace) -> str:
    repeat = 3 if args.quick else 20
    facts = machine()
    start_speed = cpu_speed_ms()
    parts = [
        "## MCP server (issue #4)",
        "",
        f"<!-- GENERATED by benchmarks/mcp_bench.py{' --quick' if args.quick else ''}; rerun to refresh. -->",
        "",
        f"Run on {facts['CPU']} ({facts['nproc']} cores, load average {loadavg()} at start; CPU speed at start: a "
        f"1,000,000-step Python loop took {start_speed:.0f} ms; this VM's speed drifts over minutes), Python "
        f"{facts['Python']}, commit {facts['carbon-kepler commit']}, {facts['Date (UTC)']} UTC. Latency through the "
        "SDK's in-memory client, caches cleared before each call (cold). *p50/p99* = as the client sees it; *server* = "
        "server-side handling of tools/call (a server middleware: params validation, tool, result conversion); "
        "*data source* = time inside EnergySource.fetch; *engine* = time inside the tool function minus data source "
        "(attribution, emissions, checks, advice); *MCP layer* = server minus time inside the tool function; "
        f"*server overhead* = server − data source (the issue's definition; target ≤ {fs(OVERHEAD_TARGET_S)} p50); "
        "*client side* = p50 − server (the SDK client's parsing and JSON-Schema check of the result, the in-memory "
        "transport); *overhead seen by client* = p50 − data source; *warm* = the same call again within the 30 s "
        f"cache TTL. Cold calls per tool after one warm-up: the *calls* column ({repeat} on the demo store).",
        "",
    ]
    verdicts: list[tuple[str, bool]] = []
    log("demo week (bundled SQLite store, 7 days, ~40 pods)")
    demo = await measure(Settings(source="demo", org_config=DEMO_ORG), None, repeat)
    text, ok, layer_ok = latency_table(demo)
    parts += ["### Bundled demo week (SQLite store)", "", text, ""]
    datasets = [("demo week", demo)]
    verdicts += [
        ("server overhead p50 ≤ 50 ms, demo store", ok),
        ("MCP layer p50 ≤ 50 ms, demo store", layer_ok),
    ]
    if not args.skip_prometheus:
        for pods in args.pods:
            text, ok, layer_ok, timings = await prometheus_part(pods, args.quick, repeat)
            parts += text
            datasets.append((f"{pods:,}-pod Prometheus", timings))
            verdicts += [
                (f"server overhead p50 ≤ 50 ms, {pods:,}-pod Prometheus", ok),
                (f"MCP layer p50 ≤ 50 ms, {pods:,}-pod Prometheus", layer_ok),
            ]
    res = await load_part(args)
    parts += [
        f"### {res.clients} concurrent HTTP clients, `serve --http --source demo`",
        "",
        load_section(res),
        "",
    ]
    if res.error_samples:
        parts += ["Errors seen: " + "; ".join(sorted(set(res.error_samples))[:5]), ""]
    verdicts.append((f"{res.clients} clients × {fs(res.seconds)}: zero errors", res.errors == 0))
    drift = (
        f"- CPU calibration (the 1,000,000-step loop): {start_speed:.0f} ms at the start, {cpu_speed_ms():.0f} ms at "
        "the end. A slower loop means a slower phase of the VM; engine times scale with it."
    )
    parts += ["### Reading", "", *reading(datasets), drift, ""]
    parts += [
        "### Targets",
        "",
        table(["target", "met"], [[t, "yes" if m else "**no**"] for t, m in verdicts]),
        "",
    ]
    return "\n".join(parts)


def reading(datasets: list[tuple[str, list[ToolTiming]]]) -> list[str]:
    """What the tables say, from the same numbers: where server overhead comes from and how it scales."""

    def p50(t: ToolTiming, a: list[float], b: list[float]) -> float:
        return median([x - y for x, y in zip(a, b, strict=True)])

    layer = max(p50(t, t.server, t.inside) for _, ts in datasets for t in ts)
    client = max(p50(t, t.latency, t.server) for _, ts in datasets for t in ts)
    engine = ", ".join(
        f"{label} {fs(max(p50(t, t.inside, t.source) for t in ts if t.tool != 'get_carbon_intensity'))}"
        for label, ts in datasets
    )
    warm = ", ".join(f"{label} {fs(max(median(t.warm) for t in ts))}" for label, ts in datasets)
    cold = []
    for label, ts in datasets:
        heavy = [t for t in ts if t.tool != "get_carbon_intensity"]
        over = [f"`{t.tool}`" for t in heavy if p50(t, t.server, t.source) > OVERHEAD_TARGET_S]
        cold.append(
            f"{label}: {len(heavy) - len(over)} of {len(heavy)} data tools"
            + (f" (over: {', '.join(over)})" if over else "")
        )
    return [
        f"- The MCP layer (server side: validation, the worker-thread hop, result conversion) is at most "
        f"{fs(layer)} p50 for any tool on any dataset; the SDK client's own parsing and JSON-Schema check of "
        f"the result adds at most {fs(client)}.",
        "- Server overhead is therefore engine time: allocating idle/system energy over the period's "
        "pod-hours (numpy columns, energy/columns.py), then the hourly sums, emissions and check decisions "
        "of every workload the tool ranks or counts. "
        f"Slowest tool's engine p50: {engine}.",
        f"- Cold, server overhead p50 within {fs(OVERHEAD_TARGET_S)}: {'; '.join(cold)}.",
        f"- Warm (the same period again within the 30 s cache: a follow-up question, the next page): slowest "
        f"tool p50 {warm}.",
    ]


async def prometheus_part(
    pods: int, quick: bool, repeat: int
) -> tuple[list[str], bool, bool, list[ToolTiming]]:
    sim = Simulation(prom_config(pods, quick))
    period = f"{utc_iso(sim.start)}/{utc_iso(sim.end)}"
    with tempfile.TemporaryDirectory() as tmp, prometheus_dataset(sim, Path(tmp), "mcp", interval_s=30) as ds:
        log(f"{pods}-pod Prometheus ({ds.series:,} series, {ds.samples:,} samples)")
        settings = Settings(source="prometheus", prometheus_url=ds.url, org_config=DEMO_ORG)
        # a 2,000-pod call reads ~20 s from Prometheus: 3 cold calls per tool there, 5 at 200 pods
        timings = await measure(settings, period, 3 if pods > 500 else max(3, repeat // 4))
    text, ok, layer_ok = latency_table(timings)
    hours = (sim.end - sim.start) // 3600
    title = f"### {pods:,}-pod Prometheus 2.42 ({len(sim.nodes)} nodes, {hours} h, {ds.series:,} series)"
    return [title, "", text, ""], ok, layer_ok, timings


async def load_part(args: argparse.Namespace) -> LoadResult:
    seconds = 10.0 if args.quick else args.seconds
    log(f"load: {args.clients} clients for {seconds:.0f} s against serve --http --source demo")
    with LiveServer.cli("--source", "demo", "--org-config", str(DEMO_ORG)) as server:
        return await load(server.url, args.clients, seconds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run; print, do not write mcp_results.md")
    ap.add_argument(
        "--pods", type=int, nargs="+", default=[200, 2000], help="pods of each simulated Prometheus cluster"
    )
    ap.add_argument("--clients", type=int, default=20, help="concurrent HTTP clients")
    ap.add_argument("--seconds", type=float, default=60.0, help="duration of the load run")
    ap.add_argument("--skip-prometheus", action="store_true", help="demo store and load run only")
    args = ap.parse_args()
    text = asyncio.run(run(args))
    if args.quick:
        print(text)
    else:
        OUT.write_text(text, encoding="utf-8")
        log(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
