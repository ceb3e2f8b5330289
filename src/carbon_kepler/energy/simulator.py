"""Deterministic Kepler exposition simulator with exact ground truth.

Used for the demo data set, for tests (collector, real Prometheus backfill) and for benchmarks. Pure
standard library; every random number comes from `random.Random` seeded from `SimConfig.seed`, so a
seed fully determines pods, power, expositions and ground truth.

Physical model
--------------
* Time is UTC epoch seconds. Power is defined from `t0 = start - 1 h` to `end`; Kepler starts on each
  node a few seconds after `t0`, so counters at `start` already hold about an hour of energy.
* A pod's package power is piecewise constant over 60-second segments aligned to epoch minutes, and
  starts/stops at the pod's exact start/end second; dram power = package × `dram_ratio` (0.08–0.2).
  Multi-container pods split their power by fixed shares.
* Nodes `node-1 … node-N`; every third node (`node-3`, `node-6`, …) is an AMD machine without a dram
  RAPL zone: no dram series at all, neither pod nor node. Idle power: package 55–80 W, dram 6–10 W with a
  ±1 % per-minute wiggle; non-pod active power (kubelet, containerd, kernel): package 2–5 W (random
  walk), dram 0.3 W. Node active = Σ pods + non-pod active; total = active + idle; Kepler's
  `kepler_node_cpu_usage_ratio` = active / total over the last tick (v0.10+ splits total that way).
* Kepler refreshes every `kepler_tick_s` (aligned to epoch multiples). A counter at t holds the energy
  from max(pod start, Kepler start) to the last tick ≤ t; `*_watts` = mean power over the last tick.
* A Kepler restart (`KeplerRestart`, default node-2 on day 3 at 14:37:23 KST, 20 s down) makes the node
  export nothing during [r, r+d); afterwards every counter of that node starts from 0 with the same
  labels. The energy from the last tick before r to r+d is in no counter: ground truth calls it
  unmeasured (`Simulation.unmeasured`) and leaves it out of the measured figures.
* A pod that ended at e is exported with `state="terminated"` and its final counter for scrapes in
  [e, e + terminated_grace_s), never again as running; afterwards it is gone (v0.11 behaviour).
* `fake_meter=True` mimics Kepler's dev fake CPU meter: one zone `package-0`, microwatt-scale values.
* Old generation (`generation="old"`, Kepler ≤ v0.9): `kepler_container_{package,dram}_joules_total`
  and `kepler_container_joules_total` (= package + dram here; other and gpu are 0) with
  `mode="dynamic"` (the container's active energy) and `mode="idle"` (Kepler's idle share: the
  container's dynamic energy × node idle / node active over the simulation, so Σ idle shares < node
  idle), `kepler_node_{package,dram}_joules_total{instance,package="0",mode,source}`, no pod_id.

Workload catalogue (`simulator_workloads`), the 37 "slots" of the default 3-node cluster
-----------------------------------------------------------------------------------------------
* production: `web` Deployment ×3 (web + log-shipper containers; diurnal KST load 5–25 W: quiet at
  night, peaks 10–12 and 19–21 KST, weekends × 0.75), `api` ×2 (diurnal 6–18 W; rolled out on day 4 at
  11:20:07 KST → a new ReplicaSet, new pods on possibly other nodes), `worker` ×2 (queue consumers, the
  diurnal load an hour late, 3–12 W), `cart` ×2 (3–10 W), `image-resizer` ×1 (bursts 1–30 W, burst rate
  follows the diurnal load), `postgres` StatefulSet (steady 8–12 W), `redis` StatefulSet (2–4 W).
* ai-team: training Jobs `ml-training-job`, `train-bert-ko-v2`, `train-resnet50-sweep-3`,
  `ml-finetune-lora` (days 1, 3, 5, 6; 2–10 h at 60–90 W with a 3-minute evaluation dip every 45 min),
  `inference` Deployment ×2 (diurnal 10–30 W), notebook StatefulSet `jupyter-kim` (1–2 W, bursts of
  10–20 W during KST weekday office hours).
* batch: CronJob `etl-nightly` (02:00 KST daily, 25–40 min, 30–45 W), CronJob `report-hourly` (every
  hour at :05 for 3–4 minutes, 20–35 W: short jobs that end mid-hour, new pod uid each run), Job
  `data-backfill` (day 2 09:00:00 → 10:47:00, ends on a minute boundary) and Job `index-rebuild`
  (day 4 15:12:31 → 16:59:52, ends 8 s before an hour boundary).
* ingress-nginx controller ×2 (diurnal 2–8 W); kube-system `coredns` ×2 (0.5–1.5 W) and DaemonSet
  `kube-proxy`; kepler-system DaemonSet `kepler` (1–2 W); monitoring `prometheus-k8s` StatefulSet
  (4–7 W, ×2.5 for 3 minutes of head compaction every two hours), `alertmanager-main`, `grafana`,
  `kube-state-metrics`, DaemonSet `node-exporter`.
About 32 pods run at any time, plus 0–3 jobs. `SimConfig(pods=…)` scales the catalogue: DaemonSets
stay one per node, every other workload is replicated with numbered names (`web-001`, `etl-nightly-001`).

Pod names follow Kubernetes: Deployment `<deploy>-<10-char rs hash>-<5>`, StatefulSet `<sts>-<i>`,
DaemonSet `<ds>-<5>`, CronJob `<cronjob>-<scheduled unix minute>-<5>`, Job `<job>-<5>`.
"""

from __future__ import annotations

