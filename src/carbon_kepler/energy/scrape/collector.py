"""Direct-scrape collector: polls Kepler /metrics endpoints and integrates counters into the store.

For clusters with Kepler but no Prometheus (the seed's AWS set-up: Kepler behind HTTPS on a NodePort).
Each scrape is parsed, integrated against each counter's last sample (reset detection, `state`
merged), and committed in ONE transaction together with the new last samples — so killing the
process at any moment loses nothing and double-counts nothing (tested with SIGKILL).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from carbon_kepler.core.errors import SourceError
from carbon_kepler.energy import kepler
from carbon_kepler.energy.http_errors import translate_http_error
from carbon_kepler.energy.scrape.integrate import counter_delta, spread, spread_seconds
from carbon_kepler.energy.scrape.parse import ParsedScrape, parse_exposition
from carbon_kepler.energy.store import Store

log = logging.getLogger(__name__)

OPENMETRICS = "application/openmetrics-text"
ACCEPT = f"{OPENMETRICS};version=1.0.0;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
STALE_STATE_S = 3600.0


@dataclass
class IngestStats:
    endpoint: str
    pods: int
    joules: float
    reset: bool
    first: bool


class Collector:
    """Integrates Kepler expositions into a Store. `ingest` is the one code path for live and demo data."""

    def __init__(self, store: Store, *, max_gap_s: float = 120.0) -> None:
        self.store = store
        self.max_gap_s = max_gap_s

    def ingest(self, endpoint: str, text: str, t: float, *, openmetrics: bool = False) -> IngestStats:
        parsed = parse_exposition(text, openmetrics=openmetrics, default_node=endpoint)
        last_ts, states = self.store.endpoint_state(endpoint)
        if last_ts is not None and t <= last_ts:
            return IngestStats(endpoint, len(parsed.pods), 0.0, False, False)  # replayed/old sample
        # Kepler restarted when any node counter dropped: every counter of the endpoint restarted from 0.
        reset = any(n.key in states and n.value < states[n.key][1] for n in parsed.nodes)
        pod_acc, node_acc, new_states = self._integrate(parsed, states, last_ts, t, reset)
        with self.store.transaction() as db:
            self._write(db, endpoint, parsed, t, last_ts, pod_acc, node_acc)
            db.executemany(
                "INSERT OR REPLACE INTO series_state(endpoint, key, ts, value) VALUES (?, ?, ?, ?)",
                [(endpoint, k, t, v) for k, v in new_states.items()],
            )
            db.execute(
                "DELETE FROM series_state WHERE endpoint = ? AND ts < ?", (endpoint, t - STALE_STATE_S)
            )
        return IngestStats(endpoint, len(parsed.pods), sum(pod_acc.values()), reset, last_ts is None)

    def _integrate(
        self,
        parsed: ParsedScrape,
        states: dict[str, tuple[float, float]],
        last_ts: float | None,
        t: float,
        reset: bool,
    ) -> tuple[dict[tuple[int, str, str], float], dict[tuple[int, str, str, str], float], dict[str, float]]:
        pod_acc: dict[tuple[int, str, str], float] = defaultdict(float)
        node_acc: dict[tuple[int, str, str, str], float] = defaultdict(float)
        new_states: dict[str, float] = {}

        def delta(key: str, value: float) -> tuple[float, float] | None:
            new_states[key] = value
            prev = states.get(key)
            if prev is not None:
                return counter_delta(prev[1], value, reset=reset), prev[0]
            if last_ts is not None:  # series born since the last scrape: its whole counter is new energy
                return value, last_ts
            return None  # very first scrape: the counter's history predates collection

        for p in parsed.pods:
            d = delta(p.key, p.value)
            if d:
                for hour, j in spread(d[0], d[1], t):
                    pod_acc[(hour, p.pod_uid, p.zone)] += j
        for n in parsed.nodes:
            d = delta(n.key, n.value)
            if d:
                for hour, j in spread(d[0], d[1], t):
                    node_acc[(hour, n.node, n.zone, n.kind)] += j
        return pod_acc, node_acc, new_states

    def _write(self, db, endpoint, parsed, t, last_ts, pod_acc, node_acc) -> None:  # type: ignore[no-untyped-def]
        db.executemany(
            "INSERT INTO pods(pod_uid, namespace, pod, node, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(pod_uid) DO UPDATE SET last_seen = excluded.last_seen, node = excluded.node",
            list({p.pod_uid: (p.pod_uid, p.namespace, p.pod, p.node, t, t) for p in parsed.pods}.values()),
        )
        db.executemany(
            "INSERT INTO pod_energy(hour_utc, pod_uid, zone, joules) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET joules = joules + excluded.joules",
            [(h, uid, z, j) for (h, uid, z), j in pod_acc.items()],
        )
        db.executemany(
            "INSERT INTO node_energy(hour_utc, node, zone, kind, joules) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET joules = joules + excluded.joules",
            [(h, n, z, k, j) for (h, n, z, k), j in node_acc.items()],
        )
        if last_ts is not None and t - last_ts <= self.max_gap_s:
            db.executemany(
                "INSERT INTO coverage(hour_utc, endpoint, seconds) VALUES (?, ?, ?) "
                "ON CONFLICT DO UPDATE SET seconds = seconds + excluded.seconds",
                [(h, endpoint, s) for h, s in spread_seconds(last_ts, t)],
            )
        node = parsed.nodes[0].node if parsed.nodes else (parsed.pods[0].node if parsed.pods else endpoint)
        db.execute(
            "INSERT OR REPLACE INTO endpoints(endpoint, node, last_ts, version, generation) VALUES (?, ?, ?, ?, ?)",
            (endpoint, node, t, parsed.version, parsed.generation.value if parsed.generation else None),
        )
        self._meta(db, parsed)

    def _meta(self, db, parsed: ParsedScrape) -> None:  # type: ignore[no-untyped-def]
        if parsed.version:
            db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('kepler_version', ?)", (parsed.version,)
            )
        if parsed.generation:
            db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('generation', ?)", (parsed.generation.value,)
            )
        notice = kepler.fake_meter_notice(parsed.zones, parsed.node_watts)
        if notice:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('fake_meter', ?)", (notice.message,))


@dataclass(frozen=True)
class HttpOptions:
    bearer_token: str | None = None
    ca_file: str | None = None
    insecure: bool = False
    timeout_s: float = 10.0


def make_http_client(opts: HttpOptions) -> httpx.Client:
    verify: bool | str = False if opts.insecure else (opts.ca_file or True)
    headers = {"Accept": ACCEPT, "User-Agent": "carbon-kepler-collector"}
    if opts.bearer_token:
        headers["Authorization"] = f"Bearer {opts.bearer_token}"
    return httpx.Client(verify=verify, headers=headers, timeout=opts.timeout_s, follow_redirects=True)


def fetch(client: httpx.Client, url: str) -> tuple[str, bool]:
    """GET one Kepler /metrics; returns (text, is_openmetrics). Errors become SourceError with the fix."""
    try:
        resp = client.get(url)
    except httpx.HTTPError as exc:
        raise translate_http_error(exc, url, setting="--kepler-url") from exc
    if resp.status_code != 200:
        raise SourceError(
            f"Kepler endpoint {url} answered HTTP {resp.status_code}", hint="check --kepler-url and --token"
        )
    return resp.text, resp.headers.get("content-type", "").startswith(OPENMETRICS)


def run(
    collector: Collector,
    urls: list[str],
    client: httpx.Client,
    *,
    interval_s: float,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    max_scrapes: int | None = None,
    on_scrape: Callable[[IngestStats], None] | None = None,
) -> int:
    """Poll every URL each interval until stopped (Ctrl-C / SIGTERM) or `max_scrapes` rounds.

    Returns the number of rounds; a failed scrape is logged and retried next round. With `max_scrapes`
    set and not one scrape succeeding, the last error is raised.
    """
    rounds = ok = 0
    last_error: SourceError | None = None
    next_t = clock()
    while max_scrapes is None or rounds < max_scrapes:
        for url in urls:
            try:
                text, om = fetch(client, url)
                stats = collector.ingest(url, text, clock(), openmetrics=om)
            except SourceError as exc:
                log.warning("scrape failed: %s", exc)
                last_error = exc
                continue
            ok += 1
            if on_scrape:
                on_scrape(stats)
        rounds += 1
        next_t += interval_s
        sleep(max(0.0, next_t - clock()))
    if ok == 0 and last_error is not None:
        raise last_error
    return rounds
