"""(a) PromQL requests of a cluster-wide hourly breakdown at 200 vs 2,000 pods, and (b) its wall time vs
the sum of its raw Prometheus query times, each size backfilled into its own real Prometheus 2.42."""

from __future__ import annotations

import cProfile
import gc
import pstats
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from benchmarks.common import (
    ZONES,
    Check,
    Dataset,
    Section,
    TimingTransport,
    fs,
    log,
    mb,
    median,
    prometheus_dataset,
    table,
)
from carbon_kepler.core.period import HOUR, Period
from carbon_kepler.energy.attribution import Policy, attribute
from carbon_kepler.energy.prometheus.client import ClientOptions, PrometheusClient
from carbon_kepler.energy.prometheus.source import PrometheusSource
from carbon_kepler.energy.simulator import KeplerRestart, SimConfig, Simulation

DAY = 24 * HOUR
INTERVAL_S = 60  # Kepler scrape interval of the backfilled data (30 s would double write/backfill time)
KSM_INTERVAL_S = 300  # kube-state-metrics samples (owners, CPU requests)
RATIO_TARGET = 1.5


@dataclass
class Run:
    requests: int
    http_s: float  # PrometheusClient.seconds: sum of the HTTP round trips
    fetch_s: float  # PrometheusSource.fetch wall time
    attribute_s: float  # attribute(data, PROPORTIONAL) wall time
    by_category: dict[str, tuple[int, float, int]]  # category → (requests, seconds, response bytes)
    pod_rows: int
    cpu_s: float  # CPU time of this process during fetch + attribute

    @property
    def wall_s(self) -> float:
        return self.fetch_s + self.attribute_s

    @property
    def ratio(self) -> float:
        return self.wall_s / self.http_s


@dataclass
class SizeResult:
    label: str
    config: SimConfig
    pod_objects: int
    running_mid: int
    dataset: Dataset
    runs: list[Run]  # runs[0] is the warm-up
    profile: list[tuple[str, float, float, int]]  # top functions of one extra, profiled run


def _configs(quick: bool) -> list[tuple[str, SimConfig]]:
    """Two clusters that differ only in pods: same nodes, days, seed and the same one Kepler restart
    (node-2, day 2 at 14:37:23 KST), so data-start and restart hours are alike."""
    if quick:
        base = SimConfig(nodes=4, hours=6)
        sizes = [("40 pods", 40), ("400 pods", 400)]
        restart_at = base.start + 3 * HOUR + 37 * 60 + 23
    else:
        base = SimConfig(nodes=20, days=2)
        sizes = [("200 pods", 200), ("2,000 pods", 2000)]
        restart_at = base.start + DAY + 14 * HOUR + 37 * 60 + 23  # start is Monday 00:00 KST
    restart = KeplerRestart(node="node-2", at=restart_at)
    return [
        (label, SimConfig(pods=pods, nodes=base.nodes, days=base.days, hours=base.hours, restart=restart))
        for label, pods in sizes
    ]


def _measure(url: str, period: Period, profile: cProfile.Profile | None = None) -> Run:
    transport = TimingTransport()
    client = PrometheusClient(ClientOptions(url=url, timeout_s=600.0), transport=transport)
    try:
        if profile:
            profile.enable()
        c0, t0 = time.process_time(), time.perf_counter()
        data = PrometheusSource(client).fetch(period, ZONES)
        t1 = time.perf_counter()
        attribute(data, Policy.PROPORTIONAL)
        t2, c2 = time.perf_counter(), time.process_time()
    finally:
        if profile:
            profile.disable()
        client.close()
    cats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for r in transport.log:
        c = cats[r.category]
        c[0] += 1
        c[1] += r.seconds
        c[2] += r.bytes
    by_cat = {k: (int(v[0]), float(v[1]), int(v[2])) for k, v in cats.items()}
    return Run(client.requests, client.seconds, t1 - t0, t2 - t1, by_cat, len(data.pod_hours), c2 - c0)


def _one_size(label: str, cfg: SimConfig, workdir: Path, runs: int, profiled: bool) -> SizeResult:
    log(f"scaling {label}: building simulation {cfg}")
    sim = Simulation(cfg)
    period = Period.from_ts(sim.start, sim.end)
    mid = sim.start + cfg.duration_s // 2
    running = sum(1 for p in sim.pods if p.start_s <= mid and (p.end_s is None or p.end_s > mid))
    slug = "scaling-" + label.split(maxsplit=1)[0].replace(",", "")
    with prometheus_dataset(
        sim, workdir, slug, interval_s=INTERVAL_S, kube_state_interval_s=KSM_INTERVAL_S
    ) as ds:
        # The simulation's objects are not the client's: keep the garbage collector from scanning them.
        gc.collect()
        gc.freeze()
        measured = []
        for i in range(runs + 1):
            run = _measure(ds.url, period)
            what = "warm-up" if i == 0 else f"run {i}/{runs}"
            log(
                f"scaling {label} {what}: {run.requests} requests, fetch {run.fetch_s:.2f} s + attribute "
                f"{run.attribute_s:.2f} s, HTTP {run.http_s:.2f} s, ratio {run.ratio:.2f}"
            )
            measured.append(run)
        profile = None
        if profiled:
            log(f"scaling {label}: one more run under cProfile")
            profile = cProfile.Profile()
            _measure(ds.url, period, profile)
        gc.unfreeze()
    return SizeResult(
        label, cfg, len(sim.pods), running, ds, measured, _top_functions(profile) if profile else []
    )


