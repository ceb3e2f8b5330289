"""Electricity Maps client against a local HTTP server answering in the API's v3 response shapes.

Failures (401, 429, timeout, malformed bodies) must end in a static-profile result with a visible
warning, never a crash; the token must never show up in a message or a log line.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import SecretStr

from carbon_kepler.carbon.electricitymaps import (
    ElectricityMapsClient,
    ElectricityMapsProvider,
    ElectricityMapsSettings,
)
from carbon_kepler.carbon.emissions import emissions
from carbon_kepler.carbon.intensity import FallbackChain, StaticProfile
from carbon_kepler.carbon.model import SeriesKind
from carbon_kepler.core.errors import ConfigError, SourceError, SourceUnreachable
from carbon_kepler.core.figures import Quality
from carbon_kepler.core.period import utc_iso
from tests.carbon.helpers import day_window, kst, pue

TOKEN = "em-test-token-7f3a"


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict[str, object] = b"{}"
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeApi:
    """Answers per endpoint from a queue of replies (the last one repeats); records every request."""

    replies: dict[str, list[Reply]] = field(default_factory=dict)
    seen: list[tuple[str, str | None]] = field(default_factory=list)
    url: str = ""

    def reply(self, endpoint: str, *replies: Reply) -> None:
        self.replies[endpoint] = list(replies)

    def next_reply(self, endpoint: str) -> Reply:
        queue = self.replies.get(endpoint) or [Reply(404, {"error": "not found"})]
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
def api() -> Iterator[FakeApi]:
    state = FakeApi()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            endpoint = self.path.split("?")[0].removeprefix("/v3/")
            state.seen.append((self.path, self.headers.get("auth-token")))
            reply = state.next_reply(endpoint)
            time.sleep(reply.delay_s)
            body = reply.body
            data = (
                json.dumps(body).encode()
                if isinstance(body, dict)
                else (body.encode() if isinstance(body, str) else body)
            )
            try:
                self.send_response(reply.status)
                for k, v in {"Content-Type": "application/json", **reply.headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args: object) -> None:
            """No access log on the test's stderr."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v3"
    yield state
    server.shutdown()
    server.server_close()


def client(api: FakeApi, sleeps: list[float] | None = None, **kw: object) -> ElectricityMapsClient:
    settings = ElectricityMapsSettings.model_validate(
        {"base_url": api.url, "token": TOKEN, "timeout_s": 0.5, "max_retries": 2, **kw}
    )
    record = sleeps if sleeps is not None else []
    return ElectricityMapsClient(settings, sleep=record.append)


def item(hour_utc: int, value: float, *, estimated: bool = False) -> dict[str, object]:
    """One carbon-intensity item in the v3 shape."""
    return {
        "zone": "KR",
        "carbonIntensity": value,
        "datetime": utc_iso(hour_utc).replace("Z", ".000Z"),
        "updatedAt": "2026-11-20T05:12:00.000Z",
        "createdAt": "2026-11-17T05:40:00.000Z",
        "emissionFactorType": "lifecycle",
        "isEstimated": estimated,
        "estimationMethod": "TIME_SLICER_AVERAGE" if estimated else None,
    }


DAY = [kst(2026, 11, 20, h) for h in range(24)]


def test_latest_parses_the_v3_shape_and_sends_the_auth_token_header(api: FakeApi) -> None:
    api.reply("carbon-intensity/latest", Reply(body=item(DAY[14], 443, estimated=True)))
    point = client(api).latest("KR")
    assert (point.hour_utc, point.g_per_kwh, point.estimated) == (DAY[14], 443.0, True)
    path, token = api.seen[0]
    assert path == "/v3/carbon-intensity/latest?zone=KR" and token == TOKEN


def test_history_items_become_hour_buckets(api: FakeApi) -> None:
    api.reply(
        "carbon-intensity/history",
        Reply(body={"zone": "KR", "history": [item(h, 400 + i) for i, h in enumerate(DAY)]}),
    )
    points = client(api).history("KR")
    assert [p.hour_utc for p in points] == DAY and points[5].g_per_kwh == 405.0
    assert not any(p.estimated for p in points)


def test_forecast_items_are_estimated(api: FakeApi) -> None:
    forecast = [{"carbonIntensity": 390, "datetime": utc_iso(h)} for h in DAY[:3]]
    api.reply(
        "carbon-intensity/forecast",
        Reply(body={"zone": "KR", "forecast": forecast, "updatedAt": "2026-11-20T05:00:00.000Z"}),
    )
    points = client(api).forecast("KR")
    assert [(p.g_per_kwh, p.estimated) for p in points] == [(390.0, True)] * 3


def test_emission_factor_type_is_passed_when_configured(api: FakeApi) -> None:
    api.reply("carbon-intensity/latest", Reply(body=item(DAY[0], 300)))
    client(api, emission_factor_type="direct").latest("KR")
    assert api.seen[0][0] == "/v3/carbon-intensity/latest?zone=KR&emissionFactorType=direct"


