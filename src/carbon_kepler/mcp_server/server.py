"""The MCP server: one Engine per process → MCPServer with tools, resources and prompts; stdio or HTTP.

The engine is built once (Engine.from_settings' wiring) and shared by every request; the SDK runs the
synchronous tool functions in worker threads. Data-source URLs and credentials come only from the
server's settings. Over HTTP the Host/Origin allow-list is always on (localhost plus what the operator
names), bearer auth is optional, and /healthz answers without touching the data source.
"""

from __future__ import annotations

import functools
import gc
import inspect
import json
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast, get_type_hints

from mcp.server import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from carbon_kepler import __version__
from carbon_kepler.assessment import Assessment, Inventory
from carbon_kepler.core.errors import CarbonKeplerError
from carbon_kepler.core.period import Clock, Period, system_clock
from carbon_kepler.energy.model import EnergyData
from carbon_kepler.energy.selector import Selector
from carbon_kepler.energy.source import EnergySource
from carbon_kepler.engine import Attribution, Engine, PeriodArgs, build_source
from carbon_kepler.mcp_server import advice_tools  # noqa: F401  (registers the recommendation tools)
from carbon_kepler.mcp_server.auth import AuthConfig
from carbon_kepler.mcp_server.client_logging import install as install_client_logging
from carbon_kepler.mcp_server.prompts import register_prompts
from carbon_kepler.mcp_server.resources import register_resources
from carbon_kepler.mcp_server.tools import TOOLS, ToolFn, ToolSpec
from carbon_kepler.results import EnergyReport, GroupBy
from carbon_kepler.settings import Settings, SourceKind

log = logging.getLogger(__name__)
T = TypeVar("T")

NAME = "carbon-kepler"
READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
LOCAL_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]")
LOCAL_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")
INSTRUCTIONS = """Per-workload energy, carbon and Korean compliance for Kubernetes, measured by Kepler.
Start with get_power_consumption_summary or list_workloads_by_compliance, then assess_workload_compliance
for one workload. Every number names its unit, source and whether it is measured or estimated; checks say
whether a threshold is statutory, a voluntary certification level or organisation policy - keep that
distinction when you answer. Periods: a month '2026-11', a duration '7d', or 'START/END'."""


# -- engine -------------------------------------------------------------------------------------------------


class PerThreadSource:
    """An sqlite-backed source opened once per worker thread (a sqlite3 connection is bound to its thread)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._local = threading.local()
        self._first = self._source()  # opens (and validates) the store at start-up

    def _source(self) -> EnergySource:
        src: EnergySource | None = getattr(self._local, "source", None)
        if src is None:
            src = self._local.source = build_source(self._settings)
        return src

    @property
    def description(self) -> str:
        return self._first.description

    def fetch(self, period: Period, zones: tuple[str, ...]) -> EnergyData:
        return self._source().fetch(period, zones)

    def default_period(self) -> Period | None:
        return self._source().default_period()


class TtlCache:
    """Values by key for `ttl_s` seconds; one computation per key at a time (concurrent callers wait for it)."""

    def __init__(self, ttl_s: float, max_entries: int) -> None:
        self.ttl_s, self.max_entries = ttl_s, max_entries
        self._values: dict[Hashable, tuple[float, Any]] = {}
        self._gates: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        if self.ttl_s <= 0:
            return compute()
        with self._lock:
            gate = self._gates.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                hit = self._values.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return cast(T, hit[1])
            value = compute()
            self._put(key, value)
            return value

    def _put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            now = time.monotonic()
            live = sorted((exp, k) for k, (exp, _) in self._values.items() if exp > now and k != key)
            keep = {
                k for _, k in live[max(0, len(live) - (self.max_entries - 1)) :]
            }  # newest, with room for key
            self._values = {k: v for k, v in self._values.items() if k in keep}
            self._values[key] = (now + self.ttl_s, value)
            self._gates = {k: g for k, g in self._gates.items() if k in self._values}

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


class ServedEngine(Engine):
    """Engine whose attribution and assessments of a period are reused for `cache_ttl_s` seconds (0: never).

    One tool call asks for two or three views of one period (energy, assessment, statuses), a report or a
    next page asks again: with a short TTL that is one fetch and one computation per view, concurrent calls
    wait for it instead of repeating it, and data that changes in Prometheus is seen again within seconds.
    """

    def __init__(
        self,
        settings: Settings,
        source: EnergySource,
        *,
        clock: Clock = system_clock,
        cache_ttl_s: float = 30.0,
    ) -> None:
        super().__init__(settings, source, clock=clock)
        self.cache_ttl_s = cache_ttl_s
        self._attributions = TtlCache(cache_ttl_s, max_entries=4)  # large: every pod-hour of a period
        self._results = TtlCache(cache_ttl_s, max_entries=64)

    def attribution(self, period: Period, progress: Callable[[str], None] | None = None) -> Attribution:
        compute = functools.partial(super().attribution, period, progress)
        return self._attributions.get((period.start_ts, period.end_ts), compute)

    def energy_report(
        self, att: Attribution, *, by: GroupBy, selector: Selector, limit: int | None = None
    ) -> EnergyReport:
        compute = functools.partial(super().energy_report, att, by=by, selector=selector, limit=limit)
        key = ("energy", att.period.start_ts, att.period.end_ts, by, selector, limit)
        return self._results.get(key, compute)

    def assess(
        self, args: PeriodArgs, selector: Selector, progress: Callable[[str], None] | None = None
    ) -> Assessment:
        compute = functools.partial(super().assess, args, selector, progress)
        return self._results.get(("assess", self._period_key(args), selector), compute)

    def workload_statuses(
        self, args: PeriodArgs, selector: Selector, progress: Callable[[str], None] | None = None
    ) -> tuple[Period, Inventory]:
        compute = functools.partial(super().workload_statuses, args, selector, progress)
        return self._results.get(("statuses", self._period_key(args), selector), compute)  # read-only

    def _period_key(self, args: PeriodArgs) -> tuple[int, int]:
        p = self.period(args)
        return p.start_ts, p.end_ts

    def clear_cache(self) -> None:
        self._attributions.clear()
        self._results.clear()


def serve_engine(
    settings: Settings, *, cache_ttl_s: float = 30.0, clock: Clock = system_clock
) -> ServedEngine:
    """The server's one engine; reference data and the organisation config load now, so a bad file fails at start."""
    sqlite = settings.source in (SourceKind.DEMO, SourceKind.STORE)
    source: EnergySource = PerThreadSource(settings) if sqlite else build_source(settings)
    engine = ServedEngine(settings, source, clock=clock, cache_ttl_s=cache_ttl_s)
    _ = engine.assessor
    return engine