def _short(func: tuple[str, int, str]) -> str:
    path, line, name = func
    if path == "~":
        return f"`{re.sub(r' at 0x[0-9a-f]+', '', name)}`"
    marker = "carbon_kepler/"
    where = path.split(marker, 1)[1] if marker in path else Path(path).name
    return f"`{where}:{line} {name}`"


def _top_functions(profile: cProfile.Profile, n: int = 10) -> list[tuple[str, float, float, int]]:
    """(function, own seconds, cumulative seconds, calls) of the n functions with the most own time."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    rows = [(_short(f), tt, ct, nc) for f, (_cc, nc, tt, ct, _callers) in stats.items()]
    return sorted(rows, key=lambda r: -r[1])[:n]


def run(quick: bool, workdir: Path) -> Section:
    configs = _configs(quick)
    results = [
        _one_size(label, cfg, workdir, 1 if quick else 3, profiled=i == len(configs) - 1)
        for i, (label, cfg) in enumerate(configs)
    ]
    return _report(results, quick)


# --- report -----------------------------------------------------------------------------------


def _report(results: list[SizeResult], quick: bool) -> Section:
    small, big = results
    counts = {r.label: sorted({x.requests for x in r.runs}) for r in results}
    same = len(counts[small.label]) == 1 and counts[small.label] == counts[big.label]
    ratios = {r.label: median([x.ratio for x in r.runs[1:]]) for r in results}
    period_h = small.config.duration_s // HOUR

    setup = table(
        ["", *(r.label for r in results)],
        [
            [
                "`SimConfig`",
                *(f"pods={r.config.pods}, nodes={r.config.nodes}, {period_h} h" for r in results),
            ],
            ["pod objects over the period", *(f"{r.pod_objects:,}" for r in results)],
            ["pods running at mid-period", *(f"{r.running_mid:,}" for r in results)],
            [
                "series / samples backfilled",
                *(f"{r.dataset.series:,} / {r.dataset.samples:,}" for r in results),
            ],
            [
                "OpenMetrics file / TSDB",
                *(f"{mb(r.dataset.om_bytes)} / {mb(r.dataset.tsdb_bytes)}" for r in results),
            ],
            [
                "write / backfill time",
                *(f"{fs(r.dataset.write_s)} / {fs(r.dataset.backfill_s)}" for r in results),
            ],
            ["pod-hour rows returned", *(f"{r.runs[-1].pod_rows:,}" for r in results)],
        ],
    )

    cats = sorted({c for r in results for x in r.runs for c in x.by_category})
    per_cat_rows = []
    for c in cats:
        row: list[object] = [c]
        for r in results:
            n = {x.by_category.get(c, (0, 0.0, 0))[0] for x in r.runs[1:]}
            secs = median([x.by_category.get(c, (0, 0.0, 0))[1] for x in r.runs[1:]])
            size = median([x.by_category.get(c, (0, 0.0, 0))[2] for x in r.runs[1:]])
            row += ["/".join(map(str, sorted(n))), fs(secs), mb(size)]
        per_cat_rows.append(row)
    total_row: list[object] = ["**total**"]
    for r in results:
        total_row += [
            "/".join(map(str, counts[r.label])),
            fs(median([x.http_s for x in r.runs[1:]])),
            mb(median([sum(v[2] for v in x.by_category.values()) for x in r.runs[1:]])),
        ]
    per_cat_rows.append(total_row)
    headers = ["request (what it is for)"]
    for r in results:
        headers += [f"{r.label}: n", "HTTP time", "response"]
    per_cat = table(headers, per_cat_rows)

    wall_rows = []
    for r in results:
        m = r.runs[1:]
        wall_rows.append(
            [
                r.label,
                len(m),
                fs(median([x.fetch_s for x in m])),
                fs(median([x.attribute_s for x in m])),
                fs(median([x.wall_s for x in m])),
                fs(median([x.http_s for x in m])),
                fs(median([x.wall_s - x.http_s for x in m])),
                fs(median([x.cpu_s for x in m])),
                f"{median([x.fetch_s / x.http_s for x in m]):.2f}×",
                f"**{ratios[r.label]:.2f}×**",
                ", ".join(f"{x.ratio:.2f}" for x in m),
            ]
        )
    wall = table(
        [
            "cluster",
            "runs",
            "fetch",
            "attribute",
            "wall (fetch + attribute)",
            "Σ HTTP round trips",
            "client-side (wall − HTTP)",
            "client CPU",
            "fetch / HTTP",
            "**wall / HTTP**",
            "each run",
        ],
        wall_rows,
    )

    # The biggest HTTP category of the big cluster, and its share.
    big_cats = {c: median([x.by_category.get(c, (0, 0.0, 0))[1] for x in big.runs[1:]]) for c in cats}
    big_http = median([x.http_s for x in big.runs[1:]])
    top = sorted(big_cats.items(), key=lambda kv: -kv[1])[:2]
    top_text = " and ".join(f"*{c}* ({fs(s)}, {s / big_http:.0%})" for c, s in top)
    n_big = counts[big.label]
    profile_table = table(
        ["function", "own time", "cumulative", "calls"],
        [[f, fs(tt), fs(ct), f"{nc:,}"] for f, tt, ct, nc in big.profile],
        "lrrr",
    )
    verdict = (
        f"**Equal: {n_big[0]} requests at both sizes.**"
        if same
        else f"**Not equal: {counts[small.label]} vs {n_big}** — see the per-request table for the difference."
    )
    restart = small.config.restart
    assert restart is not None and restart.at is not None
    kst = datetime.fromtimestamp(restart.at, timezone(timedelta(hours=9)))
    body = f"""Two clusters that differ only in the number of pods (same {small.config.nodes} nodes, {period_h} hours,
seed, and one Kepler restart on {restart.node} at {kst:%a %H:%M:%S} KST, {restart.downtime_s} s down), so both
have the same data-start hour and the same restart hour to repair. Each is written as OpenMetrics (Kepler counters every {INTERVAL_S} s,
kube-state-metrics owners and CPU requests every {KSM_INTERVAL_S} s), backfilled with `promtool`, and
served by its own real Prometheus on 127.0.0.1. One breakdown = `PrometheusSource(client).fetch(period,
("package", "dram"))` with the default method (`interpolated`) followed by
`attribute(data, Policy.PROPORTIONAL)`; each run uses a new client. One warm-up run, then
{len(big.runs) - 1} measured runs per size.

