"""One settings object: flags > CARBON_KEPLER_* environment > config file (YAML) > defaults.

Validated once at start-up; domain code takes explicit parameters, never this object.
Data-source URLs and credentials live here only — never in tool arguments.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from carbon_kepler.core.errors import ConfigError
from carbon_kepler.energy.attribution import Policy
from carbon_kepler.energy.kepler import DEFAULT_ZONES, validate_zones
from carbon_kepler.energy.prometheus.queries import Method


class SourceKind(StrEnum):
    DEMO = "demo"
    PROMETHEUS = "prometheus"
    STORE = "store"


def default_store_path() -> Path:
    return Path.home() / ".local" / "share" / "carbon-kepler" / "store.sqlite"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARBON_KEPLER_", extra="forbid", frozen=True)

    source: SourceKind = Field(
        SourceKind.PROMETHEUS, description="Where energy comes from: demo | prometheus | store."
    )
    prometheus_url: str = Field(
        "http://localhost:9090", description="Prometheus (or Thanos/Mimir/VictoriaMetrics) API root."
    )
    token: str | None = Field(
        None, description="Bearer token for Prometheus or Kepler endpoints.", repr=False
    )
    token_file: Path | None = Field(
        None, description="File holding the bearer token (e.g. a mounted Secret)."
    )
    ca_file: Path | None = Field(None, description="CA bundle to verify the server's TLS certificate.")
    insecure: bool = Field(False, description="Skip TLS verification (warns; not recommended).")
    timeout_s: float = Field(30.0, gt=0, description="HTTP timeout per request, seconds.")
    store: Path = Field(default_factory=default_store_path, description="Local store written by `collect`.")
    zones: tuple[str, ...] = Field(DEFAULT_ZONES, description="RAPL zones summed as CPU+memory energy.")
    allocation: Policy = Field(
        Policy.PROPORTIONAL,
        description="Idle/system energy allocation: none | proportional | by-cpu-request.",
    )
    prometheus_method: Method = Field(
        Method.INTERPOLATED, description="Hour-bucket method for counters (see BENCHMARKS.md)."
    )
    prometheus_resolution_s: int = Field(30, description="Subquery resolution in seconds; must divide 3600.")
    timezone: str = Field("Asia/Seoul", description="Time zone of hour buckets and labels.")
    lang: str = Field("en", pattern="^(en|ko)$", description="Output language: en | ko.")
    org_config: Path | None = Field(
        None, description="Organisation config YAML (sites, PUE, instruments, baseline)."
    )
    electricitymaps_token: SecretStr | None = Field(
        None, description="Electricity Maps API token (auth-token header); enables live intensity."
    )
    electricitymaps_url: str | None = Field(
        None, description="Electricity Maps API root (default: public v3 API)."
    )
    purpose: str | None = Field(
        None,
        pattern="^(latest|disclosure|k-ets)$",
        description="Why you report: latest | disclosure | k-ets (picks the official factor).",
    )
    reporting_year: int | None = Field(None, ge=2000, le=2100, description="Reporting year (factor vintage).")
    factor: str | None = Field(None, description="Official factor id, e.g. KR_2023 (overrides purpose/year).")

    @field_validator("zones", mode="before")
    @classmethod
    def _split_zones(cls, v: Any) -> Any:
        return tuple(v.split(",")) if isinstance(v, str) else v

    @field_validator("zones")
    @classmethod
    def _check_zones(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return validate_zones(v)

    @field_validator("prometheus_resolution_s")
    @classmethod
    def _divides_hour(cls, v: int) -> int:
        if v <= 0 or 3600 % v:
            raise ValueError("must be a positive divisor of 3600, e.g. 15, 30 or 60")
        return v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings


def _read_config_file(path: Path) -> tuple[dict[str, Any], bool]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(
            f"config file {path} not found", hint="check --config / CARBON_KEPLER_CONFIG"
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {path} must be a mapping of setting: value")
    section = raw.get("settings", raw)
    values = {k.replace("-", "_"): v for k, v in section.items() if k != "organisation"}
    return values, "organisation" in raw


def load_settings(config_file: Path | None = None, **flags: Any) -> Settings:
    """Flags (non-None) override environment, which overrides the config file, which overrides defaults."""
    import os

    cfg_path = config_file or (
        Path(os.environ["CARBON_KEPLER_CONFIG"]) if os.environ.get("CARBON_KEPLER_CONFIG") else None
    )
    file_values, has_org = _read_config_file(cfg_path) if cfg_path else ({}, False)
    env_keys = {k[len("CARBON_KEPLER_") :].lower() for k in os.environ if k.startswith("CARBON_KEPLER_")}
    merged = {k: v for k, v in file_values.items() if k not in env_keys}
    merged.update({k: v for k, v in flags.items() if v is not None})
    if cfg_path and has_org and "org_config" not in merged and "org_config" not in env_keys:
        merged["org_config"] = cfg_path  # one file may hold both settings and the organisation section
    try:
        return Settings(**merged)
    except ValidationError as exc:
        e = exc.errors()[0]
        key = ".".join(str(p) for p in e["loc"])
        where = f" in {cfg_path}" if cfg_path and key in file_values else ""
        raise ConfigError(f"setting {key}{where}: {e['msg']}", hint=_allowed(key)) from exc


def _allowed(key: str) -> str:
    field = Settings.model_fields.get(key)
    if field is None:
        return f"known settings: {', '.join(sorted(Settings.model_fields))}"
    return f"{key}: {field.description}"