import itertools
import math
import operator
import random
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import IO, Literal, NamedTuple, Protocol

from carbon_kepler.core.errors import InputError
from carbon_kepler.energy.simulator_workloads import (
    DAEMONSETS,
    DAY,
    HOUR,
    KST_OFFSET,
    NON_DAEMONSET_SLOTS,
    BuiltPod,
    CatalogueBuilder,
    Domain,
    SimContainer,
    SimPod,
)

__all__ = [
    "DEFAULT_OPENMETRICS_NEW",
    "DEFAULT_OPENMETRICS_OLD",
    "DEFAULT_START",
    "KeplerRestart",
    "OpenMetricsStats",
    "SimConfig",
    "SimContainer",
    "SimPod",
    "Simulation",
    "go_float",
]

DEFAULT_START = int(datetime(2026, 11, 16, tzinfo=timezone(timedelta(hours=9))).timestamp())  # Mon 00:00 KST
LEAD_S = HOUR  # power and Kepler begin one hour before the period
FAKE_SCALE = 1e-7  # fake meter: 60 W → 6 µW
NEVER = 1 << 62
_SCRAPE_OFFSETS = (3, 8, 12)  # Prometheus target phase per node (s), then (3 + 7 i)
_KSM_TARGET = (("instance", "kube-state-metrics.monitoring.svc:8080"), ("job", "kube-state-metrics"))
_KSM_OFFSET = 5


@dataclass(frozen=True)
class KeplerRestart:
    """Kepler on `node` stops exporting at `at` for `downtime_s` and restarts with counters at zero.
    `at=None` means day 3 of the simulation at 14:37:23 KST."""

    node: str = "node-2"
    at: int | None = None
    downtime_s: int = 20


@dataclass(frozen=True)
class SimConfig:
    seed: int = 7
    start: int = DEFAULT_START
    days: int = 7
    hours: int | None = None  # overrides `days` for short simulations
    nodes: int = 3
    pods: int = 40  # target number of pod slots; the catalogue is replicated to approach it
    kepler_tick_s: int = 5
    generation: Literal["new", "old"] = "new"
    restart: KeplerRestart | None = KeplerRestart()
    fake_meter: bool = False
    terminated_grace_s: int = 15

    def __post_init__(self) -> None:
        if self.start % 60:
            raise InputError(f"simulation start {self.start} is not on a whole minute")
        if self.kepler_tick_s <= 0 or 60 % self.kepler_tick_s:
            raise InputError(f"kepler_tick_s={self.kepler_tick_s} must divide 60")
        if self.nodes < 1 or self.duration_s <= 0:
            raise InputError("a simulation needs at least one node and a positive duration")
        if self.generation not in ("new", "old"):
            raise InputError(f"generation {self.generation!r} is not 'new' or 'old'")

    @property
    def duration_s(self) -> int:
        return self.hours * HOUR if self.hours is not None else self.days * DAY


class OpenMetricsStats(NamedTuple):
    series: int
    samples: int
    bytes: int


# --- exact energy integrals ----------------------------------------------------------------------


class _Energy(Protocol):
    def energy(self, x: int) -> float: ...


class _Piecewise:
    """Power piecewise constant on epoch minutes, defined on [lo, hi); energy(x) = ∫_lo^x exactly."""

    __slots__ = ("cum", "hi", "lo", "m0", "watts")

    def __init__(self, lo: int, hi: int, watts: Sequence[float]) -> None:
        self.lo, self.hi, self.m0 = lo, hi, lo // 60
        energies = [w * 60.0 for w in watts]
        energies[0] = watts[0] * (min(hi, (self.m0 + 1) * 60) - lo)
        if len(watts) > 1:
            energies[-1] = watts[-1] * (hi - (self.m0 + len(watts) - 1) * 60)
        self.watts = array("d", watts)
        self.cum = array("d", itertools.accumulate(energies, initial=0.0))

    def energy(self, x: int) -> float:
        if x <= self.lo:
            return 0.0
        if x >= self.hi:
            return self.cum[-1]
        i = x // 60 - self.m0
        return self.cum[i] + self.watts[i] * (x - max(self.lo, x - x % 60))


class _SumCurve:
    """Σ scale × piecewise powers over a minute-aligned domain, O(1) energy queries."""

    def __init__(self, t0: int, end: int) -> None:
        self.base, self.n = t0 // 60, (end - t0) // 60
        self.full = [0.0] * self.n
        self.partial: dict[int, list[tuple[_Piecewise, float]]] = defaultdict(list)
        self.cum = array("d")

    def add(self, pw: _Piecewise, scale: float) -> None:
        first, k = pw.m0 - self.base, len(pw.watts)
        a = 0 if pw.lo % 60 == 0 else 1
        b = k if pw.hi % 60 == 0 else k - 1
        if b > a:
            part = pw.watts[a:b] if scale == 1.0 else [w * scale for w in pw.watts[a:b]]
            self.full[first + a : first + b] = map(operator.add, self.full[first + a : first + b], part)
        for j in sorted({0, k - 1}):
            if not a <= j < b:
                self.partial[first + j].append((pw, scale))

    def finalize(self) -> None:
        energies = [w * 60.0 for w in self.full]
        for i, items in self.partial.items():
            m = (self.base + i) * 60
            energies[i] += sum(s * (pw.energy(m + 60) - pw.energy(m)) for pw, s in items)
        self.cum = array("d", itertools.accumulate(energies, initial=0.0))

    def energy(self, x: int) -> float:
        i = x // 60 - self.base
        if i < 0:
            return 0.0
        if i >= self.n:
            return self.cum[self.n]
        m = x - x % 60
        v = self.cum[i] + self.full[i] * (x - m)
        for pw, s in self.partial.get(i, ()):
            v += s * (pw.energy(x) - pw.energy(m))
        return v


