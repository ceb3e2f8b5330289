"""The inventory (every workload's statuses at once) decides exactly what a full assessment of each decides."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from carbon_kepler.assessment import (
    Assessor,
    Inventory,
    StatusRow,
    Unit,
    UnitKind,
    WorkloadStatus,
    hourly_groups,
)
from carbon_kepler.compliance.checks import CHECKS, STATUS_CODE, STATUSES, CheckInputs, decide_all
from carbon_kepler.compliance.model import Status, worst_status
from carbon_kepler.compliance.rules import CHECK_PATHWAY, effective
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.period import Period
from carbon_kepler.energy.attribution import Policy, WorkloadHour, attribute
from carbon_kepler.energy.columns import workload_key
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
        out.append(
            WorkloadStatus.of_row(
                StatusRow.of(
                    key,
                    ns,
                    name,
                    a.it_energy.value,
                    a.emissions_location.value,
                    a.intensity.value if a.intensity else None,
                    {c.code: c.status for c in a.checks},
                )
            )
        )
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
    one = np.ones(1)
    inputs = CheckInputs(
        np.array([24]),
        one,
        one * 400,
        one * 400,
        np.zeros(1, bool),
        one * 400,
        one * 400,
        1.0,
        24.0,
        1.3,
        True,
    )
    assert list(decide_all(inputs, checks, {}, 2026, assessor.options)) == list(CHECKS)


def test_inventory_filters_counts_and_attention_agree_with_its_rows(
    demo: tuple[Period, list[WorkloadHour]], tmp_path: Path
) -> None:
    """The column operations the tools page and count with give what a loop over the rows gives."""
    period, rows = demo
    assessor = Assessor(_org_with_workload_baselines(tmp_path), today=TODAY, clock=lambda: TODAY)
    inv = assessor.inventory(hourly_groups(rows, period, 1.0, workload_key)).by_energy()
    listed = list(inv)
    assert [w.energy_kwh for w in listed] == sorted((w.energy_kwh for w in listed), reverse=True)
    # every outcome occurs among the checks, so the comparisons below can fail
    assert {s for w in listed for s in w.statuses.values()} == set(Status)
    for std in ["ALL", *CHECKS, "NO_SUCH_CHECK"]:

        def status(w: StatusRow, std: str = std) -> Status:
            return w.worst if std == "ALL" else w.statuses.get(std, Status.NOT_ASSESSED)

        assert inv.counts(std) == {s: sum(status(w) is s for w in listed) for s in Status}
        for s in Status:
            assert inv.with_status(std, s) == [k for k, w in enumerate(listed) if status(w) is s]
        assert inv.with_status(std, None) == list(range(len(listed)))
    flagged = [k for k, w in enumerate(listed) if w.worst is not Status.COMPLIANT]
    expected = sorted(flagged, key=lambda k: (listed[k].worst is Status.NOT_ASSESSED, -listed[k].energy_kwh))
    assert inv.needing_attention() == expected


def test_attention_lists_non_compliant_first_then_not_assessed_by_energy() -> None:
    c, nc, na = (STATUSES.index(s) for s in (Status.COMPLIANT, Status.NON_COMPLIANT, Status.NOT_ASSESSED))
    status = np.array([[c, c], [na, c], [nc, na], [c, nc], [na, na], [c, c]], dtype=np.int8)
    energy = np.array([9.0, 8.0, 1.0, 3.0, 8.5, 7.0])
    inv = Inventory([f"ns/w{k}" for k in range(6)], energy, energy, energy, ("A", "B"), status)
    assert inv.needing_attention() == [3, 2, 4, 1]  # NC by energy (3.0, 1.0), then NA (8.5, 8.0)
    assert [w.worst for w in inv.take(np.array([3, 4, 0]))] == [
        Status.NON_COMPLIANT,
        Status.NOT_ASSESSED,
        Status.COMPLIANT,
    ]
    assert inv.by_energy().keys == ["ns/w0", "ns/w4", "ns/w1", "ns/w5", "ns/w3", "ns/w2"]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1e12])
def test_energy_that_is_not_a_number_is_refused_by_both_paths(
    demo: tuple[Period, list[WorkloadHour]], bad: float
) -> None:
    """A NaN or infinite pod-hour must not become a verdict (NaN ≤ 0 is False: the gates would pass it, and a
    PUE check decides without energy). The inventory refuses it exactly as one assessment does."""
    period, rows = demo
    broken = [rows[0]._replace(active_j=bad), *rows[1:]]
    key = workload_key(broken[0])
    assessor = Assessor(DEMO_ORG, today=TODAY)
    with pytest.raises(InputError, match="energy must be a number ≥ 0") as inventory_error:
        assessor.inventory(hourly_groups(broken, period, 1.0, workload_key))
    assert key in str(inventory_error.value)
    ns, name = key.split("/", 1)
    unit = Unit(kind=UnitKind.WORKLOAD, key=f"workload:{key}", namespace=ns, workload=name)
    mine = [r for r in broken if workload_key(r) == key]
    out = PeriodOut(start="s", end="e", timezone="UTC", hours=period.hours)
    with pytest.raises(InputError, match="energy must be a number ≥ 0"):
        assessor.assess(unit, mine, period, out, coverage=1.0, source="test")


def test_worst_status_is_the_most_severe_check_row_by_row_and_for_all_rows_at_once() -> None:
    assert worst_status([]) is Status.COMPLIANT
    assert worst_status([Status.COMPLIANT, Status.NOT_ASSESSED]) is Status.NOT_ASSESSED
    assert worst_status([Status.NOT_ASSESSED, Status.NON_COMPLIANT, Status.COMPLIANT]) is Status.NON_COMPLIANT
    combos = list(itertools.product(Status, repeat=3))
    codes = np.array([[STATUS_CODE[s] for s in c] for c in combos], dtype=np.int8)
    n = len(combos)
    inv = Inventory(
        [f"ns/w{k}" for k in range(n)], np.ones(n), np.ones(n), np.ones(n), ("a", "b", "c"), codes
    )
    assert [STATUSES[w] for w in inv.worst()] == [worst_status(c) for c in combos]
    assert [inv.row(k).worst for k in range(n)] == [worst_status(c) for c in combos]
