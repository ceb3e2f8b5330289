"""Build the packaged demo store by feeding simulated Kepler expositions through the real collector.

The demo week (SimConfig() defaults: 3 nodes, ~40 pods, a Kepler restart, short CronJobs, a node
without dram) is scraped every --interval seconds per node, each node at its own phase like
Prometheus, and every exposition goes through `Collector.ingest` — the same code path as
`carbon-kepler collect`. Nothing is written to the store directly.

    python scripts/build_demo_store.py [--interval 30] [--hours N] [--out PATH]
"""

from __future__ import annotations

import argparse
import heapq
import time
from pathlib import Path

from rich.progress import Progress

from carbon_kepler.energy.scrape.collector import Collector
from carbon_kepler.energy.simulator import SimConfig, Simulation
from carbon_kepler.energy.source import demo_store_path
from carbon_kepler.energy.store import Store

PHASES = (3, 8, 12)


def scrape_schedule(sim: Simulation, interval_s: int, first: int, last: int) -> list[tuple[int, str]]:
    """(time, node) of every scrape in [first, last), merged in time order."""
    per_node = [
        [(t, node) for t in range(first + PHASES[i % len(PHASES)], last, interval_s)]
        for i, node in enumerate(sim.nodes)
    ]
    return list(heapq.merge(*per_node))


def build(out: Path, interval_s: int, hours: int | None) -> None:
    sim = Simulation(SimConfig(hours=hours) if hours else SimConfig())
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".building")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    store = Store.open(tmp, create=True)
    collector = Collector(store, max_gap_s=3 * interval_s)
    # Start one hour early (Kepler already runs then) so the first demo hour is complete.
    schedule = scrape_schedule(sim, interval_s, sim.start - 3600, sim.end)
    started = time.perf_counter()
    with Progress() as bar:
        task = bar.add_task("collector ingest", total=len(schedule))
        for t, node in schedule:
            text = sim.exposition(node, t)
            if text is not None:  # None: Kepler is down (restart)
                collector.ingest(f"https://{node}:28282/metrics", text, float(t))
            bar.advance(task)
    with store.transaction() as db:  # the demo store keeps only the demo week
        db.execute("DELETE FROM pod_energy WHERE hour_utc < ?", (sim.start,))
        db.execute("DELETE FROM node_energy WHERE hour_utc < ?", (sim.start,))
        db.execute("DELETE FROM coverage WHERE hour_utc < ?", (sim.start,))
        db.execute("DELETE FROM series_state")
        db.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('demo', ?)",
            (f"SimConfig() seed 7, scraped every {interval_s}s",),
        )
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.conn.execute("PRAGMA journal_mode=DELETE")
    store.conn.execute("VACUUM")
    store.close()
    tmp.replace(out)
    print(
        f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) from {len(schedule)} scrapes in {time.perf_counter() - started:.0f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--interval", type=int, default=30)
    ap.add_argument("--hours", type=int, default=None)
    ap.add_argument("--out", type=Path, default=demo_store_path())
    args = ap.parse_args()
    build(args.out, args.interval, args.hours)


if __name__ == "__main__":
    main()
