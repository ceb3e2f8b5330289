"""The inventory (every workload's statuses at once) decides exactly what a full assessment of each decides."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from carbon_kepler.assessment import (
    Assessor,
    Unit,
    UnitKind,
    WorkloadStatus,
    hourly_groups,
    workload_key,
)
from carbon_kepler.compliance.checks import CHECKS, CheckInputs, decide_all
from carbon_kepler.compliance.model import Status
from carbon_kepler.compliance.rules import CHECK_PATHWAY, effective
from carbon_kepler.core.period import Period
from carbon_kepler.energy.attribution import Policy, WorkloadHour, attribute
from carbon_kepler.energy.source import StoreSource, demo_store_path
from carbon_kepler.results import PeriodOut

DEMO_ORG = Path(__file__).parent.parent / "examples" / "demo-org.yaml"
TODAY = datetime(2026, 11, 27, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo() -> tuple[Period, list[WorkloadHour]]:
    source = StoreSource(demo_store_path(), demo=True)
    period = source.default_period()
    assert period is not None
    return period, list(attribute(source.fetch(period, ("package", "dram")), Policy.PROPORTIONAL).workloads)


def _org_with_workload_baselines(tmp_path: Path) -> Path:
    """The demo org plus baselines for two workloads: one far above its path, one far below."""
    text = DEMO_ORG.read_text(encoding="utf-8") + (
        "  workload:production/web:\n    year: 2024\n    emissions_tco2eq: 0.000001\n    basis: location\n"
        "  workload:ai-team/inference:\n    year: 2024\n    emissions_tco2eq: 1000\n    basis: market\n"
    )
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _one_by_one(
    assessor: Assessor, rows: list[WorkloadHour], period: Period, cov: float
) -> list[WorkloadStatus]:
    groups = hourly_groups(rows, period, cov, workload_key)
    out = []
    for i, key in enumerate(groups.keys):
        ns, name = key.split("/", 1)
        unit = Unit(kind=UnitKind.WORKLOAD, key=f"workload:{key}", namespace=ns, workload=name)
        a = assessor.assess_window(
            unit, groups.window(i), PeriodOut(start="", end="", timezone="", hours=0), source=""
        )
        out.append(WorkloadStatus.of(a))
    return out


@pytest.mark.parametrize("org", ["none", "demo", "baselines"])
@pytest.mark.parametrize("coverage", [1.0, 0.5, 0.0])
def test_inventory_rows_equal_a_full_assessment_of_each_workload(
    demo: tuple[Period, list[WorkloadHour]], tmp_path: Path, org: str, coverage: float
) -> None:
    period, rows = demo
    path = {"none": None, "demo": DEMO_ORG, "baselines": _org_with_workload_baselines(tmp_path)}[org]
    assessor = Assessor(path, today=TODAY, clock=lambda: TODAY)
    fast = assessor.inventory(hourly_groups(rows, period, coverage, workload_key))
    slow = _one_by_one(assessor, rows, period, coverage)
    assert len(fast) == len(slow) > 20
    assert [WorkloadStatus.of_row(f) for f in fast] == slow
    statuses = {s for w in fast for s in w.statuses.values()}
    if coverage < 0.8:  # below the minimum coverage nothing is decided
        assert statuses == {Status.NOT_ASSESSED}
    elif org == "baselines":  # the sample reaches both outcomes, so equality above is not vacuous
        assert {Status.COMPLIANT, Status.NON_COMPLIANT, Status.NOT_ASSESSED} <= statuses
        by_key = {w.key: w.statuses[CHECK_PATHWAY] for w in fast}
        assert by_key["production/web"] is Status.NON_COMPLIANT
        assert by_key["ai-team/inference"] is Status.COMPLIANT


def test_decide_all_covers_every_registered_check_in_order() -> None:
    assessor = Assessor(None, today=TODAY)
    checks = {c: effective(assessor.regulations.check(c)) for c in CHECKS}
    inputs = CheckInputs(24, 1.0, 1.0, 400.0, 400.0, False, 1.3, 400.0, 400.0, 24.0)
    assert list(decide_all(inputs, checks, None, 2026, assessor.options)) == list(CHECKS)
