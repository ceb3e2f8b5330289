"""Invariant (domain.md §6): no check ever says COMPLIANT for a unit without data in the period.

Hypothesis feeds windows with random gaps, zero-energy hours, coverage, PUE, instruments and baselines.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from carbon_kepler.carbon.emissions import emissions, make_instrument
from carbon_kepler.carbon.factors import choose_factor, load_carbon_intensity
from carbon_kepler.carbon.intensity import official_kr_profile
from carbon_kepler.carbon.model import EnergyWindow, HourEnergy, InstrumentKind
from carbon_kepler.compliance.checks import Baseline, CheckContext, CheckOptions, run_checks
from carbon_kepler.compliance.model import Status
from carbon_kepler.compliance.reporting import reporting_summary
from carbon_kepler.compliance.rules import load_regulations
from carbon_kepler.core.figures import Figure, Quality
from carbon_kepler.core.period import HOUR, Period
from tests.carbon.helpers import kst

CI = load_carbon_intensity()
PROFILE = official_kr_profile(CI, choose_factor(CI))
REGS = load_regulations()
START = kst(2026, 11, 20, 0)

energy = st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=50.0, allow_nan=False))


@st.composite
def windows(draw: st.DrawFn) -> tuple[EnergyWindow, bool]:
    """A window with random gaps and zeros; also whether its coverage was drawn independently."""
    n = draw(st.integers(min_value=1, max_value=72))
    present = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    hours = [HourEnergy(START + i * HOUR, draw(energy)) for i in range(n) if present[i]]
    period = Period.from_ts(START, START + n * HOUR)
    free = draw(st.booleans())
    coverage = draw(st.floats(min_value=0.0, max_value=1.0)) if free and hours else None
    if not hours:
        coverage = draw(st.sampled_from([0.0, None]))  # no data: coverage 0, or derived (also 0)
    return EnergyWindow.of(hours, period, coverage=coverage), free


@settings(max_examples=300, deadline=None)
@given(
    drawn=windows(),
    pue_value=st.floats(min_value=1.0, max_value=2.5),
    rec_share=st.one_of(st.none(), st.floats(min_value=0.01, max_value=1.0)),
    baseline_t=st.one_of(st.none(), st.floats(min_value=1e-6, max_value=1e6)),
    min_coverage=st.floats(min_value=0.05, max_value=1.0),
)
def test_no_check_is_compliant_without_data_energy_or_enough_coverage(
    drawn: tuple[EnergyWindow, bool],
    pue_value: float,
    rec_share: float | None,
    baseline_t: float | None,
    min_coverage: float,
) -> None:
    window, _ = drawn
    instruments = [make_instrument(CI, InstrumentKind.REC, rec_share)] if rec_share else []
    intensity = PROFILE.hourly("KR", list(window.period.hour_starts()))
    result = emissions(
        window,
        intensity,
        Figure(value=pue_value, unit="PUE", source="t", quality=Quality.ESTIMATED),
        instruments,
    )
    ctx = CheckContext(
        window=window,
        emissions=result,
        regulations=REGS,
        year=2026,
        pue_configured=True,
        baseline=Baseline(2023, baseline_t) if baseline_t else None,
        options=CheckOptions(min_coverage),
    )
    no_data = not window.hours or window.coverage == 0
    unusable = no_data or window.total_kwh == 0 or window.coverage < min_coverage
    for check in run_checks(ctx):
        if unusable:
            assert check.status is not Status.COMPLIANT, (check.code, check.reason_en)
            assert check.status is Status.NOT_ASSESSED
        if no_data:
            assert check.measured is None
    summary = reporting_summary(window, result, REGS, CheckOptions(min_coverage))
    if no_data or window.coverage < min_coverage:
        assert not summary.assessed and summary.shares == ()
