"""Cluster figures as shares of the Korean reporting thresholds (domain.md §5, §6.4).

A regulation applies to a legal entity or a site, never to a workload: this module says "the cluster
contributes X% of the 2,000 TOE threshold", not "non-compliant with the Act".
"""

from __future__ import annotations

from carbon_kepler.carbon.model import HOURS_PER_YEAR, EmissionsResult, EnergyWindow
from carbon_kepler.compliance.checks import DEFAULT_OPTIONS, CheckOptions
from carbon_kepler.compliance.labels import reason
from carbon_kepler.compliance.model import ReportingSummary, ThresholdShare
from carbon_kepler.compliance.rules import Conversions, RegulationsData, ReportingThreshold
from carbon_kepler.core.figures import Basis, Figure, Notice, Quality
from carbon_kepler.core.units import GRAMS_PER_TONNE

MJ_PER_TJ = 1_000_000.0
KW_PER_MW = 1_000.0


def kwh_to_toe(kwh: float, conv: Conversions) -> float:
    """kWh x 2,290 kcal/kWh / 10^7 kcal/TOE (consumption basis): 2,000 TOE = 8.73 GWh."""
    return kwh * conv.kcal_per_kwh.value / conv.kcal_per_toe.value


def kwh_to_tj(kwh: float, conv: Conversions) -> float:
    """kWh x 9.6 MJ/kWh / 10^6 MJ/TJ (consumption basis)."""
    return kwh * conv.mj_per_kwh.value / MJ_PER_TJ


def _share(t: ReportingThreshold, measured: Figure, regs: RegulationsData) -> ThresholdShare:
    pct = 100 * measured.value / t.value
    rule = regs.rule(t.rule_id)
    en, ko = reason("SHARE_STATEMENT", share=f"{pct:.3g}", name=t.name_en, name_ko=t.name_ko, scope=t.scope)
    return ThresholdShare(
        code=t.code,
        rule_id=t.rule_id,
        name_en=t.name_en,
        name_ko=t.name_ko,
        kind=rule.kind,
        scope=t.scope,
        measured=measured,
        threshold=Figure(value=t.value, unit=t.unit, source=t.source),
        share=Figure(value=pct, unit="%", source=f"{measured.unit} / {t.unit}", quality=measured.quality),
        averaging=t.averaging,
        statement_en=en,
        statement_ko=ko,
    )


def _annual_figures(
    window: EnergyWindow, emissions: EmissionsResult, conv: Conversions, basis: Basis
) -> dict[str, Figure]:
    facility_kwh = window.annualise(emissions.facility_energy.value)
    grams = emissions.market_based if basis is Basis.MARKET else emissions.location_based
    how = f"annualised from {window.covered_hours:g} h with data x {HOURS_PER_YEAR} h"
    year = grams.year
    q = Quality.ESTIMATED

    def fig(value: float, unit: str, source: str, b: Basis | None = None) -> Figure:
        return Figure(value=value, unit=unit, source=f"{source}, {how}", year=year, basis=b, quality=q)

    return {
        "kwh": fig(facility_kwh, "kWh/year", f"IT energy x PUE {emissions.pue.value:g}"),
        "toe": fig(kwh_to_toe(facility_kwh, conv), "TOE/year", f"{conv.kcal_per_kwh.value:g} kcal/kWh"),
        "tj": fig(kwh_to_tj(facility_kwh, conv), "TJ/year", f"{conv.mj_per_kwh.value:g} MJ/kWh"),
        "tco2eq": fig(
            window.annualise(grams.value) / GRAMS_PER_TONNE, "tCO2eq/year", grams.source, grams.basis
        ),
        "mw": fig(facility_kwh / HOURS_PER_YEAR / KW_PER_MW, "MW", "average facility power"),
    }


def reporting_summary(
    window: EnergyWindow,
    emissions: EmissionsResult,
    regulations: RegulationsData,
    options: CheckOptions = DEFAULT_OPTIONS,
    *,
    basis: Basis = Basis.MARKET,
) -> ReportingSummary:
    """Annualised cluster energy and emissions against every reporting threshold, as shares.

    Market-based by default because REC, PPA and self-generation count as reductions in national
    reporting (domain.md §4.3); without instruments it equals the location-based figure.
    """
    if emissions.hours_with_data == 0 or window.coverage < options.min_coverage or window.coverage <= 0:
        code = "NO_DATA" if emissions.hours_with_data == 0 else "LOW_COVERAGE"
        en, ko = reason(
            code, coverage=f"{100 * window.coverage:.0f}%", min_coverage=f"{100 * options.min_coverage:.0f}%"
        )
        return ReportingSummary(
            assessed=False,
            reason_en=en,
            reason_ko=ko,
            coverage=window.coverage,
            facility_energy=None,
            toe=None,
            tj=None,
            emissions=None,
            average_power=None,
            shares=(),
            warnings=emissions.warnings,
        )
    figs = _annual_figures(window, emissions, regulations.conversions, basis)
    shares = tuple(_share(t, figs[t.quantity], regulations) for t in regulations.reporting_thresholds)
    en, ko = reason("REPORTING_DONE", coverage=f"{100 * window.coverage:.0f}%")
    warnings = list(emissions.warnings)
    if window.coverage < 1:
        warnings.append(Notice(code="ANNUALISED_FROM_PARTIAL_DATA", message=en))
    return ReportingSummary(
        assessed=True,
        reason_en=en,
        reason_ko=ko,
        coverage=window.coverage,
        facility_energy=figs["kwh"],
        toe=figs["toe"],
        tj=figs["tj"],
        emissions=figs["tco2eq"],
        average_power=figs["mw"],
        shares=shares,
        warnings=tuple(warnings),
    )