class _Clock(NamedTuple):
    x: int  # last Kepler tick ≤ t, not before the Kepler start
    ks: int  # start of the current Kepler process
    kend: int  # last instant this process's counters will ever contain (tick before its crash)


@dataclass
class _Node:
    name: str
    index: int
    zones: tuple[str, ...]
    active: dict[str, _SumCurve]
    idle: dict[str, _Piecewise]
    system: dict[str, _Piecewise]
    up: list[tuple[int, int]]  # Kepler exporting
    measured: list[tuple[int, int]]  # energy that ends up in counters
    pods: list[int] = field(default_factory=list)
    idle_share: dict[str, float] = field(default_factory=dict)  # old-gen container idle factor

    def clock(self, t: int, tick: int) -> _Clock | None:
        for (a, b), (_, mb) in zip(self.up, self.measured, strict=True):
            if a <= t < b:
                return _Clock(max(t - t % tick, a), a, mb)
        return None


# --- series ---------------------------------------------------------------------------------------

Labels = tuple[tuple[str, str], ...]
Value = Callable[[int, _Clock], float | None]


class _Series(NamedTuple):
    name: str
    labels: Labels
    t_from: int  # visible for scrapes in [t_from, t_to)
    t_to: int
    value: Value


_NEW_HELP = {
    "go_goroutines": ("gauge", "Number of goroutines that currently exist."),
    "go_info": ("gauge", "Information about the Go environment."),
    "go_threads": ("gauge", "Number of OS threads created."),
    "kepler_build_info": ("gauge", "A metric with a constant '1' value labeled with version information"),
    "kepler_container_cpu_joules_total": (
        "counter",
        "Energy consumption of cpu at container level in joules",
    ),
    "kepler_container_cpu_watts": ("gauge", "Power consumption of cpu at container level in watts"),
    "kepler_node_cpu_active_joules_total": (
        "counter",
        "Energy consumption of cpu in active state at node level in joules",
    ),
    "kepler_node_cpu_active_watts": (
        "gauge",
        "Power consumption of cpu in active state at node level in watts",
    ),
    "kepler_node_cpu_idle_joules_total": (
        "counter",
        "Energy consumption of cpu in idle state at node level in joules",
    ),
    "kepler_node_cpu_idle_watts": ("gauge", "Power consumption of cpu in idle state at node level in watts"),
    "kepler_node_cpu_info": ("gauge", "CPU information from procfs"),
    "kepler_node_cpu_joules_total": ("counter", "Energy consumption of cpu at node level in joules"),
    "kepler_node_cpu_usage_ratio": ("gauge", "CPU usage ratio of a node (value between 0.0 and 1.0)"),
    "kepler_node_cpu_watts": ("gauge", "Power consumption of cpu at node level in watts"),
    "kepler_pod_cpu_joules_total": ("counter", "Energy consumption of cpu at pod level in joules"),
    "kepler_pod_cpu_watts": ("gauge", "Power consumption of cpu at pod level in watts"),
    "promhttp_metric_handler_errors_total": (
        "counter",
        "Total number of internal errors encountered by the promhttp metric handler.",
    ),
}
_RAPL_PKG, _RAPL_DRAM = (
    "Aggregated RAPL value in package (socket) in joules",
    "Aggregated RAPL value in dram in joules",
)
_OLD_HELP = {
    "go_goroutines": _NEW_HELP["go_goroutines"],
    "go_info": _NEW_HELP["go_info"],
    "kepler_container_dram_joules_total": ("counter", _RAPL_DRAM),
    "kepler_container_joules_total": (
        "counter",
        "Aggregated RAPL Package + Uncore + DRAM + GPU + other host "
        "components (platform - package - dram) in joules",
    ),
    "kepler_container_package_joules_total": ("counter", _RAPL_PKG),
    "kepler_exporter_build_info": (
        "gauge",
        "A metric with a constant '1' value labeled by version, revision, "
        "branch, goversion from which kepler_exporter was built, and the goos and "
        "goarch for the build.",
    ),
    "kepler_node_dram_joules_total": ("counter", _RAPL_DRAM),
    "kepler_node_info": ("gauge", "Labeled node information"),
    "kepler_node_package_joules_total": ("counter", _RAPL_PKG),
}
DEFAULT_OPENMETRICS_NEW = frozenset(
    {
        "kepler_build_info",
        "kepler_pod_cpu_joules_total",
        "kepler_node_cpu_joules_total",
        "kepler_node_cpu_active_joules_total",
        "kepler_node_cpu_idle_joules_total",
    }
)
DEFAULT_OPENMETRICS_OLD = frozenset(
    {
        "kepler_exporter_build_info",
        "kepler_node_package_joules_total",
        "kepler_node_dram_joules_total",
        "kepler_container_package_joules_total",
        "kepler_container_dram_joules_total",
    }
)
_BUILD_NEW: Labels = (
    ("arch", "amd64"),
    ("branch", "HEAD"),
    ("goversion", "go1.23.12"),
    ("revision", "99d8431"),
    ("version", "v0.11.2"),
)
_BUILD_OLD: Labels = (
    ("branch", "HEAD"),
    ("goarch", "amd64"),
    ("goos", "linux"),
    ("goversion", "go1.22.5"),
    ("revision", "c0d6d4e"),
    ("tags", "linux"),
    ("version", "v0.9.0"),
)
_CPU = {
    True: ("Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", "GenuineIntel", "Ice Lake"),
    False: ("AMD EPYC 7R13 Processor", "AuthenticAMD", "Zen 3"),
}


