"""Bad situations on the Prometheus path, against real servers: each a one-line error naming the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from carbon_kepler.core.errors import NoKeplerData, SourceError, TLSVerifyError
from carbon_kepler.core.period import Period
from carbon_kepler.energy.prometheus.client import ClientOptions, PrometheusClient
from carbon_kepler.energy.prometheus.queries import Method
from carbon_kepler.energy.prometheus.source import PrometheusSource
from carbon_kepler.energy.simulator import SimConfig, Simulation
from tests.integration.kepler_server import KeplerServer, SimClock, make_self_signed
from tests.integration.promserver import PrometheusServer, backfill, prometheus_available
from tests.services import require

pytestmark = pytest.mark.integration
PERIOD = Period.from_ts(1794754800, 1794754800 + 2 * 3600)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARBON_KEPLER_")}
    return subprocess.run(
        [sys.executable, "-m", "carbon_kepler", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_reachable_prometheus_without_kepler_series(tmp_path: Path) -> None:
    require("Prometheus 2.42", prometheus_available(), "apt-get install prometheus")
    with PrometheusServer(tmp_path / "empty") as server:
        source = PrometheusSource(PrometheusClient(ClientOptions(url=server.url)))
        with pytest.raises(NoKeplerData) as err:
            source.fetch(PERIOD, ("package", "dram"))
        assert "no kepler_* series" in str(err.value) and "ServiceMonitor" in str(err.value)
        proc = _cli("energy", "--prometheus-url", server.url, "--start", "2026-11-16", "--end", "2026-11-17")
    assert proc.returncode == 2 and "no kepler_* series" in proc.stderr and "Traceback" not in proc.stderr


def test_tls_verification_failure_names_ca_file_and_insecure(tmp_path: Path) -> None:
    sim = Simulation(SimConfig(hours=1))
    tls = make_self_signed(tmp_path / "tls")
    with KeplerServer(sim, SimClock(sim.start), tls=tls) as server:
        client = PrometheusClient(ClientOptions(url=server.base))
        with pytest.raises(TLSVerifyError) as err:
            client.query("up", PERIOD.end_ts)
        assert "--ca-file" in str(err.value) and "--insecure" in str(err.value)
        assert client.requests == 0  # refused before any query was answered
        proc = _cli("energy", "--prometheus-url", server.base)
    assert proc.returncode == 2 and "--ca-file" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


def test_fake_meter_data_is_refused_as_not_measurement(tmp_path: Path) -> None:
    require("Prometheus 2.42", prometheus_available(), "apt-get install prometheus")
    sim = Simulation(SimConfig(hours=2, fake_meter=True, restart=None))
    om = tmp_path / "fake.om"
    sim.write_openmetrics(om, interval_s=30, extra_kube_state=False)
    backfill(om, tmp_path / "tsdb")
    with PrometheusServer(tmp_path / "tsdb") as server:
        source = PrometheusSource(PrometheusClient(ClientOptions(url=server.url)))
        with pytest.raises(NoKeplerData) as err:
            source.fetch(Period.from_ts(sim.start, sim.end), ("package", "dram"))
    assert "fake CPU meter" in str(err.value) and "NOT measurements" in str(err.value)


def test_a_non_number_sample_is_an_error_naming_the_series_not_a_nan_figure(tmp_path: Path) -> None:
    """A Kepler exporter that stored NaN in an energy counter: the source refuses the data with the series
    and the time, instead of passing NaN kWh into reports (NaN ≤ 0 is False: no gate would catch it)."""
    require("Prometheus 2.42", prometheus_available(), "apt-get install prometheus")
    sim = Simulation(SimConfig(hours=2, restart=None))
    om = tmp_path / "nan.om"
    sim.write_openmetrics(om, interval_s=30, extra_kube_state=False)
    lines = om.read_text(encoding="utf-8").splitlines()
    target = next(
        i
        for i, line in enumerate(lines)
        if line.startswith("kepler_pod_cpu_joules_total{") and 'zone="package"' in line
    )
    series = lines[target].rsplit(" ", 2)[0]
    hour2 = sim.start + 3600
    spoiled = 0
    for i, line in enumerate(lines):  # every sample of that series from the second hour on
        if line.startswith(series + " ") and float(ts := line.rsplit(" ", 1)[1]) >= hour2:
            lines[i] = f"{series} NaN {ts}"
            spoiled += 1
    assert spoiled > 60
    om.write_text("\n".join(lines) + "\n", encoding="utf-8")
    backfill(om, tmp_path / "tsdb")
    with PrometheusServer(tmp_path / "tsdb") as server:
        for method in (Method.INTERPOLATED, Method.HOURLY_INCREASE):
            source = PrometheusSource(PrometheusClient(ClientOptions(url=server.url)), method=method)
            with pytest.raises(SourceError) as err:
                source.fetch(Period.from_ts(sim.start, sim.end), ("package", "dram"))
            message = str(err.value)
            assert "NaN" in message and "finite" in message and "--period" in message, message
            assert 'zone="package"' in message and "q=" not in message, message  # PromQL label syntax
