"""Electricity Maps v3 client (carbon-intensity latest | history | forecast) and its IntensityProvider.

Sync httpx with a timeout, bounded retries on timeouts, 429 and 5xx, and a small TTL cache. The token
travels only in the `auth-token` header: it never appears in a message, a log line or a URL (§4.4).
Every failure is a SourceError, which FallbackChain turns into a static-profile result with a warning.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal, NamedTuple

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from carbon_kepler.carbon.model import HourlyIntensity, IntensitySeries, SeriesKind
from carbon_kepler.core.errors import ConfigError, SourceError, SourceUnreachable
from carbon_kepler.core.figures import Notice, Quality
from carbon_kepler.core.period import hour_floor

DEFAULT_BASE_URL = "https://api.electricitymap.org/v3"
_RETRY_STATUS = {429, 500, 502, 503, 504}
_HINT = "live intensity falls back to the static profile; check the Electricity Maps settings"


class ElectricityMapsSettings(BaseModel):
    """How to reach Electricity Maps; filled from the product settings by the composition root."""

    model_config = ConfigDict(frozen=True)

    base_url: str = Field(
        default=DEFAULT_BASE_URL, description="API root (tests point it to a local server)."
    )
    token: SecretStr | None = Field(default=None, description="Value of the auth-token header.")
    timeout_s: float = Field(default=5.0, gt=0, le=60, description="Per-request timeout (s).")
    max_retries: int = Field(default=2, ge=0, le=5, description="Retries after the first attempt.")
    max_backoff_s: float = Field(default=4.0, ge=0, le=30, description="Cap on one wait between retries (s).")
    cache_ttl_s: float = Field(default=300.0, ge=0, description="How long an answer is reused (s).")
    emission_factor_type: Literal["lifecycle", "direct"] | None = Field(
        default=None, description="emissionFactorType query parameter; the API default is lifecycle."
    )


class IntensityPoint(NamedTuple):
    hour_utc: int
    g_per_kwh: float
    estimated: bool


def _malformed(endpoint: str, detail: str) -> SourceError:
    return SourceError(f"Electricity Maps answered {endpoint} with an unexpected body: {detail}", hint=_HINT)


def _parse_point(item: object, endpoint: str, *, default_estimated: bool) -> IntensityPoint | None:
    """One API item → point; None when the API reports no value for that hour (carbonIntensity null)."""
    if not isinstance(item, dict):
        raise _malformed(endpoint, f"item is {type(item).__name__}, not an object")
    if "carbonIntensity" not in item:
        raise _malformed(endpoint, "item has no carbonIntensity")
    value, stamp = item["carbonIntensity"], item.get("datetime")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise _malformed(endpoint, f"carbonIntensity {value!r} is not a number ≥ 0")
    if not isinstance(stamp, str):
        raise _malformed(endpoint, f"datetime {stamp!r} is not a string")
    try:
        ts = datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        raise _malformed(endpoint, f"datetime {stamp!r} is not ISO 8601") from None
    estimated = item.get("isEstimated", default_estimated)
    return IntensityPoint(hour_floor(ts), float(value), bool(estimated))


def _items(body: dict[str, Any], key: str, endpoint: str) -> list[object]:
    items = body.get(key)
    if not isinstance(items, list):
        raise _malformed(endpoint, f"no '{key}' list")
    return items


def _error_for(resp: httpx.Response, endpoint: str) -> SourceError:
    code = resp.status_code
    if code in (401, 403):
        return SourceError(
            f"Electricity Maps rejected the auth-token (HTTP {code}) for {endpoint}",
            hint="check the configured Electricity Maps token and which zones and endpoints its plan includes",
        )
    if code == 429:
        return SourceError(f"Electricity Maps rate limit reached (HTTP 429) for {endpoint}", hint=_HINT)
    detail = resp.text[:120].replace("\n", " ")
    return SourceError(f"Electricity Maps answered HTTP {code} for {endpoint}: {detail}", hint=_HINT)


class ElectricityMapsClient:
    """Thin client for the three carbon-intensity endpoints."""

    def __init__(
        self,
        settings: ElectricityMapsSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if settings.token is None or not settings.token.get_secret_value():
            raise ConfigError(
                "Electricity Maps needs a token", hint="set the Electricity Maps token or use the profile"
            )
        self.settings = settings
        self._clock, self._sleep = clock, sleep
        self._cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/") + "/",
            timeout=httpx.Timeout(settings.timeout_s),
            headers={"auth-token": settings.token.get_secret_value()},
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ElectricityMapsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def latest(self, zone: str) -> IntensityPoint:
        endpoint = "carbon-intensity/latest"
        point = _parse_point(self._get(endpoint, zone), endpoint, default_estimated=False)
        if point is None:
            raise _malformed(endpoint, "carbonIntensity is null")
        return point

    def history(self, zone: str) -> tuple[IntensityPoint, ...]:
        endpoint = "carbon-intensity/history"
        items = _items(self._get(endpoint, zone), "history", endpoint)
        points = (_parse_point(i, endpoint, default_estimated=False) for i in items)
        return tuple(p for p in points if p is not None)

    def forecast(self, zone: str) -> tuple[IntensityPoint, ...]:
        endpoint = "carbon-intensity/forecast"
        items = _items(self._get(endpoint, zone), "forecast", endpoint)
        points = (_parse_point(i, endpoint, default_estimated=True) for i in items)
        return tuple(p for p in points if p is not None)

    def _get(self, endpoint: str, zone: str) -> dict[str, Any]:
        key = (endpoint, zone)
        hit = self._cache.get(key)
        now = self._clock()
        if hit is not None and hit[0] > now:
            return hit[1]
        body = self._fetch(endpoint, zone)
        self._cache[key] = (now + self.settings.cache_ttl_s, body)
        return body

    def _fetch(self, endpoint: str, zone: str) -> dict[str, Any]:
        params = {"zone": zone}
        if self.settings.emission_factor_type:
            params["emissionFactorType"] = self.settings.emission_factor_type
        last: SourceError = SourceError(f"Electricity Maps {endpoint}: no attempt made")
        for attempt in range(self.settings.max_retries + 1):
            wait: float | None = None
            try:
                resp = self._http.get(endpoint, params=params)
            except httpx.TimeoutException:
                last = SourceUnreachable(
                    f"Electricity Maps did not answer {endpoint} within {self.settings.timeout_s:g} s",
                    hint=_HINT,
                )
            except httpx.TransportError as exc:
                last = SourceUnreachable(
                    f"cannot reach Electricity Maps at {self.settings.base_url} ({type(exc).__name__})",
                    hint=_HINT,
                )
            else:
                if resp.status_code == 200:
                    return self._json(resp, endpoint)
                last = _error_for(resp, endpoint)
                if resp.status_code not in _RETRY_STATUS:
                    raise last
                wait = _retry_after(resp)
            if attempt < self.settings.max_retries:
                self._sleep(min(wait if wait is not None else 0.5 * 2**attempt, self.settings.max_backoff_s))
        raise last

    @staticmethod
    def _json(resp: httpx.Response, endpoint: str) -> dict[str, Any]:
        try:
            body = resp.json()
        except ValueError:
            raise _malformed(endpoint, "not JSON") from None
        if not isinstance(body, dict):
            raise _malformed(endpoint, f"top level is {type(body).__name__}, not an object")
        return body


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


class ElectricityMapsProvider:
    """IntensityProvider over the client: history for past hours, forecast for later ones."""

    def __init__(self, client: ElectricityMapsClient) -> None:
        self.client = client

    def hourly(self, zone: str, hours: Sequence[int]) -> HourlyIntensity:
        points = {p.hour_utc: p for p in self.client.history(zone)}
        warnings: list[Notice] = []
        if hours and max(hours) > max(points, default=-1):
            try:
                for p in self.client.forecast(zone):
                    points.setdefault(p.hour_utc, p)
            except SourceError as exc:
                warnings.append(Notice(code="FORECAST_UNAVAILABLE", message=exc.message))
        used = [points[h] for h in hours if h in points]
        basis = self.client.settings.emission_factor_type or "lifecycle"
        series = IntensitySeries(
            kind=SeriesKind.LIVE,
            zone=zone,
            source=f"Electricity Maps API v3, zone {zone}, {basis} basis (not the official consumption-end factor)",
            assumption=False,
            hours_live=len(used),
            quality=Quality.ESTIMATED if any(p.estimated for p in used) or not used else Quality.MEASURED,
        )
        return HourlyIntensity({p.hour_utc: p.g_per_kwh for p in used}, series, tuple(warnings))
