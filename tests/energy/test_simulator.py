"""The Kepler simulator: determinism, exact ground truth, and Kepler-like expositions."""

from __future__ import annotations

import math
import shutil
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from carbon_kepler.core.errors import InputError
from carbon_kepler.energy.simulator import (
    DEFAULT_OPENMETRICS_OLD,
    DEFAULT_START,
    KeplerRestart,
    SimConfig,
    Simulation,
    go_float,
)

HOUR = 3600
Series = dict[tuple[str, tuple[tuple[str, str], ...]], float]
Truth = dict[tuple[str, str, int], float]


def scrape(sim: Simulation, node: str, t: int) -> Series:
    """Exposition → {(sample name, sorted labels): value}, via prometheus_client's text parser."""
    text = sim.exposition(node, t)
    assert text is not None
    out: Series = {}
    for fam in parse_text(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def pod_counters(series: Series, state: str = "running") -> dict[tuple[str, str], float]:
    """(pod_id, zone) → kepler_pod_cpu_joules_total value for pods in `state`."""
    out = {}
    for (name, labels), v in series.items():
        lab = dict(labels)
        if name == "kepler_pod_cpu_joules_total" and lab["state"] == state:
            out[(lab["pod_id"], lab["zone"])] = v
    return out


def node_counter(series: Series, name: str, zone: str) -> float:
    return next(v for (n, lab), v in series.items() if n == name and dict(lab)["zone"] == zone)


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return Simulation()


@pytest.fixture(scope="module")
def truth(sim: Simulation) -> dict[tuple[str, str, int], float]:
    return sim.ground_truth_pods()


# --- configuration and catalogue -----------------------------------------------------------------


def test_default_period_is_a_kst_monday_week(sim: Simulation) -> None:
    assert sim.start == DEFAULT_START == 1794754800  # 2026-11-16T00:00+09:00 = 2026-11-15T15:00Z
    assert sim.end - sim.start == 7 * 86400
    assert sim.nodes == ("node-1", "node-2", "node-3")


def test_catalogue_is_realistic(sim: Simulation) -> None:
    active = [
        sum(1 for p in sim.pods if p.start_s <= t and (p.end_s is None or t < p.end_s))
        for t in range(sim.start, sim.end, 600)
    ]
    assert min(active) >= 25 and max(active) <= 36
    by_owner = defaultdict(list)
    for p in sim.pods:
        by_owner[(p.owner_kind, p.owner_name)].append(p)
    assert len(by_owner[("Deployment", "web")]) == 3
    assert len(by_owner[("DaemonSet", "kepler")]) == 3
    assert len(by_owner[("CronJob", "etl-nightly")]) == 7
    assert ("Job", "ml-training-job") in by_owner
    web = by_owner[("Deployment", "web")][0]
    rs, hash5 = web.name.rsplit("-", 1)
    assert web.controller_kind == "ReplicaSet" and web.controller_name == rs
    assert len(rs.split("-")[-1]) == 10 and len(hash5) == 5
    assert len(web.containers) == 2 and all(len(c.container_id) == 64 for c in web.containers)
    etl = by_owner[("CronJob", "etl-nightly")][0]
    assert etl.controller_kind == "Job" and len(etl.controller_name.rsplit("-", 1)[1]) == 8
    assert next(p for p in sim.pods if p.owner_name == "postgres").name == "postgres-0"
    uids = [p.uid for p in sim.pods]
    assert len(set(uids)) == len(uids)
    reports = by_owner[("CronJob", "report-hourly")]
    assert len({p.uid for p in reports}) == len(reports) > 160  # a new uid per run
    assert all(180 <= (p.end_s or 0) - p.start_s < 240 for p in reports)


def test_special_job_endings(sim: Simulation) -> None:
    backfill = next(p for p in sim.pods if p.owner_name == "data-backfill")
    rebuild = next(p for p in sim.pods if p.owner_name == "index-rebuild")
    assert backfill.end_s is not None and backfill.end_s % 60 == 0
    assert rebuild.end_s is not None and rebuild.end_s % HOUR == HOUR - 8  # hh:59:52


def test_diurnal_web_load_peaks_in_kst_business_hours(sim: Simulation) -> None:
    web = next(p for p in sim.pods if p.owner_name == "web")
    night = sim.energy(web.uid, "package", sim.start + 3 * HOUR, sim.start + 4 * HOUR)  # 03–04 KST
    peak = sim.energy(web.uid, "package", sim.start + 10 * HOUR, sim.start + 11 * HOUR)  # 10–11 KST
    assert peak > 2.5 * night
    assert night >= 5 * HOUR and peak <= 25 * HOUR * 1.07


def test_scaling_knob_replicates_the_catalogue() -> None:
    sim = Simulation(SimConfig(pods=300, nodes=9, days=1, restart=None))
    running = [
        p for p in sim.pods if p.start_s <= sim.start + 1800 and (p.end_s or 1 << 62) > sim.start + 1800
    ]
    assert 220 <= len(running) <= 320
    assert sum(1 for p in sim.pods if p.owner_name == "kepler") == 9
    assert any(p.owner_name == "web-009" for p in sim.pods)
    assert sim.zones("node-6") == ("package",) and sim.zones("node-5") == ("package", "dram")


def test_default_build_is_fast() -> None:
    t = time.perf_counter()
    Simulation(SimConfig(seed=11))
    assert time.perf_counter() - t < 3.0


def test_invalid_config_is_refused() -> None:
    with pytest.raises(InputError):
        SimConfig(kepler_tick_s=7)
    with pytest.raises(InputError):
        SimConfig(start=DEFAULT_START + 1)
    with pytest.raises(InputError):
        Simulation(SimConfig(hours=1)).exposition("node-9", DEFAULT_START)


# --- determinism -------------------------------------------------------------------------------


def test_same_seed_same_everything_other_seed_differs() -> None:
    cfg = SimConfig(hours=3)
    a, b, c = Simulation(cfg), Simulation(cfg), Simulation(SimConfig(hours=3, seed=8))
    t = cfg.start + 5000
    assert a.exposition("node-1", t) == b.exposition("node-1", t)
    assert a.ground_truth_pods() == b.ground_truth_pods()
    assert a.ground_truth_nodes() == b.ground_truth_nodes()
    assert [p.uid for p in a.pods] == [p.uid for p in b.pods]
    assert a.exposition("node-1", t) != c.exposition("node-1", t)
    assert a.ground_truth_pods() != c.ground_truth_pods()


# --- ground truth ------------------------------------------------------------------------------


def test_pods_plus_system_equal_node_active_every_hour(sim: Simulation, truth: Truth) -> None:
    nodes, system = sim.ground_truth_nodes(), sim.ground_truth_system()
    per_node: dict[tuple[str, str, int], float] = defaultdict(float)
    node_of = {p.uid: p.node for p in sim.pods}
    for (uid, zone, hour), j in truth.items():
        per_node[(node_of[uid], zone, hour)] += j
    assert len(nodes) == (2 + 2 + 1) * 7 * 24
    for key, (total, active, idle) in nodes.items():
        assert math.isclose(per_node[key] + system[key], active, rel_tol=1e-9)
        assert total == active + idle
        assert idle > 0 and active > system[key] > 0


def test_pod_truth_is_the_exact_integral(sim: Simulation, truth: Truth) -> None:
    etl = next(p for p in sim.pods if p.owner_name == "etl-nightly" and p.node != "node-2")
    assert etl.end_s is not None
    hours = {h: j for (uid, zone, h), j in truth.items() if uid == etl.uid and zone == "package"}
    assert sum(hours.values()) == pytest.approx(
        sim.energy(etl.uid, "package", etl.start_s, etl.end_s), rel=1e-12
    )
    assert 25 * 60 * 30 <= sum(hours.values()) <= 40 * 60 * 45 * 1.05
    ratio = truth[(etl.uid, "dram", min(hours))] / hours[min(hours)]
    assert ratio == pytest.approx(etl.dram_ratio)


def test_hour_counter_increase_equals_ground_truth(sim: Simulation, truth: Truth) -> None:
    hour = sim.start + 10 * HOUR  # 10:00 KST Monday; ticks (5 s) align to the hour
    for node in ("node-1", "node-3"):
        a, b = scrape(sim, node, hour), scrape(sim, node, hour + HOUR)
        ca, cb = pod_counters(a), pod_counters(b)
        checked = 0
        for (uid, zone), v in cb.items():
            assert v - ca.get((uid, zone), 0.0) == pytest.approx(truth[(uid, zone, hour)], rel=1e-9)
            checked += 1
        assert checked >= 9 * len(sim.zones(node))
        node_truth = sim.ground_truth_nodes()
        for zone in sim.zones(node):
            total, active, idle = node_truth[(node, zone, hour)]
            for name, want in (
                ("kepler_node_cpu_joules_total", total),
                ("kepler_node_cpu_active_joules_total", active),
                ("kepler_node_cpu_idle_joules_total", idle),
            ):
                assert node_counter(b, name, zone) - node_counter(a, name, zone) == pytest.approx(
                    want, rel=1e-9
                )


def test_counters_follow_kepler_ticks_between_unaligned_scrapes(sim: Simulation) -> None:
    times = sim.scrape_times("node-1", 15)
    assert times[0] == sim.start + 3 and times[1] - times[0] == 15
    assert sim.scrape_times("node-2")[0] == sim.start + 8 and sim.scrape_times("node-3")[0] == sim.start + 12
    t1, t2 = times[100], times[101]
    c1, c2 = pod_counters(scrape(sim, "node-1", t1)), pod_counters(scrape(sim, "node-1", t2))
    for (uid, zone), v in c2.items():
        tick1, tick2 = t1 - t1 % 5, t2 - t2 % 5
        assert v - c1[(uid, zone)] == pytest.approx(sim.energy(uid, zone, tick1, tick2), rel=1e-9, abs=1e-9)
    watts = {
        (dict(lab)["pod_id"], dict(lab)["zone"]): v
        for (n, lab), v in scrape(sim, "node-1", t2).items()
        if n == "kepler_pod_cpu_watts"
    }
    uid, zone = next(iter(c2))
    tick = t2 - t2 % 5
    assert watts[(uid, zone)] == pytest.approx(sim.energy(uid, zone, tick - 5, tick) / 5)


def test_container_counters_sum_to_the_pod(sim: Simulation) -> None:
    web = next(p for p in sim.pods if p.owner_name == "web" and p.node != "node-3")
    series = scrape(sim, web.node, sim.start + 7 * HOUR)
    pod = pod_counters(series)[(web.uid, "package")]
    containers = [
        v
        for (n, lab), v in series.items()
        if n == "kepler_container_cpu_joules_total"
        and dict(lab)["pod_id"] == web.uid
        and dict(lab)["zone"] == "package"
    ]
    assert len(containers) == 2 and sum(containers) == pytest.approx(pod)


# --- node-3, restarts, terminated pods, fake meter -------------------------------------------------


def test_node3_has_no_dram_at_all(sim: Simulation, truth: Truth) -> None:
    text = sim.exposition("node-3", sim.start + 3)
    assert text is not None and 'zone="dram"' not in text and 'zone="package"' in text
    on3 = {p.uid for p in sim.pods if p.node == "node-3"}
    assert not any(zone == "dram" for (uid, zone, _), _j in truth.items() if uid in on3)
    assert not any(n == "node-3" and z == "dram" for (n, z, _) in sim.ground_truth_nodes())


def test_restart_resets_counters_and_loses_energy(sim: Simulation) -> None:
    [(down_from, down_to)] = sim.downtime("node-2")
    assert down_to - down_from == 20
    assert (down_from + 9 * HOUR) % 86400 == 14 * HOUR + 37 * 60 + 23 and down_from - sim.start < 3 * 86400
    assert sim.downtime("node-1") == []
    assert sim.exposition("node-2", down_from) is None and sim.exposition("node-2", down_to - 1) is None
    before, after = scrape(sim, "node-2", down_from - 1), scrape(sim, "node-2", down_to + 12)
    name = "kepler_node_cpu_joules_total"
    assert node_counter(after, name, "package") < 0.01 * node_counter(before, name, "package")
    pb, pa = pod_counters(before), pod_counters(after)
    assert len(pa.keys() & pb.keys()) >= 10 and all(pa[k] < pb[k] for k in pa.keys() & pb.keys())
    tick = down_to + 12 - (down_to + 12) % 5
    for (uid, zone), v in pa.items():  # counting restarts from zero at the Kepler restart
        assert v == pytest.approx(sim.energy(uid, zone, down_to, tick), rel=1e-9, abs=1e-12)
    lost = sim.unmeasured()
    assert (
        lost[("node-2", "package")] > 0 and lost[("node-2", "dram")] > 0 and lost[("node-1", "package")] == 0
    )
    # same seed without the restart: measured + unmeasured = everything
    full = Simulation(SimConfig(restart=None)).ground_truth_nodes()
    hour = down_from - down_from % HOUR
    for zone in ("package", "dram"):
        measured = sim.ground_truth_nodes()[("node-2", zone, hour)][0]
        assert measured + lost[("node-2", zone)] == pytest.approx(full[("node-2", zone, hour)][0], rel=1e-12)
    assert 23 * 55 < lost[("node-2", "package")] < 23 * 300  # 3 s before the crash + 20 s down


def test_measured_truth_excludes_the_downtime(sim: Simulation, truth: Truth) -> None:
    [(down_from, down_to)] = sim.downtime("node-2")
    hour = down_from - down_from % HOUR
    pods = [p for p in sim.pods if p.node == "node-2" and p.end_s is None and p.start_s < hour]
    for p in pods:
        full = sim.energy(p.uid, "package", hour, hour + HOUR)
        missing = sim.energy(p.uid, "package", down_from - down_from % 5, down_to)
        assert truth[(p.uid, "package", hour)] == pytest.approx(full - missing, rel=1e-12)
        assert missing > 0


def test_terminated_pod_appears_only_in_the_grace_window(sim: Simulation) -> None:
    job = next(
        p
        for p in sim.pods
        if p.owner_name == "report-hourly" and p.end_s and p.end_s % 5 and p.start_s > sim.start
    )
    assert job.end_s is not None
    e = job.end_s
    assert (job.uid, "package") in pod_counters(scrape(sim, job.node, e - 1), "running")
    for t in (e, e + 7, e + 14):
        series = scrape(sim, job.node, t)
        assert (job.uid, "package") not in pod_counters(series, "running")
        final = pod_counters(series, "terminated")[(job.uid, "package")]
        assert final == pytest.approx(sim.energy(job.uid, "package", job.start_s, e), rel=1e-12)
    gone = scrape(sim, job.node, e + 15)
    assert not any(
        uid == job.uid for uid, _ in pod_counters(gone, "running") | pod_counters(gone, "terminated")
    )


def test_fake_meter_is_microwatts_on_package_0() -> None:
    sim = Simulation(SimConfig(hours=1, fake_meter=True))
    series = scrape(sim, "node-1", sim.start + 600)
    zones = {dict(lab).get("zone") for (n, lab) in series if n.startswith("kepler_node_cpu")} - {None}
    assert zones == {"package-0"}
    watts = [v for (n, lab), v in series.items() if n == "kepler_node_cpu_watts"]
    assert watts and all(1e-6 <= w <= 1e-4 for w in watts)
    assert {z for (_, z, _) in sim.ground_truth_pods()} == {"package-0"}


# --- formats -------------------------------------------------------------------------------------


def test_new_exposition_matches_the_v0112_reference(sim: Simulation) -> None:
    text = sim.exposition("node-1", sim.start + 3)
    assert text is not None
    ref = Path("/work/shared/reference/kepler/SYNTHETIC_kepler-v0.11.2_metrics.prom")
    ref_meta = {ln for ln in ref.read_text().splitlines() if ln.startswith("#")} if ref.exists() else set()
    meta = {ln for ln in text.splitlines() if ln.startswith("#")}
    assert meta and (not ref_meta or meta <= ref_meta)
    fams = {f.name: f for f in parse_text(text)}
    assert fams["kepler_pod_cpu_joules"].type == "counter"
    pod = fams["kepler_pod_cpu_joules"].samples[0].labels
    assert set(pod) == {"node_name", "pod_id", "pod_name", "pod_namespace", "state", "zone"}
    cont = fams["kepler_container_cpu_joules"].samples[0].labels
    assert set(cont) == {"container_id", "container_name", "node_name", "pod_id", "runtime", "state", "zone"}
    node = fams["kepler_node_cpu_joules"].samples[0].labels
    assert node["path"] == f"aggregated-{node['zone']}"
    assert fams["kepler_build_info"].samples[0].labels["version"] == "v0.11.2"
    assert 0 < fams["kepler_node_cpu_usage_ratio"].samples[0].value < 1


def test_old_generation_uses_only_v09_names() -> None:
    sim = Simulation(SimConfig(hours=2, generation="old"))
    text = sim.exposition("node-1", sim.start + 900)
    assert text is not None
    allowed = {
        "go_goroutines", "go_info", "kepler_exporter_build_info", "kepler_node_info",
        "kepler_node_package_joules_total", "kepler_node_dram_joules_total",
        "kepler_container_package_joules_total", "kepler_container_dram_joules_total",
        "kepler_container_joules_total",
    }  # fmt: skip
    names = {s.name for f in parse_text(text) for s in f.samples}
    assert names == allowed
    assert "pod_id" not in text and "node_name" not in text and "kepler_pod" not in text
    for f in parse_text(text):
        for s in f.samples:
            if s.name.startswith("kepler_container"):
                assert set(s.labels) == {
                    "container_id",
                    "pod_name",
                    "container_name",
                    "container_namespace",
                    "mode",
                }
            if s.name.startswith("kepler_node_package"):
                assert s.labels["instance"] == "node-1" and s.labels["mode"] in {"dynamic", "idle"}


def test_old_generation_dynamic_increase_matches_ns_name_truth() -> None:
    sim = Simulation(SimConfig(hours=3, generation="old"))
    truth = sim.ground_truth_pods(key="ns_name")
    hour = sim.start + HOUR

    def dynamic(t: int) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for (n, lab), v in scrape(sim, "node-1", t).items():
            d = dict(lab)
            if n == "kepler_container_package_joules_total" and d["mode"] == "dynamic":
                out[f"{d['container_namespace']}/{d['pod_name']}"] += v
        return out

    a, b = dynamic(hour), dynamic(hour + HOUR)
    long_running = [k for k in b if k in a]
    assert len(long_running) >= 8
    for k in long_running:
        assert b[k] - a[k] == pytest.approx(truth[(k, "package", hour)], rel=1e-9)


def test_openmetrics_file_parses_with_second_timestamps(tmp_path: Path) -> None:
    sim = Simulation(SimConfig(hours=2))
    path = tmp_path / "kepler.om"
    stats = sim.write_openmetrics(path, interval_s=120)
    text = path.read_text()
    assert text.endswith("# EOF\n") and stats.bytes == len(text.encode())
    fams = {f.name: f for f in parse_openmetrics(text)}
    assert {"kepler_pod_cpu_joules", "kepler_node_cpu_joules", "kepler_build_info", "kube_pod_owner"} <= set(
        fams
    )
    assert "kepler_pod_cpu_watts" not in fams and "kepler_container_cpu_joules" not in fams
    samples = [s for f in fams.values() for s in f.samples]
    assert len(samples) == stats.samples
    assert all(sim.start <= s.timestamp.sec < sim.end and s.timestamp.nsec == 0 for s in samples)
    kepler = fams["kepler_pod_cpu_joules"].samples
    assert all(s.labels["job"] == "kepler" and s.labels["instance"] == s.labels["node_name"] for s in kepler)
    owners = {s.labels["pod"]: s.labels for s in fams["kube_pod_owner"].samples}
    web = next(p for p in sim.pods if p.owner_name == "web")
    assert owners[web.name]["owner_kind"] == "ReplicaSet" and owners[web.name]["uid"] == web.uid
    rs = {s.labels["replicaset"]: s.labels["owner_name"] for s in fams["kube_replicaset_owner"].samples}
    assert rs[web.controller_name] == "web"
    jobs = {s.labels["job_name"]: s.labels["owner_name"] for s in fams["kube_job_owner"].samples}
    assert any(v == "report-hourly" for v in jobs.values())
    reqs = [s for s in fams["kube_pod_container_resource_requests"].samples if s.labels["uid"] == web.uid]
    assert {s.labels["container"] for s in reqs} == {"web", "log-shipper"} and reqs[0].labels[
        "unit"
    ] == "core"


def test_openmetrics_per_series_samples_are_time_ordered(tmp_path: Path) -> None:
    sim = Simulation(SimConfig(hours=1))
    path = tmp_path / "k.om"
    sim.write_openmetrics(path, interval_s=15, extra_kube_state=False)
    last: dict[str, int] = {}
    family_seen: list[str] = []
    for line in path.read_text().splitlines():
        if line.startswith("# TYPE"):
            family_seen.append(line.split()[2])
            continue
        if line.startswith("#"):
            continue
        series, _, ts = line.rpartition(" ")[0].rpartition(" ")[0], None, int(line.rsplit(" ", 1)[1])
        assert last.get(series, -1) < ts
        last[series] = ts
    assert len(family_seen) == len(set(family_seen))  # one block per family


def test_old_generation_openmetrics_renames_exported_instance(tmp_path: Path) -> None:
    sim = Simulation(SimConfig(hours=1, generation="old"))
    path = tmp_path / "old.om"
    sim.write_openmetrics(path, interval_s=300, metrics=DEFAULT_OPENMETRICS_OLD, extra_kube_state=False)
    fams = {f.name: f for f in parse_openmetrics(path.read_text())}
    s = fams["kepler_node_package_joules"].samples[0]
    assert s.labels["exported_instance"] == s.labels["instance"] and s.labels["job"] == "kepler"
    with pytest.raises(InputError):
        sim.write_openmetrics(path, metrics={"kepler_pod_cpu_joules_total"})


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_promtool_accepts_the_backfill_file(tmp_path: Path) -> None:
    sim = Simulation(SimConfig(hours=2, restart=KeplerRestart(at=DEFAULT_START + 1800)))
    path = tmp_path / "k.om"
    sim.write_openmetrics(path)
    out = subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(path), str(tmp_path / "data")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr


def test_go_float_formatting() -> None:
    assert go_float(1234567.8) == "1.2345678e+06"
    assert go_float(1e6) == "1e+06"
    assert go_float(183456.789012) == "183456.789012"
    assert go_float(148.0) == "148"
    assert go_float(0.23) == "0.23"
    assert go_float(3e-06) == "3e-06"
    assert go_float(0.0001) == "0.0001"
    assert go_float(100000.0) == "100000"
    assert go_float(0.0) == "0"
    assert go_float(-2.5) == "-2.5"
