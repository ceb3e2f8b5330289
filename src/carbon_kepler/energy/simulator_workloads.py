"""Workload catalogue of the Kepler simulator: which pods exist, where, when, and at what power.

See `carbon_kepler.energy.simulator` for the physical model and the catalogue description. This module
only decides pods (names, owners, nodes, lifetimes) and their package power per epoch minute; all
randomness comes from `random.Random` instances seeded from the simulation seed and a stable key, so a
pod's power does not change when another workload is added to the catalogue.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

KST_OFFSET = 9 * 3600
DAY = 86400
HOUR = 3600
SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' rand.String alphabet (no vowels)


@dataclass(frozen=True)
class SimContainer:
    name: str
    container_id: str  # 64 hex, as Kepler/containerd report it
    share: float  # fraction of the pod's power this container draws
    cpu_request: float  # cores


@dataclass(frozen=True)
class SimPod:
    """One pod of the simulation. `owner_*` is the top-level workload, `controller_*` the direct owner
    kube-state-metrics reports in kube_pod_owner (ReplicaSet for Deployments, Job for CronJobs)."""

    uid: str
    namespace: str
    name: str
    owner_kind: str  # Deployment | StatefulSet | DaemonSet | CronJob | Job
    owner_name: str
    controller_kind: str  # ReplicaSet | StatefulSet | DaemonSet | Job
    controller_name: str
    node: str
    containers: tuple[SimContainer, ...]
    cpu_request: float  # cores, sum over containers
    start_s: int  # pod start (may be before the simulated period)
    end_s: int | None  # None: still running after the period
    dram_ratio: float  # dram W = package W × ratio
    profile: str  # power model name: diurnal, steady, training, batch, notebook, bursty, spiky, tiny

    @property
    def container_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.containers)

    @property
    def container_ids(self) -> tuple[str, ...]:
        return tuple(c.container_id for c in self.containers)


class Domain(NamedTuple):
    """Time frame of a simulation: power is defined on [t0, end); the report period is [start, end)."""

    t0: int
    start: int
    end: int
    nodes: tuple[str, ...]
    kst_midnight: int  # KST midnight of the day containing `start`

    def at(self, day: int, hhmmss: str) -> int:
        """Epoch of KST `hh:mm:ss` on simulated day `day` (1 = the day of `start`)."""
        h, m, s = (int(x) for x in hhmmss.split(":"))
        return self.kst_midnight + (day - 1) * DAY + h * HOUR + m * 60 + s


class BuiltPod(NamedTuple):
    pod: SimPod
    lo: int  # power defined on [lo, hi) ⊆ [t0, end)
    hi: int
    watts: list[float]  # package W for epoch minutes lo//60 … (hi-1)//60


# --- power models (package W per epoch minute) -------------------------------------------------------

# Relative load over the KST day (hour → factor): quiet night, peaks 10–12 and 19–21.
_DIURNAL_ANCHORS = (
    (0, 0.25),
    (2, 0.12),
    (5, 0.10),
    (7, 0.30),
    (9, 0.75),
    (10, 1.0),
    (12, 0.95),
    (13, 0.75),
    (15, 0.80),
    (17, 0.75),
    (18, 0.85),
    (19, 1.0),
    (21, 0.95),
    (22, 0.60),
    (23, 0.40),
    (24, 0.25),
)
_WEEKEND_FACTOR = 0.75


def kst_clock(minute: int) -> tuple[float, int]:
    """(KST hour of day as float, weekday 0=Monday) of an epoch minute."""
    local = minute * 60 + KST_OFFSET
    return (local % DAY) / HOUR, (local // DAY + 3) % 7  # 1970-01-01 was a Thursday


def diurnal_shape(minute: int) -> float:
    hour, weekday = kst_clock(minute)
    for (h0, f0), (h1, f1) in itertools.pairwise(_DIURNAL_ANCHORS):
        if h0 <= hour < h1:
            f = f0 + (f1 - f0) * (hour - h0) / (h1 - h0)
            return f * (_WEEKEND_FACTOR if weekday >= 5 else 1.0)
    return _DIURNAL_ANCHORS[0][1]


class ShapeTable:
    """diurnal_shape precomputed per epoch minute of the domain (with room for lagged workloads)."""

    LAG_MAX = 180

    def __init__(self, t0: int, end: int) -> None:
        self.base = t0 // 60 - self.LAG_MAX
        self.values = [diurnal_shape(m) for m in range(self.base, end // 60 + 1)]

    def __call__(self, minute: int) -> float:
        return self.values[minute - self.base]


Watts = tuple[float, float]  # (low, high) package W
PowerFn = Callable[[random.Random, "ShapeTable", range, Watts], list[float]]


def _diurnal(rng: random.Random, shape: ShapeTable, minutes: range, watts: Watts) -> list[float]:
    (lo, hi), lag = watts, rng.randrange(0, 20)
    return [lo + (hi - lo) * shape(m - lag) * (0.94 + 0.12 * rng.random()) for m in minutes]


def _lagged(rng: random.Random, shape: ShapeTable, minutes: range, watts: Watts) -> list[float]:
    """Queue consumers: the diurnal load arrives about an hour later."""
    lo, hi = watts
    return [lo + (hi - lo) * shape(m - 60) * (0.9 + 0.2 * rng.random()) for m in minutes]


def _steady(rng: random.Random, shape: ShapeTable, minutes: range, watts: Watts) -> list[float]:
    """Bounded random walk between lo and hi (databases, caches, system pods)."""
    lo, hi = watts
    v, step, out = (lo + hi) / 2, 0.08 * (hi - lo), []
    for _ in minutes:
        v = min(hi, max(lo, v + step * (rng.random() - 0.5)))
        out.append(v)
    return out


def _spiky(rng: random.Random, shape: ShapeTable, minutes: range, watts: Watts) -> list[float]:
    """Prometheus: steady, with a 3-minute head-block compaction burst (×2.5) every two hours."""
    base = _steady(rng, shape, minutes, watts)
    return [w * 2.5 if (m % 120) < 3 else w for m, w in zip(minutes, base, strict=True)]


def _batch(rng: random.Random, shape: ShapeTable, minutes: range, watts: Watts) -> list[float]:
    level = rng.uniform(*watts)
    return [level * (0.95 + 0.1 * rng.random()) for _ in minutes]


def _training(rng: random.Random, shape: ShapeTable, minutes: range, watts: Watts) -> list[float]:
    """CPU training: 3-minute ramp, plateau, a 3-minute evaluation dip (55%) every 45 minutes."""
    level, out = rng.uniform(*watts), []
    for i in range(len(minutes)):
        f = min(1.0, 0.3 * (i + 1)) * (0.55 if i % 45 >= 42 else 1.0)
        out.append(level * f * (0.97 + 0.06 * rng.random()))
    return out


def _notebook(rng: random.Random, shape: ShapeTable, minutes: range, watts: Watts) -> list[float]:
    """Interactive notebook: near idle, bursts of 5–30 minutes at 10–20 W in KST weekday office hours."""
    out, burst, level = [], 0, 0.0
    for m in minutes:
        hour, weekday = kst_clock(m)
        if burst == 0 and weekday < 5 and 9 <= hour < 18 and rng.random() < 0.012:
            burst, level = rng.randrange(5, 31), rng.uniform(10.0, 20.0)
        out.append(level * (0.9 + 0.2 * rng.random()) if burst else rng.uniform(*watts))
        burst = max(0, burst - 1)
    return out


def _bursty(rng: random.Random, shape: ShapeTable, minutes: range, watts: Watts) -> list[float]:
    """Image resizer: idle at lo, request bursts to hi whose frequency follows the diurnal load."""
    (lo, hi), out, burst = watts, [], 0
    for m in minutes:
        if burst == 0 and rng.random() < 0.08 * shape(m):
            burst = rng.randrange(1, 6)
        out.append(hi * rng.uniform(0.7, 1.0) if burst else lo * rng.uniform(0.9, 1.1))
        burst = max(0, burst - 1)
    return out


POWER_MODELS: dict[str, PowerFn] = {
    "diurnal": _diurnal,
    "lagged": _lagged,
    "steady": _steady,
    "spiky": _spiky,
    "batch": _batch,
    "training": _training,
    "notebook": _notebook,
    "bursty": _bursty,
    "tiny": _steady,
}


# --- catalogue ---------------------------------------------------------------------------------------

Containers = tuple[tuple[str, float, float], ...]  # (name, power share, cpu request cores)


class PodSpec(NamedTuple):
    containers: Containers
    profile: str
    watts: Watts


class PodMeta(NamedTuple):
    namespace: str
    name: str
    node: str
    owner: tuple[str, str]  # (kind, name) of the top-level workload
    controller: tuple[str, str]  # (kind, name) as in kube_pod_owner


class LongRunning(NamedTuple):
    namespace: str
    name: str
    kind: str  # Deployment | StatefulSet
    replicas: int
    spec: PodSpec


def _one(container: str, request: float, profile: str, lo: float, hi: float) -> PodSpec:
    return PodSpec(((container, 1.0, request),), profile, (lo, hi))


_WEB = PodSpec((("web", 0.9, 0.5), ("log-shipper", 0.1, 0.1)), "diurnal", (5.0, 25.0))
_PG = PodSpec((("postgres", 0.92, 2.0), ("postgres-exporter", 0.08, 0.1)), "steady", (8.0, 12.0))
_PROM = PodSpec((("prometheus", 0.95, 1.0), ("config-reloader", 0.05, 0.05)), "spiky", (4.0, 7.0))
LONG_RUNNING: tuple[LongRunning, ...] = (
    LongRunning("production", "web", "Deployment", 3, _WEB),
    LongRunning("production", "api", "Deployment", 2, _one("api", 1.0, "diurnal", 6.0, 18.0)),
    LongRunning("production", "worker", "Deployment", 2, _one("worker", 0.5, "lagged", 3.0, 12.0)),
    LongRunning("production", "cart", "Deployment", 2, _one("cart", 0.25, "diurnal", 3.0, 10.0)),
    LongRunning("production", "image-resizer", "Deployment", 1, _one("resizer", 1.0, "bursty", 1.0, 30.0)),
    LongRunning("production", "postgres", "StatefulSet", 1, _PG),
    LongRunning("production", "redis", "StatefulSet", 1, _one("redis", 0.5, "steady", 2.0, 4.0)),
    LongRunning(
        "ingress-nginx",
        "ingress-nginx-controller",
        "Deployment",
        2,
        _one("controller", 0.2, "diurnal", 2.0, 8.0),
    ),
    LongRunning("kube-system", "coredns", "Deployment", 2, _one("coredns", 0.1, "tiny", 0.5, 1.5)),
    LongRunning("monitoring", "prometheus-k8s", "StatefulSet", 1, _PROM),
    LongRunning(
        "monitoring", "alertmanager-main", "StatefulSet", 1, _one("alertmanager", 0.1, "tiny", 0.3, 0.6)
    ),
    LongRunning("monitoring", "grafana", "Deployment", 1, _one("grafana", 0.25, "diurnal", 0.5, 2.0)),
    LongRunning("monitoring", "kube-state-metrics", "Deployment", 1, _one("ksm", 0.1, "tiny", 0.4, 0.8)),
    LongRunning("ai-team", "inference", "Deployment", 2, _one("server", 2.0, "diurnal", 10.0, 30.0)),
    LongRunning("ai-team", "jupyter-kim", "StatefulSet", 1, _one("notebook", 1.0, "notebook", 1.0, 2.0)),
)
# one pod per node
DAEMONSETS: tuple[tuple[str, str, PodSpec], ...] = (
    ("kepler-system", "kepler", _one("kepler", 0.1, "tiny", 1.0, 2.0)),
    ("kube-system", "kube-proxy", _one("kube-proxy", 0.1, "tiny", 0.3, 1.0)),
    ("monitoring", "node-exporter", _one("node-exporter", 0.1, "tiny", 0.2, 0.6)),
)
JOB_SLOTS = 5  # training chain, etl-nightly, report-hourly, data-backfill, index-rebuild
NON_DAEMONSET_SLOTS = sum(w.replicas for w in LONG_RUNNING) + JOB_SLOTS
API_ROLLOUT = (4, "11:20:07")  # day, KST time of the production/api rollout (new ReplicaSet)
TRAINING_RUNS = (
    ("ml-training-job", 1, "13:10:00"),
    ("train-bert-ko-v2", 3, "22:04:00"),
    ("train-resnet50-sweep-3", 5, "09:31:00"),
    ("ml-finetune-lora", 6, "15:45:00"),
)


@dataclass
class CatalogueBuilder:
    """Expands the catalogue into pods for a domain; `copies` replicates non-DaemonSet workloads."""

    seed: int
    dom: Domain
    copies: int = 1
    pods: list[BuiltPod] = field(default_factory=list)
    _names: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.shape = ShapeTable(self.dom.t0, self.dom.end)

    def rng(self, *key: object) -> random.Random:
        return random.Random(f"{self.seed}|" + "|".join(str(k) for k in key))

    def suffix(self, rng: random.Random, n: int, prefix: str) -> str:
        while True:
            name = prefix + "".join(rng.choice(SUFFIX_ALPHABET) for _ in range(n))
            if name not in self._names:
                self._names.add(name)
                return name

    def build(self) -> list[BuiltPod]:
        for ns, name, spec in DAEMONSETS:
            self._daemonset(ns, name, spec)
        for copy in range(self.copies):
            tag = "" if copy == 0 else f"-{copy:03d}"
            for w in LONG_RUNNING:
                self._long_running(w, tag, copy)
            self._training_runs(tag, copy)
            self._cron_etl(tag, copy)
            self._cron_report(tag, copy)
            self._single_jobs(tag, copy)
        self.pods.sort(key=lambda b: (b.pod.start_s, b.pod.namespace, b.pod.name))
        return self.pods

    # -- pod factory ------------------------------------------------------------------------------

    def add(self, rng: random.Random, meta: PodMeta, spec: PodSpec, life: tuple[int, int | None]) -> None:
        """Create one pod (skipped when it has no power inside the domain)."""
        start_s, end_s = life
        lo, hi = max(start_s, self.dom.t0), min(end_s if end_s is not None else self.dom.end, self.dom.end)
        if hi <= lo:
            return
        pod = SimPod(
            uid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            namespace=meta.namespace,
            name=meta.name,
            owner_kind=meta.owner[0],
            owner_name=meta.owner[1],
            controller_kind=meta.controller[0],
            controller_name=meta.controller[1],
            node=meta.node,
            containers=tuple(
                SimContainer(n, f"{rng.getrandbits(256):064x}", share, req)
                for n, share, req in spec.containers
            ),
            cpu_request=round(sum(c[2] for c in spec.containers), 3),
            start_s=start_s,
            end_s=end_s,
            dram_ratio=round(rng.uniform(0.08, 0.2), 4),
            profile=spec.profile,
        )
        power = POWER_MODELS[spec.profile](rng, self.shape, range(lo // 60, -(-hi // 60)), spec.watts)
        self.pods.append(BuiltPod(pod, lo, hi, power))

    def node_for(self, key: str, i: int) -> str:
        nodes = self.dom.nodes
        return nodes[(self.rng("node", key).randrange(len(nodes)) + i) % len(nodes)]

    def since(self, rng: random.Random) -> int:
        """A start before the period for pods that were already running (2–30 days earlier)."""
        return self.dom.start - rng.randrange(2 * DAY, 30 * DAY)

    # -- long-running workloads -------------------------------------------------------------------

    def _daemonset(self, ns: str, name: str, spec: PodSpec) -> None:
        for node in self.dom.nodes:
            rng = self.rng("ds", ns, name, node)
            meta = PodMeta(
                ns, self.suffix(rng, 5, f"{name}-"), node, ("DaemonSet", name), ("DaemonSet", name)
            )
            self.add(rng, meta, spec, (self.since(rng), None))

    def _long_running(self, w: LongRunning, tag: str, copy: int) -> None:
        name = w.name + tag
        rollout = self.dom.at(*API_ROLLOUT) if w.name == "api" else None
        if rollout is not None and not self.dom.t0 < rollout < self.dom.end:
            rollout = None
        rs = [self.suffix(self.rng("rs", w.namespace, name, v), 10, f"{name}-") for v in (0, 1)]
        for i in range(w.replicas):
            rng = self.rng("lr", w.namespace, name, i)
            node = self.node_for(f"{w.namespace}/{name}", i + copy)
            if w.kind == "StatefulSet":
                meta = PodMeta(w.namespace, f"{name}-{i}", node, ("StatefulSet", name), ("StatefulSet", name))
                self.add(rng, meta, w.spec, (self.since(rng), None))
                continue
            old = PodMeta(
                w.namespace,
                self.suffix(rng, 5, f"{rs[0]}-"),
                node,
                ("Deployment", name),
                ("ReplicaSet", rs[0]),
            )
            if rollout is None:
                self.add(rng, old, w.spec, (self.since(rng), None))
                continue
            # surge: the new pod starts, the old one terminates 31 s later; replicas roll 45 s apart
            self.add(rng, old, w.spec, (self.since(rng), rollout + 45 * i + 31))
            rng2 = self.rng("lr2", w.namespace, name, i)
            node2 = self.node_for(f"{w.namespace}/{name}/v2", i + copy)
            new = PodMeta(
                w.namespace,
                self.suffix(rng2, 5, f"{rs[1]}-"),
                node2,
                ("Deployment", name),
                ("ReplicaSet", rs[1]),
            )
            self.add(rng2, new, w.spec, (rollout + 45 * i, None))

    # -- jobs -------------------------------------------------------------------------------------

    def _job(
        self, ns: str, job: str, *, cron: str | None, node: str, spec: PodSpec, life: tuple[int, int]
    ) -> None:
        rng = self.rng("job", ns, job)
        self._names.add(job)
        owner = ("CronJob", cron) if cron else ("Job", job)
        self.add(rng, PodMeta(ns, self.suffix(rng, 5, f"{job}-"), node, owner, ("Job", job)), spec, life)

    def _days(self) -> Iterator[int]:
        """Simulated day numbers overlapping the domain (day 0 = the day before `start`)."""
        return iter(range(0, (self.dom.end - self.dom.kst_midnight) // DAY + 2))

    def _cron_etl(self, tag: str, copy: int) -> None:
        cron, spec = f"etl-nightly{tag}", _one("etl", 1.0, "batch", 30.0, 45.0)
        for day in self._days():
            sched = self.dom.at(day, "02:00:00")
            rng = self.rng("etl", cron, day)
            begin = sched + rng.randrange(2, 9)
            life = (begin, begin + rng.randrange(25 * 60, 40 * 60))
            node = self.node_for(cron, day + copy)
            self._job("batch", f"{cron}-{sched // 60}", cron=cron, node=node, spec=spec, life=life)

    def _cron_report(self, tag: str, copy: int) -> None:
        cron, spec = f"report-hourly{tag}", _one("report", 0.5, "batch", 20.0, 35.0)
        for hour in range(self.dom.t0 - self.dom.t0 % HOUR, self.dom.end, HOUR):
            sched = hour + 5 * 60
            rng = self.rng("report", cron, hour)
            begin = sched + rng.randrange(2, 7)
            life = (begin, begin + rng.randrange(180, 240))
            node = self.node_for(cron, hour // HOUR + copy)
            self._job("batch", f"{cron}-{sched // 60}", cron=cron, node=node, spec=spec, life=life)

    def _training_runs(self, tag: str, copy: int) -> None:
        spec = _one("trainer", 8.0, "training", 60.0, 90.0)
        for i, (job, day, at) in enumerate(TRAINING_RUNS):
            rng = self.rng("train", job, tag)
            begin = self.dom.at(day, at) + rng.randrange(0, 600)
            life = (begin, begin + rng.randrange(2 * HOUR, 10 * HOUR))
            self._job(
                "ai-team", job + tag, cron=None, node=self.node_for(job, i + copy), spec=spec, life=life
            )

    def _single_jobs(self, tag: str, copy: int) -> None:
        """A Job ending exactly on a minute boundary and one ending at hh:59:52, just before an hour."""
        backfill = (self.dom.at(2, "09:00:00"), self.dom.at(2, "10:47:00"))
        spec = _one("backfill", 1.0, "batch", 15.0, 25.0)
        node = self.node_for("backfill", copy)
        self._job("batch", f"data-backfill{tag}", cron=None, node=node, spec=spec, life=backfill)
        rebuild = (self.dom.at(4, "15:12:31"), self.dom.at(4, "16:59:52"))
        spec = _one("indexer", 1.0, "batch", 12.0, 20.0)
        node = self.node_for("rebuild", copy)
        self._job("batch", f"index-rebuild{tag}", cron=None, node=node, spec=spec, life=rebuild)
