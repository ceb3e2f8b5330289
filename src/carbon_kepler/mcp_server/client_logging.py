"""carbon_kepler log records as MCP `notifications/message` to the client that asked for them.

What a client gets is every record of the `carbon_kepler` logger tree (data-source warnings, fallbacks,
the per-call summary below) at or above the level it chose, as `notifications/message` with `logger` =
the Python logger name and `data` = the formatted message (never a traceback), on the stream of the
request that produced it. How it chooses depends on the protocol era:

- 2025-11-25 and older (initialize handshake): `logging/setLevel` stores the level on the connection
  and the server declares the `logging` capability. Until a client sets a level it gets nothing (the
  spec lets the server decide what to send before `logging/setLevel`). Stateless HTTP forgets the level
  after each request, as it forgets everything else.
- 2026-07-28: `logging/setLevel` is gone from the revision; the SDK's per-version surface answers it
  with Method not found before any handler runs. A request opts in with `_meta`
  `io.modelcontextprotocol/logLevel` instead (SDK: `mcp.server.connection.allowed_log_levels`).

Records are made by the code that logs (the engine and data sources run in the SDK's worker threads),
so they are collected per request through a context variable (anyio copies it into the worker thread)
and sent by a `Server.middleware` after the handler returns, before the response: no cross-thread
sending, and a logging failure never fails the request. At most MAX_RECORDS per request are sent.

Which records exist is the operator's logging configuration (`serve`: WARNING, `serve -v`: INFO), except
this module's one INFO summary per tool call, which a client that asked for `info` always gets.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from contextvars import ContextVar
from typing import Any, Final, get_args

from mcp.server import MCPServer
from mcp.server.connection import allowed_log_levels
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import (
    EmptyResult,
    LoggingLevel,
    LoggingMessageNotification,
    LoggingMessageNotificationParams,
    SetLevelRequestParams,
)
from mcp.types.version import MODERN_PROTOCOL_VERSIONS

log = logging.getLogger(__name__)

TREE = "carbon_kepler"
MAX_RECORDS = 50
MAX_CHARS = 2000
LEVELS: Final[tuple[LoggingLevel, ...]] = get_args(LoggingLevel)  # debug ... emergency, ascending
_STATE_KEY = "carbon_kepler.log_level"


def mcp_level(levelno: int) -> LoggingLevel:
    """The MCP (RFC 5424) level of a Python level number: DEBUG→debug ... CRITICAL→critical."""
    if levelno >= logging.CRITICAL:
        return "critical"
    if levelno >= logging.ERROR:
        return "error"
    if levelno >= logging.WARNING:
        return "warning"
    if levelno >= logging.INFO:
        return "info"
    return "debug"


def at_or_above(level: LoggingLevel) -> frozenset[LoggingLevel]:
    return frozenset(LEVELS[LEVELS.index(level) :])


# -- SDK seams: the two private attributes this module reads -------------------------------------------------


def _lowlevel(server: MCPServer[Any]) -> Any:
    # MCPServer has no public way to register a request handler for a spec method. The SDK's own advice
    # (mcp.server.extension.MethodBinding docstring): "To re-provide a spec method the 2026 revision removed
    # (e.g. `logging/setLevel` for legacy clients), use the lowlevel `Server.add_request_handler` API" -
    # an Extension's MethodBinding refuses spec methods. MCPServer keeps that lowlevel Server here.
    return server._lowlevel_server


def _connection_state(ctx: ServerRequestContext[Any, Any]) -> dict[str, Any] | None:
    # `Connection.state` is the SDK's per-connection scratch store ("persists across requests on this
    # connection"); its `Context.connection` exposes it publicly, but ServerRunner still hands handlers a
    # ServerRequestContext, whose per-request ServerSession keeps the connection private. None (level not
    # kept, nothing sent) if a later SDK moves it; tests/mcp/test_client_logging.py fails loudly then.
    state = getattr(getattr(ctx.session, "_connection", None), "state", None)
    return state if isinstance(state, dict) else None


# -- collecting records during a request ---------------------------------------------------------------------


class _Capture:
    """The records one request's client wants; appended from worker threads, drained once by the middleware."""

    def __init__(self, allowed: frozenset[LoggingLevel]) -> None:
        self.allowed = allowed
        self._records: list[tuple[LoggingLevel, str, str]] = []
        self._dropped = 0
        self._closed = False
        self._lock = threading.Lock()

    def add(self, record: logging.LogRecord) -> None:
        level = mcp_level(record.levelno)
        if level not in self.allowed:
            return
        message = record.getMessage()[:MAX_CHARS]
        with self._lock:
            if self._closed:
                return
            if len(self._records) < MAX_RECORDS:
                self._records.append((level, record.name, message))
            else:
                self._dropped += 1

    def drain(self) -> list[tuple[LoggingLevel, str, str]]:
        with self._lock:
            self._closed = True  # a worker thread still running after the response adds nothing
            out, self._records = self._records, []
            if self._dropped:
                out.append(
                    ("warning", __name__, f"{self._dropped} more log records of this request not sent")
                )
        return out