# -- MCP server ---------------------------------------------------------------------------------------------


def build_server(
    engine: Engine, auth: AuthConfig | None = None, tools: list[ToolSpec] | None = None
) -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer(
        NAME,
        title="carbon-kepler: Kubernetes energy, carbon and Korean compliance",
        version=__version__,
        instructions=INSTRUCTIONS,
        token_verifier=auth.verifier if auth else None,
        auth=auth.settings if auth else None,
        log_level="WARNING",
    )
    for spec in TOOLS if tools is None else tools:
        description = inspect.cleandoc(spec.fn.__doc__ or "")
        server.add_tool(
            bind(spec.fn, engine),
            title=spec.title,
            description=description,
            annotations=READ_ONLY,
            structured_output=True,
        )
    register_resources(server, engine)
    register_prompts(server, engine.clock)
    install_client_logging(server)  # logging/setLevel; carbon_kepler records to clients that ask
    server.custom_route("/healthz", methods=["GET"])(functools.partial(_health, engine.settings.source))
    return server


def bind(fn: ToolFn, engine: Engine) -> Callable[..., CallToolResult]:
    """`fn` with the engine filled in; its signature (minus `engine`) and return model stay visible to the SDK."""
    hints = get_type_hints(fn, include_extras=True)
    params = [
        p.replace(annotation=hints[p.name]) for p in list(inspect.signature(fn).parameters.values())[1:]
    ]

    @functools.wraps(fn)
    def call(**arguments: Any) -> CallToolResult:
        try:
            result = fn(engine, **arguments)
        except CarbonKeplerError as exc:  # the MCP layer's one error boundary: the same line the CLI prints
            return CallToolResult(content=[TextContent(type="text", text=str(exc))], is_error=True)
        data = result.model_dump(mode="json")
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)

    call.__signature__ = inspect.Signature(params, return_annotation=hints["return"])  # type: ignore[attr-defined]
    return call


async def _health(source: SourceKind, _request: Request) -> Response:
    """Liveness only: says which kind of source is configured, never its URL, and queries nothing."""
    return JSONResponse({"status": "ok", "name": NAME, "version": __version__, "source": source.value})


# -- transports ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    path: str = "/mcp"
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    stateless: bool = False

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}{self.path}"


def transport_security(opts: HttpOptions) -> TransportSecuritySettings:
    """Host/Origin allow-list: localhost always, plus the names a Service or Ingress uses ('*' turns it off)."""
    if "*" in opts.allowed_hosts:
        log.warning(
            "Host/Origin checking is off (--allowed-host '*'): only do this behind a proxy that checks Host"
        )
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts = [*LOCAL_HOSTS]
    for h in opts.allowed_hosts:
        hosts += [h] if ":" in h.lstrip("[") and not h.endswith("]") else [h, f"{h}:*"]
    origins = [*LOCAL_ORIGINS, *opts.allowed_origins]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


def http_app(server: MCPServer[Any], opts: HttpOptions) -> Starlette:
    return server.streamable_http_app(
        streamable_http_path=opts.path,
        stateless_http=opts.stateless,
        transport_security=transport_security(opts),
        host=opts.host,
    )


def settle_heap() -> None:
    """Move everything built at start-up (SDK, pydantic schemas, data files, the engine) into the
    permanent GC generation (gc.freeze): full collections then scan only what requests allocate. A cold
    tool call allocates tens of thousands of rows, which triggers full collections; over the start-up
    heap they cost about a third of its time (BENCHMARKS.md, MCP section)."""
    gc.collect()
    gc.freeze()


def run_http(server: MCPServer[Any], opts: HttpOptions) -> None:
    import uvicorn

    if opts.host not in ("127.0.0.1", "localhost", "::1") and not opts.allowed_hosts:
        log.warning(
            "listening on %s but only localhost Host headers are accepted: add --allowed-host NAME", opts.host
        )
    settle_heap()
    # log_config=None: uvicorn logs through the root logger (stderr), never its own stdout handlers.
    uvicorn.run(http_app(server, opts), host=opts.host, port=opts.port, log_config=None, access_log=False)


def run_stdio(server: MCPServer[Any]) -> None:
    settle_heap()
    server.run("stdio")
