"""One pure function per compliance check (domain.md §6) and the CHECKS registry.

Invariant: a check is COMPLIANT only when the unit used energy in the window and the window's coverage
reaches the minimum; otherwise it is NOT_ASSESSED with the reason (never compliance on missing data).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from carbon_kepler.carbon.model import HOURS_PER_YEAR, EmissionsResult, EnergyWindow
from carbon_kepler.compliance.labels import reason
from carbon_kepler.compliance.model import CheckResult, PathwayDetail, PueScore, Status
from carbon_kepler.compliance.rules import (
    CHECK_CARBON_INTENSITY,
    CHECK_PATHWAY,
    CHECK_PUE,
    CheckOverride,
    EffectiveCheck,
    RegulationsData,
    ScoreBand,
    effective,
)
from carbon_kepler.core.figures import Basis, Figure, Quality
from carbon_kepler.core.units import GRAMS_PER_TONNE

DEFAULT_MIN_COVERAGE = 0.8
_SYMBOL = {"le": "≤", "lt": "<"}


@dataclass(frozen=True)
class CheckOptions:
    """Knobs shared by all checks; min_coverage is overridable in the organisation config."""

    min_coverage: float = DEFAULT_MIN_COVERAGE


DEFAULT_OPTIONS = CheckOptions()


@dataclass(frozen=True)
class Baseline:
    """A unit's baseline annual emissions for the reduction pathway."""

    year: int
    emissions_tco2eq: float
    basis: Basis = Basis.LOCATION
    source: str = "organisation config"


class CheckInputs(NamedTuple):
    """The numbers a check decides on. Taken from one EmissionsResult (a full assessment), or computed for a
    whole inventory at once; either way the same decide_* functions give the status."""

    hours_with_data: int
    coverage: float
    it_kwh: float
    intensity_location: float | None  # gCO2eq/kWh, None without energy
    intensity_market: float | None
    market: bool  # a GHG-counting instrument covered energy in the window
    pue: float
    location_g: float
    market_g: float
    covered_hours: float  # period hours x coverage (annualisation base)

    @classmethod
    def of(cls, emissions: EmissionsResult, covered_hours: float) -> CheckInputs:
        loc, mkt = emissions.intensity_location, emissions.intensity_market
        return cls(
            hours_with_data=emissions.hours_with_data,
            coverage=emissions.coverage,
            it_kwh=emissions.it_energy.value,
            intensity_location=loc.value if loc else None,
            intensity_market=mkt.value if mkt else None,
            market=any(
                i.counts_for_ghg_reduction and i.covered_energy.value > 0 for i in emissions.instruments
            ),
            pue=emissions.pue.value,
            location_g=emissions.location_based.value,
            market_g=emissions.market_based.value,
            covered_hours=covered_hours,
        )


Reason = tuple[str, dict[str, object]]


class Verdict(NamedTuple):
    """A check's decision: status, reason code with its parameters, and the compared numbers."""

    status: Status
    reason: Reason
    measured: float | None = None
    threshold: float | None = None


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _passes(measured: float, threshold: float, comparison: str) -> bool:
    return measured < threshold if comparison == "lt" else measured <= threshold


def _result(
    check: EffectiveCheck,
    emissions: EmissionsResult,
    status: Status,
    code_and_params: tuple[str, dict[str, object]],
    *,
    measured: Figure | None = None,
    threshold: Figure | None = None,
    data_basis: str = "",
    pue_score: PueScore | None = None,
    pathway: PathwayDetail | None = None,
) -> CheckResult:
    code, params = code_and_params
    en, ko = reason(code, **params)
    d = check.definition
    return CheckResult(
        code=d.code,
        rule_id=d.rule_id,
        name_en=d.name_en,
        name_ko=d.name_ko,
        kind=check.kind,
        status=status,
        measured=measured,
        threshold=threshold,
        comparison=d.comparison,
        overridden=check.overridden,
        reason_code=code,
        reason_en=en,
        reason_ko=ko,
        coverage=emissions.coverage,
        data_basis=data_basis or emissions.intensity_series.source,
        pue_score=pue_score,
        pathway=pathway,
        warnings=emissions.warnings,
    )


