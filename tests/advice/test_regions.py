"""Regional migration (domain.md §7): one source per ranking, PUE, and every move out of Korea flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbon_kepler.advice import regions as reg
from carbon_kepler.advising import Advisor
from carbon_kepler.carbon.factors import load_carbon_intensity
from carbon_kepler.carbon.intensity import load_regions
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.period import HOUR, Period
from carbon_kepler.core.units import JOULES_PER_KWH
from carbon_kepler.energy.selector import Selector
from carbon_kepler.engine import PeriodArgs
from tests.advice.conftest import FakeSource, Pod, engine, kst, kst_ts, org_yaml

CI, REGIONS, CONSTRAINTS = load_carbon_intensity(), load_regions(), reg.load_constraints()
KOREAN = {r.id for r in REGIONS.regions if r.country == "KR"}


def _advisor(tmp: Path | None = None, region: str = "aws:ap-northeast-2") -> Advisor:
    # One pod with 0.5 kWh active per hour for 4 hours on a 1 kWh/h node → 1 kWh IT energy per hour, 4 kWh.
    start = kst_ts(2026, 4, 13, 0)
    pod = Pod(
        "shop", "api-7d9f8b6c5d-x7k2p", "node-1", {start + i * HOUR: 0.5 * JOULES_PER_KWH for i in range(4)}
    )
    source = FakeSource([pod], Period.from_ts(start, start + 4 * HOUR))
    return Advisor(engine(source, kst(2026, 4, 14, 9), org_yaml(tmp, region) if tmp else None))


@pytest.mark.parametrize("source", sorted(reg.coverage(CI, REGIONS)))
def test_a_ranking_never_mixes_intensity_sources(source: str) -> None:
    result = _advisor().regions(PeriodArgs(), Selector(), source=source)
    assert result.source == source
    assert result.options, f"{source} ranks no region"
    for opt in result.options:
        assert opt.intensity.source.startswith(source), (opt.region, opt.intensity.source)
        assert opt.intensity.year == result.year


def test_every_region_outside_korea_is_flagged_with_pipa_csap_and_latency() -> None:
    result = _advisor().regions(PeriodArgs(), Selector(), source="Cloud Carbon Footprint")
    for opt in result.options:
        codes = set(opt.constraints)
        if opt.region in KOREAN:
            assert not opt.leaves_korea and codes == {"CSAP_CHECK_CERTIFICATION", "LATENCY"}
        else:
            assert opt.leaves_korea and {"PIPA_CROSS_BORDER", "CSAP_PUBLIC_SECTOR", "LATENCY"} <= codes
    assert any(o.leaves_korea for o in result.options)
    # each code's text is given once for the whole ranking, in both languages
    texts = {c.code: c for c in result.constraints}
    assert set(texts) == {"PIPA_CROSS_BORDER", "CSAP_PUBLIC_SECTOR", "CSAP_CHECK_CERTIFICATION", "LATENCY"}
    assert (
        "Articles 28-8" in texts["PIPA_CROSS_BORDER"].source
        and "개인정보" in texts["PIPA_CROSS_BORDER"].message_ko
    )


def test_energy_is_repriced_with_the_region_intensity_and_provider_pue_and_ranked() -> None:
    result = _advisor().regions(PeriodArgs(), Selector(), source="Cloud Carbon Footprint")
    assert result.it_energy.value == pytest.approx(4.0)  # measured, 4 hours × 1 kWh
    stockholm = next(o for o in result.options if o.region == "aws:eu-north-1")
    # 4 kWh × PUE 1.135 (CCF AWS) × 8.8 g/kWh (CCF eu-north-1) = 39.952 g
    assert stockholm.emissions.value == pytest.approx(4 * 1.135 * 8.8)
    assert stockholm.rank == 1
    values = [o.emissions.value for o in result.options]
    assert values == sorted(values)


def test_deltas_are_against_the_current_region_with_its_configured_pue(tmp_path: Path) -> None:
    result = _advisor(tmp_path).regions(PeriodArgs(), Selector(), source="Cloud Carbon Footprint")
    assert result.current_region == "aws:ap-northeast-2"
    seoul = next(o for o in result.options if o.current)
    # the site's own PUE 1.25 (org config), not the provider's 1.135: 4 × 1.25 × 415.6 = 2078 g
    assert seoul.pue.value == 1.25 and seoul.emissions.value == pytest.approx(2078.0)
    tokyo = next(o for o in result.options if o.region == "aws:ap-northeast-1")
    # 4 × 1.135 × 465.8 = 2114.732 g → +36.732 g = +1.77 %
    assert tokyo.emissions_vs_current_g == pytest.approx(4 * 1.135 * 465.8 - 2078.0)
    assert tokyo.emissions_vs_current_pct == pytest.approx(100 * (4 * 1.135 * 465.8 - 2078.0) / 2078.0)


def test_latency_bound_from_seoul_to_tokyo_is_the_speed_of_light_in_fibre() -> None:
    tokyo = next(p for p in CONSTRAINTS.places if p.id == "aws:ap-northeast-1")
    # Seoul–Tokyo great circle ≈ 1,160 km; 2 × 1,160 / 204.2 km/ms ≈ 11.4 ms round trip at the very least
    assert reg.min_rtt_ms(CONSTRAINTS.origin, tokyo, CONSTRAINTS.fibre_km_per_ms) == pytest.approx(
        11.3, abs=0.3
    )


def test_a_grid_average_lends_its_value_to_another_region_on_the_same_grid_within_one_source() -> None:
    ncloud = REGIONS.region("ncloud:KR")
    ccf = reg.value_for(CI, REGIONS, ncloud, "Cloud Carbon Footprint", None)
    assert ccf is not None and ccf.g_per_kwh == 415.6 and "grid KR value published for" in ccf.basis
    assert reg.value_for(CI, REGIONS, REGIONS.region("aws:ap-northeast-1"), "Ember", None) is None


def test_default_source_is_the_widest_one_that_covers_the_current_region() -> None:
    cov = reg.coverage(CI, REGIONS)
    assert reg.choose_source(cov, None, "aws:ap-northeast-2") == "Cloud Carbon Footprint"


def test_an_unknown_source_names_the_allowed_ones() -> None:
    with pytest.raises(InputError) as err:
        _advisor().regions(PeriodArgs(), Selector(), source="Made Up Data")
    assert err.value.hint and "Cloud Carbon Footprint" in err.value.hint


def test_without_a_current_region_the_ranking_has_no_deltas_and_says_so() -> None:
    result = _advisor().regions(PeriodArgs(), Selector())
    assert result.current_region is None
    assert all(o.emissions_vs_current_g is None for o in result.options)
    assert [w.code for w in result.warnings] == ["CURRENT_REGION_UNKNOWN"]
