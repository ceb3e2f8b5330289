"""PrometheusSource: hourly pod and node energy for a period in a fixed number of PromQL requests."""

from __future__ import annotations

from collections.abc import Iterator

from carbon_kepler.core.errors import NoKeplerData
from carbon_kepler.core.period import HOUR, Period, utc_iso
from carbon_kepler.energy import kepler
from carbon_kepler.energy.model import EnergyData, Generation, NodeHour, Owner, PodHour
from carbon_kepler.energy.owners import owner_from_kube
from carbon_kepler.energy.prometheus import queries as q
from carbon_kepler.energy.prometheus.client import PrometheusClient

CHUNK_HOURS = 24 * 31  # well under the 11,000-points-per-series cap of a range query


def _chunks(period: Period) -> Iterator[tuple[int, int]]:
    """(first hour end, last hour end) of each range query, hour ends being the evaluation times."""
    first = period.start_ts + HOUR
    while first <= period.end_ts:
        last = min(first + (CHUNK_HOURS - 1) * HOUR, period.end_ts)
        yield first, last
        first = last + HOUR


class PrometheusSource:
    def __init__(
        self, client: PrometheusClient, *, method: q.Method = q.Method.HELD, resolution_s: int = 30
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

    def _hourly(self, promql: str, period: Period) -> Iterator[tuple[dict[str, str], int, float]]:
        for first, last in _chunks(period):
            for series in self.client.query_range(promql, first, last, HOUR):
                for t, v in series["values"]:
                    yield series["metric"], int(float(t)) - HOUR, float(v)

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
        rng = period.end_ts - period.start_ts
        at = period.end_ts
        data = EnergyData(pod_hours=[], node_hours=[], zones=zones, generation=gen, source=self.description)
        versions = [r["metric"].get("version", "") for r in self.client.query(q.build_versions(rng), at)]
        data.kepler_version = sorted(v for v in versions if v)[-1] if any(versions) else None
        data.warnings.extend(kepler.version_notices(data.kepler_version))
        if gen is Generation.NEW:
            self._fetch_new(data, period, zones, rng, at)
        else:
            self._fetch_old(data, period, zones)
        self._coverage(data, period, gen)
        self._owners(data, rng, at)
        if not data.pod_hours and not data.node_hours:
            raise NoKeplerData(
                f"{self.client.base} has Kepler series but no energy for zones {','.join(zones)} in {period.label()}",
                hint="check --zones (e.g. package,dram) and the period",
            )
        return data

    def _fetch_new(self, data: EnergyData, period: Period, zones: tuple[str, ...], rng: int, at: int) -> None:
        zw = self.client.query(q.node_zones_and_watts(rng), at)
        notice = kepler.fake_meter_notice(
            (r["metric"].get("zone", "") for r in zw), (float(r["value"][1]) for r in zw)
        )
        if notice:
            data.warnings.append(notice)
        for m, hour, j in self._hourly(q.pod_energy_new(zones, self.method, self.resolution_s), period):
            data.pod_hours.append(
                PodHour(
                    hour,
                    m.get("node_name", ""),
                    m.get("pod_namespace", ""),
                    m.get("pod_name", ""),
                    m.get("pod_id", ""),
                    m.get("zone", ""),
                    j,
                )
            )
        acc: dict[tuple[int, str, str], dict[str, float]] = {}
        for m, hour, j in self._hourly(q.node_energy_new(zones, self.method, self.resolution_s), period):
            acc.setdefault((hour, m.get("node_name", ""), m.get("zone", "")), {})[
                m.get("kind") or "total"
            ] = j
        data.node_hours.extend(_node_rows(acc))

    def _fetch_old(self, data: EnergyData, period: Period, zones: tuple[str, ...]) -> None:
        for m, hour, j in self._hourly(q.pod_energy_old(zones, self.method, self.resolution_s), period):
            ns, pod = m.get("container_namespace", ""), m.get("pod_name", "")
            data.pod_hours.append(
                PodHour(hour, m.get("instance", ""), ns, pod, f"{ns}/{pod}", m.get("zone", ""), j)
            )
        acc: dict[tuple[int, str, str], dict[str, float]] = {}
        for m, hour, j in self._hourly(q.node_energy_old(zones, self.method, self.resolution_s), period):
            kind = "active" if m.get("mode") == "dynamic" else "idle"
            acc.setdefault((hour, m.get("instance", ""), m.get("zone", "")), {})[kind] = j
        data.node_hours.extend(_node_rows(acc))

    def _coverage(self, data: EnergyData, period: Period, gen: Generation) -> None:
        counts = [
            (m.get("node_name") or m.get("instance", ""), hour, c)
            for m, hour, c in self._hourly(q.node_coverage(gen is Generation.NEW), period)
        ]
        if not counts:
            return
        expected = sorted(c for _, _, c in counts)[len(counts) // 2]  # the usual samples per hour
        data.coverage = {(node, hour): min(c / expected, 1.0) for node, hour, c in counts}

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


def _node_rows(acc: dict[tuple[int, str, str], dict[str, float]]) -> list[NodeHour]:
    rows = []
    for (hour, node, zone), kinds in sorted(acc.items()):
        active, idle = kinds.get("active", 0.0), kinds.get("idle", 0.0)
        total = kinds.get("total", active + idle)
        rows.append(NodeHour(hour, node, zone, total, active, idle))
    return rows
