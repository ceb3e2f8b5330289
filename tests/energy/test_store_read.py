"""The store's read path: pod rows summed over the requested zones in SQL, one row per pod and hour."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from carbon_kepler.assessment import window_of, windows_by
from carbon_kepler.energy.attribution import Policy, WorkloadHour, attribute
from carbon_kepler.energy.columns import workload_key
from carbon_kepler.energy.model import ZONE_SET
from carbon_kepler.energy.selector import Selector
from carbon_kepler.energy.source import StoreSource
from carbon_kepler.energy.store import Store
from carbon_kepler.engine import select


def test_pod_rows_are_the_per_zone_rows_summed_one_row_per_pod_and_hour(store_6h: Path) -> None:
    source = StoreSource(store_6h)
    period = source.default_period()
    assert period is not None
    both = source.fetch(period, ("package", "dram")).pod_hours
    per_zone = {z: source.fetch(period, (z,)).pod_hours for z in ("package", "dram")}
    assert both and {r.zone for r in both} == {ZONE_SET}
    assert max(Counter((r.pod_uid, r.hour_utc) for r in both).values()) == 1
    expected: dict[tuple[str, int], float] = defaultdict(float)
    for rows in per_zone.values():
        for r in rows:
            expected[(r.pod_uid, r.hour_utc)] += r.joules
    got = {(r.pod_uid, r.hour_utc): r.joules for r in both}
    assert got.keys() == expected.keys()
    assert all(abs(got[k] - expected[k]) <= 1e-9 * max(1.0, expected[k]) for k in got)
    assert per_zone["dram"] and sum(r.joules for r in per_zone["dram"]) > 0  # the sum really adds a zone


def test_time_range_is_the_first_and_last_hour_with_pod_energy(store_6h: Path) -> None:
    store = Store.open(store_6h, readonly=True)
    lo, hi = store.conn.execute("SELECT MIN(hour_utc), MAX(hour_utc) FROM pod_energy").fetchone()
    assert store.time_range() == (lo, hi + 3600)


def test_one_pass_workload_windows_equal_a_window_per_workload(store_6h: Path) -> None:
    source = StoreSource(store_6h)
    period = source.default_period()
    assert period is not None
    rows = attribute(source.fetch(period, ("package", "dram")), Policy.PROPORTIONAL).workloads
    groups: dict[str, list[WorkloadHour]] = defaultdict(list)
    for r in rows:
        groups[f"{r.namespace}/{r.owner.name}"].append(r)
    windows = windows_by(rows, period, 0.9, workload_key)
    assert windows.keys() == groups.keys() and len(windows) > 5
    for key, members in groups.items():
        ns, name = key.split("/", 1)
        # exactly what assessing the one workload computes (engine.select, then its window)
        assert windows[key] == window_of(select(rows, Selector(namespace=ns, workload=name)), period, 0.9)
        # and, from the rows read one by one: the same sums, added in row order instead of the source's
        one, alone = windows[key], window_of(members, period, 0.9)
        assert [h.hour_utc for h in one.hours] == [h.hour_utc for h in alone.hours]
        assert [h.kwh for h in one.hours] == pytest.approx([h.kwh for h in alone.hours], rel=1e-12)
        assert dataclasses.replace(one, hours=()) == dataclasses.replace(alone, hours=())
