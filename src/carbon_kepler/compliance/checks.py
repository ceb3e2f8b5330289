"""One pure function per compliance check (domain.md §6) and the CHECKS registry.

Invariant: a check is COMPLIANT only when the unit used energy in the window and the window's coverage
reaches the minimum; otherwise it is NOT_ASSESSED with the reason (never compliance on missing data).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from carbon_kepler.carbon.emissions import market_basis
from carbon_kepler.carbon.model import EmissionsResult, EnergyWindow, annualise
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


Floats = npt.NDArray[np.float64]
Codes = npt.NDArray[np.int8]
STATUSES: tuple[Status, ...] = tuple(Status)  # a status code is an index into this
STATUS_CODE: dict[Status, int] = {s: i for i, s in enumerate(STATUSES)}
_C, _NC, _NA = (STATUS_CODE[s] for s in (Status.COMPLIANT, Status.NON_COMPLIANT, Status.NOT_ASSESSED))


class CheckInputs(NamedTuple):
    """The numbers the checks decide on, one array entry per unit. Taken from one EmissionsResult (a full
    assessment: arrays of length 1) or computed for a whole inventory at once; either way the same decide_*
    functions give the status."""

    hours_with_data: npt.NDArray[np.int64]
    it_kwh: Floats
    intensity_location: Floats  # gCO2eq/kWh, nan without energy
    intensity_market: Floats
    market: npt.NDArray[np.bool_]  # a GHG-counting instrument covered energy in the unit's window
    location_g: Floats
    market_g: Floats
    coverage: float  # of the window (one period: the same for every unit)
    covered_hours: float  # period hours x coverage (annualisation base)
    pue: float  # of the site
    pue_configured: bool  # False: the PUE check is not assessed (never a default pass on PUE 1.0)

    @property
    def units(self) -> int:
        return len(self.it_kwh)

    @classmethod
    def of(cls, emissions: EmissionsResult, covered_hours: float, *, pue_configured: bool) -> CheckInputs:
        loc, mkt = emissions.intensity_location, emissions.intensity_market
        effects = emissions.instruments
        market = market_basis(
            np.array([e.covered_energy.value for e in effects], dtype=np.float64).reshape(len(effects), 1),
            [e.counts_for_ghg_reduction for e in effects],
        )
        return cls(
            hours_with_data=np.array([emissions.hours_with_data], dtype=np.int64),
            it_kwh=np.array([emissions.it_energy.value]),
            intensity_location=np.array([loc.value if loc else np.nan]),
            intensity_market=np.array([mkt.value if mkt else np.nan]),
            market=market,
            location_g=np.array([emissions.location_based.value]),
            market_g=np.array([emissions.market_based.value]),
            coverage=emissions.coverage,
            covered_hours=covered_hours,
            pue=emissions.pue.value,
            pue_configured=pue_configured,
        )


class Verdict(NamedTuple):
    """A check's decision for one unit: status, reason code and the compared numbers (None: not compared).
    The reason's parameters are filled in when the CheckResult is rendered."""

    status: Status
    reason: str
    measured: float | None = None
    threshold: float | None = None


class Verdicts(NamedTuple):
    """A check's decisions for every unit: status code (index into STATUSES), reason code, and the compared
    numbers (nan where nothing was compared)."""

    status: Codes
    reason: npt.NDArray[np.str_]
    measured: Floats
    threshold: Floats

    def at(self, k: int) -> Verdict:
        m, t = float(self.measured[k]), float(self.threshold[k])
        return Verdict(
            STATUSES[self.status[k]],
            str(self.reason[k]),
            None if np.isnan(m) else m,
            None if np.isnan(t) else t,
        )


def _decided(
    blocked: npt.NDArray[np.str_], ok: npt.NDArray[np.bool_], within: str, above: str, measured: Floats,
    threshold: Floats | float,
) -> Verdicts:  # fmt: skip
    """Verdicts from why each unit is blocked ("" = assessed) and, for the assessed, whether it passed."""
    assessed = blocked == ""
    return Verdicts(
        np.where(assessed, np.where(ok, _C, _NC), _NA).astype(np.int8),
        np.where(assessed, np.where(ok, within, above), blocked),
        np.where(assessed, measured, np.nan),
        np.where(assessed, threshold, np.nan),
    )


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _passes(measured: Floats, threshold: Floats | float, comparison: str) -> npt.NDArray[np.bool_]:
    return measured < threshold if comparison == "lt" else measured <= threshold


