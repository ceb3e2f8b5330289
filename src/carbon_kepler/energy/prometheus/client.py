"""httpx client for the Prometheus HTTP API (also Thanos, Mimir, VictoriaMetrics).

Auth (bearer token or token file), CA bundle, TLS verification on by default, timeouts, bounded
retries with back-off on connection errors and 5xx/429; every failure becomes a SourceError whose
message names the URL and the setting to fix.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from carbon_kepler.core.errors import ConfigError, SourceError, TLSVerifyError
from carbon_kepler.energy.http_errors import translate_http_error

log = logging.getLogger(__name__)

URL_SETTING = "--prometheus-url / CARBON_KEPLER_PROMETHEUS_URL"


@dataclass(frozen=True)
class ClientOptions:
    url: str
    bearer_token: str | None = None
    token_file: str | None = None
    ca_file: str | None = None
    insecure: bool = False
    timeout_s: float = 30.0
    retries: int = 2


def _token(opts: ClientOptions) -> str | None:
    if opts.bearer_token:
        return opts.bearer_token
    if opts.token_file:
        try:
            return Path(opts.token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"cannot read token file {opts.token_file}: {exc.strerror}", hint="check --token-file"
            ) from exc
    return None


class PrometheusClient:
    def __init__(
        self,
        opts: ClientOptions,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not opts.url.startswith(("http://", "https://")):
            raise ConfigError(
                f"Prometheus URL {opts.url!r} must start with http:// or https://", hint=f"set {URL_SETTING}"
            )
        if opts.insecure:
            log.warning(
                "TLS verification is OFF for %s (--insecure): the connection can be intercepted", opts.url
            )
        headers = {"User-Agent": "carbon-kepler"}
        token = _token(opts)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        verify: bool | str = False if opts.insecure else (opts.ca_file or True)
        self.opts = opts
        self.base = opts.url.rstrip("/")
        self.requests = 0
        self.seconds = 0.0  # wall time spent in HTTP round trips (for overhead benchmarks)
        self._sleep = sleep
        self._http = httpx.Client(headers=headers, verify=verify, timeout=opts.timeout_s, transport=transport)

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str, params: dict[str, str]) -> Any:
        url = f"{self.base}{path}"
        for attempt in range(self.opts.retries + 1):
            started = time.perf_counter()
            try:
                resp = self._http.get(url, params=params)
            except httpx.HTTPError as exc:
                err: SourceError = translate_http_error(exc, self.base, setting=URL_SETTING)
                if isinstance(err, TLSVerifyError) or attempt == self.opts.retries:
                    raise err from exc
            else:
                self.requests += 1
                self.seconds += time.perf_counter() - started
                if resp.status_code in (401, 403):
                    raise SourceError(
                        f"{self.base} refused the request (HTTP {resp.status_code})",
                        hint="set --token or --token-file",
                    )
                if resp.status_code < 500 and resp.status_code != 429:
                    return self._payload(resp)
                if attempt == self.opts.retries:
                    raise SourceError(
                        f"{self.base} answered HTTP {resp.status_code} after {attempt + 1} tries",
                        hint="check the server's health",
                    )
            self._sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _payload(self, resp: httpx.Response) -> Any:
        try:
            body = resp.json()
        except ValueError as exc:
            raise SourceError(
                f"{self.base} did not answer with Prometheus API JSON (HTTP {resp.status_code})",
                hint=f"check {URL_SETTING} points at the Prometheus API root",
            ) from exc
        if body.get("status") != "success":
            raise SourceError(f"Prometheus rejected a query: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, promql: str, at: float) -> list[dict[str, Any]]:
        data = self._get("/api/v1/query", {"query": promql, "time": f"{at:.3f}"})
        return list(data["result"])

    def query_range(self, promql: str, start: float, end: float, step_s: int) -> list[dict[str, Any]]:
        data = self._get(
            "/api/v1/query_range",
            {"query": promql, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": str(step_s)},
        )
        return list(data["result"])

    def label_values(self, label: str, match: str, start: float, end: float) -> list[str]:
        data = self._get(
            f"/api/v1/label/{label}/values", {"match[]": match, "start": f"{start:.3f}", "end": f"{end:.3f}"}
        )
        return [str(v) for v in data]