def _gate(i: CheckInputs, options: CheckOptions) -> Reason | None:
    """Why the check cannot be assessed (no data, too little, no energy); None when it may proceed."""
    if i.hours_with_data == 0 or i.coverage <= 0:
        return ("NO_DATA", {})
    if i.coverage < options.min_coverage:
        return ("LOW_COVERAGE", {"coverage": _pct(i.coverage), "min_coverage": _pct(options.min_coverage)})
    if i.it_kwh <= 0:
        return ("NO_ENERGY", {})
    return None


def _single_threshold(check: EffectiveCheck) -> float:
    if check.threshold is None:  # excluded by RegulationsData validation; kept for the type checker
        raise ValueError(f"check {check.definition.code} has no threshold")
    return check.threshold


def _threshold(check: EffectiveCheck, value: float, year: int | None = None) -> Figure:
    return Figure(value=value, unit=check.definition.unit, source=check.threshold_source, year=year)


def decide_carbon_intensity(
    i: CheckInputs, check: EffectiveCheck, options: CheckOptions = DEFAULT_OPTIONS
) -> Verdict:
    """§6.1: energy-weighted hourly intensity (market-based when a GHG-counting instrument applies)."""
    gated = _gate(i, options)
    if gated is not None:
        return Verdict(Status.NOT_ASSESSED, gated)
    threshold = _single_threshold(check)
    measured = i.intensity_market if i.market else i.intensity_location
    assert measured is not None  # energy > 0 was checked by _gate
    ok = _passes(measured, threshold, check.definition.comparison)
    params: dict[str, object] = {
        "basis": "market" if i.market else "location",
        "measured": f"{measured:.1f}",
        "threshold": f"{threshold:g}",
        "kind": check.kind,
    }
    status = Status.COMPLIANT if ok else Status.NON_COMPLIANT
    return Verdict(status, ("INTENSITY_WITHIN" if ok else "INTENSITY_ABOVE", params), measured, threshold)


def check_carbon_intensity(
    emissions: EmissionsResult, check: EffectiveCheck, options: CheckOptions = DEFAULT_OPTIONS
) -> CheckResult:
    i = CheckInputs.of(emissions, 0.0)
    v = decide_carbon_intensity(i, check, options)
    if v.status is Status.NOT_ASSESSED:
        return _result(check, emissions, v.status, v.reason)
    measured = emissions.intensity_market if i.market else emissions.intensity_location
    assert measured is not None and v.threshold is not None
    s = emissions.intensity_series
    basis = f"hourly intensity: {s.source}; factor {s.factor_id or 'n/a'}; {s.hours_live} live / {s.hours_static} static h"
    return _result(
        check,
        emissions,
        v.status,
        v.reason,
        measured=measured,
        threshold=_threshold(check, v.threshold),
        data_basis=basis,
    )


def _band_label(bands: tuple[ScoreBand, ...], pue: float) -> tuple[str, str, int | None]:
    lower: float | None = None
    for b in bands:
        inside = pue < b.max_pue or (b.inclusive and pue == b.max_pue)
        if inside:
            if lower is None:
                return (
                    f"PUE < {b.max_pue:g} ({b.points} points)",
                    f"PUE {b.max_pue:g} 미만 ({b.points}점)",
                    b.points,
                )
            en = f"{lower:g} ≤ PUE ≤ {b.max_pue:g} ({b.points} points)"
            return en, f"PUE {lower:g} 이상 {b.max_pue:g} 이하 ({b.points}점)", b.points
        lower = b.max_pue
    last = bands[-1].max_pue if bands else 0.0
    return f"PUE > {last:g} (beyond the table)", f"PUE {last:g} 초과 (점수표 밖)", None


