"""Glue every command shares: flags → Settings → Engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from carbon_kepler.engine import Engine
from carbon_kepler.settings import Settings, load_settings


def settings_from(config: Path | None, **flags: Any) -> Settings:
    return load_settings(config, **flags)


def engine_from(config: Path | None, **flags: Any) -> Engine:
    return Engine.from_settings(settings_from(config, **flags))
