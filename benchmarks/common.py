"""Shared benchmark helpers: progress log, machine facts, one backfilled real Prometheus per data set,
per-request timing, statistics and Markdown tables."""

from __future__ import annotations

import importlib.metadata
import math
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from tests.integration.promserver import PrometheusServer, backfill

from carbon_kepler.energy.simulator import Simulation

ROOT = Path(__file__).resolve().parent.parent
ZONES = ("package", "dram")
_T0 = time.perf_counter()


def log(msg: str) -> None:
    """Progress on stderr, with seconds since the benchmark process started."""
    print(f"[bench {time.perf_counter() - _T0:7.1f} s] {msg}", file=sys.stderr, flush=True)


# --- results ----------------------------------------------------------------------------------


@dataclass
class Check:
    """One acceptance target of issue #2 and what this run measured for it."""

    target: str
    measured: str
    met: bool | None  # None: a measurement without a pass/fail target


@dataclass
class Section:
    key: str
    title: str
    body: str
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0
    load: tuple[str, str] = ("n/a", "n/a")  # 1-minute load average at the section's start and end


# --- machine ----------------------------------------------------------------------------------


def _run(cmd: Sequence[str]) -> str:
    try:
        proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=30, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (proc.stdout or proc.stderr).strip()


def _cpuinfo_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def loadavg() -> str:
    """1-minute load average: other processes competing for the cores inflate every timing."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "n/a"


def cpu_speed_ms() -> float:
    """Milliseconds for a 1,000,000-step Python integer loop (min of 5): this VM's speed at the time, which
    drifts (a shared host); compare runs by it."""
    best = float("inf")
    for _ in range(5):
        t, acc = time.perf_counter(), 0
        for i in range(1_000_000):
            acc += i
        best = min(best, time.perf_counter() - t)
    return best * 1000


def machine() -> dict[str, str]:
    commit = _run(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = _run(["git", "status", "--porcelain", "--", "src"])
    return {
        "Date (UTC)": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "CPU": _cpuinfo_model(),
        "nproc": _run(["nproc"]) or str(os.cpu_count()),
        "RAM": _mem_total_gib(),
        "OS / kernel": f"{_os_name()} / Linux {platform.release()}",
        "Python": platform.python_version(),
        "Prometheus": _run(["prometheus", "--version"]).splitlines()[0]
        if shutil.which("prometheus")
        else "absent",
        "prometheus_client / httpx / SQLite": (
            f"{importlib.metadata.version('prometheus_client')} / {httpx.__version__} / {sqlite3.sqlite_version}"
        ),
        "carbon-kepler commit": commit + (" + uncommitted changes in src/" if dirty else ""),
    }


# --- a real Prometheus per data set -----------------------------------------------------------


@dataclass
class Dataset:
    url: str
    series: int
    samples: int
    om_bytes: int
    write_s: float
    backfill_s: float
    tsdb_bytes: int


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@contextmanager
def prometheus_dataset(
    sim: Simulation, workdir: Path, name: str, *, interval_s: int, **om_kwargs: Any
) -> Iterator[Dataset]:
    """Write the simulation as OpenMetrics, backfill it with promtool, serve it with a real Prometheus.
    The OpenMetrics file (GBs for big runs) is deleted right after the backfill; the TSDB on exit."""
    root = workdir / name
    root.mkdir(parents=True)
    try:
        om = root / "kepler.om"
        log(f"{name}: writing OpenMetrics at {interval_s} s ({len(sim.pods):,} pod objects)")
        t = time.perf_counter()
        stats = sim.write_openmetrics(om, interval_s=interval_s, **om_kwargs)
        write_s = time.perf_counter() - t
        log(f"{name}: {stats.samples:,} samples, {stats.bytes / 1e9:.2f} GB in {write_s:.0f} s; backfilling")
        t = time.perf_counter()
        backfill(om, root / "tsdb")
        backfill_s = time.perf_counter() - t
        om.unlink()
        tsdb = _du(root / "tsdb")
        log(f"{name}: backfilled in {backfill_s:.0f} s (TSDB {tsdb / 1e6:.0f} MB); starting Prometheus")
        with PrometheusServer(root / "tsdb") as server:
            yield Dataset(server.url, stats.series, stats.samples, stats.bytes, write_s, backfill_s, tsdb)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- per-request timing -----------------------------------------------------------------------


def category(path: str, promql: str) -> str:
    """What a carbon-kepler request to the Prometheus API is for (from its PromQL)."""
    if "/label/" in path:
        return "generation: label values"
    if path.endswith("/query"):
        return "owners and CPU requests (kube-state-metrics)" if "kube_" in promql else "version and zones"
    if "count_over_time" in promql:
        return "coverage: node samples per hour"
    family = "pods" if "kepler_pod" in promql or "kepler_container" in promql else "nodes"
    if "last_over_time" in promql:
        kind = "boundary samples at hour ends"
    elif "timestamp(" in promql:
        kind = "boundary samples one scrape later"
    elif "resets(" in promql:
        kind = "counter resets per hour"
    elif "sum_over_time(increase" in promql:
        kind = "sum of 5m increases per hour"
    elif "increase(" in promql:
        kind = "hour increase"
    else:
        kind = "other"
    return f"{family}: {kind}"


@dataclass
class Timed:
    category: str
    seconds: float
    bytes: int


class TimingTransport(httpx.BaseTransport):
    """Times each HTTP round trip including the body (what PrometheusClient.seconds sums), by category."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.log: list[Timed] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = self.inner.handle_request(request)
        body = response.read()
        promql = request.url.params.get("query") or request.url.params.get("match[]") or ""
        self.log.append(Timed(category(request.url.path, promql), time.perf_counter() - started, len(body)))
        return response

    def close(self) -> None:
        self.inner.close()


# --- statistics and formatting ----------------------------------------------------------------


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def percentile(xs: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100)."""
    if not xs:
        return math.nan
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str | None = None) -> str:
    """Markdown table; `align` is one letter per column (l, r or c), default: first left, others right."""
    align = align or "l" + "r" * (len(headers) - 1)
    sep = [{"l": "---", "r": "---:", "c": ":---:"}[a] for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def fs(seconds: float) -> str:
    """Seconds with sensible precision."""
    if math.isnan(seconds):
        return "n/a"
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 100:
        return f"{seconds:.2f} s"
    return f"{seconds:.0f} s"


def mb(n: float) -> str:
    """Bytes as kB, MB or GB."""
    if n < 1e6:
        return f"{n / 1e3:,.0f} kB"
    return f"{n / 1e6:,.0f} MB" if n < 1e9 else f"{n / 1e9:.2f} GB"
