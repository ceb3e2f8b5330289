"""The Prometheus harness against the real Prometheus 2.42: backfill, serve, query.

The expected ``increase()`` values are computed by hand from Prometheus'
``extrapolatedRate`` (promql/functions.go, 2.x):

* ``raw = last - first`` over the samples inside ``[t - range, t]`` (no counter reset here),
* ``sampled = t_last - t_first``, ``avg = sampled / (n - 1)``,
* the gap to the window start is first capped by ``durationToZero = sampled * first / raw``
  (a counter cannot be extrapolated below zero),
* each edge gap below ``1.1 * avg`` is extrapolated in full, otherwise by ``avg / 2``,
* ``increase = raw * (sampled + start_gap + end_gap) / sampled``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.promserver import PrometheusServer, backfill, prometheus_available
from tests.services import require

pytestmark = pytest.mark.integration

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z, in SECONDS (OpenMetrics), far from "now"
# (seconds after T0, counter value in joules): uneven increments so that the
# extrapolation factor is visible in the result.
SAMPLES = [(0, 100.0), (60, 130.0), (120, 190.0), (180, 220.0), (240, 340.0)]
T_LAST = T0 + SAMPLES[-1][0]


def _openmetrics() -> str:
    lines = ["# HELP demo_joules Demo energy counter.", "# TYPE demo_joules counter"]
    lines += [f'demo_joules_total{{node="n1"}} {value} {T0 + dt}' for dt, value in SAMPLES]
    return "\n".join([*lines, "# EOF", ""])


def _query(client: httpx.Client, url: str, expr: str, at: float | None) -> list[dict[str, Any]]:
    params: dict[str, str | float] = {"query": expr}
    if at is not None:
        params["time"] = at
    resp = client.get(f"{url}/api/v1/query", params=params)
    resp.raise_for_status()
    body = resp.json()
    assert body["status"] == "success", body
    assert body["data"]["resultType"] == "vector", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def _single_value(result: list[dict[str, Any]]) -> float:
    assert len(result) == 1, result
    return float(result[0]["value"][1])


def test_backfill_serve_and_query(tmp_path: Path) -> None:
    require("Prometheus 2.42 (prometheus, promtool)", prometheus_available(), "apt-get install prometheus")
    om = tmp_path / "demo.om"
    om.write_text(_openmetrics())
    backfill(om, tmp_path / "tsdb")

    with PrometheusServer(tmp_path / "tsdb") as prom, httpx.Client(timeout=10.0, trust_env=False) as client:
        assert prom.url.startswith("http://127.0.0.1:")

        # Exact sample at the last timestamp, and the 5-minute lookback between samples.
        last = _query(client, prom.url, "demo_joules_total", T_LAST)
        assert last[0]["metric"] == {"__name__": "demo_joules_total", "node": "n1"}
        assert _single_value(last) == 340.0
        assert _single_value(_query(client, prom.url, "demo_joules_total", T0 + 150)) == 190.0

        # The trap: "now" is far past the lookback window, so an instant query without time= is empty.
        assert _query(client, prom.url, "demo_joules_total", None) == []

        # [210s] at T_LAST: samples at +60..+240, raw = 340 - 130 = 210, sampled = 180, avg = 60.
        # Start gap 30 s (< 66 s, durationToZero = 180*130/210 = 111 s is larger) is extrapolated
        # in full; end gap 0. increase = 210 * (180 + 30 + 0) / 180 = 245.
        near = _single_value(_query(client, prom.url, "increase(demo_joules_total[210s])", T_LAST))
        # Only float rounding separates Prometheus' result from the exact 245.
        assert near == pytest.approx(245.0, rel=1e-12)

        # [10m] at T_LAST: all 5 samples, raw = 240, sampled = 240, avg = 60. Start gap 360 s is
        # capped by durationToZero = 240*100/240 = 100 s, still >= 66 s, so only avg/2 = 30 s is
        # added; end gap 0. increase = 240 * (240 + 30) / 240 = 270.
        wide = _single_value(_query(client, prom.url, "increase(demo_joules_total[10m])", T_LAST))
        assert wide == pytest.approx(270.0, rel=1e-12)
