"""Compliance result types: a check's verdict with what it compared, against what, and on which data.

A check is COMPLIANT | NON_COMPLIANT | NOT_ASSESSED and always says its threshold's kind and source
(domain.md §6). Reporting thresholds are shares of a facility/entity threshold, never a verdict (§5).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from carbon_kepler.core.figures import Figure, Notice

Lang = Literal["ko", "en"]
Comparison = Literal["le", "lt"]


class Status(StrEnum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_ASSESSED = "NOT_ASSESSED"


SEVERITY: tuple[Status, ...] = (Status.COMPLIANT, Status.NOT_ASSESSED, Status.NON_COMPLIANT)
"""Least to most severe: a unit's overall status is its most severe check's (worst_status)."""


def worst_status(statuses: Iterable[Status]) -> Status:
    """NON_COMPLIANT if any check fails, else NOT_ASSESSED if any is, else COMPLIANT (also with no checks)."""
    return max(statuses, key=SEVERITY.index, default=Status.COMPLIANT)


class Kind(StrEnum):
    STATUTORY = "statutory"
    CERTIFICATION = "certification"
    POLICY = "policy"


class PueScore(BaseModel):
    """Where a PUE falls in the Green Data Center certification's PUE score table."""

    model_config = ConfigDict(frozen=True)

    points: int | None = Field(description="PUE points of the band (2012 table), None beyond the table.")
    max_points: int = Field(description="Points of the top band.")
    band: str = Field(description="The band, e.g. '1.4 ≤ PUE ≤ 1.5'.")
    note: str = Field(description="Caveat on the table's vintage and the pass level.")


class PathwayDetail(BaseModel):
    """The reduction path a unit was compared with."""

    model_config = ConfigDict(frozen=True)

    baseline_year: int = Field(description="Year of the configured baseline.")
    baseline: Figure = Field(description="Baseline annual emissions (tCO2eq/year).")
    assessed_year: int = Field(description="Year the annualised emissions are compared for.")
    required_reduction: Figure = Field(
        description="Reduction below baseline the path requires that year (%)."
    )
    targets: tuple[tuple[int, float], ...] = Field(description="(year, reduction 0-1) points of the path.")


class CheckResult(BaseModel):
    """One compliance check's verdict for one unit over one window."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="Check code, e.g. KR_CARBON_2050.")
    rule_id: str = Field(description="Rule the threshold rests on (regulations.json).")
    name_en: str = Field(description="Check name in English.")
    name_ko: str = Field(description="Check name in Korean.")
    kind: Kind = Field(description="statutory | certification | policy: what kind of threshold this is.")
    status: Status = Field(description="COMPLIANT | NON_COMPLIANT | NOT_ASSESSED.")
    measured: Figure | None = Field(
        description="The value compared, with unit and source; None when missing."
    )
    threshold: Figure | None = Field(description="The threshold, with unit and source.")
    comparison: Comparison = Field(description="le: measured ≤ threshold passes; lt: measured < threshold.")
    overridden: bool = Field(description="True when the organisation config replaced the default threshold.")
    reason_code: str = Field(description="Stable code of the reason.")
    reason_en: str = Field(description="Why this status, in English.")
    reason_ko: str = Field(description="Why this status, in Korean.")
    coverage: float = Field(description="Fraction of the period's hours with energy data (0-1).")
    data_basis: str = Field(description="The data the verdict rests on (series, factor, PUE source).")
    pue_score: PueScore | None = Field(default=None, description="Certification score band (PUE check).")
    pathway: PathwayDetail | None = Field(default=None, description="Reduction path (pathway check).")
    warnings: tuple[Notice, ...] = Field(
        default=(), description="Fallbacks and caveats carried from the data."
    )

    def name(self, lang: Lang) -> str:
        return self.name_ko if lang == "ko" else self.name_en

    def reason(self, lang: Lang) -> str:
        return self.reason_ko if lang == "ko" else self.reason_en


class ThresholdShare(BaseModel):
    """An annualised cluster figure as a share of a statutory threshold: a contribution, not a breach."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="Threshold code, e.g. KR_EURA_2000_TOE.")
    rule_id: str = Field(description="Rule in regulations.json.")
    name_en: str = Field(description="Threshold name in English.")
    name_ko: str = Field(description="Threshold name in Korean.")
    kind: Kind = Field(description="Kind of the underlying rule.")
    scope: Literal["entity", "site"] = Field(description="Applies to a legal entity or to a site.")
    measured: Figure = Field(description="Annualised cluster figure in the threshold's unit.")
    threshold: Figure = Field(description="Threshold value with source.")
    share: Figure = Field(description="measured / threshold in %.")
    averaging: str = Field(description="How the rule averages (annual, 3-year average, contracted load).")
    statement_en: str = Field(description="One line: 'contributes X% of …'.")
    statement_ko: str = Field(description="The same in Korean.")


class ReportingSummary(BaseModel):
    """Cluster-level figures against the Korean reporting thresholds (domain.md §5, §6.4)."""

    model_config = ConfigDict(frozen=True)

    assessed: bool = Field(description="False when the data is too sparse to annualise.")
    reason_en: str = Field(description="What was done, or why not.")
    reason_ko: str = Field(description="The same in Korean.")
    coverage: float = Field(description="Fraction of the period's hours with energy data (0-1).")
    facility_energy: Figure | None = Field(
        description="None when not assessed. Annualised facility energy (kWh/year)."
    )
    toe: Figure | None = Field(description="None when not assessed. Annualised energy in TOE/year.")
    tj: Figure | None = Field(description="None when not assessed. Annualised energy in TJ/year.")
    emissions: Figure | None = Field(
        description="None when not assessed. Annualised emissions (tCO2eq/year)."
    )
    average_power: Figure | None = Field(description="None when not assessed. Average facility power (MW).")
    shares: tuple[ThresholdShare, ...] = Field(description="Each threshold with the cluster's share.")
    warnings: tuple[Notice, ...] = Field(default=(), description="Caveats.")
