"""Typed view of data/regulations.json: rules, check definitions, reporting thresholds, conversions.

Thresholds live in data with their source and confidence (domain.md §6, last line); the organisation
config may override a check's threshold, which turns its kind into `policy` and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from carbon_kepler.compliance.model import Comparison, Kind
from carbon_kepler.core.datafiles import load_model
from carbon_kepler.core.errors import InputError

Confidence = Literal["H", "M", "L"]
REGULATIONS_FILE = "regulations.json"
CHECK_CARBON_INTENSITY = "KR_CARBON_2050"
CHECK_PUE = "KR_PUE_GREEN_DC"
CHECK_PATHWAY = "KR_REDUCTION_PATHWAY"
REQUIRED_CHECKS = (CHECK_CARBON_INTENSITY, CHECK_PUE, CHECK_PATHWAY)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rule(_Data):
    id: str = Field(pattern=r"^[A-Z0-9_]+$", description="Rule id.")
    name_en: str = Field(description="English name.")
    name_ko: str = Field(description="Korean name.")
    kind: Kind = Field(description="statutory | certification | policy.")
    in_force: date | None = Field(description="Date in force, when one applies.")
    content_en: str = Field(description="What the rule really says.")
    content_ko: str = Field(description="The same in Korean.")
    product_use: str = Field(description="How the product uses it.")
    source: str = Field(description="Legal or published source.")
    url: str | None = Field(description="Link.")
    confidence: Confidence = Field(description="H, M or L.")


class ScoreBand(_Data):
    max_pue: float = Field(ge=1, description="Upper PUE of the band.")
    inclusive: bool = Field(description="Whether max_pue itself falls in the band.")
    points: int = Field(ge=0, description="Points the band earns.")


class PathTarget(_Data):
    year: int = Field(description="Target year.")
    reduction: float = Field(gt=0, lt=1, description="Reduction below baseline (0-1).")
    source: str = Field(description="Where the target comes from.")
    confidence: Confidence = Field(description="H, M or L.")


class Named(_Data):
    """Fields shared by checks and reporting thresholds: a code, its rule and its two names."""

    code: str = Field(pattern=r"^[A-Z0-9_]+$", description="Check or threshold code.")
    rule_id: str = Field(description="Rule the threshold rests on.")
    name_en: str = Field(description="English name.")
    name_ko: str = Field(description="Korean name.")


class CheckDef(Named):
    kind: Kind = Field(description="Kind of the default threshold.")
    threshold: float | None = Field(description="Default threshold, None when it is a path.")
    unit: str = Field(description="Unit of the threshold.")
    comparison: Comparison = Field(description="le or lt.")
    source: str = Field(description="Source of the default threshold.")
    confidence: Confidence = Field(description="H, M or L.")
    score_bands: tuple[ScoreBand, ...] = Field(description="Certification score bands, when any.")
    score_note: str | None = Field(default=None, description="Caveat on the score bands.")
    targets: tuple[PathTarget, ...] = Field(description="Path targets, when any.")


class ReportingThreshold(Named):
    quantity: Literal["toe", "tco2eq", "tj", "mw"] = Field(description="What is compared.")
    scope: Literal["entity", "site"] = Field(description="Entity or site.")
    value: float = Field(gt=0, description="Threshold value.")
    unit: str = Field(description="Unit.")
    averaging: str = Field(description="How the rule averages.")
    source: str = Field(description="Source.")
    confidence: Confidence = Field(description="H, M or L.")


class Conversion(_Data):
    value: float = Field(gt=0, description="Conversion value.")
    source: str = Field(description="Source.")
    confidence: Confidence = Field(description="H, M or L.")


class Conversions(_Data):
    kcal_per_kwh: Conversion = Field(description="Electricity heat value, consumption basis.")
    kcal_per_toe: Conversion = Field(description="kcal in one TOE.")
    mj_per_kwh: Conversion = Field(description="MJ per kWh, consumption basis.")


class RegulationsData(_Data):
    """data/regulations.json."""

    schema_version: Literal[1] = Field(description="File schema version.")
    data_version: str = Field(description="Data release.")
    rules: tuple[Rule, ...] = Field(min_length=1, description="Korean rules (domain.md §5).")
    checks: tuple[CheckDef, ...] = Field(min_length=1, description="Check definitions (domain.md §6).")
    reporting_thresholds: tuple[ReportingThreshold, ...] = Field(description="Cluster-level thresholds.")
    conversions: Conversions = Field(description="Energy conversions.")

    @model_validator(mode="after")
    def _references(self) -> RegulationsData:
        rule_ids = {r.id for r in self.rules}
        codes = [c.code for c in self.checks] + [t.code for t in self.reporting_thresholds]
        if len(rule_ids) != len(self.rules) or len(codes) != len(set(codes)):
            raise ValueError("rule ids and check/threshold codes must be unique")
        for item in self.named():
            if item.rule_id not in rule_ids:
                raise ValueError(f"{item.code}: unknown rule_id {item.rule_id!r}")
            if not _HANGUL.search(item.name_ko):
                raise ValueError(f"{item.code}: name_ko {item.name_ko!r} has no Korean text")
        missing = [c for c in REQUIRED_CHECKS if c not in codes]
        if missing:
            raise ValueError(f"checks: missing required check(s) {missing}")
        for c in self.checks:
            if c.code == CHECK_PATHWAY and not c.targets:
                raise ValueError(f"{c.code}: a pathway needs targets")
            if c.code != CHECK_PATHWAY and c.threshold is None:
                raise ValueError(f"{c.code}: threshold is required")
        return self

    def named(self) -> tuple[Named, ...]:
        """Every check and reporting threshold (each has a code and ko/en names)."""
        return (*self.checks, *self.reporting_thresholds)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def check(self, code: str) -> CheckDef:
        for c in self.checks:
            if c.code == code:
                return c
        raise InputError(f"unknown check {code!r}", hint=f"allowed: {', '.join(c.code for c in self.checks)}")


class CheckOverride(BaseModel):
    """An organisation's replacement for a check's default threshold (or path targets)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    threshold: float | None = Field(
        default=None, gt=0, description="Replacement threshold in the check's unit."
    )
    targets: dict[int, float] | None = Field(
        default=None, description="Replacement path: {year: reduction 0-1}."
    )


@dataclass(frozen=True)
class EffectiveCheck:
    """A check definition after the organisation's override."""

    definition: CheckDef
    threshold: float | None
    targets: tuple[tuple[int, float], ...]
    kind: Kind
    overridden: bool
    threshold_source: str


def effective(defn: CheckDef, override: CheckOverride | None = None, origin: str = "") -> EffectiveCheck:
    """Apply an override; an overridden certification or statutory level becomes the organisation's policy."""
    targets = tuple((t.year, t.reduction) for t in defn.targets)
    if override is None or (override.threshold is None and override.targets is None):
        return EffectiveCheck(defn, defn.threshold, targets, defn.kind, False, defn.source)
    threshold = override.threshold if override.threshold is not None else defn.threshold
    if override.targets is not None:
        targets = tuple(sorted(override.targets.items()))
    where = origin or "organisation config"
    source = f"organisation override ({where}) of the default: {defn.source}"
    return EffectiveCheck(defn, threshold, targets, Kind.POLICY, True, source)


@lru_cache(maxsize=4)
def load_regulations(path: str = REGULATIONS_FILE) -> RegulationsData:
    return load_model(RegulationsData, path)