_CAPTURE: ContextVar[_Capture | None] = ContextVar("carbon_kepler_client_log_capture", default=None)


class _Tap(logging.Handler):
    """On the `carbon_kepler` logger: hands each record to the current request's capture, if any."""

    def emit(self, record: logging.LogRecord) -> None:
        capture = _CAPTURE.get()
        if capture is None:
            return
        # a bad record (wrong format args...) never raises into the code that logged it
        with contextlib.suppress(Exception):
            capture.add(record)


_TAP = _Tap()


# -- the protocol side ---------------------------------------------------------------------------------------


async def _set_level(ctx: ServerRequestContext[Any, Any], params: SetLevelRequestParams) -> EmptyResult:
    """`logging/setLevel` (handshake era): remember the level for this connection's later requests."""
    state = _connection_state(ctx)
    if state is not None:
        state[_STATE_KEY] = params.level
    return EmptyResult()


def _allowed(ctx: ServerRequestContext[Any, Any]) -> frozenset[LoggingLevel]:
    if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
        return allowed_log_levels(ctx.protocol_version, ctx.meta)
    state = _connection_state(ctx)
    level = state.get(_STATE_KEY) if state is not None else None
    return at_or_above(level) if level in LEVELS else frozenset()


def _summarise_call(ctx: ServerRequestContext[Any, Any], result: HandlerResult, seconds: float) -> None:
    """One INFO record per tool call: name, wall time, tool error, notice codes of the result."""
    params = ctx.params or {}
    name = params.get("name", "?")
    data = result if isinstance(result, dict) else {}
    structured = data.get("structuredContent")
    warnings = structured.get("warnings") if isinstance(structured, dict) else None
    codes = [w.get("code") for w in warnings or () if isinstance(w, dict)]
    fmt, args = "tools/call %s: %d ms", [name, round(seconds * 1000)]
    if data.get("isError"):
        fmt += ", tool error"
    if codes:
        fmt += ", notices %s"
        args.append(", ".join(str(c) for c in codes))
    if log.isEnabledFor(logging.INFO):
        log.info(fmt, *args)  # stderr as the operator configured it, and the tap
    elif (capture := _CAPTURE.get()) is not None:  # the operator logs less, the client asked for it
        capture.add(log.makeRecord(log.name, logging.INFO, __file__, 0, fmt, tuple(args), None))


async def _deliver(ctx: ServerRequestContext[Any, Any], capture: _Capture) -> None:
    for level, logger, message in capture.drain():
        notification = LoggingMessageNotification(
            params=LoggingMessageNotificationParams(level=level, logger=logger, data=message)
        )
        try:  # on this request's stream (2026-07-28 allows no other), before its response
            await ctx.session.send_notification(notification, related_request_id=ctx.request_id)
        except Exception as exc:  # a closed stream or a client gone: the request itself still answers
            log.debug("client log delivery stopped: %r", exc)
            return


async def forward_logs(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """Server middleware: collect the request's carbon_kepler records, send the wanted ones after it."""
    if ctx.request_id is None or ctx.method == "initialize":  # notifications; initialize runs inline
        return await call_next(ctx)
    try:
        allowed = _allowed(ctx)
    except Exception:
        allowed = frozenset()
    capture = _Capture(allowed) if allowed else None
    token = _CAPTURE.set(capture)
    started = time.perf_counter()
    try:
        result = await call_next(ctx)
        if ctx.method == "tools/call":
            with contextlib.suppress(Exception):
                _summarise_call(ctx, result, time.perf_counter() - started)
    except Exception:
        if capture is not None:  # what was logged before a failure is the most useful part
            await _deliver(ctx, capture)
        raise
    finally:
        _CAPTURE.reset(token)
    if capture is not None:
        await _deliver(ctx, capture)
    return result


def install(server: MCPServer[Any]) -> None:
    """`logging/setLevel` (capability `logging`) and forwarding of carbon_kepler records to clients."""
    _lowlevel(server).add_request_handler("logging/setLevel", SetLevelRequestParams, _set_level)
    if forward_logs not in server.middleware:
        server.middleware.append(forward_logs)  # innermost: sees the handler's wire result
    tree = logging.getLogger(TREE)
    if _TAP not in tree.handlers:  # one tap per process, shared by every server built in it
        tree.addHandler(_TAP)
