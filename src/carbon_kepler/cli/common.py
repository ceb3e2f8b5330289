"""Glue every command shares: flags → Settings → Engine."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from carbon_kepler.engine import Engine
from carbon_kepler.settings import Settings, load_settings


def settings_from(config: Path | None, **flags: Any) -> Settings:
    return load_settings(config, **flags)


SETTING_FLAGS = frozenset(Settings.model_fields)


def settings_from_flags(flags: Mapping[str, Any]) -> Settings:
    """Settings from a command's parameters (pass `locals()`): those named like a setting become flags."""
    return settings_from(flags.get("config"), **{k: v for k, v in flags.items() if k in SETTING_FLAGS})


def engine_from_flags(flags: Mapping[str, Any]) -> Engine:
    """Engine from a command's parameters (pass `locals()`)."""
    return Engine.from_settings(settings_from_flags(flags))
