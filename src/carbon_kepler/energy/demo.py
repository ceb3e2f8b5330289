"""Build a store from simulated Kepler expositions through the real collector (demo data, tests).

Every exposition goes through `Collector.ingest`, the same code path as `carbon-kepler collect`;
nothing is written to the store directly. Nodes are scraped at their own phase, like Prometheus.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from pathlib import Path

from carbon_kepler.energy.scrape.collector import Collector
from carbon_kepler.energy.simulator import Simulation
from carbon_kepler.energy.store import Store

PHASES = (3, 8, 12)


def scrape_schedule(sim: Simulation, interval_s: int, first: int, last: int) -> list[tuple[int, str]]:
    """(time, node) of every scrape in [first, last), merged in time order."""
    per_node = [
        [(t, node) for t in range(first + PHASES[i % len(PHASES)], last, interval_s)]
        for i, node in enumerate(sim.nodes)
    ]
    return list(heapq.merge(*per_node))


def build_store(
    sim: Simulation, out: Path, interval_s: int = 30, *, advance: Callable[[int], None] | None = None
) -> int:
    """Collect the whole simulation into a fresh, compacted store at `out`; returns the scrape count."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".building")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    store = Store.open(tmp, create=True)
    collector = Collector(store, max_gap_s=3 * interval_s)
    # Start one hour early (Kepler already runs then) so the first hour of the period is complete.
    schedule = scrape_schedule(sim, interval_s, sim.start - 3600, sim.end)
    for n, (t, node) in enumerate(schedule, 1):
        text = sim.exposition(node, t)
        if text is not None:  # None: Kepler is down (restart)
            collector.ingest(f"https://{node}:28282/metrics", text, float(t))
        if advance and n % 500 == 0:
            advance(500)
    with store.transaction() as db:  # keep only the simulated period
        for table in ("pod_energy", "node_energy", "coverage"):
            db.execute(f"DELETE FROM {table} WHERE hour_utc < ?", (sim.start,))
        db.execute("DELETE FROM series_state")
        db.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('demo', ?)",
            (f"simulated: seed {sim.config.seed}, scraped every {interval_s}s through the collector",),
        )
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.conn.execute("PRAGMA journal_mode=DELETE")
    store.conn.execute("VACUUM")
    store.close()
    tmp.replace(out)
    return len(schedule)