def decide_pue(i: CheckInputs, check: EffectiveCheck, options: CheckOptions = DEFAULT_OPTIONS) -> Verdict:
    """§6.2: PUE of the facility the unit ran in vs the certification level (voluntary, not a law)."""
    gated = _gate(i, options)
    if gated is not None:
        return Verdict(Status.NOT_ASSESSED, gated)
    threshold = _single_threshold(check)
    d = check.definition
    band_en, band_ko, _ = _band_label(d.score_bands, i.pue)
    ok = _passes(i.pue, threshold, d.comparison)
    params: dict[str, object] = {
        "measured": f"{i.pue:.3g}",
        "threshold": f"{threshold:g}",
        "kind": check.kind,
        "comparison": _SYMBOL[d.comparison],
        "band": band_en,
        "band_ko": band_ko,
    }
    status = Status.COMPLIANT if ok else Status.NON_COMPLIANT
    return Verdict(status, ("PUE_WITHIN" if ok else "PUE_ABOVE", params), i.pue, threshold)


def check_pue(
    emissions: EmissionsResult, check: EffectiveCheck, options: CheckOptions = DEFAULT_OPTIONS
) -> CheckResult:
    v = decide_pue(CheckInputs.of(emissions, 0.0), check, options)
    if v.status is Status.NOT_ASSESSED:
        return _result(check, emissions, v.status, v.reason)
    assert v.threshold is not None
    pue, d = emissions.pue, check.definition
    band_en, _, points = _band_label(d.score_bands, pue.value)
    score = PueScore(
        points=points,
        max_points=max((b.points for b in d.score_bands), default=0),
        band=band_en,
        note=d.score_note or "",
    )
    return _result(
        check,
        emissions,
        v.status,
        v.reason,
        measured=pue,
        threshold=_threshold(check, v.threshold),
        data_basis=f"PUE: {pue.source}",
        pue_score=score,
    )


def required_reduction(baseline_year: int, targets: tuple[tuple[int, float], ...], year: int) -> float | None:
    """Linear path from 0% at the baseline year through each later target; held after the last one."""
    points = [(baseline_year, 0.0), *sorted(t for t in targets if t[0] > baseline_year)]
    if len(points) == 1:
        return None
    if year <= baseline_year:
        return 0.0
    for (y0, r0), (y1, r1) in itertools.pairwise(points):
        if year <= y1:
            return r0 + (r1 - r0) * (year - y0) / (y1 - y0)
    return points[-1][1]


def _annualised_t(window: EnergyWindow, period_g: Figure, year: int) -> Figure:
    """Period emissions (g) → tCO2eq/year, extrapolated from the hours that had data."""
    return Figure(
        value=window.annualise(period_g.value) / GRAMS_PER_TONNE,
        unit="tCO2eq/year",
        source=f"{period_g.basis} emissions annualised from {window.covered_hours:g} h with data x 8760 h",
        year=year,
        basis=period_g.basis,
        quality=Quality.ESTIMATED,
    )


def _annual(value_g: float, covered_hours: float) -> float:
    """tCO2eq/year from period grams (EnergyWindow.annualise, from the hours that had data)."""
    return 0.0 if covered_hours <= 0 else value_g * HOURS_PER_YEAR / covered_hours / GRAMS_PER_TONNE


def decide_pathway(
    i: CheckInputs,
    baseline: Baseline | None,
    year: int,
    check: EffectiveCheck,
    options: CheckOptions = DEFAULT_OPTIONS,
) -> Verdict:
    """§6.3: annualised emissions vs the linear path from the unit's baseline (−40% 2030, −53% 2035)."""
    if baseline is None:
        return Verdict(Status.NOT_ASSESSED, ("NO_BASELINE", {}))
    gated = _gate(i, options)
    if gated is not None:
        return Verdict(Status.NOT_ASSESSED, gated)
    r = required_reduction(baseline.year, check.targets, year)
    if r is None:
        return Verdict(Status.NOT_ASSESSED, ("NO_TARGET_AFTER_BASELINE", {"baseline_year": baseline.year}))
    annual_t = _annual(i.market_g if baseline.basis is Basis.MARKET else i.location_g, i.covered_hours)
    allowed = baseline.emissions_tco2eq * (1 - r)
    ok = _passes(annual_t, allowed, check.definition.comparison)
    params: dict[str, object] = {
        "measured": f"{annual_t:.4g}",
        "threshold": f"{allowed:.4g}",
        "year": year,
        "reduction": f"{100 * r:.1f}",
        "baseline_year": baseline.year,
    }
    status = Status.COMPLIANT if ok else Status.NON_COMPLIANT
    return Verdict(status, ("PATHWAY_WITHIN" if ok else "PATHWAY_ABOVE", params), annual_t, allowed)