def _esc(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _label_text(labels: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(f'{k}="{_esc(v)}"' for k, v in labels)
    return f"{{{inner}}}" if inner else ""


def go_float(v: float) -> str:
    """Format like Go's strconv.FormatFloat(v, 'g', -1, 64), as Prometheus' Go client does."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == 0:
        return "0"
    sign, digit_tuple, exponent = Decimal(repr(float(v))).as_tuple()
    assert isinstance(exponent, int)
    all_digits = "".join(map(str, digit_tuple)).lstrip("0")
    dp = len(all_digits) + exponent  # the decimal point sits after digits[:dp]
    return ("-" if sign else "") + _go_digits(all_digits.rstrip("0"), dp)


def _go_digits(digits: str, dp: int) -> str:
    e10 = dp - 1
    if e10 < -4 or e10 >= 6:  # Go's shortest 'g' switches to %e at exponent < -4 or >= 6
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{mant}e{'+' if e10 >= 0 else '-'}{abs(e10):02d}"
    if dp <= 0:
        return f"0.{'0' * -dp}{digits}"
    if dp >= len(digits):
        return digits + "0" * (dp - len(digits))
    return f"{digits[:dp]}.{digits[dp:]}"


# --- value factories (closures evaluated per scrape) --------------------------------------------


def _counter(pw: _Energy, scale: float, end: int | None) -> Value:
    """Counter of a pod/container: running → energy to the last tick; after `end` → final value."""
    fin = NEVER if end is None else end

    def value(t: int, c: _Clock) -> float | None:
        if t < fin:
            return scale * (pw.energy(c.x) - pw.energy(c.ks))
        if c.ks >= fin:
            return None  # ended before this Kepler process started
        return scale * (pw.energy(min(fin, c.kend)) - pw.energy(c.ks))

    return value


def _watts(pw: _Energy, scale: float, end: int | None, tick: int) -> Value:
    fin = NEVER if end is None else end

    def value(t: int, c: _Clock) -> float | None:
        x = c.x if t < fin else min(fin, c.kend)
        lo = max(x - tick, c.ks)
        if t >= fin and c.ks >= fin:
            return None
        return scale * (pw.energy(x) - pw.energy(lo)) / (x - lo) if x > lo else 0.0

    return value


def _sum_counter(parts: Sequence[tuple[_Energy, float]]) -> Value:
    def value(t: int, c: _Clock) -> float:
        return sum(s * (e.energy(c.x) - e.energy(c.ks)) for e, s in parts)

    return value


def _sum_watts(parts: Sequence[tuple[_Energy, float]], tick: int) -> Value:
    def value(t: int, c: _Clock) -> float:
        lo = max(c.x - tick, c.ks)
        if c.x <= lo:
            return 0.0
        return sum(s * (e.energy(c.x) - e.energy(lo)) for e, s in parts) / (c.x - lo)

    return value


def _usage_ratio(active: _Energy, idle: _Energy, tick: int) -> Value:
    def value(t: int, c: _Clock) -> float:
        lo = max(c.x - tick, c.ks)
        a = active.energy(c.x) - active.energy(lo)
        total = a + idle.energy(c.x) - idle.energy(lo)
        return a / total if total > 0 else 0.0

    return value


def _const(v: float) -> Value:
    return lambda t, c: v


def _goroutines(base: int) -> Value:
    return lambda t, c: float(base + (t // 15) % 9)


# --- the simulation -----------------------------------------------------------------------------


class Simulation:
    """A simulated cluster running Kepler; see the module docstring for the model."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = cfg = config or SimConfig()
        self.start, self.end = cfg.start, cfg.start + cfg.duration_s
        self.t0 = self.start - LEAD_S
        self.nodes = tuple(f"node-{i + 1}" for i in range(cfg.nodes))
        kst_midnight = (self.start + KST_OFFSET) // DAY * DAY - KST_OFFSET
        dom = Domain(self.t0, self.start, self.end, self.nodes, kst_midnight)
        copies = max(1, round((cfg.pods - len(DAEMONSETS) * cfg.nodes) / NON_DAEMONSET_SLOTS))
        built = CatalogueBuilder(cfg.seed, dom, copies).build()
        self.pods: list[SimPod] = [b.pod for b in built]
        self._by_uid = {p.uid: i for i, p in enumerate(self.pods)}
        self._power = [self._piecewise(b) for b in built]
        self._restart_at = self._resolve_restart(kst_midnight)
        self._nodes = {name: self._build_node(i, name) for i, name in enumerate(self.nodes)}
        self._series_cache: dict[str, dict[str, list[_Series]]] = {}

    # -- construction ---------------------------------------------------------------------------

    def _piecewise(self, b: BuiltPod) -> _Piecewise:
        watts = [w * FAKE_SCALE for w in b.watts] if self.config.fake_meter else b.watts
        return _Piecewise(b.lo, b.hi, watts)

    def _resolve_restart(self, kst_midnight: int) -> tuple[str, int, int] | None:
        r = self.config.restart
        if r is None or r.node not in self.nodes:
            return None
        at = r.at if r.at is not None else kst_midnight + 2 * DAY + 14 * HOUR + 37 * 60 + 23
        return (r.node, at, r.downtime_s) if self.t0 < at < self.end else None

    def _build_node(self, index: int, name: str) -> _Node:
        rng = random.Random(f"{self.config.seed}|node|{name}")
        has_dram = (index + 1) % 3 != 0 and not self.config.fake_meter
        zones = ("package", "dram") if has_dram else ("package",)
        scale = FAKE_SCALE if self.config.fake_meter else 1.0
        n = (self.end - self.t0) // 60
        idle_base = {"package": rng.uniform(55.0, 80.0), "dram": rng.uniform(6.0, 10.0)}
        idle = {
            z: _Piecewise(
                self.t0, self.end, [scale * idle_base[z] * (0.99 + 0.02 * rng.random()) for _ in range(n)]
            )
            for z in zones
        }
        system = {z: _Piecewise(self.t0, self.end, self._system_watts(rng, z, n, scale)) for z in zones}
        k0 = self.t0 + 7 + 11 * index
        up, measured = [(k0, NEVER)], [(k0, NEVER)]
        if self._restart_at is not None and self._restart_at[0] == name:
            _, at, down = self._restart_at
            tick = self.config.kepler_tick_s
            up, measured = [(k0, at), (at + down, NEVER)], [(k0, at - at % tick), (at + down, NEVER)]
        node = _Node(name, index, zones, {}, idle, system, up, measured)
        node.pods = [i for i, p in enumerate(self.pods) if p.node == name]
        self._node_curves(node)
        return node

    @staticmethod
    def _system_watts(rng: random.Random, zone: str, n: int, scale: float) -> list[float]:
        if zone == "dram":
            return [0.3 * scale] * n
        v, out = 3.5, []
        for _ in range(n):
            v = min(5.0, max(2.0, v + 0.2 * (rng.random() - 0.5)))
            out.append(v * scale)
        return out

    def _node_curves(self, node: _Node) -> None:
        for z in node.zones:
            curve = _SumCurve(self.t0, self.end)
            curve.add(node.system[z], 1.0)
            for i in node.pods:
                curve.add(self._power[i], self._zscale(self.pods[i], z))
            curve.finalize()
            node.active[z] = curve
            pods_j = sum(self._zscale(self.pods[i], z) * self._power[i].energy(self.end) for i in node.pods)
            active_j = curve.energy(self.end)
            idle_j = node.idle[z].energy(self.end)
            node.idle_share[z] = idle_j / active_j if active_j > 0 and pods_j > 0 else 0.0

    @staticmethod
    def _zscale(pod: SimPod, zone: str) -> float:
        return pod.dram_ratio if zone == "dram" else 1.0

    def _zone_label(self, zone: str) -> str:
        return "package-0" if self.config.fake_meter else zone

    # -- public helpers -------------------------------------------------------------------------

    def pod(self, uid: str) -> SimPod:
        return self.pods[self._by_uid[uid]]

    def zones(self, node: str) -> tuple[str, ...]:
        """Zone label values Kepler exports on `node`."""
        return tuple(self._zone_label(z) for z in self._node(node).zones)

    def downtime(self, node: str) -> list[tuple[int, int]]:
        """[from, to) intervals in which Kepler on `node` exports nothing."""
        up = self._node(node).up
        return [(a[1], b[0]) for a, b in itertools.pairwise(up)]

    def energy(self, uid: str, zone: str, a: int, b: int) -> float:
        """True energy (J) of a pod in [a, b), whether or not Kepler was up."""
        i = self._by_uid[uid]
        pod, pw, z = self.pods[i], self._power[i], self._internal_zone(zone)
        if z not in self._nodes[pod.node].zones:
            raise InputError(f"pod {pod.namespace}/{pod.name} on {pod.node} has no zone {zone!r}")
        return self._zscale(pod, z) * (pw.energy(b) - pw.energy(a))

    def scrape_times(self, node: str, interval_s: int = 15) -> list[int]:
        """Prometheus-like scrape instants in [start, end) with a per-node phase offset."""
        idx = self._node(node).index
        off = (_SCRAPE_OFFSETS[idx] if idx < len(_SCRAPE_OFFSETS) else 3 + 7 * idx) % interval_s
        return list(range(self.start + off, self.end, interval_s))

    def _node(self, node: str) -> _Node:
        try:
            return self._nodes[node]
        except KeyError:
            raise InputError(f"unknown node {node!r}", hint=f"nodes are {', '.join(self.nodes)}") from None

    def _internal_zone(self, zone: str) -> str:
        return "package" if zone == "package-0" else zone

    # -- series catalogue -----------------------------------------------------------------------

    def _help(self) -> dict[str, tuple[str, str]]:
        return _NEW_HELP if self.config.generation == "new" else _OLD_HELP

    def _series(self, node: str) -> dict[str, list[_Series]]:
        if node not in self._series_cache:
            st = self._node(node)
            out: dict[str, list[_Series]] = defaultdict(list)
            builder = self._new_series if self.config.generation == "new" else self._old_series
            for s in builder(st):
                out[s.name].append(s)
            for lst in out.values():
                lst.sort(key=lambda s: s.labels)
            self._series_cache[node] = dict(out)
        return self._series_cache[node]

    def _static(self, name: str, labels: Labels, v: Value) -> _Series:
        return _Series(name, labels, self.t0, NEVER, v)

    def _new_series(self, st: _Node) -> Iterator[_Series]:
        yield self._static("go_goroutines", (), _goroutines(80 + 3 * st.index))
        yield self._static("go_info", (("version", "go1.23.12"),), _const(1.0))
        yield self._static("go_threads", (), _const(21.0))
        yield self._static("kepler_build_info", _BUILD_NEW, _const(1.0))
        for cause in ("encoding", "gathering"):
            yield self._static("promhttp_metric_handler_errors_total", (("cause", cause),), _const(0.0))
        model, vendor, _ = _CPU[len(st.zones) == 2 or self.config.fake_meter]
        for cpu in range(4):
            labels = (
                ("core_id", str(cpu // 2)),
                ("model_name", model),
                ("physical_id", "0"),
                ("processor", str(cpu)),
                ("vendor_id", vendor),
            )
            yield self._static("kepler_node_cpu_info", labels, _const(1.0))
        yield from self._new_node_series(st)
        for i in st.pods:
            yield from self._new_pod_series(st, i)

    def _new_node_series(self, st: _Node) -> Iterator[_Series]:
        tick = self.config.kepler_tick_s
        for z in st.zones:
            zl = self._zone_label(z)
            labels = (("node_name", st.name), ("path", f"aggregated-{zl}"), ("zone", zl))
            parts: dict[str, list[tuple[_Energy, float]]] = {
                "": [(st.active[z], 1.0), (st.idle[z], 1.0)],
                "_active": [(st.active[z], 1.0)],
                "_idle": [(st.idle[z], 1.0)],
            }
            for kind, p in parts.items():
                yield self._static(f"kepler_node_cpu{kind}_joules_total", labels, _sum_counter(p))
                yield self._static(f"kepler_node_cpu{kind}_watts", labels, _sum_watts(p, tick))
        z0 = st.zones[0]
        ratio = _usage_ratio(st.active[z0], st.idle[z0], tick)
        yield self._static("kepler_node_cpu_usage_ratio", (("node_name", st.name),), ratio)

    def _windows(self, pod: SimPod) -> list[tuple[str, int, int]]:
        if pod.end_s is None:
            return [("running", pod.start_s, NEVER)]
        grace = self.config.terminated_grace_s
        return [("running", pod.start_s, pod.end_s), ("terminated", pod.end_s, pod.end_s + grace)]

    def _new_pod_series(self, st: _Node, i: int) -> Iterator[_Series]:
        pod, pw, tick = self.pods[i], self._power[i], self.config.kepler_tick_s
        for z in st.zones:
            zl, zs = self._zone_label(z), self._zscale(pod, z)
            for state, a, b in self._windows(pod):
                base = (
                    ("node_name", st.name),
                    ("pod_id", pod.uid),
                    ("pod_name", pod.name),
                    ("pod_namespace", pod.namespace),
                    ("state", state),
                    ("zone", zl),
                )
                yield _Series("kepler_pod_cpu_joules_total", base, a, b, _counter(pw, zs, pod.end_s))
                yield _Series("kepler_pod_cpu_watts", base, a, b, _watts(pw, zs, pod.end_s, tick))
                for c in pod.containers:
                    labels = (
                        ("container_id", c.container_id),
                        ("container_name", c.name),
                        ("node_name", st.name),
                        ("pod_id", pod.uid),
                        ("runtime", "containerd"),
                        ("state", state),
                        ("zone", zl),
                    )
                    s = zs * c.share
                    yield _Series(
                        "kepler_container_cpu_joules_total", labels, a, b, _counter(pw, s, pod.end_s)
                    )
                    yield _Series("kepler_container_cpu_watts", labels, a, b, _watts(pw, s, pod.end_s, tick))

    def _old_series(self, st: _Node) -> Iterator[_Series]:
        yield self._static("go_goroutines", (), _goroutines(60 + 3 * st.index))
        yield self._static("go_info", (("version", "go1.22.5"),), _const(1.0))
        yield self._static("kepler_exporter_build_info", _BUILD_OLD, _const(1.0))
        arch = _CPU[len(st.zones) == 2 or self.config.fake_meter][2]
        yield self._static("kepler_node_info", (("cpu_architecture", arch),), _const(1.0))
        for z in st.zones:
            for mode, curve in (("dynamic", st.active[z]), ("idle", st.idle[z])):
                labels = (("instance", st.name), ("mode", mode), ("package", "0"), ("source", "rapl-sysfs"))
                yield self._static(f"kepler_node_{z}_joules_total", labels, _sum_counter([(curve, 1.0)]))
        for i in st.pods:
            yield from self._old_pod_series(st, i)

    def _old_pod_series(self, st: _Node, i: int) -> Iterator[_Series]:
        pod, pw = self.pods[i], self._power[i]
        a, b = pod.start_s, NEVER if pod.end_s is None else pod.end_s + self.config.terminated_grace_s
        for c in pod.containers:
            for mode in ("dynamic", "idle"):
                labels = (
                    ("container_id", c.container_id),
                    ("container_name", c.name),
                    ("container_namespace", pod.namespace),
                    ("mode", mode),
                    ("pod_name", pod.name),
                )
                total = 0.0
                for z in st.zones:
                    s = c.share * self._zscale(pod, z) * (st.idle_share[z] if mode == "idle" else 1.0)
                    total += s
                    yield _Series(
                        f"kepler_container_{z}_joules_total", labels, a, b, _counter(pw, s, pod.end_s)
                    )
                yield _Series("kepler_container_joules_total", labels, a, b, _counter(pw, total, pod.end_s))

    # -- exposition -----------------------------------------------------------------------------

    def _clock(self, st: _Node, t: int) -> _Clock | None:
        if not self.t0 <= t <= self.end:
            raise InputError(f"time {t} is outside the simulation [{self.t0}, {self.end}]")
        return st.clock(t, self.config.kepler_tick_s)

    def exposition(self, node: str, t: int) -> str | None:
        """Prometheus text format (0.0.4) Kepler on `node` serves at `t`; None while Kepler is down."""
        st = self._node(node)
        clk = self._clock(st, t)
        if clk is None:
            return None
        series, lines = self._series(node), []
        for name, (typ, help_text) in sorted(self._help().items()):
            rows = [
                (s, v)
                for s in series.get(name, ())
                if s.t_from <= t < s.t_to and (v := s.value(t, clk)) is not None
            ]
            if not rows:
                continue
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {typ}"]
            lines += [f"{name}{_label_text(s.labels)} {go_float(v)}" for s, v in rows]
        return "\n".join(lines) + "\n"

    # -- OpenMetrics backfill -------------------------------------------------------------------

    def write_openmetrics(
        self,
        path: str | Path,
        interval_s: int = 30,
        metrics: Iterable[str] | None = None,
        extra_kube_state: bool = True,
        kube_state_interval_s: int | None = None,
    ) -> OpenMetricsStats:
        """Write an OpenMetrics file for `promtool tsdb create-blocks-from openmetrics` (timestamps in s).

        `metrics` is the exact set of Kepler sample names to write (default: DEFAULT_OPENMETRICS_NEW or
        _OLD for the generation). Every Kepler series gets the target labels job="kepler",
        instance=<node> as a scrape would add them (an exported `instance` becomes `exported_instance`).
        kube-state-metrics series are sampled every `kube_state_interval_s` (default max(30, interval_s)).
        Sizes grow fast: the default 7-day cluster at 30 s is ~3 M samples / ~760 MB, mostly
        kube-state-metrics; use a coarser interval or `extra_kube_state=False` for big simulations.
        """
        names = self._resolve_metrics(metrics)
        stats = [0, 0]
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            clocks = {n: self._clocks(n, interval_s) for n in self.nodes}
            for name in sorted(names):
                _write_type(f, name, self._help()[name][0])
                for node in self.nodes:
                    times, clks = clocks[node]
                    for s in self._series(node).get(name, ()):
                        n = self._write_series(f, s, node, times, clks)
                        stats[0], stats[1] = stats[0] + (n > 0), stats[1] + n
            if extra_kube_state:
                ksm = _KubeState(self, kube_state_interval_s or max(30, interval_s))
                for name, typ in ksm.families():
                    _write_type(f, name, typ)
                    for series, samples in ksm.write(f, name):
                        stats[0] += series
                        stats[1] += samples
            f.write("# EOF\n")
            size = f.tell()
        return OpenMetricsStats(stats[0], stats[1], size)

    def _resolve_metrics(self, metrics: Iterable[str] | None) -> set[str]:
        default = DEFAULT_OPENMETRICS_NEW if self.config.generation == "new" else DEFAULT_OPENMETRICS_OLD
        names = set(default if metrics is None else metrics)
        unknown = names - set(self._help())
        if unknown:
            raise InputError(f"cannot simulate {sorted(unknown)}", hint=f"choose from {sorted(self._help())}")
        return names

    def _clocks(self, node: str, interval_s: int) -> tuple[list[int], list[_Clock | None]]:
        st = self._node(node)
        times = self.scrape_times(node, interval_s)
        return times, [st.clock(t, self.config.kepler_tick_s) for t in times]

    @staticmethod
    def _write_series(f: IO[str], s: _Series, node: str, times: list[int], clks: list[_Clock | None]) -> int:
        target = (("instance", node), ("job", "kepler"))
        labels = [("exported_instance" if k == "instance" else k, v) for k, v in s.labels]
        prefix = f"{s.name}{_label_text([*labels, *target])} "
        i0, i1, value = bisect_left(times, s.t_from), bisect_left(times, s.t_to), s.value
        lines = [
            f"{prefix}{float(v)!r} {t}\n"
            for t, c in zip(times[i0:i1], clks[i0:i1], strict=True)
            if c is not None and (v := value(t, c)) is not None
        ]
        f.write("".join(lines))
        return len(lines)

    # -- ground truth ---------------------------------------------------------------------------

    def _pieces(
        self, intervals: Iterable[tuple[int, int]], lo: int, hi: int
    ) -> Iterator[tuple[int, int, int]]:
        """(hour, a, b) for each hour-split piece of intervals ∩ [lo, hi) ∩ [start, end)."""
        lo, hi = max(lo, self.start), min(hi, self.end)
        for a0, b0 in intervals:
            a, b = max(a0, lo), min(b0, hi)
            while a < b:
                h = a - a % HOUR
                yield h, a, min(b, h + HOUR)
                a = min(b, h + HOUR)

    def ground_truth_pods(self, key: Literal["uid", "ns_name"] = "uid") -> dict[tuple[str, str, int], float]:
        """(pod key, zone, hour_utc) → joules Kepler measured for the pod in [hour, hour + 3600)."""
        out: dict[tuple[str, str, int], float] = defaultdict(float)
        for i, pod in enumerate(self.pods):
            st, pw = self._nodes[pod.node], self._power[i]
            k = pod.uid if key == "uid" else f"{pod.namespace}/{pod.name}"
            for z in st.zones:
                zl, s = self._zone_label(z), self._zscale(pod, z)
                for h, a, b in self._pieces(st.measured, pw.lo, pw.hi):
                    out[(k, zl, h)] += s * (pw.energy(b) - pw.energy(a))
        return dict(out)

    def _node_truth(
        self, curves: Callable[[_Node, str], Sequence[_Energy]]
    ) -> dict[tuple[str, str, int], list[float]]:
        out: dict[tuple[str, str, int], list[float]] = {}
        for st in self._nodes.values():
            for z in st.zones:
                es = curves(st, z)
                for h in range(self.start - self.start % HOUR, self.end, HOUR):
                    out[(st.name, self._zone_label(z), h)] = [0.0] * len(es)
                for h, a, b in self._pieces(st.measured, self.t0, self.end):
                    acc = out[(st.name, self._zone_label(z), h)]
                    for j, e in enumerate(es):
                        acc[j] += e.energy(b) - e.energy(a)
        return out

    def ground_truth_nodes(self) -> dict[tuple[str, str, int], tuple[float, float, float]]:
        """(node, zone, hour_utc) → (total, active, idle) joules measured in the hour."""
        raw = self._node_truth(lambda st, z: (st.active[z], st.idle[z]))
        return {k: (a + i, a, i) for k, (a, i) in raw.items()}

    def ground_truth_system(self) -> dict[tuple[str, str, int], float]:
        """(node, zone, hour_utc) → measured non-pod active joules (kubelet, containerd, kernel)."""
        return {k: v[0] for k, v in self._node_truth(lambda st, z: (st.system[z],)).items()}

    def unmeasured(self) -> dict[tuple[str, str], float]:
        """(node, zone) → node total joules in the period that no Kepler counter ever contains."""
        out: dict[tuple[str, str], float] = {}
        for st in self._nodes.values():
            gaps = [(b[1], a[0]) for b, a in itertools.pairwise(st.measured)]
            for z in st.zones:
                curves = (st.active[z], st.idle[z])
                out[(st.name, self._zone_label(z))] = sum(
                    e.energy(b) - e.energy(a)
                    for _, a, b in self._pieces(gaps, self.t0, self.end)
                    for e in curves
                )
        return out


def _write_type(f: IO[str], name: str, typ: str) -> None:
    family = name[: -len("_total")] if typ == "counter" and name.endswith("_total") else name
    f.write(f"# TYPE {family} {typ}\n")


class _KubeState:
    """kube-state-metrics series for the simulated pods (owners and CPU requests)."""

    def __init__(self, sim: Simulation, interval_s: int) -> None:
        self.sim = sim
        self.times = list(range(sim.start + _KSM_OFFSET % interval_s, sim.end, interval_s))

    @staticmethod
    def families() -> list[tuple[str, str]]:
        return [
            ("kube_job_owner", "gauge"),
            ("kube_pod_container_resource_requests", "gauge"),
            ("kube_pod_owner", "gauge"),
            ("kube_replicaset_owner", "gauge"),
        ]

    def write(self, f: IO[str], name: str) -> Iterator[tuple[int, int]]:
        for labels, a, b, v in self._rows(name):
            i0, i1 = bisect_left(self.times, a), bisect_left(self.times, b)
            if i1 <= i0:
                continue
            prefix = f"{name}{_label_text([*labels, *_KSM_TARGET])} {v!r} "
            f.write("".join(f"{prefix}{t}\n" for t in self.times[i0:i1]))
            yield 1, i1 - i0

    def _rows(self, name: str) -> Iterator[tuple[Labels, int, int, float]]:
        pods = self.sim.pods
        if name == "kube_pod_owner":
            for p in pods:
                labels: Labels = (
                    ("namespace", p.namespace),
                    ("pod", p.name),
                    ("uid", p.uid),
                    ("owner_kind", p.controller_kind),
                    ("owner_name", p.controller_name),
                    ("owner_is_controller", "true"),
                )
                yield labels, p.start_s, _end(p), 1.0
        elif name == "kube_pod_container_resource_requests":
            for p in pods:
                for c in p.containers:
                    req_labels: Labels = (
                        ("namespace", p.namespace),
                        ("pod", p.name),
                        ("uid", p.uid),
                        ("container", c.name),
                        ("node", p.node),
                        ("resource", "cpu"),
                        ("unit", "core"),
                    )
                    yield req_labels, p.start_s, _end(p), c.cpu_request
        else:
            yield from self._owner_rows(name)

    def _owner_rows(self, name: str) -> Iterator[tuple[Labels, int, int, float]]:
        spans: dict[Labels, tuple[int, int]] = {}
        for p in self.sim.pods:
            if name == "kube_replicaset_owner" and p.controller_kind == "ReplicaSet":
                labels: Labels = (
                    ("namespace", p.namespace),
                    ("replicaset", p.controller_name),
                    ("owner_kind", "Deployment"),
                    ("owner_name", p.owner_name),
                    ("owner_is_controller", "true"),
                )
            elif name == "kube_job_owner" and p.controller_kind == "Job":
                cron = p.owner_kind == "CronJob"
                labels = (
                    ("namespace", p.namespace),
                    ("job_name", p.controller_name),
                    ("owner_kind", "CronJob" if cron else "<none>"),
                    ("owner_name", p.owner_name if cron else "<none>"),
                    ("owner_is_controller", "true" if cron else "<none>"),
                )
            else:
                continue
            a, b = spans.get(labels, (p.start_s, _end(p)))
            spans[labels] = (min(a, p.start_s), max(b, _end(p)))
        for labels, (a, b) in spans.items():
            yield labels, a, b, 1.0


def _end(p: SimPod) -> int:
    return NEVER if p.end_s is None else p.end_s
