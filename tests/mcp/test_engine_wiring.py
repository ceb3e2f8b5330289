"""One engine per server, reused across calls and threads; errors become tool errors at one boundary."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio
import pytest
from mcp import Client

from carbon_kepler.core.period import Period
from carbon_kepler.energy.model import EnergyData
from carbon_kepler.engine import PeriodArgs
from carbon_kepler.mcp_server.server import (
    PerThreadSource,
    ServedEngine,
    TtlCache,
    build_server,
    serve_engine,
)
from carbon_kepler.results import GroupBy
from carbon_kepler.settings import Settings
from tests.mcp.helpers import ToolCaller, free_port

pytestmark = pytest.mark.anyio


class CountingSource:
    """Wraps a source and counts fetches (the data-source work a call causes)."""

    def __init__(self, inner: PerThreadSource) -> None:
        self.inner = inner
        self.fetches = 0
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        return self.inner.description

    def fetch(self, period: Period, zones: tuple[str, ...]) -> EnergyData:
        with self._lock:
            self.fetches += 1
        return self.inner.fetch(period, zones)

    def default_period(self) -> Period | None:
        return self.inner.default_period()


def counting_engine(settings: Settings, ttl: float) -> tuple[ServedEngine, CountingSource]:
    source = CountingSource(PerThreadSource(settings))
    return ServedEngine(settings, source, cache_ttl_s=ttl), source


async def test_one_call_fetches_its_period_once_and_a_repeat_within_the_ttl_not_at_all(
    store_settings: Settings,
) -> None:
    engine, source = counting_engine(store_settings, ttl=60)
    async with Client(build_server(engine), raise_exceptions=True) as client:
        tools = ToolCaller(client)
        await tools.ok("get_power_consumption_summary")  # energy + assessment of one period
        assert source.fetches == 1
        await tools.ok("list_workloads_by_compliance", {"limit": 2})
        await tools.ok("generate_compliance_report")
        assert source.fetches == 1


async def test_without_a_ttl_every_engine_view_fetches_again(store_settings: Settings) -> None:
    engine, source = counting_engine(store_settings, ttl=0)
    async with Client(build_server(engine), raise_exceptions=True) as client:
        await ToolCaller(client).ok("get_power_consumption_summary")
    assert source.fetches == 2


async def test_concurrent_calls_for_one_period_share_a_single_fetch(store_settings: Settings) -> None:
    engine, source = counting_engine(store_settings, ttl=60)
    async with Client(build_server(engine), raise_exceptions=True) as client:
        tools = ToolCaller(client)
        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(tools.ok, "list_top_power_consumers")
    assert source.fetches == 1


def test_sqlite_sources_answer_from_any_worker_thread(store_settings: Settings) -> None:
    source = PerThreadSource(store_settings)
    period = source.default_period()
    assert period is not None
    with ThreadPoolExecutor(max_workers=4) as pool:
        totals = set(pool.map(lambda _: len(source.fetch(period, ("package", "dram")).pod_hours), range(8)))
    assert len(totals) == 1 and totals.pop() > 0


async def test_an_unreachable_prometheus_is_a_tool_error_naming_the_url_and_the_setting() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    engine = serve_engine(Settings(source="prometheus", prometheus_url=url, timeout_s=2))
    async with Client(build_server(engine), raise_exceptions=True) as client:
        text = await ToolCaller(client).error("list_top_power_consumers", {"period": "2026-11"})
    assert f"cannot reach {url}" in text and "--prometheus-url / CARBON_KEPLER_PROMETHEUS_URL" in text


async def test_a_bug_is_reported_without_a_traceback_and_the_server_keeps_serving(
    store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = serve_engine(store_settings)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(engine, "assess", broken)
    async with Client(build_server(engine)) as client:
        tools = ToolCaller(client)
        result = await tools.raw("get_power_consumption_summary")
        text = result.content[0].text  # type: ignore[union-attr]
        assert result.is_error and "Traceback" not in text and "secret internal detail" not in text
        assert (await tools.ok("get_carbon_intensity"))["mode"] == "now"


def test_a_broken_organisation_config_fails_at_start_up_not_on_the_first_call(tmp_path: Path) -> None:
    from carbon_kepler.core.errors import ConfigError

    bad = tmp_path / "org.yaml"
    bad.write_text("version: 1\nsites: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="sites"):
        serve_engine(Settings(source="demo", org_config=bad))


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cache_entries_expire_after_the_ttl_and_the_oldest_make_room(monkeypatch: pytest.MonkeyPatch) -> None:
    from carbon_kepler.mcp_server import server

    clock = FakeClock()
    monkeypatch.setattr(server.time, "monotonic", clock)
    cache = TtlCache(ttl_s=30, max_entries=2)
    computed: list[str] = []

    def value(key: str) -> str:
        return cache.get(key, lambda: computed.append(key) or key.upper())

    assert value("a") == "A" and value("a") == "A" and computed == ["a"]
    clock.now += 31
    assert value("a") == "A" and computed == ["a", "a"]  # expired: computed again
    clock.now += 1
    value("b")
    clock.now += 1
    value("c")  # room for two: "a" (oldest) goes
    value("b")
    value("a")
    assert computed == ["a", "a", "b", "c", "a"]


def test_concurrent_callers_of_one_key_wait_for_a_single_computation() -> None:
    cache = TtlCache(ttl_s=30, max_entries=4)
    started, release, calls = threading.Event(), threading.Event(), []

    def slow() -> int:
        calls.append(1)
        started.set()
        release.wait(5)
        return 42

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(cache.get, "k", slow) for _ in range(6)]
        started.wait(5)
        release.set()
        assert {f.result() for f in futures} == {42}
    assert len(calls) == 1


def test_energy_reports_are_reused_within_the_ttl_and_rebuilt_after_a_clear(store_settings: Settings) -> None:
    engine, source = counting_engine(store_settings, ttl=60)
    first = engine.energy(PeriodArgs(), by=GroupBy.NAMESPACE)
    assert engine.energy(PeriodArgs(), by=GroupBy.NAMESPACE) is first  # the cached object, no rebuild
    by_workload = engine.energy(PeriodArgs(), by=GroupBy.WORKLOAD)
    assert by_workload is not first and by_workload.group_by is GroupBy.WORKLOAD
    assert source.fetches == 1  # three views, one read of the period
    engine.clear_cache()
    again = engine.energy(PeriodArgs(), by=GroupBy.NAMESPACE)
    assert again is not first and again == first and source.fetches == 2
