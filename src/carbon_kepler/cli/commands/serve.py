"""`carbon-kepler serve`: the MCP server over stdio (default) or streamable HTTP (--http).

Takes the same data-source options as every other command, so `carbon-kepler serve --source demo`
works on a fresh machine. Nothing but MCP messages ever goes to stdout: logs go to stderr.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from carbon_kepler.cli import options as o
from carbon_kepler.cli.common import settings_from_flags

if TYPE_CHECKING:
    from carbon_kepler.mcp_server.auth import AuthConfig

log = logging.getLogger(__name__)
HTTP = "HTTP transport"
TOKENS_ENV = "CARBON_KEPLER_MCP_AUTH_TOKENS"  # bearer tokens from a Secret, as an env var (never a flag)

Http = Annotated[
    bool, typer.Option("--http", help="Serve streamable HTTP instead of stdio", rich_help_panel=HTTP)
]
Host = Annotated[
    str,
    typer.Option(
        "--host", envvar="CARBON_KEPLER_MCP_HOST", help="Address to listen on", rich_help_panel=HTTP
    ),
]
Port = Annotated[
    int, typer.Option("--port", envvar="CARBON_KEPLER_MCP_PORT", help="Port", rich_help_panel=HTTP)
]
McpPath = Annotated[str, typer.Option("--path", help="Path of the MCP endpoint", rich_help_panel=HTTP)]
AllowedHosts = Annotated[
    list[str] | None,
    typer.Option(
        "--allowed-host",
        envvar="CARBON_KEPLER_MCP_ALLOWED_HOSTS",
        help="Host header to accept besides localhost (repeat; a Service or Ingress name, "
        "e.g. carbon-kepler.monitoring.svc); '*' turns the check off",
        rich_help_panel=HTTP,
    ),
]
AllowedOrigins = Annotated[
    list[str] | None,
    typer.Option(
        "--allowed-origin",
        envvar="CARBON_KEPLER_MCP_ALLOWED_ORIGINS",
        help="Browser Origin to accept besides localhost (repeat)",
        rich_help_panel=HTTP,
    ),
]
AuthTokenFile = Annotated[
    Path | None,
    typer.Option(
        "--auth-token-file",
        envvar="CARBON_KEPLER_MCP_AUTH_TOKEN_FILE",
        help=f"Require a bearer token from this file (one per line, or sha256:<hex>); also {TOKENS_ENV}",
        rich_help_panel=HTTP,
    ),
]
PublicUrl = Annotated[
    str | None,
    typer.Option(
        "--public-url",
        envvar="CARBON_KEPLER_MCP_PUBLIC_URL",
        help="URL clients use to reach the endpoint (auth resource metadata); default http://HOST:PORT/PATH",
        rich_help_panel=HTTP,
    ),
]
IssuerUrl = Annotated[
    str | None,
    typer.Option(
        "--auth-issuer-url", help="Authorisation server named in the resource metadata", rich_help_panel=HTTP
    ),
]
Stateless = Annotated[
    bool,
    typer.Option(
        "--stateless", help="No sessions for pre-2026 clients (any replica can answer)", rich_help_panel=HTTP
    ),
]
CacheTtl = Annotated[
    float,
    typer.Option("--cache-ttl", min=0, help="Seconds a period's energy is reused across calls (0: never)"),
]


def serve(
    source: o.Source = None,
    prometheus_url: o.PromUrl = None,
    token: o.Token = None,
    token_file: o.TokenFile = None,
    ca_file: o.CaFile = None,
    insecure: o.Insecure = None,
    store: o.StorePath = None,
    config: o.Config = None,
    org_config: o.OrgConfig = None,
    zones: o.Zones = None,
    allocation: o.Allocation = None,
    lang: o.Lang = None,
    http: Http = False,
    host: Host = "127.0.0.1",
    port: Port = 8000,
    path: McpPath = "/mcp",
    allowed_host: AllowedHosts = None,
    allowed_origin: AllowedOrigins = None,
    auth_token_file: AuthTokenFile = None,
    public_url: PublicUrl = None,
    auth_issuer_url: IssuerUrl = None,
    stateless: Stateless = False,
    cache_ttl: CacheTtl = 30.0,
) -> None:
    """MCP server for AI assistants: stdio by default, streamable HTTP with --http (health at /healthz)."""
    # Imported here: the MCP SDK takes seconds to import and no other command needs it.
    from carbon_kepler.mcp_server.server import HttpOptions, build_server, run_http, run_stdio, serve_engine

    settings = settings_from_flags(locals())
    opts = HttpOptions(host, port, path, tuple(allowed_host or ()), tuple(allowed_origin or ()), stateless)
    auth = _auth(auth_token_file, public_url or opts.url, auth_issuer_url) if http else None
    server = build_server(serve_engine(settings, cache_ttl_s=cache_ttl), auth)
    if not http:
        run_stdio(server)
        return
    if auth is None and host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serving %s without auth: set --auth-token-file or %s", host, TOKENS_ENV)
    log.warning(
        "MCP endpoint %s (source %s, auth %s)", opts.url, settings.source.value, "on" if auth else "off"
    )
    run_http(server, opts)


def _auth(token_file: Path | None, resource_url: str, issuer_url: str | None) -> AuthConfig | None:
    from carbon_kepler.mcp_server.auth import auth_config, load_tokens

    entries = load_tokens(token_file, os.environ.get(TOKENS_ENV), TOKENS_ENV)
    return auth_config(entries, resource_url, issuer_url) if entries or token_file else None


def main() -> None:
    """`carbon-kepler-mcp [options]`: the same as `carbon-kepler serve` (for `uvx carbon-kepler-mcp`)."""
    from carbon_kepler.cli.app import main as cli_main  # here: app imports this module

    sys.argv[1:1] = ["serve"]
    cli_main()
