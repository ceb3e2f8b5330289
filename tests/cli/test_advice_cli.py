"""`schedule`, `regions` and `advise` as a user runs them: Korean and English, --json, clear errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from carbon_kepler.advice.impact import ImpactResult
from carbon_kepler.advice.model import RegionsResult, ScheduleResult
from carbon_kepler.cli.commands import advise as advise_cmd
from carbon_kepler.cli.commands import regions as regions_cmd
from carbon_kepler.cli.commands import schedule as schedule_cmd
from carbon_kepler.cli.common import SETTING_FLAGS
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.period import HOUR, Period
from carbon_kepler.core.units import JOULES_PER_KWH
from carbon_kepler.engine import Engine
from tests.advice.conftest import FakeSource, Pod, engine, kst, kst_ts

ROOT = Path(__file__).parents[2]
app = typer.Typer(pretty_exceptions_enable=False)
app.command()(schedule_cmd.schedule)
app.command()(regions_cmd.regions)
app.command()(advise_cmd.advise)
runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in __import__("os").environ if k.startswith("CARBON_KEPLER_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("COLUMNS", "200")


def _fake_engine(command_locals: Mapping[str, Any]) -> Engine:
    """Evening ETL run on Monday 2026-04-13, clock fixed at Tuesday 19:00 KST (spring)."""
    flags = {k: v for k, v in command_locals.items() if k in SETTING_FLAGS}
    day = kst_ts(2026, 4, 13, 0)
    etl = Pod(
        "batch",
        "etl-nightly-29000000-x7k2p",
        "node-1",
        {day + h * HOUR: 0.5 * JOULES_PER_KWH for h in (19, 20)},
    )
    eng = engine(FakeSource([etl], Period.from_ts(day, day + 24 * HOUR)), kst(2026, 4, 14, 19))
    if flags.get("lang") == "ko":
        eng.settings = eng.settings.model_copy(update={"lang": "ko"})
    return eng


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (schedule_cmd, regions_cmd, advise_cmd):
        monkeypatch.setattr(module, "engine_from_flags", _fake_engine)


def test_schedule_json_is_the_result_model_with_the_recommended_window(fake: None) -> None:
    out = runner.invoke(app, ["schedule", "--duration", "4h", "--deadline", "2026-04-15T18:00", "--json"])
    assert out.exit_code == 0, out.output
    result = ScheduleResult.model_validate_json(out.stdout)
    assert result.best.start == "2026-04-15T11:00+09:00"
    assert result.recurring is not None and result.recurring.cron_schedule == "0 11 * * *"


def test_schedule_in_korean_shows_the_window_saving_and_cronjob_line(fake: None) -> None:
    args = [
        "schedule",
        "-d",
        "4h",
        "--deadline",
        "2026-04-15T18:00",
        "-n",
        "batch",
        "-w",
        "etl-nightly",
        "--lang",
        "ko",
    ]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    for text in (
        "최저 탄소 실행 구간",
        "추천",
        "지금 시작 대비 절감",
        "실제 실행 시간대 대비 절감",
        "반복 작업(CronJob)",
    ):
        assert text in out.stdout, text
    assert "2026-04-15 11:00 → 2026-04-15 15:00" in out.stdout
    assert 'schedule "0 11 * * *" timeZone "Asia/Seoul"' in out.stdout


def test_schedule_in_english_shows_tariff_bands(fake: None) -> None:
    out = runner.invoke(app, ["schedule", "-d", "4h", "--deadline", "2026-04-15T18:00"])
    assert out.exit_code == 0, out.output
    assert "recommended" in out.stdout and "peak load 3h" in out.stdout


def test_an_infeasible_schedule_is_an_input_error_naming_the_fix(fake: None) -> None:
    out = runner.invoke(app, ["schedule", "-d", "6h", "--deadline", "2026-04-14T23:00"])
    assert isinstance(out.exception, InputError)
    assert "infeasible" in out.exception.message and "deadline later" in (out.exception.hint or "")


@pytest.mark.parametrize("bad", ["4", "0h", "4 hours", "h"])
def test_an_unreadable_duration_says_how_to_write_one(fake: None, bad: str) -> None:
    out = runner.invoke(app, ["schedule", "-d", bad])
    assert isinstance(out.exception, InputError)
    assert "4h, 90m, 1h30m" in (out.exception.hint or "")


def test_regions_in_korean_flags_moves_out_of_korea(fake: None) -> None:
    out = runner.invoke(app, ["regions", "--lang", "ko", "--current-region", "aws:ap-northeast-2"])
    assert out.exit_code == 0, out.output
    for text in (
        "리전별 재산정",
        "단일 출처: Cloud Carbon Footprint",
        "국외 이전",
        "개인정보 보호법",
        "CSAP",
    ):
        assert text in out.stdout, text


def test_regions_json_never_mixes_sources(fake: None) -> None:
    out = runner.invoke(app, ["regions", "--json", "--intensity-source", "Google Cloud region carbon data"])
    assert out.exit_code == 0, out.output
    result = RegionsResult.model_validate_json(out.stdout)
    assert {o.intensity.source.split(" (")[0] for o in result.options} == {"Google Cloud region carbon data"}


def test_advise_shift_explains_each_delta_and_check(fake: None) -> None:
    out = runner.invoke(app, ["advise", "--shift", "-n", "batch"])
    assert out.exit_code == 0, out.output
    assert "runs moved to the cleanest window" in out.stdout
    assert "[KR_CARBON_2050]: Non-compliant → Compliant" in out.stdout


def test_advise_json_and_korean(fake: None) -> None:
    out = runner.invoke(app, ["advise", "--shift", "--rightsize", "-n", "batch", "--json"])
    result = ImpactResult.model_validate_json(out.stdout)
    assert [s.optimisation for s in result.steps] == ["rightsize", "shift"]
    assert result.rightsizing is not None and result.rightsizing.status == "NOT_AVAILABLE"
    ko = runner.invoke(app, ["advise", "--rightsize", "-n", "batch", "--lang", "ko"])
    assert "요청량 적정화 불가" in ko.stdout and "container_cpu_usage_seconds_total" in ko.stdout


def test_advise_without_an_optimisation_says_which_flags_exist(fake: None) -> None:
    out = runner.invoke(app, ["advise", "-n", "batch"])
    assert isinstance(out.exception, InputError)
    assert "--shift, --rightsize, --region" in out.exception.message


def test_regions_and_advise_end_to_end_on_a_collected_store(store_6h: Path) -> None:
    org = str(ROOT / "examples" / "demo-org.yaml")
    base = ["--source", "store", "--store", str(store_6h), "--org-config", org]
    out = runner.invoke(app, ["regions", *base, "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["current_region"] == "ncloud:KR" and result["options"]
    assert all(
        {"PIPA_CROSS_BORDER", "CSAP_PUBLIC_SECTOR"} <= set(o["constraints"])
        for o in result["options"]
        if o["leaves_korea"]
    )
    out = runner.invoke(app, ["advise", *base, "--shift", "--json"])
    assert out.exit_code == 0, out.output
    impact = ImpactResult.model_validate_json(out.stdout)
    assert impact.before.it_energy.value == pytest.approx(impact.after.it_energy.value)
