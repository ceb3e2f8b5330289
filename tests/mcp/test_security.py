"""HTTP security: bearer auth before anything is parsed or queried, the Host/Origin allow-list, tokens at rest."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client

from carbon_kepler.core.errors import ConfigError
from carbon_kepler.mcp_server.auth import StaticTokenVerifier, auth_config, load_tokens, parse_tokens
from carbon_kepler.mcp_server.server import HttpOptions, build_server, http_app
from carbon_kepler.settings import Settings
from tests.mcp.helpers import InProcessServer, LiveServer, ToolCaller, http_transport
from tests.mcp.test_engine_wiring import CountingSource, counting_engine

GOOD = "k8s-secret-token-0123456789abcdef"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}


@pytest.fixture
def authed(store_settings: Settings, tmp_path: Path) -> Iterator[tuple[InProcessServer, CountingSource]]:
    """An HTTP server with bearer auth on, around an engine whose data-source fetches are counted."""
    engine, source = counting_engine(store_settings, ttl=0)
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# mounted Secret\nci-bot {GOOD}\n", encoding="utf-8")
    auth = auth_config(load_tokens(tokens, None, "unused"), "http://127.0.0.1/mcp")
    with InProcessServer(http_app(build_server(engine, auth), HttpOptions())) as server:
        yield server, source


def test_no_token_or_a_wrong_token_gets_401_and_nothing_is_queried(
    authed: tuple[InProcessServer, CountingSource],
) -> None:
    server, source = authed
    for headers in (
        {},
        {"authorization": "Bearer wrong-token-wrong-token"},
        {"authorization": f"Basic {GOOD}"},
    ):
        resp = httpx.post(server.url, json=INIT, headers=HEADERS | headers, timeout=10)
        assert resp.status_code == 401, headers
        assert (
            'resource_metadata="http://127.0.0.1/.well-known/oauth-protected-resource/mcp"'
            in resp.headers["www-authenticate"]
        )
    assert source.fetches == 0


def test_resource_metadata_is_published_for_discovery(authed: tuple[InProcessServer, CountingSource]) -> None:
    server, _ = authed
    meta = httpx.get(f"{server.base}/.well-known/oauth-protected-resource/mcp", timeout=10).json()
    assert meta["resource"] == "http://127.0.0.1/mcp" and meta["bearer_methods_supported"] == ["header"]


@pytest.mark.anyio
async def test_a_valid_token_reaches_the_tools(authed: tuple[InProcessServer, CountingSource]) -> None:
    server, source = authed
    async with Client(http_transport(server.url, {"authorization": f"Bearer {GOOD}"})) as client:
        data = await ToolCaller(client).ok("list_top_power_consumers", {"limit": 2})
    assert len(data["consumers"]) == 2 and source.fetches >= 1


def test_tokens_are_kept_only_as_hashes_and_checked_against_every_entry() -> None:
    entries = parse_tokens(
        f"alice {GOOD}\nsha256:{hashlib.sha256(b'other-token-value-123').hexdigest()}\n", "f"
    )
    assert [e.client_id for e in entries] == ["alice", "token-2"]
    assert all(GOOD.encode() not in e.digest for e in entries) and all(len(e.digest) == 32 for e in entries)
    verifier = StaticTokenVerifier(entries)
    ok = anyio.run(verifier.verify_token, "other-token-value-123")
    assert ok is not None and ok.client_id == "token-2" and "other" not in ok.token
    assert anyio.run(verifier.verify_token, GOOD[:-1]) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tiny-secret", "shorter than 16"),
        ("name zsecret-zsecret-zsecret extra", "expected '[client-name] token'"),
        ("sha256:abc", "64 hex digits"),
    ],
)
def test_a_bad_token_file_names_the_line_but_never_the_token(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_tokens(f"# comment\n{text}", "/run/secrets/tokens")
    shown = str(err.value)
    assert message in shown and "/run/secrets/tokens line 2" in shown
    assert "tiny-secret" not in shown and "zsecret" not in shown


def test_foreign_host_is_refused_and_a_named_service_host_is_accepted(store_settings: Settings) -> None:
    engine, _ = counting_engine(store_settings, ttl=0)
    opts = HttpOptions(
        allowed_hosts=("carbon-kepler.monitoring.svc",), allowed_origins=("https://console.example",)
    )
    with InProcessServer(http_app(build_server(engine), opts)) as server:

        def post(**headers: str) -> int:
            return httpx.post(server.url, json=INIT, headers=HEADERS | headers, timeout=10).status_code

        assert post(host="evil.example.com") == 421
        assert post(host="carbon-kepler.monitoring.svc:8000") == 200
        assert post(host="carbon-kepler.monitoring.svc") == 200
        assert post(origin="https://evil.example.com") == 403
        assert post(origin="https://console.example") == 200


def test_the_cli_server_refuses_a_foreign_host_header_too() -> None:
    with LiveServer.cli("--source", "demo") as server:
        resp = httpx.post(
            server.url, json=INIT, headers=HEADERS | {"host": "attacker.example:80"}, timeout=10
        )
        assert resp.status_code == 421


def test_the_cli_requires_tokens_from_the_environment_when_given(tmp_path: Path) -> None:
    with LiveServer.cli("--source", "demo", env={"CARBON_KEPLER_MCP_AUTH_TOKENS": f"ops {GOOD}"}) as server:
        denied = httpx.post(server.url, json=INIT, headers=HEADERS, timeout=10)
        allowed = httpx.post(
            server.url, json=INIT, headers=HEADERS | {"authorization": f"Bearer {GOOD}"}, timeout=10
        )
    assert denied.status_code == 401 and allowed.status_code == 200
