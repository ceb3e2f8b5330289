"""Embedded local store of hourly per-workload energy (stdlib sqlite3, WAL, versioned schema).

Written by the direct-scrape collector, one transaction per scrape, so a SIGKILL at any moment
leaves the last committed scrape intact: nothing is lost or counted twice on restart. Raw samples
are not kept — only hourly integrals and each counter's last sample. The demo data set is a store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from carbon_kepler.core.errors import StoreError
from carbon_kepler.core.figures import Notice
from carbon_kepler.core.period import HOUR, Period
from carbon_kepler.energy import kepler
from carbon_kepler.energy.columns import PodColumns, PodInfo
from carbon_kepler.energy.model import EnergyData, Generation, NodeHour
from carbon_kepler.energy.owners import owner_from_name

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pods (
  pod_uid TEXT PRIMARY KEY, namespace TEXT NOT NULL, pod TEXT NOT NULL, node TEXT NOT NULL,
  first_seen REAL NOT NULL, last_seen REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pod_energy (
  hour_utc INTEGER NOT NULL, pod_uid TEXT NOT NULL, zone TEXT NOT NULL, joules REAL NOT NULL,
  PRIMARY KEY (hour_utc, pod_uid, zone)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS node_energy (
  hour_utc INTEGER NOT NULL, node TEXT NOT NULL, zone TEXT NOT NULL, kind TEXT NOT NULL, joules REAL NOT NULL,
  PRIMARY KEY (hour_utc, node, zone, kind)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS coverage (
  hour_utc INTEGER NOT NULL, endpoint TEXT NOT NULL, seconds REAL NOT NULL,
  PRIMARY KEY (hour_utc, endpoint)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS endpoints (
  endpoint TEXT PRIMARY KEY, node TEXT, last_ts REAL, version TEXT, generation TEXT);
CREATE TABLE IF NOT EXISTS series_state (
  endpoint TEXT NOT NULL, key TEXT NOT NULL, ts REAL NOT NULL, value REAL NOT NULL,
  PRIMARY KEY (endpoint, key)) WITHOUT ROWID;
"""


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path | str, *, create: bool = False, readonly: bool = False) -> Store:
        p = Path(path)
        if not create and not p.exists():
            raise StoreError(
                f"local store {p} does not exist",
                hint="run `carbon-kepler collect --kepler-url URL --store PATH` first, or use --source demo",
            )
        try:
            uri = f"file:{p}?mode=ro" if readonly else str(p)
            # A read-only store may be shared by worker threads (the MCP SDK runs tools in a thread pool);
            # sqlite3 serialises access itself, so the thread check is only needed for writers.
            conn = sqlite3.connect(
                uri, uri=readonly, timeout=30, isolation_level=None, check_same_thread=not readonly
            )
            if not readonly:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(_SCHEMA)
            store = cls(conn, p)
            store._check_schema(create and not readonly)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"cannot open local store {p}: {exc}", hint="check the path, or delete a corrupt file"
            ) from exc
        return store

    def _check_schema(self, may_write: bool) -> None:
        found = self.meta("schema_version")
        if found is None and may_write:
            self.set_meta("schema_version", str(SCHEMA_VERSION))
            return
        if found is None:
            found = "0"
        if int(found) != SCHEMA_VERSION:
            raise StoreError(
                f"local store {self.path} has schema version {found}, this carbon-kepler reads {SCHEMA_VERSION}",
                hint="re-collect into a new store file",
            )

    def close(self) -> None:
        self.conn.close()

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- collector side -------------------------------------------------------------------------
    def endpoint_state(self, endpoint: str) -> tuple[float | None, dict[str, tuple[float, float]]]:
        row = self.conn.execute("SELECT last_ts FROM endpoints WHERE endpoint = ?", (endpoint,)).fetchone()
        states = {
            k: (ts, v)
            for k, ts, v in self.conn.execute(
                "SELECT key, ts, value FROM series_state WHERE endpoint = ?", (endpoint,)
            )
        }
        return (None if row is None else row[0]), states

    # -- reader side ----------------------------------------------------------------------------
    def energy(self, period: Period, zones: Iterable[str]) -> EnergyData:
        zs = tuple(zones)
        marks = ",".join("?" * len(zs))
        args = (period.start_ts, period.end_ts, *zs)
        # Pods are joined in Python (a few hundred rows) and zones summed in SQL: half the rows and no
        # per-row join, which is most of what reading a week costs (BENCHMARKS.md, MCP section).
        pods = {
            uid: (node, ns, pod)
            for uid, node, ns, pod in self.conn.execute(
                "SELECT pod_uid, node, namespace, pod FROM pods WHERE last_seen >= ? AND first_seen < ?",
                (period.start_ts - HOUR, period.end_ts + HOUR),  # an hour's slack either side
            )
        }
        sums: dict[tuple[PodInfo, int], float] = {}
        keys = {
            uid: PodInfo(node, ns, pod, uid, owner_from_name(pod)) for uid, (node, ns, pod) in pods.items()
        }
        for h, uid, j in self.conn.execute(
            "SELECT hour_utc, pod_uid, SUM(joules) FROM pod_energy WHERE hour_utc >= ? AND hour_utc < ? "
            f"AND zone IN ({marks}) GROUP BY hour_utc, pod_uid",
            args,
        ):
            key = keys.get(uid)
            if key is not None:  # as the inner join did: energy rows without a pod row are not attributable
                sums[(key, h)] = j
        pod_rows = PodColumns.from_sums(sums)
        node_acc: dict[tuple[int, str, str], dict[str, float]] = {}
        for h, node, zone, kind, j in self.conn.execute(
            f"SELECT hour_utc, node, zone, kind, joules FROM node_energy WHERE hour_utc >= ? AND hour_utc < ? AND zone IN ({marks})",
            args,
        ):
            node_acc.setdefault((h, node, zone), {})[kind] = j
        node_rows = [_node_hour(k, v) for k, v in sorted(node_acc.items())]
        return EnergyData(
            pod_hours=pod_rows,
            node_hours=node_rows,
            zones=zs,
            generation=_generation(self.meta("generation")),
            kepler_version=self.meta("kepler_version"),
            coverage=self._coverage(period),
            warnings=self._notices(),
            source=f"local store {self.path} (collector integration of Kepler counters)",
        )

    def _coverage(self, period: Period) -> dict[tuple[str, int], float]:
        rows = self.conn.execute(
            "SELECT c.hour_utc, COALESCE(e.node, c.endpoint), c.seconds FROM coverage c LEFT JOIN endpoints e "
            "USING (endpoint) WHERE c.hour_utc >= ? AND c.hour_utc < ?",
            (period.start_ts, period.end_ts),
        )
        return {(node, h): min(sec / 3600.0, 1.0) for h, node, sec in rows}

    def _notices(self) -> list[Notice]:
        out = kepler.version_notices(self.meta("kepler_version"))
        fake = self.meta("fake_meter")
        if fake:
            out.append(Notice(code="FAKE_METER", message=fake))
        return out

    def time_range(self) -> tuple[int, int] | None:
        # two scalar subqueries: SQLite answers each from the primary key; MIN and MAX together scan the table
        row = self.conn.execute(
            "SELECT (SELECT MIN(hour_utc) FROM pod_energy), (SELECT MAX(hour_utc) FROM pod_energy)"
        ).fetchone()
        return None if row is None or row[0] is None else (int(row[0]), int(row[1]) + 3600)


def _node_hour(key: tuple[int, str, str], kinds: dict[str, float]) -> NodeHour:
    h, node, zone = key
    active, idle = kinds.get("active", 0.0), kinds.get("idle", 0.0)
    total = kinds.get("total", active + idle)
    if "idle" not in kinds and "total" in kinds:
        idle = total - active
    return NodeHour(h, node, zone, total, active, idle)


def _generation(value: str | None) -> Generation | None:
    try:
        return Generation(value) if value else None
    except ValueError:
        return None
