"""compare_optimization_impact: before/after reconcile exactly with the engine on the transformed series."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbon_kepler.advice.impact import ImpactPlan
from carbon_kepler.advising import Advisor
from carbon_kepler.assessment import Unit, UnitKind
from carbon_kepler.compliance.model import Status
from carbon_kepler.core.period import HOUR, Period
from carbon_kepler.core.units import JOULES_PER_KWH
from carbon_kepler.energy.attribution import WorkloadHour
from carbon_kepler.energy.selector import Selector
from carbon_kepler.engine import PeriodArgs, coverage, select
from tests.advice.conftest import FakeSource, Pod, engine, kst, kst_ts, org_yaml
from tests.advice.test_rightsizing import FakeUsage, usage

FACTOR = 417.3
DAY0 = kst_ts(2026, 4, 13, 0)
H19, H20 = kst_ts(2026, 4, 13, 19), kst_ts(2026, 4, 13, 20)
ETL = "etl-nightly-29000000-x7k2p"  # a CronJob pod
WEB = "web-7d9f8b6c5d-q4m8z"  # a Deployment pod running all day
# per hour the ETL job has 0.5 kWh active; at 19-20 h the web pod has 0.2 active beside it, so the
# node's 0.3 kWh remainder splits 5/7 : 2/7 → ETL IT energy 0.5 + 0.3 × 5/7 = 0.7142857 kWh per hour.
ETL_KWH_PER_HOUR = 0.5 + 0.3 * 5 / 7


def _source() -> FakeSource:
    etl = Pod("batch", ETL, "node-1", {H19: 0.5 * JOULES_PER_KWH, H20: 0.5 * JOULES_PER_KWH})
    web = Pod("shop", WEB, "node-1", {DAY0 + i * HOUR: 0.2 * JOULES_PER_KWH for i in range(24)})
    return FakeSource([etl, web], Period.from_ts(DAY0, DAY0 + 24 * HOUR))


def _advisor(org: Path | None = None, fake: FakeUsage | None = None) -> Advisor:
    return Advisor(engine(_source(), kst(2026, 4, 14, 9), org), usage=fake)


def _engine_on(advisor: Advisor, rows: list[WorkloadHour], unit: Unit) -> object:
    """The engine's own assessment of a (transformed) row set, as `carbon-kepler assess` computes it."""
    eng = advisor.engine
    att = eng.attribution(eng.period(PeriodArgs()))
    return eng.assessor.assess(
        unit,
        rows,
        att.period,
        eng.period_out(att.period),
        coverage=coverage(att.data, att.period),
        source=att.data.source,
    )


def _batch_rows(advisor: Advisor) -> list[WorkloadHour]:
    eng = advisor.engine
    return select(eng.attribution(eng.period(PeriodArgs())).attributed.workloads, Selector(namespace="batch"))


BATCH = Unit(kind=UnitKind.NAMESPACE, key="namespace:batch", namespace="batch")


def test_shifting_the_evening_run_to_midday_reconciles_with_the_engine_and_passes_the_policy() -> None:
    advisor = _advisor()
    result = advisor.impact(PeriodArgs(), Selector(namespace="batch"), ImpactPlan(shift=True))
    # by hand: the 2-hour run moves 19-21 h → 12-14 h (weights 0.89 + 0.89, the day's lowest 2-hour mean)
    moved = [r._replace(hour_utc=r.hour_utc - 7 * HOUR) for r in _batch_rows(advisor)]
    expected = _engine_on(advisor, moved, BATCH)
    assert result.after.emissions_location == expected.emissions_location  # type: ignore[attr-defined]
    assert result.after.intensity == expected.intensity  # type: ignore[attr-defined]
    assert result.after.it_energy == expected.it_energy  # type: ignore[attr-defined]
    # and the arithmetic: E = 2 × 0.7142857 kWh; before 417.3 × (1.10 + 1.09), after 417.3 × (0.89 + 0.89)
    assert result.before.emissions_location.value == pytest.approx(ETL_KWH_PER_HOUR * FACTOR * (1.10 + 1.09))
    assert result.after.emissions_location.value == pytest.approx(ETL_KWH_PER_HOUR * FACTOR * (0.89 + 0.89))
    assert result.energy_delta.value == pytest.approx(0.0, abs=1e-12)
    assert [r.to_start for r in result.shifted_runs] == ["2026-04-13T12:00+09:00"]
    # the intensity policy (424 g/kWh): 456.9 in the evening peak fails, 371.4 at midday passes
    check = next(c for c in result.checks if c.code == "KR_CARBON_2050")
    assert (check.before, check.after) == (Status.NON_COMPLIANT, Status.COMPLIANT)
    assert result.steps[0].optimisation == "shift" and result.steps[0].applied


