"""The compliance checks of domain.md §6, with the arithmetic written out."""

from __future__ import annotations

import numpy as np
import pytest

from carbon_kepler.carbon.emissions import emissions, make_instrument
from carbon_kepler.carbon.factors import CarbonIntensityData
from carbon_kepler.carbon.intensity import StaticProfile
from carbon_kepler.carbon.model import EmissionsResult, EnergyWindow, Instrument, InstrumentKind
from carbon_kepler.compliance.checks import (
    STATUSES,
    Baseline,
    CheckContext,
    CheckInputs,
    check_carbon_intensity,
    check_pue,
    check_reduction_pathway,
    decide_pathway,
    decide_pue,
    required_reduction,
    run_checks,
)
from carbon_kepler.compliance.model import Kind, Status
from carbon_kepler.compliance.rules import (
    CHECK_CARBON_INTENSITY,
    CHECK_PATHWAY,
    CHECK_PUE,
    CheckOverride,
    RegulationsData,
    effective,
)
from tests.carbon.helpers import day_window, flat, pue


def _run(
    window: EnergyWindow,
    profile: StaticProfile,
    pue_value: float = 1.135,
    instruments: list[Instrument] | None = None,
) -> EmissionsResult:
    intensity = profile.hourly("KR", list(window.period.hour_starts()))
    return emissions(window, intensity, pue(pue_value), instruments or [])


def test_evening_workload_fails_the_intensity_policy_while_the_same_energy_at_midday_passes(
    kr_profile: StaticProfile, regs: RegulationsData
) -> None:
    # Profile scaled to 417.3 g/kWh: 19:00 KST weight 1.10 → 459.03 g/kWh > 424; 13:00 KST 0.89 → 371.397 ≤ 424
    check = effective(regs.check(CHECK_CARBON_INTENSITY))
    evening = check_carbon_intensity(_run(day_window({19: 3.0}), kr_profile), check)
    midday = check_carbon_intensity(_run(day_window({13: 3.0}), kr_profile), check)
    assert evening.status is Status.NON_COMPLIANT and midday.status is Status.COMPLIANT
    assert evening.measured is not None and evening.measured.value == pytest.approx(459.03)
    assert midday.measured is not None and midday.measured.value == pytest.approx(371.397)
    assert evening.threshold is not None and evening.threshold.value == 424


def test_intensity_check_is_a_policy_says_where_424_comes_from_and_which_series_was_used(
    kr_profile: StaticProfile, regs: RegulationsData
) -> None:
    result = check_carbon_intensity(
        _run(day_window({13: 1.0}), kr_profile), effective(regs.check(CHECK_CARBON_INTENSITY))
    )
    assert result.code == "KR_CARBON_2050" and result.kind is Kind.POLICY
    assert result.threshold is not None and "not a statutory target" in result.threshold.source
    assert "assumed KST hourly profile" in result.data_basis and "KR_2023" in result.data_basis
    assert result.coverage == 1.0 and result.name_ko == "탄소집약도 정책 목표"
    assert "정책 기준" in result.reason_ko and "policy" in result.reason_en


def test_a_rec_brings_the_evening_workload_under_target_a_green_premium_does_not(
    ci: CarbonIntensityData, kr_profile: StaticProfile, regs: RegulationsData
) -> None:
    # market-based: 459.03 x (1 - 0.30) = 321.32 g/kWh ≤ 424 with a 30% REC; green premium: still 459.03
    check = effective(regs.check(CHECK_CARBON_INTENSITY))
    window = day_window({19: 3.0})
    with_rec = check_carbon_intensity(
        _run(window, kr_profile, instruments=[make_instrument(ci, InstrumentKind.REC, 0.30)]), check
    )
    with_premium = check_carbon_intensity(
        _run(window, kr_profile, instruments=[make_instrument(ci, InstrumentKind.GREEN_PREMIUM, 0.30)]), check
    )
    assert with_rec.status is Status.COMPLIANT and with_rec.measured is not None
    assert with_rec.measured.value == pytest.approx(321.321) and "market-based" in with_rec.reason_en
    assert with_premium.status is Status.NON_COMPLIANT and "location-based" in with_premium.reason_en


def test_an_overridden_target_is_labelled_as_the_organisations_policy(
    kr_profile: StaticProfile, regs: RegulationsData
) -> None:
    check = effective(regs.check(CHECK_CARBON_INTENSITY), CheckOverride(threshold=350), "org.yaml")
    result = check_carbon_intensity(_run(day_window({13: 1.0}), kr_profile), check)
    assert result.status is Status.NON_COMPLIANT  # 371.397 > 350
    assert result.overridden and result.threshold is not None and "org.yaml" in result.threshold.source


