"""Client-visible logging: `logging/setLevel` for 2025-11-25 clients, carbon_kepler records as notifications.

Driven through the SDK's in-memory client: `mode="legacy"` is the 2025-11-25 initialize handshake, the
default mode is the 2026-07-28 per-request path (opt-in by `_meta` log level, no `logging/setLevel`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, METHOD_NOT_FOUND, EmptyResult, LoggingMessageNotificationParams, Request

from carbon_kepler.core.period import Period
from carbon_kepler.energy.model import EnergyData
from carbon_kepler.mcp_server import client_logging
from carbon_kepler.mcp_server.server import HttpOptions, PerThreadSource, ServedEngine, build_server, http_app
from carbon_kepler.settings import Settings
from tests.mcp.helpers import InProcessServer

pytestmark = [
    pytest.mark.anyio,
    # Client.set_logging_level is deprecated as of 2026-07-28 (SEP-2577); these tests are its legacy users.
    pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning"),
]
TOOL = "list_top_power_consumers"
ARGS = {"limit": 3}
SUMMARY_LOGGER = "carbon_kepler.mcp_server.client_logging"
SOURCE_LOGGER = "carbon_kepler.energy.test_source"


class Inbox:
    """A client's logging callback and what it received."""

    def __init__(self) -> None:
        self.messages: list[LoggingMessageNotificationParams] = []

    async def __call__(self, params: LoggingMessageNotificationParams) -> None:
        self.messages.append(params)

    def take(self) -> list[LoggingMessageNotificationParams]:
        out, self.messages = self.messages, []
        return out


class WarningSource:
    """A data source that warns like a slow Prometheus does, from whatever thread fetches."""

    def __init__(self, inner: PerThreadSource, extra: int = 0, broken: bool = False) -> None:
        self.inner = inner
        self.extra = extra
        self.broken = broken
        self.fetch_threads: set[int] = set()

    @property
    def description(self) -> str:
        return self.inner.description

    def fetch(self, period: Period, zones: tuple[str, ...]) -> EnergyData:
        self.fetch_threads.add(threading.get_ident())
        log = logging.getLogger(SOURCE_LOGGER)
        log.warning("Prometheus answered in %.1f s (slow)", 3.2)
        if self.broken:
            log.warning("%d widgets", "not a number")  # fails when formatted
        for i in range(self.extra):
            log.warning("flood %d", i)
        return self.inner.fetch(period, zones)

    def default_period(self) -> Period | None:
        return self.inner.default_period()


def logging_server(engine: Any) -> MCPServer[Any]:
    server = build_server(engine)
    client_logging.install(server)
    return server


def warning_server(
    settings: Settings, extra: int = 0, broken: bool = False
) -> tuple[MCPServer[Any], WarningSource]:
    source = WarningSource(PerThreadSource(settings), extra, broken)
    return logging_server(ServedEngine(settings, source, cache_ttl_s=0)), source


async def call_ok(client: Client) -> None:
    result = await client.call_tool(TOOL, ARGS)
    assert not result.is_error and result.structured_content


async def test_a_2025_11_25_client_sees_the_logging_capability_and_set_level_returns_empty(
    demo_engine: ServedEngine,
) -> None:
    async with Client(logging_server(demo_engine), mode="legacy", raise_exceptions=True) as client:
        assert client.protocol_version == "2025-11-25"
        assert client.server_capabilities.logging is not None
        result = await client.set_logging_level("warning")
        assert result.model_dump(exclude_none=True) == {}


async def test_nothing_is_sent_before_set_level_then_a_tool_call_sends_its_info_summary(
    demo_engine: ServedEngine,
) -> None:
    inbox = Inbox()
    async with Client(logging_server(demo_engine), mode="legacy", logging_callback=inbox) as client:
        await call_ok(client)
        assert inbox.take() == []  # no logging/setLevel yet: the server sends nothing
        await client.set_logging_level("info")
        await call_ok(client)
        messages = inbox.take()  # delivered before the tool result returned
    assert len(messages) == 1, messages
    (m,) = messages
    assert (m.level, m.logger) == ("info", SUMMARY_LOGGER)
    assert isinstance(m.data, str) and m.data.startswith(f"tools/call {TOOL}: ") and " ms" in m.data


async def test_data_source_warnings_logged_in_worker_threads_arrive_with_their_logger_name(
    demo_settings: Settings,
) -> None:
    server, source = warning_server(demo_settings)
    inbox = Inbox()
    async with Client(server, mode="legacy", logging_callback=inbox) as client:
        await client.set_logging_level("warning")
        await call_ok(client)
        messages = inbox.take()
    assert source.fetch_threads and threading.main_thread().ident not in source.fetch_threads
    assert messages, "the source's warning was not forwarded"
    assert {(m.level, m.logger, m.data) for m in messages} == {
        ("warning", SOURCE_LOGGER, "Prometheus answered in 3.2 s (slow)")
    }  # and not the info summary: below the chosen level


