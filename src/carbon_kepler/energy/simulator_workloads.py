"""Workload catalogue of the Kepler simulator: which pods exist, where, when, and at what power.

See `carbon_kepler.energy.simulator` for the physical model and the catalogue description. This module
only decides pods (names, owners, nodes, lifetimes) and their package power per epoch minute; all
randomness comes from `random.Random` instances seeded from the simulation seed and a stable key, so a
pod's power does not change when another workload is added to the catalogue.
"""

from __future__ import annotations

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
    (0, 0.25), (2, 0.12), (5, 0.10), (7, 0.30), (9, 0.75), (10, 1.0), (12, 0.95), (13, 0.75),
    (15, 0.80), (17, 0.75), (18, 0.85), (19, 1.0), (21, 0.95), (22, 0.60), (23, 0.40), (24, 0.25),
)  # fmt: skip
_WEEKEND_FACTOR = 0.75


def kst_clock(minute: int) -> tuple[float, int]:
    """(KST hour of day as float, weekday 0=Monday) of an epoch minute."""
    local = minute * 60 + KST_OFFSET
    return (local % DAY) / HOUR, (local // DAY + 3) % 7  # 1970-01-01 was a Thursday


def diurnal_shape(minute: int) -> float:
    hour, weekday = kst_clock(minute)
    for (h0, f0), (h1, f1) in zip(_DIURNAL_ANCHORS, _DIURNAL_ANCHORS[1:], strict=False):
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


PowerFn = Callable[[random.Random, "ShapeTable", int, int, float, float], list[float]]


def _diurnal(rng: random.Random, shape: ShapeTable, m0: int, m1: int, lo: float, hi: float) -> list[float]:
    span, lag = hi - lo, rng.randrange(0, 20)
    return [lo + span * shape(m - lag) * (0.94 + 0.12 * rng.random()) for m in range(m0, m1)]


def _lagged(rng: random.Random, shape: ShapeTable, m0: int, m1: int, lo: float, hi: float) -> list[float]:
    """Queue consumers: the diurnal load arrives about an hour later."""
    span = hi - lo
    return [lo + span * shape(m - 60) * (0.9 + 0.2 * rng.random()) for m in range(m0, m1)]


def _steady(rng: random.Random, shape: ShapeTable, m0: int, m1: int, lo: float, hi: float) -> list[float]:
    """Bounded random walk between lo and hi (databases, caches, system pods)."""
    v, step, out = (lo + hi) / 2, 0.08 * (hi - lo), []
    for _ in range(m0, m1):
        v = min(hi, max(lo, v + step * (rng.random() - 0.5)))
        out.append(v)
    return out


def _spiky(rng: random.Random, shape: ShapeTable, m0: int, m1: int, lo: float, hi: float) -> list[float]:
    """Prometheus: steady, with a 3-minute head-block compaction burst (×2.5) every two hours."""
    base = _steady(rng, shape, m0, m1, lo, hi)
    return [w * 2.5 if (m % 120) < 3 else w for m, w in zip(range(m0, m1), base, strict=True)]


def _batch(rng: random.Random, shape: ShapeTable, m0: int, m1: int, lo: float, hi: float) -> list[float]:
    level = rng.uniform(lo, hi)
    return [level * (0.95 + 0.1 * rng.random()) for _ in range(m0, m1)]


def _training(rng: random.Random, shape: ShapeTable, m0: int, m1: int, lo: float, hi: float) -> list[float]:
    """GPU-less training: 3-minute ramp, plateau, a 3-minute evaluation dip (55%) every 45 minutes."""
    level, out = rng.uniform(lo, hi), []
    for i in range(m1 - m0):
        f = min(1.0, 0.3 * (i + 1)) * (0.55 if i % 45 >= 42 else 1.0)
        out.append(level * f * (0.97 + 0.06 * rng.random()))
    return out


def _notebook(rng: random.Random, shape: ShapeTable, m0: int, m1: int, lo: float, hi: float) -> list[float]:
    """Interactive notebook: near idle, bursts of 5–30 minutes at 10–20 W in KST weekday office hours."""
    out, burst, level = [], 0, 0.0
    for m in range(m0, m1):
        hour, weekday = kst_clock(m)
        if burst == 0 and weekday < 5 and 9 <= hour < 18 and rng.random() < 0.012:
            burst, level = rng.randrange(5, 31), rng.uniform(10.0, 20.0)
        out.append(level * (0.9 + 0.2 * rng.random()) if burst else rng.uniform(lo, hi))
        burst = max(0, burst - 1)
    return out


def _bursty(rng: random.Random, shape: ShapeTable, m0: int, m1: int, lo: float, hi: float) -> list[float]:
    """Image resizer: idle at lo, request bursts to hi whose frequency follows the diurnal load."""
    out, burst = [], 0
    for m in range(m0, m1):
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


@dataclass(frozen=True)
class LongRunning:
    namespace: str
    name: str
    kind: str  # Deployment | StatefulSet
    replicas: int
    containers: Containers
    profile: str
    watts: tuple[float, float]


LONG_RUNNING: tuple[LongRunning, ...] = (
    LongRunning("production", "web", "Deployment", 3, (("web", 0.9, 0.5), ("log-shipper", 0.1, 0.1)),
                "diurnal", (5.0, 25.0)),
    LongRunning("production", "api", "Deployment", 2, (("api", 1.0, 1.0),), "diurnal", (6.0, 18.0)),
    LongRunning("production", "worker", "Deployment", 2, (("worker", 1.0, 0.5),), "lagged", (3.0, 12.0)),
    LongRunning("production", "cart", "Deployment", 2, (("cart", 1.0, 0.25),), "diurnal", (3.0, 10.0)),
    LongRunning("production", "image-resizer", "Deployment", 1, (("resizer", 1.0, 1.0),), "bursty",
                (1.0, 30.0)),
    LongRunning("production", "postgres", "StatefulSet", 1,
                (("postgres", 0.92, 2.0), ("postgres-exporter", 0.08, 0.1)), "steady", (8.0, 12.0)),
    LongRunning("production", "redis", "StatefulSet", 1, (("redis", 1.0, 0.5),), "steady", (2.0, 4.0)),
    LongRunning("ingress-nginx", "ingress-nginx-controller", "Deployment", 2, (("controller", 1.0, 0.2),),
                "diurnal", (2.0, 8.0)),
    LongRunning("kube-system", "coredns", "Deployment", 2, (("coredns", 1.0, 0.1),), "tiny", (0.5, 1.5)),
    LongRunning("monitoring", "prometheus-k8s", "StatefulSet", 1,
                (("prometheus", 0.95, 1.0), ("config-reloader", 0.05, 0.05)), "spiky", (4.0, 7.0)),
    LongRunning("monitoring", "alertmanager-main", "StatefulSet", 1, (("alertmanager", 1.0, 0.1),), "tiny",
                (0.3, 0.6)),
    LongRunning("monitoring", "grafana", "Deployment", 1, (("grafana", 1.0, 0.25),), "diurnal", (0.5, 2.0)),
    LongRunning("monitoring", "kube-state-metrics", "Deployment", 1, (("kube-state-metrics", 1.0, 0.1),),
                "tiny", (0.4, 0.8)),
    LongRunning("ai-team", "inference", "Deployment", 2, (("server", 1.0, 2.0),), "diurnal", (10.0, 30.0)),
    LongRunning("ai-team", "jupyter-kim", "StatefulSet", 1, (("notebook", 1.0, 1.0),), "notebook",
                (1.0, 2.0)),
)  # fmt: skip

# (namespace, name, container, cpu request, watts range): one pod per node
DAEMONSETS: tuple[tuple[str, str, str, float, tuple[float, float]], ...] = (
    ("kepler-system", "kepler", "kepler", 0.1, (1.0, 2.0)),
    ("kube-system", "kube-proxy", "kube-proxy", 0.1, (0.3, 1.0)),
    ("monitoring", "node-exporter", "node-exporter", 0.1, (0.2, 0.6)),
)
JOB_SLOTS = 5  # training chain, etl-nightly, report-hourly, data-backfill, index-rebuild
NON_DAEMONSET_SLOTS = sum(w.replicas for w in LONG_RUNNING) + JOB_SLOTS
API_ROLLOUT = (4, "11:20:07")  # day, KST time of the production/api rollout (new ReplicaSet)


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
        for ds in DAEMONSETS:
            self._daemonset(*ds)
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

    def add(self, rng: random.Random, meta: dict[str, str], containers: Containers, life: tuple[int, int | None],
            profile: str, watts: tuple[float, float]) -> None:  # fmt: skip
        """Create one pod (skipped when it has no power inside the domain)."""
        start_s, end_s = life
        lo, hi = max(start_s, self.dom.t0), min(end_s if end_s is not None else self.dom.end, self.dom.end)
        if hi <= lo:
            return
        pod = SimPod(
            uid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            namespace=meta["namespace"], name=meta["name"], owner_kind=meta["owner_kind"],
            owner_name=meta["owner_name"], controller_kind=meta["controller_kind"],
            controller_name=meta["controller_name"], node=meta["node"],
            containers=tuple(SimContainer(n, f"{rng.getrandbits(256):064x}", share, req)
                             for n, share, req in containers),
            cpu_request=round(sum(c[2] for c in containers), 3), start_s=start_s, end_s=end_s,
            dram_ratio=round(rng.uniform(0.08, 0.2), 4), profile=profile,
        )  # fmt: skip
        m0, m1 = lo // 60, -(-hi // 60)
        power = POWER_MODELS[profile](rng, self.shape, m0, m1, *watts)
        self.pods.append(BuiltPod(pod, lo, hi, power))

    def node_for(self, key: str, i: int) -> str:
        nodes = self.dom.nodes
        return nodes[(self.rng("node", key).randrange(len(nodes)) + i) % len(nodes)]

    def since(self, rng: random.Random) -> int:
        """A start before the period for pods that were already running (2–30 days earlier)."""
        return self.dom.start - rng.randrange(2 * DAY, 30 * DAY)

    # -- long-running workloads -------------------------------------------------------------------

    def _daemonset(self, ns: str, name: str, container: str, req: float, watts: tuple[float, float]) -> None:
        for node in self.dom.nodes:
            rng = self.rng("ds", ns, name, node)
            meta = {"namespace": ns, "name": self.suffix(rng, 5, f"{name}-"), "node": node,
                    "owner_kind": "DaemonSet", "owner_name": name,
                    "controller_kind": "DaemonSet", "controller_name": name}  # fmt: skip
            self.add(rng, meta, ((container, 1.0, req),), (self.since(rng), None), "tiny", watts)

    def _long_running(self, w: LongRunning, tag: str, copy: int) -> None:
        name = w.name + tag
        rollout = self.dom.at(*API_ROLLOUT) if w.name == "api" else None
        for i in range(w.replicas):
            rng = self.rng("lr", w.namespace, name, i)
            node = self.node_for(f"{w.namespace}/{name}", i + copy)
            if w.kind == "StatefulSet":
                meta = self._meta(w.namespace, f"{name}-{i}", node, ("StatefulSet", name), ("StatefulSet", name))
                self.add(rng, meta, w.containers, (self.since(rng), None), w.profile, w.watts)
                continue
            self._deployment_pod(rng, w, name, node, i, rollout)

    def _deployment_pod(self, rng: random.Random, w: LongRunning, name: str, node: str, i: int,
                        rollout: int | None) -> None:  # fmt: skip
        rs_old = self.suffix(self.rng("rs", w.namespace, name, 0), 10, f"{name}-")
        if rollout is None or not self.dom.t0 < rollout < self.dom.end:
            meta = self._meta(w.namespace, self.suffix(rng, 5, f"{rs_old}-"), node, ("Deployment", name),
                              ("ReplicaSet", rs_old))  # fmt: skip
            self.add(rng, meta, w.containers, (self.since(rng), None), w.profile, w.watts)
            return
        rs_new = self.suffix(self.rng("rs", w.namespace, name, 1), 10, f"{name}-")
        old_end, new_start = rollout + 45 * i + 31, rollout + 45 * i
        meta = self._meta(w.namespace, self.suffix(rng, 5, f"{rs_old}-"), node, ("Deployment", name),
                          ("ReplicaSet", rs_old))  # fmt: skip
        self.add(rng, meta, w.containers, (self.since(rng), old_end), w.profile, w.watts)
        rng2 = self.rng("lr2", w.namespace, name, i)
        node2 = self.node_for(f"{w.namespace}/{name}/v2", i)
        meta = self._meta(w.namespace, self.suffix(rng2, 5, f"{rs_new}-"), node2, ("Deployment", name),
                          ("ReplicaSet", rs_new))  # fmt: skip
        self.add(rng2, meta, w.containers, (new_start, None), w.profile, w.watts)

    @staticmethod
    def _meta(ns: str, name: str, node: str, owner: tuple[str, str], ctl: tuple[str, str]) -> dict[str, str]:
        return {"namespace": ns, "name": name, "node": node, "owner_kind": owner[0], "owner_name": owner[1],
                "controller_kind": ctl[0], "controller_name": ctl[1]}  # fmt: skip

    # -- jobs -------------------------------------------------------------------------------------

    def _job(self, ns: str, job: str, cron: str | None, life: tuple[int, int], node: str,
             container: str, profile: str, watts: tuple[float, float]) -> None:  # fmt: skip
        rng = self.rng("job", ns, job)
        self._names.add(job)
        meta = self._meta(ns, self.suffix(rng, 5, f"{job}-"), node, ("CronJob", cron) if cron else ("Job", job),
                          ("Job", job))  # fmt: skip
        self.add(rng, meta, ((container, 1.0, 1.0 if profile != "training" else 8.0),), life, profile, watts)

    def _days(self) -> Iterator[int]:
        """Simulated day numbers overlapping the domain (day 0 = the day before `start`)."""
        return iter(range(0, (self.dom.end - self.dom.kst_midnight) // DAY + 2))

    def _cron_etl(self, tag: str, copy: int) -> None:
        cron = f"etl-nightly{tag}"
        for day in self._days():
            sched = self.dom.at(day, "02:00:00")
            rng = self.rng("etl", cron, day)
            begin = sched + rng.randrange(2, 9)
            self._job("batch", f"{cron}-{sched // 60}", cron, (begin, begin + rng.randrange(25 * 60, 40 * 60)),
                      self.node_for(cron, day + copy), "etl", "batch", (30.0, 45.0))  # fmt: skip

    def _cron_report(self, tag: str, copy: int) -> None:
        cron = f"report-hourly{tag}"
        first = (self.dom.t0 // HOUR) * HOUR
        for hour in range(first, self.dom.end, HOUR):
            sched = hour + 5 * 60
            rng = self.rng("report", cron, hour)
            begin = sched + rng.randrange(2, 7)
            self._job("batch", f"{cron}-{sched // 60}", cron, (begin, begin + rng.randrange(180, 240)),
                      self.node_for(cron, hour // HOUR + copy), "report", "batch", (20.0, 35.0))  # fmt: skip

    def _training_runs(self, tag: str, copy: int) -> None:
        runs = (("ml-training-job", 1, "13:10:00"), ("train-bert-ko-v2", 3, "22:04:00"),
                ("train-resnet50-sweep-3", 5, "09:31:00"), ("ml-finetune-lora", 6, "15:45:00"))  # fmt: skip
        for i, (job, day, at) in enumerate(runs):
            rng = self.rng("train", job, tag)
            begin = self.dom.at(day, at) + rng.randrange(0, 600)
            life = (begin, begin + rng.randrange(2 * HOUR, 10 * HOUR))
            self._job("ai-team", job + tag, None, life, self.node_for(job, i + copy), "trainer", "training",
                      (60.0, 90.0))  # fmt: skip

    def _single_jobs(self, tag: str, copy: int) -> None:
        """A Job ending exactly on a minute boundary and one ending at hh:59:52, just before an hour."""
        backfill = (self.dom.at(2, "09:00:00"), self.dom.at(2, "10:47:00"))
        self._job("batch", f"data-backfill{tag}", None, backfill, self.node_for("backfill", copy), "backfill",
                  "batch", (15.0, 25.0))  # fmt: skip
        rebuild = (self.dom.at(4, "15:12:31"), self.dom.at(4, "16:59:52"))
        self._job("batch", f"index-rebuild{tag}", None, rebuild, self.node_for("rebuild", copy), "indexer",
                  "batch", (12.0, 20.0))  # fmt: skip