@pytest.mark.parametrize(
    ("pue_value", "status", "points", "band"),
    [
        (1.135, Status.COMPLIANT, 90, "PUE < 1.4 (90 points)"),
        (1.4, Status.NON_COMPLIANT, 80, "1.4 ≤ PUE ≤ 1.5 (80 points)"),  # top band is strictly below 1.4
        (1.55, Status.NON_COMPLIANT, 70, "1.5 ≤ PUE ≤ 1.6 (70 points)"),
        (1.8, Status.NON_COMPLIANT, 50, "1.7 ≤ PUE ≤ 1.8 (50 points)"),
        (1.95, Status.NON_COMPLIANT, None, "PUE > 1.8 (beyond the table)"),
    ],
)
def test_pue_check_is_a_certification_level_with_score_bands(
    kr_profile: StaticProfile,
    regs: RegulationsData,
    pue_value: float,
    status: Status,
    points: int | None,
    band: str,
) -> None:
    result = check_pue(
        _run(day_window({2: 1.0}), kr_profile, pue_value),
        effective(regs.check(CHECK_PUE)),
        pue_configured=True,
    )
    assert result.status is status and result.kind is Kind.CERTIFICATION
    assert result.pue_score is not None and (result.pue_score.points, result.pue_score.band) == (points, band)
    assert "voluntary" in (result.threshold.source if result.threshold else "")
    assert "인증 기준(자율)" in result.reason_ko


def test_pue_without_a_configured_site_pue_is_not_assessed_even_at_pue_one(
    kr_profile: StaticProfile, regs: RegulationsData
) -> None:
    """Without a site PUE the emissions run on PUE 1.0 (IT only); 1.0 < 1.4 must not read as a pass."""
    result = check_pue(
        _run(day_window({2: 1.0}), kr_profile, 1.0), effective(regs.check(CHECK_PUE)), pue_configured=False
    )
    assert result.status is Status.NOT_ASSESSED and result.reason_code == "PUE_NOT_CONFIGURED"
    assert result.measured is None and result.pue_score is None
    # many units at once: the data gates stay the first reason; every other unit is not configured
    n = 3
    inputs = CheckInputs(
        np.array([24, 0, 24]), np.array([5.0, 0.0, 0.0]), np.full(n, 400.0), np.full(n, 400.0),
        np.zeros(n, bool), np.full(n, 2000.0), np.full(n, 2000.0), 1.0, 24.0, 1.0, False,
    )  # fmt: skip
    v = decide_pue(inputs, effective(regs.check(CHECK_PUE)))
    assert [STATUSES[s] for s in v.status] == [Status.NOT_ASSESSED] * n
    assert v.reason.tolist() == ["PUE_NOT_CONFIGURED", "NO_DATA", "NO_ENERGY"]
    configured = decide_pue(inputs._replace(pue_configured=True), effective(regs.check(CHECK_PUE)))
    assert STATUSES[configured.status[0]] is Status.COMPLIANT and configured.reason[0] == "PUE_WITHIN"


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2023, 0.0),
        (2026, 0.40 * 3 / 7),  # 2023 → 2030 linear: 3 of 7 years of the way to 40%
        (2030, 0.40),
        (2032, 0.40 + 0.13 * 2 / 5),  # 2030 → 2035: 40% + 2/5 of the 13 points to 53% = 45.2%
        (2035, 0.53),
        (2040, 0.53),  # held after the last target
    ],
)
def test_required_reduction_follows_the_linear_path(year: int, expected: float) -> None:
    assert required_reduction(2023, ((2030, 0.40), (2035, 0.53)), year) == pytest.approx(expected)


def test_baseline_after_2030_runs_straight_to_the_2035_target() -> None:
    # 2031 baseline: 0% in 2031 → 53% in 2035; 2033 is halfway → 26.5%
    assert required_reduction(2031, ((2030, 0.40), (2035, 0.53)), 2033) == pytest.approx(0.265)


@pytest.mark.parametrize(("baseline_t", "status"), [(40.0, Status.NON_COMPLIANT), (45.0, Status.COMPLIANT)])
def test_pathway_compares_annualised_emissions_with_the_path(
    regs: RegulationsData, baseline_t: float, status: Status
) -> None:
    # One full day, 10 kWh every hour at PUE 1.0 and a flat 417.3 g/kWh:
    #   240 kWh x 417.3 = 100,152 g/day; annualised x 8760/24 = 36,555,480 g = 36.555 t/year
    # 2026 path from a 2023 baseline: 40% x 3/7 = 17.14% below baseline
    #   baseline 40 t → allowed 33.143 t < 36.555 → NON_COMPLIANT; baseline 45 t → 37.286 t ≥ 36.555 → COMPLIANT
    window = day_window(dict.fromkeys(range(24), 10.0))
    result = check_reduction_pathway(
        window,
        emissions(window, flat(417.3, window), pue(1.0)),
        Baseline(2023, baseline_t),
        2026,
        effective(regs.check(CHECK_PATHWAY)),
    )
    assert result.status is status and result.kind is Kind.POLICY
    assert result.measured is not None and result.measured.value == pytest.approx(36.55548)
    assert result.threshold is not None
    assert result.threshold.value == pytest.approx(baseline_t * (1 - 0.40 * 3 / 7))
    assert result.pathway is not None and result.pathway.required_reduction.value == pytest.approx(17.142857)