async def test_level_error_sends_neither_info_nor_warning_and_a_new_level_applies_at_once(
    demo_settings: Settings,
) -> None:
    server, _ = warning_server(demo_settings)
    inbox = Inbox()
    async with Client(server, mode="legacy", logging_callback=inbox) as client:
        await client.set_logging_level("error")
        await call_ok(client)
        assert inbox.take() == []
        await client.set_logging_level("debug")
        await call_ok(client)
        levels = {(m.level, m.logger) for m in inbox.take()}
    assert levels == {("warning", SOURCE_LOGGER), ("info", SUMMARY_LOGGER)}


async def test_an_invalid_level_is_a_json_rpc_error_and_the_session_keeps_its_level(
    demo_engine: ServedEngine,
) -> None:
    inbox = Inbox()
    bad: Request[Any, Any] = Request(method="logging/setLevel", params={"level": "verbose"})
    async with Client(logging_server(demo_engine), mode="legacy", logging_callback=inbox) as client:
        await client.set_logging_level("info")
        with pytest.raises(MCPError) as err:
            await client.session.send_request(bad, EmptyResult)
        assert err.value.error.code == INVALID_PARAMS
        await call_ok(client)  # the connection still serves, at the level set before
        assert [m.level for m in inbox.take()] == ["info"]


async def test_2026_requests_opt_in_by_meta_and_logging_set_level_is_method_not_found(
    demo_engine: ServedEngine,
) -> None:
    server = logging_server(demo_engine)
    quiet, opted = Inbox(), Inbox()
    async with Client(server, logging_callback=quiet) as client:
        assert client.protocol_version == "2026-07-28"
        await call_ok(client)
        with pytest.raises(MCPError) as err:
            await client.set_logging_level("info")
        assert err.value.error.code == METHOD_NOT_FOUND
    assert quiet.take() == []  # no `_meta` log level: the server MUST NOT send
    async with Client(server, logging_callback=opted, log_level="info") as client:
        assert client.server_capabilities.logging is not None  # what the SDK derives; we do send on opt-in
        await call_ok(client)
    assert [(m.level, m.logger) for m in opted.take()] == [("info", SUMMARY_LOGGER)]


async def test_over_streamable_http_the_level_lasts_for_the_session_and_2026_opts_in_per_request(
    demo_settings: Settings,
) -> None:
    server, _ = warning_server(demo_settings)
    legacy, modern = Inbox(), Inbox()
    with InProcessServer(http_app(server, HttpOptions())) as http:
        async with Client(http.url, mode="legacy", logging_callback=legacy) as client:
            await client.set_logging_level("warning")  # one HTTP request; the tool call is a later one
            await call_ok(client)
        async with Client(http.url, logging_callback=modern, log_level="warning") as client:
            assert client.protocol_version == "2026-07-28"
            await call_ok(client)
    for inbox in (legacy, modern):
        assert {(m.level, m.logger) for m in inbox.take()} == {("warning", SOURCE_LOGGER)}


async def test_a_flood_or_a_broken_record_never_fails_the_tool_call(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging, "raiseExceptions", False)  # the stderr handler's own error report
    server, _ = warning_server(demo_settings, extra=3 * client_logging.MAX_RECORDS, broken=True)
    inbox = Inbox()
    async with Client(server, mode="legacy", logging_callback=inbox) as client:
        await client.set_logging_level("warning")
        await call_ok(client)
        messages = inbox.take()
    assert len(messages) == client_logging.MAX_RECORDS + 1
    assert isinstance(messages[-1].data, str) and messages[-1].data.endswith(
        "log records of this request not sent"
    )


async def test_installing_twice_sends_each_record_once(demo_engine: ServedEngine) -> None:
    server = logging_server(demo_engine)
    client_logging.install(server)
    inbox = Inbox()
    async with Client(server, mode="legacy", logging_callback=inbox) as client:
        await client.set_logging_level("info")
        await call_ok(client)
    assert len(inbox.take()) == 1


def test_python_levels_map_onto_the_rfc_5424_scale() -> None:
    m = client_logging.mcp_level
    assert [m(lv) for lv in (5, 10, 20, 25, 30, 40, 50, 60)] == [
        "debug",
        "debug",
        "info",
        "info",
        "warning",
        "error",
        "critical",
        "critical",
    ]
    assert client_logging.at_or_above("notice") == {
        "notice",
        "warning",
        "error",
        "critical",
        "alert",
        "emergency",
    }
