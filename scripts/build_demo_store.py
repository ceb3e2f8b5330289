"""Build the packaged demo store by feeding simulated Kepler expositions through the real collector.

The demo week (SimConfig() defaults: 3 nodes, ~40 pods, a Kepler restart, short CronJobs, a node
without dram) is scraped every --interval seconds per node; see carbon_kepler.energy.demo.

    python scripts/build_demo_store.py [--interval 15] [--hours N] [--out PATH]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.progress import Progress

from carbon_kepler.energy.demo import build_store, scrape_schedule
from carbon_kepler.energy.simulator import SimConfig, Simulation
from carbon_kepler.energy.source import demo_store_path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--interval", type=int, default=15)
    ap.add_argument("--hours", type=int, default=None)
    ap.add_argument("--out", type=Path, default=demo_store_path())
    args = ap.parse_args()
    sim = Simulation(SimConfig(hours=args.hours) if args.hours else SimConfig())
    started = time.perf_counter()
    with Progress() as bar:
        total = len(scrape_schedule(sim, args.interval, sim.start - 3600, sim.end))
        task = bar.add_task("collector ingest", total=total)
        n = build_store(sim, args.out, args.interval, advance=lambda k: bar.advance(task, k))
    size = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size:.1f} MB) from {n} scrapes in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
