"""Cluster figures vs the Korean reporting thresholds: shares, never breaches (domain.md §5, §6.4)."""

from __future__ import annotations

import pytest

from carbon_kepler.carbon.emissions import emissions
from carbon_kepler.compliance.model import Kind
from carbon_kepler.compliance.reporting import kwh_to_tj, kwh_to_toe, reporting_summary
from carbon_kepler.compliance.rules import RegulationsData
from tests.carbon.helpers import day_window, flat, pue


def test_2000_toe_is_8_73_gwh_a_year(regs: RegulationsData) -> None:
    # TOE = kWh x 2,290 kcal/kWh / 10,000,000 kcal/TOE
    # 2,000 TOE x 10^7 / 2,290 = 8,733,624.5 kWh ≈ 8.73 GWh; 8.73 GWh x 2,290 / 10^7 = 1,999.17 TOE ≈ 2,000
    conv = regs.conversions
    assert kwh_to_toe(2_000 * 10_000_000 / 2_290, conv) == pytest.approx(2_000.0)
    assert kwh_to_toe(8.73e6, conv) == pytest.approx(1_999.17)
    assert round(kwh_to_toe(8.73e6, conv), -1) == 2_000


def test_kwh_to_tj_uses_9_6_mj_per_kwh(regs: RegulationsData) -> None:
    # 1,000,000 kWh x 9.6 MJ/kWh = 9,600,000 MJ = 9.6 TJ
    assert kwh_to_tj(1_000_000, regs.conversions) == pytest.approx(9.6)


def test_a_1_mw_cluster_contributes_about_100_percent_of_the_2000_toe_threshold(
    regs: RegulationsData,
) -> None:
    # 1,000 kWh every hour of a fully covered day at PUE 1.0 → 1 MW average
    #   annualised: 24,000 kWh x 8760/24 = 8,760,000 kWh/yr → 8.76e6 x 2,290 / 1e7 = 2,006.04 TOE → 100.3%
    #   TJ: 8.76e6 x 9.6 / 1e6 = 84.096 TJ → 105.12% of the 80 TJ site threshold
    #   emissions: 8.76e6 kWh x 417.3 g = 3,655.548 t → 24.37% of 15,000 t (Target Management site)
    window = day_window(dict.fromkeys(range(24), 1000.0))
    summary = reporting_summary(window, emissions(window, flat(417.3, window), pue(1.0)), regs)
    assert summary.assessed and summary.toe is not None and summary.emissions is not None
    assert summary.toe.value == pytest.approx(2_006.04)
    assert summary.average_power is not None and summary.average_power.value == pytest.approx(1.0)
    shares = {s.code: s.share.value for s in summary.shares}
    assert shares["KR_EURA_2000_TOE"] == pytest.approx(100.302)
    assert shares["KR_TMS_SITE_TJ"] == pytest.approx(105.12)
    assert shares["KR_TMS_SITE_TCO2EQ"] == pytest.approx(3_655.548 / 15_000 * 100)
    assert shares["KR_DEA_10MW"] == pytest.approx(10.0)


def test_shares_are_stated_as_contributions_in_both_languages_never_as_breaches(
    regs: RegulationsData,
) -> None:
    window = day_window(dict.fromkeys(range(24), 1000.0))
    summary = reporting_summary(window, emissions(window, flat(417.3, window), pue(1.2)), regs)
    toe = next(s for s in summary.shares if s.code == "KR_EURA_2000_TOE")
    assert toe.kind is Kind.STATUTORY and toe.scope == "entity"
    assert (
        toe.statement_en.startswith("The cluster contributes")
        and "legal entity as a whole" in toe.statement_en
    )
    assert "에너지다소비사업자 기준" in toe.statement_ko and "업체(법인) 전체" in toe.statement_ko
    text = " ".join(s.statement_en for s in summary.shares).lower()
    assert "non-compliant" not in text and "breach" not in text
    assert not hasattr(toe, "status")


def test_too_sparse_data_is_not_annualised(regs: RegulationsData) -> None:
    window = day_window(dict.fromkeys(range(24), 1000.0), coverage=0.25)
    summary = reporting_summary(window, emissions(window, flat(417.3, window), pue(1.0)), regs)
    assert not summary.assessed and summary.toe is None and summary.shares == ()
    assert "25%" in summary.reason_en and "25%" in summary.reason_ko
