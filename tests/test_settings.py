from pathlib import Path

import pytest

from carbon_kepler.core.errors import ConfigError
from carbon_kepler.settings import SourceKind, load_settings


def test_flags_beat_env_beat_file_beat_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("prometheus_url: http://from-file:9090\nsource: store\nzones: package\nlang: ko\n")
    monkeypatch.setenv("CARBON_KEPLER_PROMETHEUS_URL", "http://from-env:9090")
    monkeypatch.setenv("CARBON_KEPLER_LANG", "en")
    s = load_settings(cfg, source="demo")
    assert s.source is SourceKind.DEMO  # flag
    assert s.prometheus_url == "http://from-env:9090"  # env over file
    assert s.lang == "en"
    assert s.zones == ("package",)  # file over default
    assert load_settings(None).prometheus_url == "http://from-env:9090"


def test_bad_setting_in_file_names_file_key_and_meaning(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("prometheus_resolution_s: 7\n")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert "prometheus_resolution_s" in str(err.value) and str(cfg) in str(err.value)


def test_unknown_setting_lists_known_ones(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("prometheus: http://x\n")
    with pytest.raises(ConfigError, match="known settings"):
        load_settings(cfg)


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.yaml")