def _result(
    check: EffectiveCheck,
    emissions: EmissionsResult,
    status: Status,
    code: str,
    params: dict[str, object],
    *,
    measured: Figure | None = None,
    threshold: Figure | None = None,
    data_basis: str = "",
    pue_score: PueScore | None = None,
    pathway: PathwayDetail | None = None,
) -> CheckResult:
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


def _gate(i: CheckInputs, options: CheckOptions) -> npt.NDArray[np.str_]:
    """Why each unit cannot be assessed (no data, too little, no energy); "" where it may proceed."""
    no_data = (i.hours_with_data == 0) | (i.coverage <= 0)
    low = np.full(i.units, i.coverage < options.min_coverage)
    return np.select([no_data, low, i.it_kwh <= 0], ["NO_DATA", "LOW_COVERAGE", "NO_ENERGY"], "")


def _blocked_params(code: str, i: CheckInputs, options: CheckOptions) -> dict[str, object]:
    if code == "LOW_COVERAGE":
        return {"coverage": _pct(i.coverage), "min_coverage": _pct(options.min_coverage)}
    return {}


def _single_threshold(check: EffectiveCheck) -> float:
    if check.threshold is None:  # excluded by RegulationsData validation; kept for the type checker
        raise ValueError(f"check {check.definition.code} has no threshold")
    return check.threshold


def _threshold(check: EffectiveCheck, value: float, year: int | None = None) -> Figure:
    return Figure(value=value, unit=check.definition.unit, source=check.threshold_source, year=year)


def decide_carbon_intensity(
    i: CheckInputs, check: EffectiveCheck, options: CheckOptions = DEFAULT_OPTIONS
) -> Verdicts:
    """§6.1: energy-weighted hourly intensity (market-based when a GHG-counting instrument applies)."""
    threshold = _single_threshold(check)
    measured = np.where(i.market, i.intensity_market, i.intensity_location)
    ok = _passes(measured, threshold, check.definition.comparison)
    return _decided(_gate(i, options), ok, "INTENSITY_WITHIN", "INTENSITY_ABOVE", measured, threshold)


