"""PrometheusSource: hourly pod and node energy for a period in a fixed number of PromQL requests."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping

from carbon_kepler.core.errors import NoKeplerData, SourceError
from carbon_kepler.core.period import HOUR, Period, utc_iso
from carbon_kepler.energy import kepler
from carbon_kepler.energy.columns import PodColumns, PodInfo
from carbon_kepler.energy.model import EnergyData, Generation, NodeHour, Owner
from carbon_kepler.energy.owners import owner_from_kube, owner_of
from carbon_kepler.energy.prometheus import queries as q
from carbon_kepler.energy.prometheus.client import PrometheusClient

CHUNK_HOURS = 24 * 31  # well under the 11,000-points-per-series cap of a range query
Labels = tuple[tuple[str, str], ...]


def _chunks(first: int, last: int) -> Iterator[tuple[int, int]]:
    """Split evaluation times first, first+1h, …, last into range queries of at most CHUNK_HOURS points."""
    while first <= last:
        end = min(first + (CHUNK_HOURS - 1) * HOUR, last)
        yield first, end
        first = end + HOUR


def _interpolated_before(v0: float, t0: float, v1: float, t1: float, b: int) -> float:
    """Energy between the last sample before boundary b and b, by linear interpolation (0 if n/a)."""
    if not (t0 <= b < t1) or v1 < v0:  # no sample after b, or a counter reset in between
        return 0.0
    return (v1 - v0) * (b - t0) / (t1 - t0)


class PrometheusSource:
    def __init__(
        self, client: PrometheusClient, *, method: q.Method = q.Method.INTERPOLATED, resolution_s: int = 30
    ) -> None:
        if HOUR % resolution_s:
            raise ValueError("resolution must divide an hour")
        self.client = client
        self.method = method
        self.resolution_s = resolution_s

    @property
    def description(self) -> str:
        return f"Prometheus {self.client.base} (PromQL, {self.method.value} hourly increase)"

    def default_period(self) -> Period | None:
        return None

    def _range(self, promql: str, first: int, last: int) -> Iterator[tuple[dict[str, str], int, float]]:
        for a, b in _chunks(first, last):
            for series in self.client.query_range(promql, a, b, HOUR):
                m = _Metric(series["metric"])  # label keys computed once per series, not per point
                for t, v in series["values"]:
                    x = float(v)  # the queries divide nothing: only a non-number sample is not finite
                    if not math.isfinite(x):
                        labels = ", ".join(f'{k}="{x}"' for k, x in sorted(m.items()) if k != "q")
                        raise SourceError(
                            f"Prometheus returned {v} for {{{labels}}} at {utc_iso(float(t))}; "
                            "energy counters must be finite numbers",
                            hint="a Kepler exporter stored a non-number sample: check the exporter on that "
                            "node, or choose a period without it (--start/--end or --period)",
                        )
                    yield m, int(float(t)), x

    def _hourly(self, promql: str, period: Period) -> Iterator[tuple[dict[str, str], int, float]]:
        for m, t, v in self._range(promql, period.start_ts + HOUR, period.end_ts):
            yield m, t - HOUR, v

    def energy_rows(
        self, fam: q.CounterFamily, period: Period, scrape_s: int
    ) -> dict[tuple[Labels, int], float]:
        """(labels, hour) → joules for every counter group of `fam`."""
        if self.method is q.Method.INTERPOLATED:
            return self._interpolated(fam, period, scrape_s)
        rows: dict[tuple[Labels, int], float] = defaultdict(float)
        for m, hour, j in self._hourly(q.hourly_energy(fam, self.method, self.resolution_s), period):
            rows[(_labels(m), hour)] += j
        return rows

    def _samples(
        self, fam: q.CounterFamily, period: Period, shift: int, *, with_held: bool
    ) -> tuple[dict[tuple[Labels, int], dict[str, float]], dict[tuple[str, int], float]]:
        """Boundary samples by (labels, boundary) and each node's scrape time by (node, boundary)."""
        values: dict[tuple[Labels, int], dict[str, float]] = defaultdict(dict)
        clock: dict[tuple[str, int], float] = {}
        for m, t, v in self._range(
            q.boundary_samples(fam, with_held=with_held), period.start_ts + shift, period.end_ts + shift
        ):
            kind = m.get("q", "v")
            if kind == "t":
                clock[(m.get(fam.node_label, ""), t - shift)] = v
            else:
                key = (
                    m.key_without_q
                    if isinstance(m, _Metric)
                    else _labels({k: x for k, x in m.items() if k != "q"})
                )
                values[(key, t - shift)][kind] = v
        return values, clock

    def _interpolated(
        self, fam: q.CounterFamily, period: Period, scrape_s: int
    ) -> dict[tuple[Labels, int], float]:
        """Hour energy = V(end boundary) − V(start boundary), V interpolated between the samples around
        each boundary; hours with a counter reset, or with no sample before them, use the held increase
        plus the same boundary terms."""
        at_b, clock_b = self._samples(fam, period, 0, with_held=True)
        after, clock_a = self._samples(fam, period, scrape_s, with_held=False)
        value: dict[tuple[Labels, int], float] = {}
        shift: dict[tuple[Labels, int], float] = {}  # interpolated part beyond the last sample before b
        for key, s in at_b.items():
            labels, b = key
            node = dict(labels).get(fam.node_label, "")
            t0, t1, v1 = clock_b.get((node, b)), clock_a.get((node, b)), after.get(key, {}).get("v")
            c = (
                _interpolated_before(s["v"], t0, v1, t1, b)
                if "v" in s and t0 and t1 and v1 is not None
                else 0.0
            )
            base = s.get("v", s.get("h"))
            if base is not None:
                value[key], shift[key] = base + c, c
        rows: dict[tuple[Labels, int], float] = {}
        bad: set[tuple[Labels, int]] = set()
        for (labels, b), v in value.items():
            if b <= period.start_ts:
                continue
            hour = b - HOUR
            start = value.get((labels, hour))
            rows[(labels, hour)] = v - (start or 0.0)
            # No sample before the hour: a pod born in it counts from 0 — unless its Kepler target had
            # no data then either (data begins, or an outage): the counter has history; use held.
            if start is None and (dict(labels).get(fam.node_label, ""), hour) not in clock_b:
                bad.add((labels, hour))
        bad |= {
            (_labels(m), hour)
            for m, hour, _ in self._hourly(q.counter_resets(fam, self.resolution_s), period)
        }
        bad |= {k for k, v in rows.items() if v < 0}
        held = self._held_hours(fam, sorted({hour for _, hour in bad}))
        for labels, hour in bad:
            rows[(labels, hour)] = (
                held.get((labels, hour), 0.0)
                + shift.get((labels, hour + HOUR), 0.0)
                - shift.get((labels, hour), 0.0)
            )
        return rows

    def _held_hours(self, fam: q.CounterFamily, hours: list[int]) -> dict[tuple[Labels, int], float]:
        """Held-method energy for just these hours (one range query per run of consecutive hours)."""
        out: dict[tuple[Labels, int], float] = {}
        runs: list[list[int]] = []
        for h in hours:
            if runs and h == runs[-1][-1] + HOUR:
                runs[-1].append(h)
            else:
                runs.append([h])
        promql = q.hourly_energy(fam, q.Method.HELD, self.resolution_s)
        for run in runs:
            for m, t, j in self._range(promql, run[0] + HOUR, run[-1] + HOUR):
                out[(_labels(m), t - HOUR)] = j
        return out

    def generation(self, period: Period) -> Generation:
        names = self.client.label_values("__name__", q.kepler_metric_names(), period.start_ts, period.end_ts)
        gen = kepler.detect_generation(names)
        if gen is None:
            raise NoKeplerData(
                f"{self.client.base} has no kepler_* series between {utc_iso(period.start_ts)} and {utc_iso(period.end_ts)}",
                hint="check that Prometheus scrapes Kepler (ServiceMonitor/scrape job, port 28282) and the period",
            )
        return gen

    def fetch(self, period: Period, zones: tuple[str, ...]) -> EnergyData:
        gen = self.generation(period)
        old = gen is Generation.OLD
        rng, at = period.end_ts - period.start_ts, period.end_ts
        data = EnergyData(pod_hours=[], node_hours=[], zones=zones, generation=gen, source=self.description)
        versions = sorted(
            v for r in self.client.query(q.build_versions(rng), at) if (v := r["metric"].get("version"))
        )
        data.kepler_version = versions[-1] if versions else None
        data.warnings.extend(kepler.version_notices(data.kepler_version))
        if not old:
            zw = self.client.query(q.node_zones_and_watts(rng), at)
            notice = kepler.fake_meter_notice(
                (r["metric"].get("zone", "") for r in zw), (float(r["value"][1]) for r in zw)
            )
            if notice:
                data.warnings.append(notice)
        scrape_s = self._coverage(data, period, gen)
        self._owners(data, rng, at)  # first: pods are built with their owners
        data.pod_hours = _pod_rows(
            self.energy_rows(q.pod_family(zones, old), period, scrape_s), old, data.owners
        )
        data.node_hours = _node_rows(self.energy_rows(q.node_family(zones, old), period, scrape_s), old)
        if not data.pod_hours and not data.node_hours:
            fake = next((w for w in data.warnings if w.code == "FAKE_METER"), None)
            if fake:
                raise NoKeplerData(fake.message)
            raise NoKeplerData(
                f"{self.client.base} has Kepler series but no energy for zones {','.join(zones)} in {period.label()}",
                hint="check --zones (e.g. package,dram) and the period",
            )
        return data

    def _coverage(self, data: EnergyData, period: Period, gen: Generation) -> int:
        """Fill data.coverage; return the scrape interval in seconds (from the usual samples per hour)."""
        counts = [
            (m.get("node_name") or m.get("instance", ""), hour, c)
            for m, hour, c in self._hourly(q.node_coverage(gen is Generation.NEW), period)
        ]
        if not counts:
            return 30
        expected = sorted(c for _, _, c in counts)[len(counts) // 2]
        data.coverage = {(node, hour): min(c / expected, 1.0) for node, hour, c in counts}
        return max(1, round(HOUR / expected))

    def _owners(self, data: EnergyData, rng: int, at: int) -> None:
        parents: dict[tuple[str, str], tuple[str, str]] = {}
        for r in self.client.query(q.owner_parents(rng), at):
            m = r["metric"]
            child = ("ReplicaSet", m["replicaset"]) if "replicaset" in m else ("Job", m.get("job_name", ""))
            parents[child] = (m.get("owner_kind", ""), m.get("owner_name", ""))
        owners: dict[str, Owner] = {}
        for r in self.client.query(q.pod_owners(rng), at):
            m = r["metric"]
            owner = owner_from_kube(m.get("owner_kind", ""), m.get("owner_name", ""), parents)
            owners[m.get("uid", "")] = owner
            owners[f"{m.get('namespace')}/{m.get('pod')}"] = (
                owner  # old generation keys pods by namespace/name
            )
        data.owners = owners
        reqs = self.client.query(q.cpu_requests(rng), at)
        data.cpu_requests = {r["metric"].get("uid", ""): float(r["value"][1]) for r in reqs} if reqs else None


class _Metric(dict[str, str]):
    """A series' labels with its sorted key tuples precomputed (hot loop over every returned point)."""

    def __init__(self, labels: dict[str, str]) -> None:
        super().__init__(labels)
        self.key: Labels = tuple(sorted(labels.items()))
        self.key_without_q: Labels = tuple(kv for kv in self.key if kv[0] != "q")


def _labels(m: dict[str, str]) -> Labels:
    return m.key if isinstance(m, _Metric) else tuple(sorted(m.items()))


def _pod_rows(rows: dict[tuple[Labels, int], float], old: bool, owners: Mapping[str, Owner]) -> PodColumns:
    """One entry per pod and hour, summed over the zones (the query already selected only the requested
    zones); each series' labels are read once, not once per hour."""
    ident: dict[Labels, PodInfo] = {}  # series labels → (node, namespace, pod, uid, owner)
    acc: dict[tuple[PodInfo, int], float] = {}
    for (labels, hour), j in rows.items():
        who = ident.get(labels)
        if who is None:
            m = dict(labels)
            if old:
                ns, pod, node = m.get("container_namespace", ""), m.get("pod_name", ""), m.get("instance", "")
                uid = f"{ns}/{pod}"  # the old generation has no pod uid label
            else:
                ns, pod, node, uid = (
                    m.get("pod_namespace", ""),
                    m.get("pod_name", ""),
                    m.get("node_name", ""),
                    m.get("pod_id", ""),
                )
            who = PodInfo(node, ns, pod, uid, owner_of(uid, pod, owners))
            ident[labels] = who
        key = (who, hour)
        acc[key] = acc.get(key, 0.0) + j
    return PodColumns.from_sums(acc)


def _node_rows(rows: dict[tuple[Labels, int], float], old: bool) -> list[NodeHour]:
    acc: dict[tuple[int, str, str], dict[str, float]] = {}
    for (labels, hour), j in rows.items():
        m = dict(labels)
        kind = ("active" if m.get("mode") == "dynamic" else "idle") if old else (m.get("kind") or "total")
        node = m.get("instance", "") if old else m.get("node_name", "")
        slot = acc.setdefault((hour, node, m.get("zone", "")), {})
        slot[kind] = slot.get(kind, 0.0) + j
    result = []
    for (hour, node, zone), kinds in sorted(acc.items()):
        active, idle = kinds.get("active", 0.0), kinds.get("idle", 0.0)
        result.append(NodeHour(hour, node, zone, kinds.get("total", active + idle), active, idle))
    return result