def check_reduction_pathway(
    window: EnergyWindow,
    emissions: EmissionsResult,
    baseline: Baseline | None,
    year: int,
    check: EffectiveCheck,
    options: CheckOptions = DEFAULT_OPTIONS,
) -> CheckResult:
    v = decide_pathway(CheckInputs.of(emissions, window.covered_hours), baseline, year, check, options)
    if v.status is Status.NOT_ASSESSED:
        return _result(check, emissions, v.status, v.reason)
    assert baseline is not None and v.threshold is not None
    r = required_reduction(baseline.year, check.targets, year)
    assert r is not None
    period_g = emissions.market_based if baseline.basis is Basis.MARKET else emissions.location_based
    detail = PathwayDetail(
        baseline_year=baseline.year,
        baseline=Figure(
            value=baseline.emissions_tco2eq, unit="tCO2eq/year", source=baseline.source, year=baseline.year
        ),
        assessed_year=year,
        required_reduction=Figure(value=100 * r, unit="%", source=check.threshold_source, year=year),
        targets=check.targets,
    )
    return _result(
        check,
        emissions,
        v.status,
        v.reason,
        measured=_annualised_t(window, period_g, year),
        threshold=_threshold(check, v.threshold, year),
        pathway=detail,
        data_basis=f"{period_g.source}; baseline: {baseline.source}",
    )


@dataclass(frozen=True)
class CheckContext:
    """Everything the checks of one unit and window need (the engine builds it once)."""

    window: EnergyWindow
    emissions: EmissionsResult
    regulations: RegulationsData
    year: int
    baseline: Baseline | None = None
    overrides: Mapping[str, CheckOverride] = field(default_factory=dict)
    override_origin: str = ""
    options: CheckOptions = DEFAULT_OPTIONS

    def effective(self, code: str) -> EffectiveCheck:
        return effective(self.regulations.check(code), self.overrides.get(code), self.override_origin)


CHECKS: dict[str, Callable[[CheckContext], CheckResult]] = {
    CHECK_CARBON_INTENSITY: lambda c: check_carbon_intensity(
        c.emissions, c.effective(CHECK_CARBON_INTENSITY), c.options
    ),
    CHECK_PUE: lambda c: check_pue(c.emissions, c.effective(CHECK_PUE), c.options),
    CHECK_PATHWAY: lambda c: check_reduction_pathway(
        c.window, c.emissions, c.baseline, c.year, c.effective(CHECK_PATHWAY), c.options
    ),
}


def run_checks(ctx: CheckContext) -> tuple[CheckResult, ...]:
    """Every registered check, in registry order."""
    return tuple(fn(ctx) for fn in CHECKS.values())


def decide_all(
    i: CheckInputs,
    checks: Mapping[str, EffectiveCheck],
    baseline: Baseline | None,
    year: int,
    options: CheckOptions = DEFAULT_OPTIONS,
) -> dict[str, Verdict]:
    """Every registered check's verdict, in registry order, without rendering CheckResults (an inventory
    decides thousands of units; the full results of one unit come from run_checks)."""
    verdicts = {  # in registry order (tested)
        CHECK_CARBON_INTENSITY: decide_carbon_intensity(i, checks[CHECK_CARBON_INTENSITY], options),
        CHECK_PUE: decide_pue(i, checks[CHECK_PUE], options),
        CHECK_PATHWAY: decide_pathway(i, baseline, year, checks[CHECK_PATHWAY], options),
    }
    return verdicts
