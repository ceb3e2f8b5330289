"""MCP interface: a thin layer over the Engine (tools, resources, prompts; stdio and streamable HTTP)."""

from carbon_kepler.mcp_server.server import (
    HttpOptions,
    build_server,
    http_app,
    run_http,
    run_stdio,
    serve_engine,
)

__all__ = ["HttpOptions", "build_server", "http_app", "run_http", "run_stdio", "serve_engine"]