def test_before_is_exactly_what_assess_reports_for_the_measured_energy() -> None:
    advisor = _advisor()
    result = advisor.impact(PeriodArgs(), Selector(namespace="batch"), ImpactPlan(shift=True))
    assessed = advisor.engine.assess(PeriodArgs(), Selector(namespace="batch"))
    assert result.before.emissions_location == assessed.emissions_location
    assert result.before.statuses == {c.code: c.status for c in assessed.checks}


def test_rightsizing_shrinks_only_the_allocated_share_and_reconciles_with_the_engine() -> None:
    fake = FakeUsage(
        (usage(ETL, "etl", 2.0, 0.5, "batch"),)
    )  # 0.5 × 1.2 = 0.6 cores → f = (2 − 0.6) / 2 = 0.7
    advisor = _advisor(fake=fake)
    result = advisor.impact(PeriodArgs(), Selector(namespace="batch"), ImpactPlan(rightsize=True))
    scaled = [r._replace(allocated_j=r.allocated_j * (1 - 0.7)) for r in _batch_rows(advisor)]
    expected = _engine_on(advisor, scaled, BATCH)
    assert result.after.it_energy == expected.it_energy  # type: ignore[attr-defined]
    assert result.after.emissions_location == expected.emissions_location  # type: ignore[attr-defined]
    # allocated 0.3 × 5/7 kWh per hour × 2 h × 0.7 = 0.3 kWh less
    assert result.energy_delta.value == pytest.approx(-(0.3 * 5 / 7) * 2 * 0.7)
    assert result.rightsizing is not None and result.rightsizing.status == "AVAILABLE"


def test_rightsizing_without_usage_metrics_is_reported_not_applied_and_changes_nothing() -> None:
    result = _advisor().impact(PeriodArgs(), Selector(namespace="batch"), ImpactPlan(rightsize=True))
    [step] = result.steps
    assert not step.applied and step.reason and "container_cpu_usage_seconds_total" in step.reason
    assert result.after == result.before


def test_moving_to_tokyo_uses_one_source_for_the_ratio_and_the_provider_pue(tmp_path: Path) -> None:
    advisor = _advisor(org_yaml(tmp_path, "aws:ap-northeast-2", pue=1.25))
    plan = ImpactPlan(region="aws:ap-northeast-1")  # current region from the org config
    result = advisor.impact(PeriodArgs(), Selector(namespace="batch"), plan)
    energy = 2 * ETL_KWH_PER_HOUR
    tokyo = FACTOR * 465.8 / 415.6  # official factor × CCF Tokyo / CCF Seoul = 467.70 g/kWh, flat
    assert result.before.pue.value == 1.25 and result.after.pue.value == 1.135
    assert result.after.intensity is not None and result.after.intensity.value == pytest.approx(tokyo)
    assert result.after.emissions_location.value == pytest.approx(energy * 1.135 * tokyo)
    assert "Cloud Carbon Footprint" in result.steps[0].explanation_en
    assert {w.code for w in result.warnings} >= {"LEAVES_KOREA", "INSTRUMENTS_DROPPED"}


def test_all_three_apply_in_order_and_each_step_explains_its_delta(tmp_path: Path) -> None:
    fake = FakeUsage((usage(ETL, "etl", 2.0, 0.5, "batch"),))
    advisor = _advisor(org_yaml(tmp_path, "aws:ap-northeast-2", pue=1.25), fake)
    plan = ImpactPlan(rightsize=True, shift=True, region="aws:eu-north-1")
    result = advisor.impact(PeriodArgs(), Selector(namespace="batch"), plan)
    assert [s.optimisation for s in result.steps] == ["rightsize", "shift", "region"]
    total = sum(s.emissions_delta_g for s in result.steps)
    assert total == pytest.approx(result.emissions_delta.value, abs=1e-5)
    for step in result.steps:
        assert "gCO2eq" in step.explanation_en and step.explanation_ko


def test_moving_needs_to_know_where_the_workload_runs_now() -> None:
    from carbon_kepler.core.errors import InputError

    with pytest.raises(InputError, match="current region"):
        _advisor().impact(PeriodArgs(), Selector(namespace="batch"), ImpactPlan(region="aws:eu-north-1"))