{setup}

### (a) Requests for a cluster-wide hourly breakdown

{verdict} The count is set by the period (range queries are split into chunks of at most 31 days) and by
the number of *runs of consecutive hours* that need the held-increase repair (the data-start hour and the
Kepler-restart hour: one `hour increase` request per run per family), never by the number of pods:
aggregation happens in Prometheus (`sum by`). Each further run of consecutive hours with a counter reset
(Kepler restart), a data gap, or a negative interpolated value adds one `hour increase` request per family,
so the count grows with such events on the cluster, not with its pods.

Per request kind (median over the measured runs; `n` is the set of counts seen over all runs):

{per_cat}

### (b) Wall time vs the sum of its raw Prometheus query times

`Σ HTTP round trips` is `PrometheusClient.seconds`: the time from sending each request to having its whole
response body, summed. Everything else (JSON decoding, building rows, interpolation, attribution) is
client-side. `client CPU` is the benchmark process's CPU time over the same span (JSON decoding included);
when it is well below `wall − HTTP`, other processes were competing for the 2 cores. Target: wall ≤
{RATIO_TARGET}× Σ HTTP.

{wall}

At {big.label}, most HTTP time goes to {top_text}.

Where the client-side time goes at {big.label}: one extra run under `cProfile` (not one of the measured
runs; profiling inflates pure-Python work, so read the proportions, not the absolute times). Functions with
the most own time; socket reads are the wait for Prometheus:

{profile_table}
"""
    if quick:
        body += "\n_Quick smoke run: small clusters, one measured run — not the acceptance numbers._\n"
    checks = [
        Check(
            f"(a) PromQL requests for a cluster-wide hourly breakdown are the same at {small.label} and {big.label}",
            f"{'/'.join(map(str, counts[small.label]))} vs {'/'.join(map(str, n_big))}",
            same,
        ),
        Check(
            f"(b) breakdown wall time ≤ {RATIO_TARGET}× the sum of its Prometheus query times",
            ", ".join(f"{r.label}: {ratios[r.label]:.2f}×" for r in results),
            all(v <= RATIO_TARGET for v in ratios.values()),
        ),
    ]
    title = f"(a, b) Request count and client overhead at {small.label} vs {big.label}"
    return Section("scaling", title, body, checks)
