"""Official factor choice by reporting year and purpose (domain.md §4.2) and the carbon data files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carbon_kepler.carbon.factors import CarbonIntensityData, Purpose, choose_factor, load_carbon_intensity
from carbon_kepler.carbon.intensity import RegionsData, region_intensities
from carbon_kepler.core.datafiles import packaged_path
from carbon_kepler.core.errors import DataFileError, InputError


def test_default_factor_is_the_latest_official_one_0_4173_for_2023(ci: CarbonIntensityData) -> None:
    choice = choose_factor(ci)
    assert (choice.factor_id, choice.value_kg_per_kwh, choice.vintage) == ("KR_2023", 0.4173, "2023")
    assert choice.purpose is Purpose.LATEST


@pytest.mark.parametrize(
    ("year", "factor_id", "value"),
    [
        (2025, "KR_2023", 0.4173),  # newest published vintage, even though it is older than the year
        (2023, "KR_2023", 0.4173),  # the single-year factor of that very year
        (2022, "KR_2020_2022", 0.4541),
        (2020, "KR_2020_2022", 0.4541),
        (2019, "KR_2017_2019", 0.4781),
        (2015, "KR_2014_2016", 0.4594),
    ],
)
def test_disclosure_uses_the_newest_factor_whose_vintage_starts_by_the_reporting_year(
    ci: CarbonIntensityData, year: int, factor_id: str, value: float
) -> None:
    choice = choose_factor(ci, purpose=Purpose.DISCLOSURE, reporting_year=year)
    assert (choice.factor_id, choice.value_kg_per_kwh, choice.reporting_year) == (factor_id, value, year)


@pytest.mark.parametrize("year", [2021, 2023, 2025])
def test_kets_settles_with_the_phase_3_allocation_factor(ci: CarbonIntensityData, year: int) -> None:
    choice = choose_factor(ci, purpose=Purpose.KETS, reporting_year=year)
    assert (choice.factor_id, choice.value_kg_per_kwh) == ("KR_2014_2016", 0.4594)
    assert "phase 3" in choice.reason


def test_purpose_changes_the_factor_for_the_same_year(ci: CarbonIntensityData) -> None:
    disclosure = choose_factor(ci, purpose=Purpose.DISCLOSURE, reporting_year=2024)
    kets = choose_factor(ci, purpose=Purpose.KETS, reporting_year=2024)
    assert (disclosure.value_kg_per_kwh, kets.value_kg_per_kwh) == (0.4173, 0.4594)


def test_kets_year_without_a_known_allocation_factor_names_the_allowed_years(ci: CarbonIntensityData) -> None:
    with pytest.raises(InputError) as err:
        choose_factor(ci, purpose=Purpose.KETS, reporting_year=2026)
    assert "2026" in str(err.value) and "2021-2025 (phase 3)" in str(err.value)


def test_disclosure_before_the_first_vintage_is_refused(ci: CarbonIntensityData) -> None:
    with pytest.raises(InputError, match="2014 or later"):
        choose_factor(ci, purpose=Purpose.DISCLOSURE, reporting_year=2013)


def test_disclosure_needs_a_reporting_year(ci: CarbonIntensityData) -> None:
    with pytest.raises(InputError, match="reporting year"):
        choose_factor(ci, purpose=Purpose.DISCLOSURE)


def test_co2_only_part_is_never_used_as_a_co2eq_factor(ci: CarbonIntensityData) -> None:
    with pytest.raises(InputError, match="CO2-only") as err:
        choose_factor(ci, factor_id="KR_2014_2016_CO2_ONLY")
    assert "KR_2023" in str(err.value)


def test_unknown_factor_id_lists_the_allowed_ids(ci: CarbonIntensityData) -> None:
    with pytest.raises(InputError, match="allowed: KR_2014_2016, KR_2017_2019, KR_2020_2022, KR_2023"):
        choose_factor(ci, factor_id="KR_1999")


def test_kets_factor_is_the_sar_gwp_sum_of_its_gases(ci: CarbonIntensityData) -> None:
    # 456.7 CO2 + 0.0036 CH4 x 21 + 0.0085 N2O x 310 = 456.7 + 0.0756 + 2.635 = 459.4106 kg/MWh → 0.4594
    f = ci.factor("KR_2014_2016")
    assert f.gases is not None and f.gases.ch4_kg_per_mwh is not None and f.gases.n2o_kg_per_mwh is not None
    total = f.gases.co2_kg_per_mwh + f.gases.ch4_kg_per_mwh * 21 + f.gases.n2o_kg_per_mwh * 310
    assert round(total / 1000, 4) == f.value_kg_per_kwh == 0.4594


def test_factor_figure_names_factor_vintage_and_source(ci: CarbonIntensityData) -> None:
    fig = choose_factor(ci, purpose=Purpose.DISCLOSURE, reporting_year=2022).figure()
    assert (fig.value, fig.unit, fig.year, fig.basis) == (454.1, "gCO2eq/kWh", 2022, "location")
    assert "KR_2020_2022" in fig.source and "2020-2022" in fig.source and "Ministry" in fig.source


@pytest.mark.parametrize("name", ["carbon-intensity.json", "regions.json", "regulations.json"])
def test_every_data_file_carries_schema_and_data_version(name: str) -> None:
    raw = json.loads(packaged_path(name).read_text(encoding="utf-8"))
    assert raw["schema_version"] == 1 and raw["data_version"]


def _broken_copy(tmp_path: Path, mutate: dict[str, object]) -> Path:
    raw = json.loads(packaged_path("carbon-intensity.json").read_text(encoding="utf-8"))
    raw["hourly_profiles"][0].update(mutate)
    path = tmp_path / "carbon-intensity.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_a_profile_with_23_hours_fails_loudly_naming_the_field(tmp_path: Path) -> None:
    path = _broken_copy(tmp_path, {"weights": [1.0] * 23})
    with pytest.raises(DataFileError, match=r"hourly_profiles\.0\.weights"):
        load_carbon_intensity(str(path))


def test_a_profile_not_flagged_as_an_assumption_is_refused(tmp_path: Path) -> None:
    path = _broken_copy(tmp_path, {"assumption": False})
    with pytest.raises(DataFileError, match=r"hourly_profiles\.0\.assumption"):
        load_carbon_intensity(str(path))


def test_a_kets_phase_pointing_to_an_unknown_factor_is_refused(tmp_path: Path) -> None:
    raw = json.loads(packaged_path("carbon-intensity.json").read_text(encoding="utf-8"))
    raw["kets_phases"][0]["allocation_factor_id"] = "KR_NOPE"
    path = tmp_path / "ci.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(DataFileError, match="KR_NOPE"):
        load_carbon_intensity(str(path))


def test_regions_cover_korea_and_every_seed_region(regions: RegionsData) -> None:
    seed = {
        "aws:ap-northeast-2",
        "aws:ap-northeast-1",
        "aws:ap-southeast-1",
        "aws:us-east-1",
        "aws:us-west-2",
        "aws:eu-north-1",
        "aws:eu-central-1",
    }
    assert seed <= {r.id for r in regions.regions if r.seed}
    korean = {r.provider for r in regions.regions if r.country == "KR"}
    assert korean == {"aws", "azure", "gcp", "ncloud"}


def test_unknown_region_lists_the_allowed_ids(regions: RegionsData) -> None:
    with pytest.raises(InputError, match="aws:ap-northeast-2") as err:
        regions.region("aws:ap-northeast-9")
    assert "unknown region 'aws:ap-northeast-9'" in str(err.value)


def test_provider_pue_comes_from_the_data_with_its_source(regions: RegionsData) -> None:
    aws = regions.provider_pue("aws:ap-northeast-2")
    assert aws is not None and (aws.value, aws.quality) == (1.135, "estimated")
    assert "Cloud Carbon Footprint" in aws.source
    assert regions.provider_pue("ncloud:KR") is None  # no verified figure: the config must give one


def test_seoul_region_intensities_are_listed_per_source_with_year(
    ci: CarbonIntensityData, regions: RegionsData
) -> None:
    figs = region_intensities(ci, regions, "gcp:asia-northeast3")
    by_source = {(f.source.split(" (")[0], f.year): f.value for f in figs}
    assert by_source[("Electricity Maps", 2024)] == 423
    assert by_source[("Ember", 2024)] == 416
    assert by_source[("Google Cloud region carbon data", 2025)] == 359.05
    assert by_source[("KR official factor KR_2023", 2023)] == 417.3


def test_a_region_outside_korea_gets_no_korean_factor(ci: CarbonIntensityData, regions: RegionsData) -> None:
    figs = region_intensities(ci, regions, "aws:ap-southeast-1")
    assert [f.value for f in figs] == [408.0]
