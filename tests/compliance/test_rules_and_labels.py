"""regulations.json says what is real (domain.md §5, §9) and every label exists in Korean and English."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from carbon_kepler.compliance.labels import KIND_LABELS, REASONS, STATUS_LABELS, check_name, reason
from carbon_kepler.compliance.model import Kind, Status
from carbon_kepler.compliance.rules import CheckOverride, RegulationsData, effective, load_regulations
from carbon_kepler.core.datafiles import packaged_path
from carbon_kepler.core.errors import DataFileError, InputError

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_every_section_5_rule_is_present_with_its_kind(regs: RegulationsData) -> None:
    kinds = {r.id: r.kind for r in regs.rules}
    assert kinds == {
        "KR_CARBON_NEUTRALITY_ACT": Kind.STATUTORY,
        "KR_TARGET_MANAGEMENT": Kind.STATUTORY,
        "KR_ETS": Kind.STATUTORY,
        "KR_ENERGY_USE_RATIONALIZATION_ACT": Kind.STATUTORY,
        "KR_GREEN_DATA_CENTER": Kind.CERTIFICATION,
        "KR_DISTRIBUTED_ENERGY_ACT": Kind.STATUTORY,
        "KR_TOU_TARIFF": Kind.POLICY,
        "KR_RE100": Kind.POLICY,
        "ORG_CARBON_POLICY": Kind.POLICY,
    }
    assert all(r.source and r.confidence in "HML" and HANGUL.search(r.name_ko) for r in regs.rules)


def test_the_seed_errors_are_corrected_in_the_data(regs: RegulationsData) -> None:
    carbon = regs.check("KR_CARBON_2050")
    assert carbon.rule_id == "ORG_CARBON_POLICY" and carbon.kind is Kind.POLICY and carbon.threshold == 424
    assert "no grid-intensity target" in regs.rule("KR_CARBON_NEUTRALITY_ACT").content_en.lower()
    pue = regs.check("KR_PUE_GREEN_DC")
    assert pue.rule_id == "KR_GREEN_DATA_CENTER" and pue.kind is Kind.CERTIFICATION and pue.threshold == 1.4
    assert "no pue limit" in regs.rule("KR_ENERGY_USE_RATIONALIZATION_ACT").content_en.lower()
    path = regs.check("KR_REDUCTION_PATHWAY")
    assert [(t.year, t.reduction) for t in path.targets] == [(2030, 0.40), (2035, 0.53)]  # not the seed's 35%


def test_reporting_thresholds_and_conversions_match_domain_md(regs: RegulationsData) -> None:
    values = {t.code: t.value for t in regs.reporting_thresholds}
    assert values["KR_EURA_2000_TOE"] == 2_000
    assert (values["KR_TMS_ENTITY_TCO2EQ"], values["KR_TMS_SITE_TCO2EQ"]) == (50_000, 15_000)
    assert (values["KR_ETS_ENTITY_TCO2EQ"], values["KR_ETS_SITE_TCO2EQ"]) == (125_000, 25_000)
    c = regs.conversions
    assert (c.kcal_per_kwh.value, c.kcal_per_toe.value, c.mj_per_kwh.value) == (2_290, 10_000_000, 9.6)


def test_a_check_pointing_to_an_unknown_rule_fails_loudly_naming_it(tmp_path: Path) -> None:
    raw = json.loads(packaged_path("regulations.json").read_text(encoding="utf-8"))
    raw["checks"][0]["rule_id"] = "KR_NO_SUCH_ACT"
    path = tmp_path / "regulations.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(DataFileError, match="KR_NO_SUCH_ACT"):
        load_regulations(str(path))


def test_a_check_with_an_unknown_kind_fails_naming_the_field(tmp_path: Path) -> None:
    raw = json.loads(packaged_path("regulations.json").read_text(encoding="utf-8"))
    raw["checks"][1]["kind"] = "law"
    path = tmp_path / "regulations.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"checks\.1\.kind"):
        load_regulations(str(path))


def test_overriding_a_certification_level_makes_it_the_organisations_policy(regs: RegulationsData) -> None:
    eff = effective(regs.check("KR_PUE_GREEN_DC"), CheckOverride(threshold=1.5), "org.yaml")
    assert (eff.threshold, eff.kind, eff.overridden) == (1.5, Kind.POLICY, True)
    assert "org.yaml" in eff.threshold_source
    default = effective(regs.check("KR_PUE_GREEN_DC"))
    assert (default.threshold, default.kind, default.overridden) == (1.4, Kind.CERTIFICATION, False)


def test_every_status_and_kind_has_a_korean_and_an_english_label() -> None:
    for table, members in ((STATUS_LABELS, list(Status)), (KIND_LABELS, list(Kind))):
        assert set(table) == set(members)
        for labels in table.values():
            assert labels["en"] and HANGUL.search(labels["ko"])


def test_korean_check_names_contain_no_untranslated_english_words(regs: RegulationsData) -> None:
    for item in regs.named():
        name = check_name(item.code, "ko", regs)
        assert HANGUL.search(name) and name != item.name_en
        english_words = re.findall(r"[A-Za-z]{4,}", name)
        assert english_words == [], f"{item.code}: {english_words} in {name!r}"
        assert check_name(item.code, "en", regs) == item.name_en
    with pytest.raises(InputError, match="allowed: KR_CARBON_2050"):
        check_name("KR_NOPE", "ko", regs)


def test_every_reason_renders_in_both_languages_without_placeholders_left() -> None:
    params: dict[str, object] = {
        "coverage": "40%",
        "min_coverage": "80%",
        "basis": "location",
        "measured": "1",
        "threshold": "2",
        "kind": Kind.POLICY,
        "comparison": "<",
        "band": "b",
        "band_ko": "b",
        "baseline_year": 2023,
        "year": 2026,
        "reduction": "17.1",
        "share": "12",
        "name": "n",
        "name_ko": "n",
        "scope": "site",
    }
    for code in REASONS:
        en, ko = reason(code, **params)
        assert "{" not in en + ko and HANGUL.search(ko) and en