def test_pathway_without_baseline_is_not_assessed(kr_profile: StaticProfile, regs: RegulationsData) -> None:
    window = day_window(dict.fromkeys(range(24), 1.0))
    result = check_reduction_pathway(
        window, _run(window, kr_profile), None, 2026, effective(regs.check(CHECK_PATHWAY))
    )
    assert result.status is Status.NOT_ASSESSED and result.reason_code == "NO_BASELINE"
    assert "기준년도" in result.reason_ko


def test_sparse_data_is_not_assessed_with_the_coverage_stated(
    kr_profile: StaticProfile, regs: RegulationsData
) -> None:
    window = day_window({13: 1.0}, coverage=0.5)
    result = check_carbon_intensity(_run(window, kr_profile), effective(regs.check(CHECK_CARBON_INTENSITY)))
    assert result.status is Status.NOT_ASSESSED and result.coverage == 0.5
    assert "50%" in result.reason_en and "80%" in result.reason_en


def test_run_checks_gives_every_check_once_for_a_unit(
    kr_profile: StaticProfile, regs: RegulationsData
) -> None:
    window = day_window(dict.fromkeys(range(24), 1.0))
    ctx = CheckContext(
        window=window,
        emissions=_run(window, kr_profile),
        regulations=regs,
        year=2026,
        pue_configured=True,
        baseline=Baseline(2023, 100.0),
    )
    results = run_checks(ctx)
    assert [r.code for r in results] == ["KR_CARBON_2050", "KR_PUE_GREEN_DC", "KR_REDUCTION_PATHWAY"]
    assert all(r.status is not Status.NOT_ASSESSED for r in results)


def test_pathway_with_a_baseline_after_the_last_target_is_not_assessed_and_names_the_year(
    regs: RegulationsData,
) -> None:
    window = day_window(dict.fromkeys(range(24), 10.0))
    result = check_reduction_pathway(
        window,
        emissions(window, flat(417.3, window), pue(1.0)),
        Baseline(2036, 40.0),
        2037,
        effective(regs.check(CHECK_PATHWAY)),
    )
    assert result.status is Status.NOT_ASSESSED and result.reason_code == "NO_TARGET_AFTER_BASELINE"
    assert "2036" in result.reason_en and "2036" in result.reason_ko


def test_pathway_decides_many_units_at_once_each_by_its_own_baseline(regs: RegulationsData) -> None:
    # each unit: 100,152 g in a fully covered day → 36.555 t/year (as above); 2026 path = 17.14% below baseline
    n = 5
    g = np.full(n, 100_152.0)
    kwh = np.array([240.0, 240.0, 240.0, 240.0, 0.0])  # the last used no energy
    inputs = CheckInputs(
        np.full(n, 24),
        kwh,
        np.full(n, 417.3),
        np.full(n, 417.3),
        np.zeros(n, bool),
        g,
        g,
        1.0,
        24.0,
        1.0,
        True,
    )
    baselines = {
        1: Baseline(2036, 40.0),
        2: Baseline(2023, 45.0),
        3: Baseline(2023, 40.0),
        4: Baseline(2023, 45.0),
    }
    v = decide_pathway(inputs, baselines, 2026, effective(regs.check(CHECK_PATHWAY)))
    assert [STATUSES[s] for s in v.status] == [
        Status.NOT_ASSESSED,
        Status.NOT_ASSESSED,
        Status.COMPLIANT,
        Status.NON_COMPLIANT,
        Status.NOT_ASSESSED,
    ]
    assert list(v.reason) == [
        "NO_BASELINE",
        "NO_TARGET_AFTER_BASELINE",
        "PATHWAY_WITHIN",
        "PATHWAY_ABOVE",
        "NO_ENERGY",
    ]
    assert v.measured[2:4] == pytest.approx([36.55548, 36.55548])
    assert v.threshold[2:4] == pytest.approx([45 * (1 - 0.4 * 3 / 7), 40 * (1 - 0.4 * 3 / 7)])
    assert np.isnan(v.measured[[0, 1, 4]]).all()  # nothing was compared
