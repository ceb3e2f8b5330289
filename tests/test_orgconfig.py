"""Organisation config: the example loads, and every bad value names the file, the key and what is allowed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from carbon_kepler.carbon.factors import load_carbon_intensity
from carbon_kepler.carbon.intensity import load_regions
from carbon_kepler.carbon.model import InstrumentKind
from carbon_kepler.core.errors import ConfigError
from carbon_kepler.orgconfig import OrgConfig, load_org_config

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "carbon-kepler.yaml"
TODAY = date(2026, 1, 15)
MINIMAL: dict[str, object] = {"sites": [{"name": "seoul", "region": "aws:ap-northeast-2"}]}


def write(tmp_path: Path, data: object, name: str = "org.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True) if not isinstance(data, str) else data, "utf-8")
    return path


def load(tmp_path: Path, data: object) -> OrgConfig:
    return load_org_config(write(tmp_path, data), today=TODAY)


def error(tmp_path: Path, data: object) -> str:
    with pytest.raises(ConfigError) as err:
        load(tmp_path, data)
    return str(err.value)


def with_site(**site: object) -> dict[str, object]:
    return {"sites": [{"name": "seoul", "region": "aws:ap-northeast-2", **site}]}


def test_the_commented_example_loads_and_means_what_it_says() -> None:
    cfg = load_org_config(EXAMPLE, today=TODAY)
    ci, regions = load_carbon_intensity(), load_regions()
    assert cfg.language == "ko" and cfg.factor_choice(ci).factor_id == "KR_2023"
    seoul = cfg.site_for_cluster("prod-seoul")
    assert cfg.site_pue(seoul, regions).value == 1.135
    kinds = [(i.kind, i.counts_for_ghg_reduction) for i in cfg.instruments(seoul, ci)]
    assert kinds == [(InstrumentKind.REC, True), (InstrumentKind.GREEN_PREMIUM, False)]
    pangyo = cfg.site_for_cluster("onprem-batch")
    assert (
        cfg.site_pue(pangyo, regions).value == 1.32 and "sites[1].pue" in cfg.site_pue(pangyo, regions).source
    )
    baseline = cfg.baseline_for("namespace:ml-training")
    assert baseline is not None and (baseline.year, baseline.emissions_tco2eq) == (2023, 12.5)
    assert cfg.check_options().min_coverage == 0.8 and cfg.overrides["KR_CARBON_2050"].threshold == 424


def test_a_minimal_config_takes_the_defaults(tmp_path: Path) -> None:
    cfg = load(tmp_path, MINIMAL)
    assert cfg.language == "ko" and cfg.reporting.purpose == "latest"
    assert cfg.factor_choice(load_carbon_intensity()).value_kg_per_kwh == 0.4173
    assert cfg.site_for_cluster("anything").name == "seoul" and cfg.baseline_for("cluster:x") is None


@pytest.mark.parametrize(
    ("year", "purpose", "value"), [(2022, "disclosure", 0.4541), (2024, "k-ets", 0.4594)]
)
def test_reporting_year_and_purpose_choose_the_factor(
    tmp_path: Path, year: int, purpose: str, value: float
) -> None:
    cfg = load(tmp_path, {**MINIMAL, "reporting": {"year": year, "purpose": purpose}})
    assert cfg.factor_choice(load_carbon_intensity()).value_kg_per_kwh == value


def test_unknown_region_names_file_key_and_allowed_regions(tmp_path: Path) -> None:
    msg = error(tmp_path, with_site(region="aws:ap-northeast-9"))
    assert "org.yaml: sites[0].region: unknown region 'aws:ap-northeast-9'" in msg
    assert "allowed: aws:ap-northeast-2, " in msg and "ncloud:KR" in msg


@pytest.mark.parametrize("value", [-1.2, 0.0, 0.95])
def test_negative_or_sub_one_pue_names_the_key_and_the_minimum(tmp_path: Path, value: float) -> None:
    msg = error(tmp_path, with_site(pue=value))
    assert "org.yaml: sites[0].pue: Input should be greater than or equal to 1" in msg


def test_a_region_without_published_pue_requires_one(tmp_path: Path) -> None:
    msg = error(tmp_path, {"sites": [{"name": "dc", "region": "ncloud:KR"}]})
    assert "sites[0].pue: required for ncloud:KR" in msg and "allowed: a number ≥ 1.0" in msg


def test_baseline_in_the_future_names_the_key_and_the_allowed_years(tmp_path: Path) -> None:
    msg = error(tmp_path, {**MINIMAL, "baselines": {"namespace:ml": {"year": 2030, "emissions_tco2eq": 5}}})
    assert (
        "org.yaml: baselines.namespace:ml.year: 2030 is in the future" in msg and "allowed: 1990-2026" in msg
    )


def test_unknown_baseline_unit_key_lists_the_allowed_forms(tmp_path: Path) -> None:
    msg = error(tmp_path, {**MINIMAL, "baselines": {"team-a": {"year": 2023, "emissions_tco2eq": 5}}})
    assert "baselines.team-a: unknown unit key" in msg and "namespace:<name>" in msg


def test_kets_year_without_allocation_factor_names_the_allowed_years(tmp_path: Path) -> None:
    msg = error(tmp_path, {**MINIMAL, "reporting": {"year": 2026, "purpose": "k-ets"}})
    assert "org.yaml: reporting.year: no K-ETS allocation factor known for reporting year 2026" in msg
    assert "2021-2025 (phase 3)" in msg


def test_reporting_year_before_any_factor_names_the_allowed_years(tmp_path: Path) -> None:
    msg = error(tmp_path, {**MINIMAL, "reporting": {"year": 2010, "purpose": "disclosure"}})
    assert "reporting.year: no official factor covers reporting year 2010" in msg and "2014 or later" in msg


def test_reporting_year_in_the_future_is_refused(tmp_path: Path) -> None:
    assert "reporting.year: 2027 is in the future" in error(
        tmp_path, {**MINIMAL, "reporting": {"year": 2027}}
    )


def test_unknown_factor_id_lists_the_factors(tmp_path: Path) -> None:
    msg = error(tmp_path, {**MINIMAL, "reporting": {"factor": "KR_2099"}})
    assert "reporting.factor: unknown emission factor 'KR_2099'" in msg and "KR_2020_2022" in msg


def test_unknown_key_lists_the_allowed_keys(tmp_path: Path) -> None:
    msg = error(tmp_path, with_site(pue_value=1.2))
    assert "sites[0].pue_value: Extra inputs are not permitted" in msg
    assert "allowed keys: name, region, clusters, pue, pue_source" in msg


def test_bad_language_and_instrument_kind_name_the_allowed_values(tmp_path: Path) -> None:
    assert "language: Input should be 'ko' or 'en'" in error(tmp_path, {**MINIMAL, "language": "fr"})
    msg = error(tmp_path, with_site(instruments=[{"kind": "carbon_offset", "share": 0.5}]))
    assert "sites[0].instruments[0].kind" in msg and "'rec'" in msg and "'green_premium'" in msg


def test_instrument_share_and_dates_are_checked(tmp_path: Path) -> None:
    assert "instruments[0].share" in error(tmp_path, with_site(instruments=[{"kind": "rec", "share": 1.5}]))
    msg = error(
        tmp_path,
        with_site(instruments=[{"kind": "rec", "share": 0.5, "start": "2025-06-01", "end": "2025-01-01"}]),
    )
    assert "instruments[0]" in msg and "must be after start" in msg


def test_policy_override_of_an_unknown_check_lists_the_checks(tmp_path: Path) -> None:
    msg = error(tmp_path, {**MINIMAL, "policy": {"checks": {"KR_PUE": {"threshold": 1.5}}}})
    assert "policy.checks.KR_PUE: unknown check 'KR_PUE'" in msg
    assert "KR_CARBON_2050, KR_PUE_GREEN_DC, KR_REDUCTION_PATHWAY" in msg


def test_pathway_override_takes_targets_not_a_threshold(tmp_path: Path) -> None:
    msg = error(tmp_path, {**MINIMAL, "policy": {"checks": {"KR_REDUCTION_PATHWAY": {"threshold": 0.4}}}})
    assert "policy.checks.KR_REDUCTION_PATHWAY.threshold" in msg and "allowed: targets" in msg
    msg = error(
        tmp_path, {**MINIMAL, "policy": {"checks": {"KR_REDUCTION_PATHWAY": {"targets": {2030: 40}}}}}
    )
    assert "targets.2030: reduction 40" in msg


def test_a_cluster_in_two_sites_and_an_unknown_default_site_are_refused(tmp_path: Path) -> None:
    two = {
        "sites": [
            {"name": "a", "region": "aws:ap-northeast-2", "clusters": ["prod"]},
            {"name": "b", "region": "gcp:asia-northeast3", "clusters": ["prod"]},
        ]
    }
    assert "sites[1].clusters: cluster 'prod' is already in site 'a'" in error(tmp_path, two)
    assert "default_site: unknown site 'x'" in error(tmp_path, {**MINIMAL, "default_site": "x"})


def test_broken_yaml_and_missing_file_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"bad\.yaml: invalid YAML at line 3 column 1 \(.+\)"):
        load_org_config(write(tmp_path, "sites:\n  - name: [unclosed\n", "bad.yaml"), today=TODAY)
    with pytest.raises(ConfigError, match="not found"):
        load_org_config(tmp_path / "missing.yaml", today=TODAY)
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_org_config(write(tmp_path, "- just a list\n", "list.yaml"), today=TODAY)


def test_sites_are_required(tmp_path: Path) -> None:
    assert "org.yaml: sites: Field required" in error(tmp_path, {"language": "en"})