def test_401_fails_at_once_naming_the_token_setting_but_not_the_token(
    api: FakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.reply("carbon-intensity/latest", Reply(401, {"error": "Invalid auth-token"}))
    with pytest.raises(SourceError) as err:
        client(api).latest("KR")
    assert "HTTP 401" in str(err.value) and "token" in str(err.value)
    assert len(api.seen) == 1  # a rejected token is not retried
    assert TOKEN not in str(err.value) and TOKEN not in caplog.text


def test_429_is_retried_with_retry_after_then_reported(api: FakeApi) -> None:
    api.reply("carbon-intensity/history", Reply(429, {"error": "rate limited"}, headers={"Retry-After": "1"}))
    sleeps: list[float] = []
    with pytest.raises(SourceError, match="HTTP 429"):
        client(api, sleeps).history("KR")
    assert len(api.seen) == 3 and sleeps == [1.0, 1.0]  # 1 try + 2 retries, waiting as the server asked


def test_429_then_success_recovers(api: FakeApi) -> None:
    api.reply(
        "carbon-intensity/history", Reply(429, {}), Reply(body={"zone": "KR", "history": [item(DAY[0], 410)]})
    )
    sleeps: list[float] = []
    assert client(api, sleeps).history("KR")[0].g_per_kwh == 410.0
    assert sleeps == [0.5]  # no Retry-After: exponential backoff from 0.5 s


def test_a_server_slower_than_the_timeout_is_unreachable(api: FakeApi) -> None:
    api.reply("carbon-intensity/latest", Reply(body=item(DAY[0], 300), delay_s=1.0))
    started = time.monotonic()
    with pytest.raises(SourceUnreachable, match=r"within 0\.2 s"):
        client(api, timeout_s=0.2, max_retries=1).latest("KR")
    assert len(api.seen) == 2 and time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("<html>502 Bad Gateway</html>", "not JSON"),
        ([1, 2], "top level is list"),
        ({"zone": "KR"}, "no 'history' list"),
        (
            {"zone": "KR", "history": [{"carbonIntensity": "high", "datetime": "2026-11-20T05:00:00Z"}]},
            "not a number",
        ),
        ({"zone": "KR", "history": [{"carbonIntensity": 400, "datetime": "yesterday"}]}, "not ISO 8601"),
        ({"zone": "KR", "history": [{"datetime": "2026-11-20T05:00:00Z"}]}, "no carbonIntensity"),
    ],
)
def test_malformed_bodies_are_source_errors(api: FakeApi, body: object, detail: str) -> None:
    api.reply("carbon-intensity/history", Reply(body=json.dumps(body) if not isinstance(body, str) else body))
    with pytest.raises(SourceError, match=detail):
        client(api).history("KR")


def test_answers_are_cached_for_the_ttl(api: FakeApi) -> None:
    api.reply("carbon-intensity/latest", Reply(body=item(DAY[0], 300)))
    now = [1000.0]
    settings = ElectricityMapsSettings(base_url=api.url, token=SecretStr(TOKEN), cache_ttl_s=300)
    c = ElectricityMapsClient(settings, clock=lambda: now[0])
    c.latest("KR")
    c.latest("KR")
    assert len(api.seen) == 1
    now[0] += 301
    c.latest("KR")
    assert len(api.seen) == 2


def test_a_client_without_token_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="token"):
        ElectricityMapsClient(ElectricityMapsSettings(token=None))


def test_live_history_is_used_for_the_hours_it_covers(api: FakeApi, kr_profile: StaticProfile) -> None:
    api.reply("carbon-intensity/history", Reply(body={"zone": "KR", "history": [item(h, 450) for h in DAY]}))
    result = FallbackChain(ElectricityMapsProvider(client(api)), kr_profile).hourly("KR", DAY)
    assert set(result.values.values()) == {450.0}
    assert result.series.kind is SeriesKind.LIVE and result.series.quality is Quality.MEASURED
    assert "Electricity Maps" in result.series.source and result.warnings == ()


def test_null_hours_in_history_are_filled_from_the_profile(api: FakeApi, kr_profile: StaticProfile) -> None:
    history = [item(h, 450) for h in DAY[:23]] + [{**item(DAY[23], 0), "carbonIntensity": None}]
    api.reply("carbon-intensity/history", Reply(body={"zone": "KR", "history": history}))
    api.reply("carbon-intensity/forecast", Reply(403, {"error": "forecast not in plan"}))
    result = FallbackChain(ElectricityMapsProvider(client(api)), kr_profile).hourly("KR", DAY)
    assert result.values[DAY[23]] == pytest.approx(kr_profile.value_at(DAY[23]))
    assert {w.code for w in result.warnings} == {"FORECAST_UNAVAILABLE", "PARTIAL_LIVE_INTENSITY"}


@pytest.mark.parametrize(
    "reply",
    [
        Reply(401, {"error": "Invalid auth-token"}),
        Reply(429, {"error": "Too many requests"}),
        Reply(200, item(DAY[0], 400), delay_s=1.0),  # timeout
        Reply(200, "{not json"),
        Reply(200, {"zone": "KR", "data": []}),
    ],
    ids=["401", "429", "timeout", "invalid-json", "wrong-shape"],
)
def test_every_failure_ends_in_the_profile_with_a_warning_carried_to_the_result(
    api: FakeApi, kr_profile: StaticProfile, reply: Reply
) -> None:
    api.reply("carbon-intensity/history", reply)
    em = client(api, timeout_s=0.2, max_retries=1)
    intensity = FallbackChain(ElectricityMapsProvider(em), kr_profile).hourly("KR", DAY)
    window = day_window({19: 1.0})
    result = emissions(window, intensity, pue(1.0))
    assert result.intensity_location is not None
    assert result.intensity_location.value == pytest.approx(417.3 * 1.10)  # the profile's 19:00 KST value
    assert result.intensity_series.kind is SeriesKind.PROFILE
    assert any(w.code == "FALLBACK_INTENSITY" for w in result.warnings)