def check_carbon_intensity(
    emissions: EmissionsResult, check: EffectiveCheck, options: CheckOptions = DEFAULT_OPTIONS
) -> CheckResult:
    i = CheckInputs.of(emissions, 0.0, pue_configured=True)  # the intensity check does not read the PUE
    v = decide_carbon_intensity(i, check, options).at(0)
    if v.status is Status.NOT_ASSESSED:
        return _result(check, emissions, v.status, v.reason, _blocked_params(v.reason, i, options))
    measured = emissions.intensity_market if i.market[0] else emissions.intensity_location
    assert measured is not None and v.threshold is not None
    params: dict[str, object] = {
        "basis": "market" if i.market[0] else "location",
        "measured": f"{measured.value:.1f}",
        "threshold": f"{v.threshold:g}",
        "kind": check.kind,
    }
    s = emissions.intensity_series
    basis = f"hourly intensity: {s.source}; factor {s.factor_id or 'n/a'}; {s.hours_live} live / {s.hours_static} static h"
    return _result(
        check,
        emissions,
        v.status,
        v.reason,
        params,
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


def decide_pue(i: CheckInputs, check: EffectiveCheck, options: CheckOptions = DEFAULT_OPTIONS) -> Verdicts:
    """§6.2: PUE of the facility the unit ran in vs the certification level (voluntary, not a law)."""
    threshold = _single_threshold(check)
    measured = np.full(i.units, i.pue)
    ok = _passes(measured, threshold, check.definition.comparison)
    blocked = _gate(i, options)
    if not i.pue_configured:  # after the data gates: no data stays the first reason
        blocked = np.where(blocked == "", "PUE_NOT_CONFIGURED", blocked)
    return _decided(blocked, ok, "PUE_WITHIN", "PUE_ABOVE", measured, threshold)


def check_pue(
    emissions: EmissionsResult,
    check: EffectiveCheck,
    options: CheckOptions = DEFAULT_OPTIONS,
    *,
    pue_configured: bool,
) -> CheckResult:
    i = CheckInputs.of(emissions, 0.0, pue_configured=pue_configured)
    v = decide_pue(i, check, options).at(0)
    if v.status is Status.NOT_ASSESSED:
        return _result(check, emissions, v.status, v.reason, _blocked_params(v.reason, i, options))
    assert v.threshold is not None
    pue, d = emissions.pue, check.definition
    band_en, band_ko, points = _band_label(d.score_bands, pue.value)
    params: dict[str, object] = {
        "measured": f"{pue.value:.3g}",
        "threshold": f"{v.threshold:g}",
        "kind": check.kind,
        "comparison": _SYMBOL[d.comparison],
        "band": band_en,
        "band_ko": band_ko,
    }
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
        params,
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


def _annualised_t(annual_t: float, covered_hours: float, period_g: Figure, year: int) -> Figure:
    """The decided tCO2eq/year of `period_g` (period emissions) as a figure that says how it was derived."""
    return Figure(
        value=annual_t,
        unit="tCO2eq/year",
        source=f"{period_g.basis} emissions annualised from {covered_hours:g} h with data x 8760 h",
        year=year,
        basis=period_g.basis,
        quality=Quality.ESTIMATED,
    )


def decide_pathway(
    i: CheckInputs,
    baselines: Mapping[int, Baseline],
    year: int,
    check: EffectiveCheck,
    options: CheckOptions = DEFAULT_OPTIONS,
) -> Verdicts:
    """§6.3: annualised emissions vs the linear path from the unit's baseline (−40% 2030, −53% 2035).
    `baselines`: unit index → its baseline; a unit without one is not assessed."""
    n = i.units
    has = np.zeros(n, dtype=bool)
    base_t, reduction, market = np.zeros(n), np.full(n, np.nan), np.zeros(n, dtype=bool)
    for k, b in baselines.items():
        r = required_reduction(b.year, check.targets, year)
        has[k], base_t[k], market[k] = True, b.emissions_tco2eq, b.basis is Basis.MARKET
        reduction[k] = np.nan if r is None else r
    blocked = np.where(has, _gate(i, options), "NO_BASELINE")
    blocked = np.where((blocked == "") & np.isnan(reduction), "NO_TARGET_AFTER_BASELINE", blocked)
    with np.errstate(over="ignore"):  # every unit is computed; a blocked one (coverage ~0) is discarded below
        annual_t = annualise(np.where(market, i.market_g, i.location_g), i.covered_hours) / GRAMS_PER_TONNE
    allowed = base_t * (1 - reduction)
    ok = _passes(annual_t, allowed, check.definition.comparison)
    return _decided(blocked, ok, "PATHWAY_WITHIN", "PATHWAY_ABOVE", annual_t, allowed)


def check_reduction_pathway(
    window: EnergyWindow,
    emissions: EmissionsResult,
    baseline: Baseline | None,
    year: int,
    check: EffectiveCheck,
    options: CheckOptions = DEFAULT_OPTIONS,
) -> CheckResult:
    i = CheckInputs.of(
        emissions, window.covered_hours, pue_configured=True
    )  # the pathway does not read the PUE
    v = decide_pathway(i, {0: baseline} if baseline else {}, year, check, options).at(0)
    if v.status is Status.NOT_ASSESSED:
        blocked = _blocked_params(v.reason, i, options)
        if v.reason == "NO_TARGET_AFTER_BASELINE" and baseline is not None:
            blocked = {"baseline_year": baseline.year}
        return _result(check, emissions, v.status, v.reason, blocked)
    assert baseline is not None and v.measured is not None and v.threshold is not None
    r = required_reduction(baseline.year, check.targets, year)
    assert r is not None
    params: dict[str, object] = {
        "measured": f"{v.measured:.4g}",
        "threshold": f"{v.threshold:.4g}",
        "year": year,
        "reduction": f"{100 * r:.1f}",
        "baseline_year": baseline.year,
    }
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
        params,
        measured=_annualised_t(v.measured, window.covered_hours, period_g, year),
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
    pue_configured: bool  # the site's PUE is configured (else the PUE check is not assessed)
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
    CHECK_PUE: lambda c: check_pue(
        c.emissions, c.effective(CHECK_PUE), c.options, pue_configured=c.pue_configured
    ),
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
    baselines: Mapping[int, Baseline],
    year: int,
    options: CheckOptions = DEFAULT_OPTIONS,
) -> dict[str, Verdicts]:
    """Every registered check's verdicts for every unit of `i`, in registry order, without rendering
    CheckResults (an inventory decides thousands of units at once; run_checks renders one unit in full)."""
    verdicts = {  # in registry order (tested)
        CHECK_CARBON_INTENSITY: decide_carbon_intensity(i, checks[CHECK_CARBON_INTENSITY], options),
        CHECK_PUE: decide_pue(i, checks[CHECK_PUE], options),
        CHECK_PATHWAY: decide_pathway(i, baselines, year, checks[CHECK_PATHWAY], options),
    }
    return verdicts
